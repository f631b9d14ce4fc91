"""zoo's forecasting library: panels of series in, forecasts and backtests out.

Nothing here imports Lightning, Hydra or matplotlib (only `Forecaster.fit`, which trains,
and `plot_forecasts` load them), so forecasting from a saved or shipped network is quick.
One module per idea:

- `panel`: a panel of series as one flat array with offsets; long-format frames checked
  and read into it (errors name series and rows).
- `frequency`: a panel's frequency and season length, inferred from its dates.
- `sources`: built-in series (statsmodels', synthetic) and the M3 competition.
- `windows`: forecast windows as an index, left-padded with a mask.
- `scaling`: each window on its own scale; the seasonality test and decomposition.
- `metrics`: sMAPE, MASE (its scale: `seasonal_naive_scale`), MAPE and panel means.
- `baselines`: seasonal naive, and statsforecast's Theta and AutoETS.
- `forecasters`: one protocol for the network, its refit, the baselines and the hybrid.
- `intervals`: conformal prediction intervals, their levels and coverage.
- `backtest`: rolling-origin backtests and calibration from them.
- `output`: long-format frames in the ecosystem's column names.
- `estimator`: `Forecaster`, the API in statsforecast's and neuralforecast's shape.
- `plotting`: forecasts with their bands, drawn on the series' own time axis.
"""

import importlib
from typing import TYPE_CHECKING

_LAZY = {
    "Forecaster": "estimator",
    "read_frame": "estimator",
    "Panel": "panel",
    "panel_from_frame": "panel",
    "read_long_frame": "panel",
    "season_length_for": "frequency",
    "m3_panel": "sources",
    "M3_GROUPS": "sources",
    "SOURCES": "sources",
    "ConformalIntervals": "intervals",
    "DEFAULT_LEVELS": "intervals",
    "backtest": "backtest",
    "forecast_panel": "forecasters",
    "forecast_frame": "output",
    "plot_forecasts": "plotting",
    "smape": "metrics",
    "mase": "metrics",
    "panel_means": "metrics",
}

if TYPE_CHECKING:
    from zoo.forecasting.backtest import backtest
    from zoo.forecasting.estimator import Forecaster, read_frame
    from zoo.forecasting.forecasters import forecast_panel
    from zoo.forecasting.frequency import season_length_for
    from zoo.forecasting.intervals import DEFAULT_LEVELS, ConformalIntervals
    from zoo.forecasting.metrics import mase, panel_means, smape
    from zoo.forecasting.output import forecast_frame
    from zoo.forecasting.panel import Panel, panel_from_frame, read_long_frame
    from zoo.forecasting.plotting import plot_forecasts
    from zoo.forecasting.sources import M3_GROUPS, SOURCES, m3_panel


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'zoo.forecasting' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"zoo.forecasting.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "ConformalIntervals",
    "DEFAULT_LEVELS",
    "Forecaster",
    "M3_GROUPS",
    "Panel",
    "SOURCES",
    "backtest",
    "forecast_frame",
    "forecast_panel",
    "m3_panel",
    "mase",
    "panel_from_frame",
    "panel_means",
    "plot_forecasts",
    "read_frame",
    "read_long_frame",
    "season_length_for",
    "smape",
]
