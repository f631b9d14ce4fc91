"""Rolling-origin backtests: forecast from several past cutoffs, compare with what happened.

For `n_windows` cutoffs `step` apart, the last ending `horizon` values before each series'
end, every method forecasts each series from its values before the cutoff alone, and the
next `horizon` values are the truth (statsforecast's `cross_validation` layout:
`test_size = horizon + step * (n_windows - 1)` values at the end of each series).

A method is any callable `(history: Panel, horizon) -> (series, horizon) forecasts`. The
statistical baselines are fitted anew on each cutoff's history by their nature. A trained
network is reused as it is (`refit=False`, the default): refitting a global network costs a
whole training per cutoff, and the trained network only reads each cutoff's history, so no
forecast sees the data at or after its cutoff. Its forecasts from cutoffs inside its own
training data are in-sample for its weights, though: backtest a checkpoint on cutoffs after
the data it trained on (the test part), or refit (`scripts/backtest.py --refit`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from zoo.baselines import seasonal_naive, statistical_forecasts
from zoo.data.panel import Panel
from zoo.data.windows import forecast_windows
from zoo.errors import ConfigError
from zoo.intervals import MIN_CALIBRATION, ConformalIntervals, coverage_and_width
from zoo.metrics import panel_means, seasonal_naive_scale

Forecaster = Callable[[Panel, int], torch.Tensor]


def model_forecaster(model: torch.nn.Module) -> Forecaster:
    """A trained forecaster network, reused at every cutoff."""
    from zoo.forecast import forecast_panel

    return lambda history, horizon: forecast_panel(model, history)


def refit_forecaster(checkpoint, quiet: bool = True) -> Forecaster:
    """The network of `checkpoint`, trained anew with its run's config on each history.

    Each history is written to a temporary Parquet file and trained on whole
    (`data.final_fit=true`: it has no later values to validate on); window sizes come from
    the checkpoint's network.
    """
    import tempfile
    from pathlib import Path

    from omegaconf import OmegaConf

    import zoo
    from zoo.evaluation import run_config
    from zoo.forecast import forecast_panel

    cfg = run_config(checkpoint)
    trained = zoo.load_model(checkpoint)
    sizes = ("horizon", "input_length", "season_length", "min_input_length")
    kept = ("batch_size", "seed", "epoch_windows")

    def forecast(history: Panel, horizon: int) -> torch.Tensor:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "history.parquet"
            history.to_frame().to_parquet(path)
            data = {k: cfg.data[k] for k in kept if k in cfg.data}
            data |= {k: getattr(trained, k) for k in sizes}
            data |= {"_target_": "zoo.data.PanelDataModule", "source": "parquet"}
            data |= {"path": str(path), "final_fit": True}
            run = OmegaConf.merge(cfg, {"output_dir": f"{folder}/run", "test": False})
            run.data = OmegaConf.create(data)
            run.quiet, run.logger = quiet, None
            zoo.train(run)
            model = zoo.load_model(Path(folder) / "run" / "checkpoints" / "last.ckpt")
            return forecast_panel(model, history)

    return forecast


def seasonal_naive_forecaster(season_length: int) -> Forecaster:
    def forecast(history: Panel, horizon: int) -> torch.Tensor:
        last = forecast_windows(history, max(season_length, 1)).__getitems__(range(len(history)))
        return seasonal_naive(last["x"], last["mask"], horizon, season_length)

    return forecast


def statistical_forecaster(method: str, season_length: int, n_jobs: int = -1) -> Forecaster:
    """statsforecast's Theta or AutoETS, fitted on each history."""

    def forecast(history: Panel, horizon: int) -> torch.Tensor:
        forecasts = statistical_forecasts(history, horizon, season_length, (method,), n_jobs)
        return torch.as_tensor(forecasts[method][0])

    return forecast


def hybrid_forecaster(network: Forecaster, season_length: int) -> Forecaster:
    """The RNN + Theta hybrid (`zoo.forecast.hybrid`): `network`'s forecasts averaged with
    statsforecast's Theta fitted on the same history."""
    from zoo.forecast import hybrid

    theta = statistical_forecaster("Theta", season_length)
    return lambda history, horizon: hybrid(network(history, horizon), theta(history, horizon))


def values_needed(horizon: int, n_windows: int, step: int, min_history: int = 2) -> int:
    """Values a series needs for `n_windows` windows `step` apart, each forecast reading at
    least `min_history` values: statsforecast's `test_size` plus that history."""
    return horizon + step * (n_windows - 1) + min_history


def backtest_cutoffs(
    lengths: torch.Tensor, horizon: int, n_windows: int, step: int, min_history: int = 2
) -> torch.Tensor:
    """(series, n_windows) cutoffs: the number of values each window's forecast may read."""
    if n_windows < 1 or step < 1 or horizon < 1:
        raise ConfigError("n_windows, step and horizon must be positive")
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
class Backtest:
    """`frame`: one row per (series, cutoff, time) with the truth `y`, the series' MASE
    `scale` at that cutoff, a column per method and its interval bounds (`<method>-lo-80`...);
    `summary`: per method, sMAPE, MASE and each level's coverage and mean width."""

    frame: pd.DataFrame
    summary: pd.DataFrame


def backtest(
    panel: Panel,
    methods: dict[str, Forecaster],
    horizon: int,
    season_length: int,
    n_windows: int = 3,
    step: int | None = None,
    intervals: dict[str, ConformalIntervals] | None = None,
    progress: bool = False,
) -> Backtest:
    """Forecast every series of `panel` from each cutoff with every method; see the module."""
    step = step or horizon
    cutoffs = backtest_cutoffs(panel.lengths, horizon, n_windows, step)
    intervals = intervals or {}
    frames, scores = [], {name: [] for name in methods}
    windows = range(n_windows)
    if progress:
        from rich.progress import track

        windows = track(windows, description="backtest cutoffs", transient=True)
    for k in windows:
        history, rest = panel.split_at(cutoffs[:, k])
        truth = rest.split_at(torch.full_like(rest.lengths, horizon))[0]
        truth_values = truth.values.view(len(panel), horizon)
        scale = seasonal_naive_scale(history.values, history.indptr, season_length)
        columns = {
            "unique_id": panel.ids.repeat(horizon),
            "cutoff": np.repeat(history.shifted_starts(history.lengths - 1), horizon),
            "ds": np.concatenate([truth.times(i) for i in range(len(truth))]),
            "y": truth_values.reshape(-1).numpy(),
            "scale": scale.repeat_interleave(horizon).numpy(),  # MASE's, at this cutoff
        }
        for name, forecaster in methods.items():
            forecast = forecaster(history, horizon).float()
            columns[name] = forecast.reshape(-1).numpy()
            bounds = intervals[name].bounds(forecast, scale) if name in intervals else {}
            for level, (lower, upper) in bounds.items():
                columns[f"{name}-lo-{level:g}"] = lower.reshape(-1).numpy()
                columns[f"{name}-hi-{level:g}"] = upper.reshape(-1).numpy()
            scores[name].append((forecast, truth_values, scale, bounds))
        frames.append(pd.DataFrame(columns))
    return Backtest(pd.concat(frames, ignore_index=True), summarise(scores))


def summarise(scores: dict[str, list[tuple]]) -> pd.DataFrame:
    """Per method: panel means of sMAPE and MASE over every (series, cutoff), and each
    interval level's coverage (%) and mean width."""
    rows = {}
    for name, windows in scores.items():
        forecast, truth, scale = (
            torch.cat(parts) for parts in list(zip(*windows, strict=True))[:3]
        )
        figures = panel_means(forecast, truth, scale)
        row = {"smape": figures["smape"], "mase": figures["mase"]}
        levels = windows[0][3].keys()
        if levels:
            bounds = {
                level: tuple(torch.cat([w[3][level][j] for w in windows]) for j in (0, 1))
                for level in levels
            }
            row |= coverage_and_width(bounds, truth)
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def calibrate(
    forecaster: Forecaster,
    history: Panel,
    horizon: int,
    season_length: int,
    n_windows: int = 2,
    step: int | None = None,
    levels=(80, 95),
) -> ConformalIntervals:
    """Conformal intervals for `forecaster` from its backtest on `history` (the values
    before a backtest's first cutoff): the last `n_windows` cutoffs before its end, `step`
    apart, on the series long enough for them (the others add no scores). Fewer than
    `MIN_CALIBRATION` such series raise a ConfigError."""
    step = step or horizon
    needed = values_needed(horizon, n_windows, step)
    long_enough = history.lengths >= needed
    if int(long_enough.sum()) < MIN_CALIBRATION:
        raise ConfigError(
            f"{int(long_enough.sum())} series have the {needed} values before the first "
            f"cutoff that {n_windows} calibration windows need; intervals need at least "
            f"{MIN_CALIBRATION}: lower n_windows or step"
        )
    frame = backtest(
        history.select(long_enough), {"m": forecaster}, horizon, season_length, n_windows, step
    ).frame
    forecast, truth, scale = (
        torch.as_tensor(frame[column].to_numpy()).view(-1, horizon)
        for column in ("m", "y", "scale")
    )
    return ConformalIntervals.calibrate(forecast, truth, scale[:, 0], levels)
