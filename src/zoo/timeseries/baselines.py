"""The forecasts to beat: seasonal naive (ours, in torch) and statsforecast's Theta and ETS.

`seasonal_naive` is the one place that knows the seasonal-naive forecast: the benchmarks'
baseline and the network's fallback for series too short for the network both call it.
"""

import time

import numpy as np
import torch

STATISTICAL_METHODS = ("Theta", "AutoETS")


def seasonal_naive(
    x: torch.Tensor, mask: torch.Tensor, horizon: int, season_length: int
) -> torch.Tensor:
    """(B, horizon) forecasts repeating each window's last observed season.

    `x` (B, L) holds the latest values last, `mask` (B, L) marks the observed ones (a
    window's last value always is). Windows with fewer than `season_length` observed
    values, or shorter than a season, repeat their last value (the naive forecast).
    """
    length, m = x.shape[1], season_length
    last = x[:, -1:].expand(-1, horizon)
    if m <= 1 or length < m:
        return last
    season = x[:, length - m + torch.arange(horizon, device=x.device) % m]
    return torch.where((mask.sum(dim=1) >= m).unsqueeze(1), season, last)


def statistical_forecasts(
    panel,
    horizon: int,
    season_length: int,
    methods: tuple[str, ...] = STATISTICAL_METHODS,
    n_jobs: int = -1,
    levels: tuple = (),
) -> dict[str, tuple[np.ndarray, float, dict]]:
    """{method: ((series, horizon) forecasts in the order of `panel` (a `Panel`), seconds,
    {level: (lower, upper)} the method's own prediction intervals at `levels`)} by
    statsforecast.

    Theta is the M3 winner's method (classical multiplicative decomposition when a season
    test finds seasonality); AutoETS picks the exponential-smoothing form by AICc.
    """
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, SeasonalNaive, Theta

    from zoo.timeseries.panel import Panel

    builders = {
        "Theta": lambda: Theta(season_length=season_length),
        "AutoETS": lambda: AutoETS(season_length=season_length),
    }
    unknown = set(methods) - set(builders)
    if unknown:
        raise ValueError(f"unknown methods {sorted(unknown)}; choose from {sorted(builders)}")
    frame = Panel(panel.ids, panel.values, panel.indptr, panel.starts.map(lambda _: 0), 1)
    frame = frame.to_frame()
    results = {}
    for method in methods:
        start = time.perf_counter()
        model = StatsForecast(
            models=[builders[method]()],
            freq=1,
            n_jobs=n_jobs,
            fallback_model=SeasonalNaive(season_length=season_length),
        )
        forecast = model.forecast(df=frame, h=horizon, level=list(levels) or None)
        seconds = time.perf_counter() - start
        bounds = {
            level: tuple(
                torch.as_tensor(
                    in_panel_order(forecast, f"{method}-{side}-{level:g}", panel.ids, horizon)
                )
                for side in ("lo", "hi")
            )
            for level in levels
        }
        results[method] = (in_panel_order(forecast, method, panel.ids, horizon), seconds, bounds)
    return results


def in_panel_order(forecast, column: str, ids, horizon: int) -> np.ndarray:
    """(series, horizon) values of a statsforecast long-format forecast, rows in `ids` order."""
    forecast = forecast.sort_values(["unique_id", "ds"], kind="stable")
    values = forecast[column].to_numpy(dtype=np.float32).reshape(-1, horizon)
    row = {name: i for i, name in enumerate(forecast["unique_id"].to_numpy()[::horizon])}
    return values[[row[name] for name in ids]]
