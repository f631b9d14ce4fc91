"""`zoo backtest` (scripts/backtest.py): the same frame as the Python API's
cross_validation, intervals carried from training, refusals before any work."""

import subprocess
import sys

import pandas as pd
import pytest

import zoo
from zoo.forecasting import Forecaster, SeasonalNaive

from ..conftest import ROOT, monthly_frame, random_walks, run_script


def test_a_trained_forecaster_carries_intervals_into_forecasts(config, tmp_path):
    path = tmp_path / "walks.csv"
    random_walks(40, 50).to_frame().to_csv(path, index=False)
    cfg = config(
        "model=rnn",
        "data=csv",
        f"data.path={path}",
        "data.horizon=6",
        "data.season_length=1",  # integer times: no season to infer
        "model.hidden_size=8",
        "trainer.max_epochs=2",
        "data.epoch_windows=null",
        "model.ensemble_size=1",
        "logger=none",
    )
    metrics = zoo.train(cfg).metrics
    assert 40 < metrics["test/coverage-80"] <= 100 and metrics["test/width-95"] > 0
    checkpoint = f"{cfg.output_dir}/checkpoints/last.ckpt"
    stored = Forecaster.from_checkpoint(checkpoint).networks_["rnn"].intervals
    assert stored.levels == (80, 95) and stored.quantiles.shape == (2, 6)
    assert stored.space == "log"  # positive walks: log-scaled network, log-space intervals
    out = tmp_path / "forecasts.csv"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "forecast.py"),
            checkpoint,
            str(path),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(out)
    assert list(written.columns) == [
        "unique_id",
        "ds",
        "rnn",
        "rnn-lo-95",
        "rnn-lo-80",
        "rnn-hi-80",
        "rnn-hi-95",
    ]
    assert (written["rnn-lo-95"] <= written["rnn-lo-80"]).all() and (
        written["rnn-lo-80"] <= written.rnn
    ).all()
    assert (written.rnn <= written["rnn-hi-80"]).all() and (
        written["rnn-hi-80"] <= written["rnn-hi-95"]
    ).all()
    assert (written["rnn-lo-95"] > 0).all()  # log-space bands of positive series stay positive

    backtest_out = tmp_path / "backtest.csv"
    command = [
        sys.executable,
        str(ROOT / "scripts" / "backtest.py"),
        checkpoint,
        str(path),
        "--n-windows",
        "2",
        "--methods",
        "rnn",
        "rnn+Theta",
        "SeasonalNaive",
        "--out",
        str(backtest_out),
        "--quiet",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "coverage-80" in result.stdout and "SeasonalNaive" in result.stdout
    frame = pd.read_csv(backtest_out)
    assert {"rnn", "rnn-lo-80", "SeasonalNaive-hi-95", "rnn+Theta"} <= set(frame.columns)
    assert "rnn+Theta-lo-95" not in frame and "no intervals for rnn+Theta" in result.stderr
    again = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert again.returncode != 0 and "exists" in again.stderr  # nothing overwritten

    # one implementation: the command's frame is the Python API's cross_validation
    api = Forecaster.from_checkpoint(checkpoint, models=[SeasonalNaive()]).cross_validation(
        pd.read_csv(path), n_windows=2, level=[80, 95], hybrid=True
    )
    pd.testing.assert_frame_equal(frame, api[frame.columns], check_dtype=False, rtol=1e-6)


def test_a_step_of_zero_is_refused_not_read_as_the_horizon(tmp_path):
    frame = monthly_frame()
    with pytest.raises(zoo.ConfigError, match="step_size must be a whole number >= 1, not 0"):
        zoo.Forecaster([SeasonalNaive()], h=3).cross_validation(frame, step_size=0)
    frame.to_csv(tmp_path / "m.csv", index=False)
    result = run_script("backtest", tmp_path / "m.csv", "--horizon", "3", "--step", "0",
                        "--out", tmp_path / "b.csv")  # fmt: skip
    assert result.returncode != 0 and "must be a whole number >= 1, not 0" in result.stderr
    assert not (tmp_path / "b.csv").exists()
