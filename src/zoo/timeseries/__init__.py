"""zoo's time-series core: panels of series and what every forecasting model shares.

It imports nothing of zoo but itself and `zoo.errors` (an import-linter contract checks
it), and neither Lightning, Hydra nor matplotlib, so the networks, the data modules and the
estimator all build on it. One module per idea:

- `panel`: a panel of series as one flat array with offsets; long-format frames checked
  and read into it (errors name series and rows).
- `frequency`: a panel's frequency and season length, inferred from its dates.
- `sources`: built-in series (statsmodels', synthetic) and the M3 competition.
- `windows`: forecast windows as an index, left-padded with a mask.
- `scaling`: each window on its own scale; the seasonality test and decomposition.
- `metrics`: sMAPE, MASE (its scale: `seasonal_naive_scale`), MAPE and panel means.
- `baselines`: seasonal naive, and statsforecast's Theta and AutoETS.
- `methods`: one protocol (history, horizon -> forecasts) for a trained network, its refit,
  the baselines and the RNN + Theta hybrid.
- `intervals`: conformal prediction intervals, their levels and coverage.
- `backtest`: rolling-origin backtests and interval calibration from them.
- `output`: long-format frames in the ecosystem's column names.
"""

import importlib

_HOMES = {  # name -> its module; imported when first used, so that loading a network's
    # weights (which needs intervals and windows) does not import pandas or statsforecast
    "Backtest": "backtest",
    "backtest": "backtest",
    "season_length_for": "frequency",
    "ConformalIntervals": "intervals",
    "DEFAULT_LEVELS": "intervals",
    "forecast_panel": "methods",
    "mase": "metrics",
    "panel_means": "metrics",
    "smape": "metrics",
    "forecast_frame": "output",
    "Panel": "panel",
    "panel_from_frame": "panel",
    "read_long_frame": "panel",
    "M3_GROUPS": "sources",
    "SOURCES": "sources",
    "m3_panel": "sources",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'zoo.timeseries' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"zoo.timeseries.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Backtest",
    "ConformalIntervals",
    "DEFAULT_LEVELS",
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
    "read_long_frame",
    "season_length_for",
    "smape",
]
