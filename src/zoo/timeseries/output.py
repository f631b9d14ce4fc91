"""Forecasts as long-format frames, in the column names of statsforecast and neuralforecast.

One row per (unique_id, ds); a column per model named as the model (`rnn`, `Theta`), and
its interval bounds `<model>-lo-<level>` and `<model>-hi-<level>`, so that utilsforecast's
`evaluate` and `plot_series` read zoo's frames as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from zoo.timeseries.panel import Panel


def interval_columns(model: str, level: float) -> tuple[str, str]:
    """("<model>-lo-<level>", "<model>-hi-<level>"), the ecosystem's names."""
    return f"{model}-lo-{level:g}", f"{model}-hi-{level:g}"


def model_columns(model: str, forecast: torch.Tensor, bounds: dict | None = None) -> dict:
    """{column: flat values} of one model's forecasts and bounds ({level: (lower, upper)}),
    the lower bounds from the widest level in, then the upper ones (statsforecast's order)."""
    columns = {model: forecast.reshape(-1).float().numpy()}
    levels = sorted(bounds or {})
    for level in reversed(levels):
        columns[interval_columns(model, level)[0]] = bounds[level][0].reshape(-1).numpy()
    for level in levels:
        columns[interval_columns(model, level)[1]] = bounds[level][1].reshape(-1).numpy()
    return columns


def future_times(panel: Panel, horizon: int) -> np.ndarray:
    """The `horizon` times after each series' last value, series after series."""
    if len(panel) == 0:
        return np.array([])
    lengths = panel.lengths
    return np.concatenate([panel.times(i, int(lengths[i]), horizon) for i in range(len(panel))])


def forecast_frame(panel: Panel, forecasts: dict[str, torch.Tensor], bounds=None) -> pd.DataFrame:
    """Long format: `unique_id, ds` after each series' end, then each model's column and
    its bounds. `forecasts` is {model: (series, horizon)}, `bounds` {model: {level: ...}}."""
    horizon = next(iter(forecasts.values())).shape[1]
    columns = {"unique_id": panel.ids.repeat(horizon), "ds": future_times(panel, horizon)}
    for model, forecast in forecasts.items():
        columns |= model_columns(model, forecast, (bounds or {}).get(model))
    return pd.DataFrame(columns)
