"""Forecasting from a checkpoint: the next `horizon` values after a series, as CSV and PNG."""

from pathlib import Path

import pandas as pd
import torch

from zoo.checkpoints import load_task
from zoo.errors import ConfigError, DataError


def future_index(index: pd.Index, horizon: int) -> pd.Index:
    """Dates (when the series has a regular frequency) or positions after `index`."""
    if isinstance(index, pd.DatetimeIndex) and len(index) > 2:
        freq = index.freq or pd.infer_freq(index)
        if freq:
            return pd.date_range(index[-1], periods=horizon + 1, freq=freq)[1:]
    start = len(index)
    return pd.RangeIndex(start, start + horizon)


def forecast_series(checkpoint: str | Path, series: pd.Series) -> pd.Series:
    """The next `horizon` values after `series`, from a forecasting checkpoint."""
    task = load_task(checkpoint)
    if not hasattr(task, "forecast"):
        raise ConfigError(f"{checkpoint} holds a {type(task).__name__}, not a forecaster")
    length = task.hparams.model_kwargs["input_length"]
    if len(series) < length:
        raise DataError(f"the model reads {length} values, the series has only {len(series)}")
    values = task.forecast(torch.tensor(series.to_numpy(), dtype=torch.float32))
    return pd.Series(values.numpy(), index=future_index(series.index, len(values)), name="forecast")


def write_forecast(
    forecast: pd.Series, history: pd.Series, csv_path: Path, history_shown: int = 120
) -> Path:
    """Write the forecast as CSV at `csv_path` and a plot beside it; returns the PNG path."""
    from zoo.plots import forecast_figure

    png_path = csv_path.with_suffix(".png")
    for path in (csv_path, png_path):
        if path.exists():
            raise ConfigError(f"{path} exists; choose another --out (nothing was overwritten)")
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    forecast.rename_axis("time").to_csv(csv_path)
    shown = history.iloc[-history_shown:]
    index = (
        shown.index.append(forecast.index) if isinstance(shown.index, pd.DatetimeIndex) else None
    )
    figure = forecast_figure(
        shown.to_numpy(),
        forecast.to_numpy(),
        index=index,
        title=f"{history.name}: next {len(forecast)} values",
    )
    figure.savefig(png_path)
    return png_path
