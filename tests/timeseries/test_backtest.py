"""Rolling-origin backtests and conformal intervals."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

import zoo
from zoo.forecasting import Forecaster, SeasonalNaive
from zoo.timeseries import Panel
from zoo.timeseries.backtest import backtest, backtest_cutoffs, calibrate
from zoo.timeseries.intervals import ConformalIntervals
from zoo.timeseries.methods import (
    HybridMethod,
    NetworkMethod,
    SeasonalNaiveMethod,
    StatisticalMethod,
    hybrid,
)
from zoo.timeseries.metrics import panel_means, seasonal_naive_scale

from .conftest import ROOT


def ramps() -> Panel:
    """'a' = 0..29 and 'b' = 100..119: each value is 100 * series + its position."""
    return Panel.from_arrays(["a", "b"], [np.arange(30.0), 100 + np.arange(20.0)])


def test_cutoffs_and_windows_are_exact_and_no_forecast_sees_its_cutoff():
    panel = ramps()
    assert backtest_cutoffs(panel.lengths, 3, 2, 2).tolist() == [[25, 27], [15, 17]]
    seen = []

    def spy(history, horizon):  # remembers the latest value each forecast could read
        seen.append([float(history.series(i)[-1]) for i in range(len(history))])
        return torch.zeros(len(history), horizon)

    result = backtest(panel, {"spy": spy}, horizon=3, season_length=1, n_windows=2, step=2)
    assert seen == [[24.0, 114.0], [26.0, 116.0]]
    frame = result.frame
    first = frame[(frame.unique_id == "a") & (frame.cutoff == 24)]
    assert first.ds.tolist() == [25, 26, 27] and first.y.tolist() == [25.0, 26.0, 27.0]
    assert (frame.y > frame.cutoff + (frame.unique_id == "b") * 100).all()  # truth is later
    assert len(frame) == 2 * 2 * 3


def test_backtest_of_a_baseline_reproduces_its_own_figures():
    rng = np.random.default_rng(0)
    series = [10 + np.cumsum(rng.standard_normal(40 + i)) + 30 for i in range(8)]
    panel = Panel.from_arrays([f"s{i}" for i in range(8)], series)
    result = backtest(panel, {"naive": SeasonalNaiveMethod(4)}, 6, 4, n_windows=1)
    history, future = panel.split_last(6)
    last = torch.stack([history.series(i)[-4:] for i in range(8)])
    expected_forecast = last[:, torch.arange(6) % 4]
    expected = panel_means(
        expected_forecast,
        future.values.view(8, 6),
        seasonal_naive_scale(history.values, history.indptr, 4),
    )
    assert result.summary.loc["naive", "smape"] == pytest.approx(expected["smape"], rel=1e-6)
    assert result.summary.loc["naive", "mase"] == pytest.approx(expected["mase"], rel=1e-6)


def random_walks(count: int, length: int, seed: int = 0) -> Panel:
    rng = np.random.default_rng(seed)
    walks = 100 + np.cumsum(rng.standard_normal((count, length)), axis=1)
    return Panel.from_arrays([f"w{i}" for i in range(count)], list(walks))


def test_intervals_widen_with_the_horizon_on_random_walks():
    panel = random_walks(200, 60)
    intervals = calibrate(SeasonalNaiveMethod(1), panel, horizon=8, season_length=1)
    widths = intervals.quantiles[0]  # the 80% level, per step
    assert (widths.diff() > 0).sum() >= 6 and widths[-1] > 2 * widths[0]
    assert (intervals.quantiles[1] > intervals.quantiles[0]).all()  # 95% wider than 80%


def test_calibration_uses_the_series_long_enough_and_refuses_too_few():
    walks = random_walks(30, 60)
    short = Panel.from_arrays([f"s{i}" for i in range(5)], [np.ones(10)] * 5)
    both = Panel.from_arrays(
        [*walks.ids, *short.ids], [*(walks.series(i) for i in range(30)), *[np.ones(10)] * 5]
    )
    assert both.select(torch.arange(30)).values.equal(walks.values)
    naive = SeasonalNaiveMethod(1)
    alone = calibrate(naive, walks, horizon=8, season_length=1)
    assert calibrate(naive, both, horizon=8, season_length=1).quantiles.equal(alone.quantiles)
    with pytest.raises(zoo.ConfigError, match=r"0 series have the 18 values .* at least 20"):
        calibrate(naive, short, horizon=8, season_length=1)


def test_coverage_is_close_to_nominal_on_noise_of_known_size():
    rng = np.random.default_rng(1)
    panel = Panel.from_arrays(
        [f"n{i}" for i in range(300)], list(50 + rng.standard_normal((300, 80)))
    )
    history = panel.split_last(20)[0]  # calibrate before, measure after
    mean = lambda h, horizon: torch.stack(  # noqa: E731
        [h.series(i).mean().expand(horizon) for i in range(len(h))]
    )
    intervals = calibrate(mean, history, horizon=5, season_length=1, n_windows=2)
    result = backtest(
        panel, {"mean": mean}, 5, 1, n_windows=4, step=5, intervals={"mean": intervals}
    )
    assert result.summary.loc["mean", "coverage-80"] == pytest.approx(80, abs=4)
    assert result.summary.loc["mean", "coverage-95"] == pytest.approx(95, abs=3)


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(zoo.ConfigError, match=r"too short for 9 windows .* allows 8 window"):
        backtest(ramps(), {"n": SeasonalNaiveMethod(1)}, 3, 1, n_windows=9, step=2)
    with pytest.raises(zoo.ConfigError, match="strictly between 0 and 100"):
        ConformalIntervals.calibrate(
            torch.ones(30, 2), torch.ones(30, 2), torch.ones(30), (80, 100)
        )
    with pytest.raises(zoo.ConfigError, match="at least 20 calibration forecasts"):
        ConformalIntervals.calibrate(torch.ones(3, 2), torch.ones(3, 2), torch.ones(3))


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


def test_a_network_forecast_does_not_change_when_garbage_follows_the_cutoff():
    model = zoo.create_model(
        "rnn", horizon=3, input_length=6, hidden_size=4, scaling="standard"
    ).eval()
    panel = ramps()
    history, future = panel.split_at(panel.lengths - 3)  # one window: the last 3 values
    garbage = Panel.from_arrays(panel.ids, [np.full(3, 1e6), np.full(3, -5.0)])
    forecasts = []
    for after in (future, garbage):
        result = backtest(history.concat(after), {"rnn": NetworkMethod(model)}, 3, 1, 1)
        forecasts.append(result.windows[0].forecasts["rnn"])
        assert result.windows[0].truth.equal(after.values.view(2, 3))  # the truth differs
    assert torch.equal(*forecasts)


def test_the_hybrid_is_the_mean_of_network_and_theta_or_the_network_where_theta_is_missing():
    network = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    theta = torch.tensor([[3.0, 4.0], [float("nan"), 6.0]])  # statsforecast's NaN fallback
    assert torch.equal(hybrid(network, theta), torch.tensor([[2.0, 3.0], [3.0, 5.0]]))
    panel = ramps()
    last = lambda h, horizon: torch.stack(  # noqa: E731
        [h.series(i)[-1].expand(horizon) for i in range(len(h))]
    )
    theta_alone = StatisticalMethod("Theta", 1)(panel, 4)
    assert torch.allclose(HybridMethod(last, 1)(panel, 4), (last(panel, 4) + theta_alone) / 2)
