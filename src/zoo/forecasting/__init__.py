"""zoo's forecasting API, above the runs: the `Forecaster` estimator and its models.

    from zoo.forecasting import Forecaster, RNN, Theta, AutoETS, SeasonalNaive

    fc = Forecaster(models=[RNN(), Theta()], h=18).fit(df)   # unique_id, ds, y
    fc.predict(level=[80, 95])

- `models`: `RNN` (zoo's global network, trained by `zoo.train`), `SeasonalNaive`, `Theta`
  and `AutoETS`, each with its settings and alias.
- `estimator`: `Forecaster`: fit, predict, cross_validation and backtest, save and load,
  from_weights and from_checkpoint.
- `plotting`: forecasts with their bands, drawn on the series' own time axis.

Panels, metrics, intervals and backtests are the core's (`zoo.timeseries`). Forecasting
from a saved or shipped network imports neither Lightning, Hydra nor matplotlib.
"""

from zoo.forecasting.estimator import Forecaster, read_frame
from zoo.forecasting.models import RNN, AutoETS, SeasonalNaive, Theta, TrainedNetwork
from zoo.forecasting.plotting import plot_forecasts

__all__ = [
    "RNN",
    "AutoETS",
    "Forecaster",
    "SeasonalNaive",
    "Theta",
    "TrainedNetwork",
    "plot_forecasts",
    "read_frame",
]
