"""zoo.timeseries.backtest: rolling-origin backtests and conformal intervals."""

import numpy as np
import pytest
import torch

import zoo
from zoo.timeseries import Panel
from zoo.timeseries.backtest import backtest, backtest_cutoffs, calibrate
from zoo.timeseries.intervals import ConformalIntervals
from zoo.timeseries.methods import (
    NetworkMethod,
    SeasonalNaiveMethod,
)
from zoo.timeseries.metrics import panel_means, seasonal_naive_scale

from ..conftest import random_walks
from .conftest import ramps


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
