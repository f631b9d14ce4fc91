"""`zoo forecast` (scripts/forecast.py) as a user runs it: long-format forecasts with
intervals, plots, shipped weights, and refusals in one line naming the fix."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import zoo
from zoo.data import PanelDataModule
from zoo.forecasting import SeasonalNaive, Theta
from zoo.timeseries.methods import StatisticalMethod

from ..conftest import (
    NO_MNIST_HERE,
    ROOT,
    compose_config,
    monthly_frame,
    run_script,
    shipped,
    sine_panel,
)


def test_forecast_script_writes_long_format_and_plots_without_overwriting(config, tmp_path):
    path = sine_panel(tmp_path / "sines.csv", count=4, length=60)
    cfg = config(
        "model=rnn",
        "data=csv",
        f"data.path={path}",
        "data.horizon=6",
        "data.season_length=12",
        "model.hidden_size=8",
        "model.num_layers=1",
        "trainer.max_epochs=1",
        "data.epoch_windows=null",
        "model.ensemble_size=1",
        "logger=none",
        "test=false",
    )
    zoo.train(cfg)
    out = tmp_path / "out" / "forecasts.csv"
    command = [
        sys.executable,
        str(ROOT / "scripts" / "forecast.py"),
        f"{cfg.output_dir}/checkpoints/last.ckpt",
        str(path),
        "--out",
        str(out),
        "--plot",
        "s1",
        "s3",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(out)
    # four series: too few validation forecasts, so the intervals come from rolling windows
    levels = ["rnn-lo-95", "rnn-lo-80", "rnn-hi-80", "rnn-hi-95"]
    assert list(written.columns) == ["unique_id", "ds", "rnn", *levels]
    assert len(written) == 4 * 6 and written["ds"].iloc[0] == "2005-01-01"
    assert out.with_suffix(".png").stat().st_size > 5_000
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "exists" in again.stderr  # nothing overwritten

    hybrid_out = tmp_path / "hybrid.csv"
    command[command.index(str(out))] = str(hybrid_out)
    result = subprocess.run([*command, "--hybrid"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "RNN + Theta hybrid" in result.stdout, result.stderr
    panel = PanelDataModule(source="csv", path=str(path), horizon=6).load_panel()
    theta = StatisticalMethod("Theta", 12)(panel, 6).reshape(-1).numpy()
    hybrid = pd.read_csv(hybrid_out)
    assert list(hybrid.columns) == ["unique_id", "ds", "rnn", "rnn+Theta"]  # no intervals: --help
    assert np.allclose(hybrid["rnn+Theta"], (written.rnn + theta) / 2, rtol=1e-5, atol=1e-4)


def test_outputs_that_collide_or_cannot_be_written_are_refused_before_the_work(tmp_path):
    shipped = zoo.get_weights("rnn.m3-monthly")
    assert shipped.available
    dates = pd.date_range("2000-01-01", periods=40, freq="MS")
    data = tmp_path / "sales.csv"
    pd.DataFrame({"unique_id": "a", "ds": dates, "y": 10 + np.arange(40.0)}).to_csv(data)
    same = run_script("forecast", "--weights", "rnn-m3-monthly", data, "--out", tmp_path / "x.png")
    assert same.returncode != 0 and "two outputs of this command would be" in same.stderr
    assert not (tmp_path / "x.png").exists()
    (tmp_path / "file").write_text("a regular file")
    under_file = tmp_path / "file" / "out.csv"
    blocked = run_script("forecast", "--weights", "rnn-m3-monthly", data, "--out", under_file)
    assert blocked.returncode != 0 and f"cannot write {under_file}" in blocked.stderr
    assert "Traceback" not in blocked.stderr + same.stderr
    with pytest.raises(zoo.ConfigError, match="cannot write the run folder"):
        zoo.train(compose_config("model=perceptron", output_dir=tmp_path / "file" / "run"))


def test_frame_messages_name_the_fix_as_the_command_spells_it(tmp_path):
    dates = pd.date_range("2000-01-01", periods=30, freq="MS")
    frame = pd.DataFrame({"unique_id": "a", "ds": dates, "y": 1.0 + np.arange(30)})
    frame.loc[5, "y"] = np.nan
    frame.to_csv(tmp_path / "blank.csv", index=False)
    blank = run_script("forecast", "--weights", "rnn-m3-monthly", tmp_path / "blank.csv",
                       "--out", tmp_path / "f.csv")  # fmt: skip
    assert "--fill interpolate or --fill ffill" in blank.stderr and "data.fill" not in blank.stderr
    frame.rename(columns={"y": "sales"}).to_csv(tmp_path / "sales.csv", index=False)
    column = run_script("backtest", tmp_path / "sales.csv", "--horizon", "3",
                        "--out", tmp_path / "b.csv")  # fmt: skip
    assert "--value-column NAME" in column.stderr, column.stderr
    skipped = frame.drop(index=7).fillna(1.0)  # a month missing among the first 50 values
    with pytest.raises(zoo.DataError, match=r"series 'a' skips a period .* data row 8 "):
        zoo.Forecaster([Theta()], h=3).fit(skipped)


def test_mixed_utc_offsets_are_refused_from_python_and_the_command_line(tmp_path):
    frame = monthly_frame(periods=12)
    frame["ds"] = [f"2000-{m:02d}-01T00:00:00+0{1 + (m > 3 and m < 11)}:00" for m in range(1, 13)]
    message = r"mixes UTC offsets: \+01:00 at data row 1 .*, \+02:00 at data row 4"
    with pytest.raises(zoo.DataError, match=message):
        zoo.Forecaster([SeasonalNaive()], h=3).fit(frame)
    frame.to_csv(tmp_path / "dst.csv", index=False)
    for command, args in [("forecast", ["--weights", "rnn-m3-monthly"]),
                          ("backtest", ["--horizon", "2"])]:  # fmt: skip
        result = run_script(command, *args, tmp_path / "dst.csv", "--out", tmp_path / "o.csv")
        assert result.returncode != 0 and "mixes UTC offsets" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_forecast_with_weights_needs_no_checkpoint(tmp_path):
    shipped("rnn.m3-monthly")
    dates = pd.date_range("2000-01-01", periods=60, freq="MS")
    frame = pd.concat(
        pd.DataFrame({"unique_id": name, "ds": dates[:n], "y": 100 + 10 * np.sin(np.arange(n))})
        for name, n in (("a", 60), ("b", 30))
    )
    frame.to_csv(tmp_path / "sales.csv", index=False)
    result = run_script(
        "forecast", "--weights", "rnn-m3-monthly", tmp_path / "sales.csv", "--out",
        tmp_path / "f.csv", env=NO_MNIST_HERE,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    forecasts = pd.read_csv(tmp_path / "f.csv")
    assert len(forecasts) == 2 * 18 and np.isfinite(forecasts["rnn"]).all()
    assert (forecasts["rnn-lo-95"] > 0).all() and (forecasts["rnn-lo-95"] < forecasts.rnn).all()
    # the same frame through the Python API: the CLI and the API write the same forecasts
    api = zoo.Forecaster.from_weights("rnn-m3-monthly").predict(frame, level=[80, 95])
    assert list(api.columns) == list(forecasts.columns)
    assert np.allclose(api.rnn, forecasts.rnn, rtol=1e-5)
    assert np.allclose(api["rnn-hi-95"], forecasts["rnn-hi-95"], rtol=1e-5)
