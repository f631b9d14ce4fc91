"""Forecasting every series of a panel with a trained forecaster; long-format output."""

from pathlib import Path

import pandas as pd
import torch
from torch import nn

from zoo.data.panel import Panel
from zoo.data.windows import forecast_windows
from zoo.errors import ConfigError
from zoo.metrics import seasonal_naive_scale


@torch.no_grad()
def forecast_panel(model: nn.Module, panel: Panel, batch_size: int = 4096) -> torch.Tensor:
    """(series, horizon) forecasts after the end of every series of `panel`.

    `model` is a forecaster such as `RNNForecaster`: raw values and mask in, raw forecasts
    out; it reads the last `model.input_length` values of each series.
    """
    windows = forecast_windows(panel, model.input_length)
    device = next(model.parameters()).device
    forecasts = []
    for start in range(0, len(windows), batch_size):
        batch = windows.__getitems__(range(start, min(start + batch_size, len(windows))))
        forecasts.append(model(batch["x"].to(device), batch["mask"].to(device)).float().cpu())
    return torch.cat(forecasts) if forecasts else torch.empty(0, model.horizon)


def hybrid(network: torch.Tensor, statistical: torch.Tensor) -> torch.Tensor:
    """The RNN + Theta hybrid: the equal-weight mean of a network's forecasts and a
    statistical method's (statsforecast's Theta) for the same series; the network's alone
    where the statistical forecast is missing (NaN: statsforecast's fallback on series
    shorter than a season). The plain mean was chosen on M3 monthly's validation part,
    never its test part (README, "Forecasting": the hybrid's table).
    """
    network, statistical = network.float(), statistical.float()
    return torch.where(statistical.isfinite(), 0.5 * (network + statistical), network)


def forecast_bounds(panel: Panel, forecasts: torch.Tensor, intervals, season_length: int):
    """{level: (lower, upper)} around `forecasts` of `panel`'s series, from conformal
    `intervals` (`zoo.intervals.ConformalIntervals`) scaled by each series' MASE scale."""
    scale = seasonal_naive_scale(panel.values, panel.indptr, season_length)
    return intervals.bounds(forecasts, scale)


def forecast_frame(panel: Panel, forecasts: torch.Tensor, bounds: dict | None = None):
    """Long format: one row per (unique_id, ds) after each series' end, its forecast, and
    the interval columns lo-80, hi-80, ... when `bounds` ({level: (lower, upper)}) are given."""
    horizon = forecasts.shape[1]
    times = [panel.times(i, int(panel.lengths[i]), horizon) for i in range(len(panel))]
    columns = {
        "unique_id": panel.ids.repeat(horizon),
        "ds": [t for series in times for t in series],
        "forecast": forecasts.reshape(-1).numpy(),
    }
    for level, (lower, upper) in (bounds or {}).items():
        columns[f"lo-{level:g}"] = lower.reshape(-1).numpy()
        columns[f"hi-{level:g}"] = upper.reshape(-1).numpy()
    return pd.DataFrame(columns)


def refuse_existing(*paths: Path) -> None:
    """Nothing a user wrote is overwritten: stop if any of `paths` exists."""
    for path in paths:
        if path.exists():
            raise ConfigError(f"{path} exists; choose another --out (nothing was overwritten)")


def plot_forecasts(
    panel: Panel,
    forecasts: torch.Tensor,
    ids: list[str],
    path: Path,
    bounds: dict | None = None,
    history_shown: int = 120,
) -> Path:
    """A grid of the series `ids`: recent history, forecast and interval bands (`bounds`,
    as from `forecast_bounds`), saved as a PNG at `path`."""
    from zoo.plots import forecast_grid

    position = {str(name): i for i, name in enumerate(panel.ids)}
    unknown = [i for i in ids if i not in position]
    if unknown:
        raise ConfigError(f"no series {', '.join(map(repr, unknown))} in the data")
    panels = [
        (
            i,
            panel.series(position[i])[-history_shown:],
            forecasts[position[i]],
            None,
            {
                level: (lo[position[i]], hi[position[i]])
                for level, (lo, hi) in (bounds or {}).items()
            },
        )
        for i in ids
    ]
    figure = forecast_grid(panels, columns=min(3, len(panels)))
    figure.savefig(path)
    return path
