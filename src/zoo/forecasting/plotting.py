"""Forecasts drawn with their interval bands on each series' own time axis (dates when the
series has them), as PNG files; matplotlib is imported only here, when a plot is made."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from zoo.errors import ConfigError
from zoo.timeseries.panel import Panel

BOUND = re.compile(r"^(?P<model>.+)-(?P<side>lo|hi)-(?P<level>\d+(\.\d+)?)$")


def plot_forecasts(
    history: Panel,
    forecasts: pd.DataFrame,
    ids: list[str],
    path: str | Path,
    model: str | None = None,
    history_shown: int = 120,
    replace: bool = True,
) -> Path:
    """A grid of the series `ids`: their recent `history`, the forecasts of the long-format
    frame `forecasts` (column `model`, default its first model column) after it, and the
    bands of its `<model>-lo/hi-<level>` columns; saved at `path` (as its suffix says, PNG
    by default) whole or not at all, replacing a file there unless `replace=False`. A `y`
    column in `forecasts` (what happened, as in a cross-validation frame) is drawn as the
    truth."""
    from zoo.files import write_file
    from zoo.plots import forecast_grid

    columns = [c for c in forecasts.columns if c not in ("unique_id", "ds", "cutoff", "y")]
    model = model or next(c for c in columns if not BOUND.match(c))
    levels = sorted(
        {float(m["level"]) for c in columns if (m := BOUND.match(c)) and m["model"] == model}
    )
    position = {str(name): i for i, name in enumerate(history.ids)}
    unknown = [i for i in ids if i not in position]
    if unknown:
        raise ConfigError(f"no series {', '.join(map(repr, unknown))} in the data")
    rows = forecasts.groupby(forecasts["unique_id"].astype(str), sort=False)
    panels = []
    for name in ids:
        i = position[name]
        part = rows.get_group(name)
        length, horizon = int(history.lengths[i]), len(part)
        shown = min(history_shown, length)
        times = history.times(i, length - shown, shown + horizon)
        values = {c: torch.as_tensor(np.asarray(part[c], dtype=np.float32)) for c in columns}
        bands = {
            level: (values[f"{model}-lo-{level:g}"], values[f"{model}-hi-{level:g}"])
            for level in levels
        }
        truth = torch.as_tensor(np.asarray(part["y"], dtype=np.float32)) if "y" in part else None
        panels.append((name, history.series(i)[-shown:], values[model], truth, bands, times))
    figure = forecast_grid(panels, columns=min(3, len(panels)))
    kind = Path(path).suffix[1:].lower() or "png"
    return write_file(path, lambda f: figure.savefig(f, format=kind), replace=replace)
