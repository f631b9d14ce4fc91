"""Rolling-origin backtests: forecast from several past cutoffs, compare with what happened.

For `n_windows` cutoffs `step` apart, the last ending `horizon` values before each series'
end, every method forecasts each series from its values before the cutoff alone, and
the next `horizon` values are the truth (statsforecast's `cross_validation` layout:
`test_size = horizon + step * (n_windows - 1)` values at the end of each series).

The statistical baselines are fitted anew on each cutoff's history by their nature. A
trained network is reused as it is (`NetworkMethod`) unless it is a `RefitMethod`:
refitting a global network costs a whole training per cutoff, and a reused network only
reads each cutoff's history, so no forecast sees the data at or after its cutoff. Its
forecasts from cutoffs inside its own training data are in-sample for its weights, though:
backtest a trained network on cutoffs after the data it trained on, or refit.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from zoo.errors import ConfigError
from zoo.timeseries.intervals import (
    DEFAULT_LEVELS,
    MIN_CALIBRATION,
    ConformalIntervals,
    coverage_and_width,
    interval_space,
)
from zoo.timeseries.methods import Method
from zoo.timeseries.metrics import panel_means, seasonal_naive_scale
from zoo.timeseries.output import model_columns
from zoo.timeseries.panel import Panel


def values_needed(horizon: int, n_windows: int, step: int, min_history: int = 2) -> int:
    """Values a series needs for `n_windows` windows `step` apart, each forecast reading at
    least `min_history` values: statsforecast's `test_size` plus that history."""
    return horizon + step * (n_windows - 1) + min_history


def backtest_cutoffs(
    lengths: torch.Tensor, horizon: int, n_windows: int, step: int, min_history: int = 2
) -> torch.Tensor:
    """(series, n_windows) cutoffs: the number of values each window's forecast may read."""
    for name, value in (("horizon", horizon), ("n_windows", n_windows), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ConfigError(f"{name} must be a whole number >= 1, not {value!r}")
    needed = values_needed(horizon, n_windows, step, min_history)
    too_short = lengths < needed
    if too_short.any():
        allowed = int(((lengths.min() - min_history - horizon) // step + 1).clamp_min(0))
        raise ConfigError(
            f"{int(too_short.sum())} series are too short for {n_windows} windows of "
            f"{horizon} values {step} apart (they need {needed} values, the "
            f"shortest has {int(lengths.min())}); the shortest allows {allowed} window(s): "
            "lower n_windows or step"
        )
    first = lengths - needed + min_history  # the earliest cutoff keeps min_history values
    return first.unsqueeze(1) + step * torch.arange(n_windows)


@dataclass
class Window:
    """One cutoff's forecasts of every series: (series, horizon) tensors."""

    forecasts: dict[str, torch.Tensor]
    bounds: dict[str, dict]
    truth: torch.Tensor
    scale: torch.Tensor  # each series' MASE scale at the cutoff


@dataclass
class Backtest:
    """`frame`: one row per (series, cutoff, time), in statsforecast's `cross_validation`
    layout: `unique_id, ds, cutoff, y`, a column per method and its interval bounds
    (`<name>-lo-80`...); `summary`: per method, the panel means of sMAPE and MASE over
    every (series, cutoff) and each level's coverage (%) and mean width."""

    frame: pd.DataFrame
    summary: pd.DataFrame
    windows: list[Window]


def backtest(
    panel: Panel,
    methods: dict[str, Method],
    horizon: int,
    season_length: int,
    n_windows: int = 3,
    step: int | None = None,
    intervals: dict[str, ConformalIntervals] | None = None,
    progress: bool = False,
) -> Backtest:
    """Forecast every series of `panel` from each cutoff with every method; see above."""
    step = horizon if step is None else step
    cutoffs = backtest_cutoffs(panel.lengths, horizon, n_windows, step)
    intervals = intervals or {}
    frames, windows = [], []
    steps = range(n_windows)
    if progress:
        from rich.progress import track

        steps = track(steps, description="backtest cutoffs", transient=True)
    for k in steps:
        history, rest = panel.split_at(cutoffs[:, k])
        truth = rest.split_at(torch.full_like(rest.lengths, horizon))[0]
        truth_values = truth.values.view(len(panel), horizon)
        scale = seasonal_naive_scale(history.values, history.indptr, season_length)
        columns = {
            "unique_id": panel.ids.repeat(horizon),
            "ds": np.concatenate([truth.times(i) for i in range(len(truth))]),
            "cutoff": np.repeat(history.shifted_starts(history.lengths - 1), horizon),
            "y": truth_values.reshape(-1).numpy(),
        }
        window = Window({}, {}, truth_values, scale)
        for name, method in methods.items():
            forecast = method(history, horizon).float()
            bounds = intervals[name].bounds(forecast, scale) if name in intervals else {}
            columns |= model_columns(name, forecast, bounds)
            window.forecasts[name], window.bounds[name] = forecast, bounds
        frames.append(pd.DataFrame(columns))
        windows.append(window)
    frame = pd.concat(frames, ignore_index=True)
    return Backtest(frame, summarise(windows), windows)


def summarise(windows: list[Window]) -> pd.DataFrame:
    """Per method: panel means of sMAPE and MASE over every (series, cutoff), and each
    interval level's coverage (%) and mean width."""
    truth = torch.cat([w.truth for w in windows])
    scale = torch.cat([w.scale for w in windows])
    rows = {}
    for name in windows[0].forecasts:
        forecast = torch.cat([w.forecasts[name] for w in windows])
        figures = panel_means(forecast, truth, scale)
        row = {"smape": figures["smape"], "mase": figures["mase"]}
        levels = windows[0].bounds[name].keys()
        if levels:
            bounds = {
                level: tuple(torch.cat([w.bounds[name][level][j] for w in windows]) for j in (0, 1))
                for level in levels
            }
            row |= coverage_and_width(bounds, truth)
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def calibration_windows(series: int, horizon: int, wanted: int = MIN_CALIBRATION) -> int:
    """Windows one step apart that give a panel of `series` at least `wanted` scores."""
    return max(1, -(-wanted // max(series, 1)))


def calibrate(
    method: Method,
    history: Panel,
    horizon: int,
    season_length: int,
    n_windows: int = 2,
    step: int | None = None,
    levels=DEFAULT_LEVELS,
) -> ConformalIntervals:
    """Conformal intervals for `method` from its backtest on `history` (values it has
    not trained on, such as those before a backtest's first cutoff): the last `n_windows`
    cutoffs before its end, `step` apart, on the series long enough for them (the others
    add no scores). Fewer than `MIN_CALIBRATION` scores per step raise a ConfigError."""
    step = horizon if step is None else step
    needed = values_needed(horizon, n_windows, step)
    long_enough = history.lengths >= needed
    if int(long_enough.sum()) * n_windows < MIN_CALIBRATION:
        raise ConfigError(
            f"{int(long_enough.sum())} series have the {needed} values that {n_windows} "
            f"calibration windows need, and intervals need at least {MIN_CALIBRATION} "
            "forecasts: lower step, or give more windows or series"
        )
    chosen = history.select(long_enough)
    result = backtest(chosen, {"m": method}, horizon, season_length, n_windows, step)
    forecast = torch.cat([w.forecasts["m"] for w in result.windows])
    truth = torch.cat([w.truth for w in result.windows])
    scale = torch.cat([w.scale for w in result.windows])
    return ConformalIntervals.calibrate(
        forecast, truth, scale, levels, interval_space(chosen.values)
    )
