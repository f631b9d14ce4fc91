"""Forecasting methods: anything that forecasts every series of a panel from its values alone.

One protocol serves a trained network, its refit, the baselines and their hybrid, so that
backtests, interval calibration, training and the estimator treat them alike: a method is
called as `method(history, horizon)` with a `Panel` and returns (series, horizon)
forecasts, each series' from its own values (a global network reads every series with the
same weights). ("Forecaster" is the estimator alone: `zoo.forecasting.Forecaster`.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import torch
from torch import nn

from zoo.errors import DataError
from zoo.timeseries.baselines import seasonal_naive, statistical_forecasts
from zoo.timeseries.panel import MAX_ROWS_NAMED, Panel
from zoo.timeseries.scaling import nonpositive_series
from zoo.timeseries.windows import forecast_windows


class Method(Protocol):
    """history (a Panel), horizon -> (series, horizon) forecasts."""

    def __call__(self, history: Panel, horizon: int) -> torch.Tensor: ...


@torch.no_grad()
def forecast_panel(model: nn.Module, panel: Panel, batch_size: int = 4096) -> torch.Tensor:
    """(series, horizon) forecasts after the end of every series of `panel`.

    `model` is a forecasting network such as `zoo.models.GlobalRNN`: raw values and mask in, raw
    forecasts out; it reads the last `model.input_length` values of each series.
    """
    windows = forecast_windows(panel, model.input_length)
    device = next(model.parameters()).device
    forecasts = []
    for start in range(0, len(windows), batch_size):
        batch = windows.__getitems__(range(start, min(start + batch_size, len(windows))))
        forecasts.append(model(batch["x"].to(device), batch["mask"].to(device)).float().cpu())
    return torch.cat(forecasts) if forecasts else torch.empty(0, model.horizon)


def check_domain(model: nn.Module, panel: Panel, what: str = "this network") -> None:
    """Refuse series a network cannot serve: one trained with log scaling (positive series)
    reads log(y), so a series with a value <= 0 is refused, named, never clamped."""
    if getattr(model, "scaling", None) != "log" or len(panel) == 0:
        return
    bad = nonpositive_series(panel.values, panel.lengths)
    if len(bad):
        names = ", ".join(repr(str(panel.ids[i])) for i in bad[:MAX_ROWS_NAMED].tolist())
        more = f" and {len(bad) - MAX_ROWS_NAMED} more" if len(bad) > MAX_ROWS_NAMED else ""
        raise DataError(
            f"{len(bad)} series have values <= 0 ({names}{more}), and {what} was trained on "
            "positive series (log scaling): drop them, or train a network on this data "
            "(it then scales by mean and spread)"
        )


class NetworkMethod:
    """A trained forecasting network, reused as it is at every call (no training)."""

    def __init__(self, model: nn.Module, what: str = "this network") -> None:
        self.model, self.what = model, what

    def __call__(self, history: Panel, horizon: int) -> torch.Tensor:
        check_domain(self.model, history, self.what)
        return forecast_panel(self.model, history)[:, :horizon]


class RefitMethod:
    """A network trained anew on each history by `fit` (history -> a trained network)."""

    def __init__(self, fit: Callable[[Panel], nn.Module]) -> None:
        self.fit = fit

    def __call__(self, history: Panel, horizon: int) -> torch.Tensor:
        return NetworkMethod(self.fit(history))(history, horizon)


class SeasonalNaiveMethod:
    """Each series' last season repeated (its last value where it has no whole season)."""

    def __init__(self, season_length: int) -> None:
        self.season_length = season_length

    def __call__(self, history: Panel, horizon: int) -> torch.Tensor:
        m = max(self.season_length, 1)
        last = forecast_windows(history, m).__getitems__(range(len(history)))
        return seasonal_naive(last["x"], last["mask"], horizon, self.season_length)


class StatisticalMethod:
    """statsforecast's Theta or AutoETS, fitted on each series of each history."""

    def __init__(self, method: str, season_length: int, n_jobs: int = -1) -> None:
        self.method, self.season_length, self.n_jobs = method, season_length, n_jobs

    def __call__(self, history: Panel, horizon: int) -> torch.Tensor:
        results = statistical_forecasts(
            history, horizon, self.season_length, (self.method,), self.n_jobs
        )
        return torch.as_tensor(results[self.method][0])


def hybrid(network: torch.Tensor, statistical: torch.Tensor) -> torch.Tensor:
    """The RNN + Theta hybrid: the equal-weight mean of a network's forecasts and a
    statistical method's (statsforecast's Theta) for the same series; the network's alone
    where the statistical forecast is missing (NaN: statsforecast's fallback on series
    shorter than a season). The plain mean was chosen on M3 monthly's validation part,
    never its test part (docs/m3.md: the hybrid's table).
    """
    network, statistical = network.float(), statistical.float()
    return torch.where(statistical.isfinite(), 0.5 * (network + statistical), network)


class HybridMethod:
    """`network`'s forecasts averaged with statsforecast's Theta fitted on the same history."""

    def __init__(self, network: Method, season_length: int) -> None:
        self.network = network
        self.theta = StatisticalMethod("Theta", season_length)

    def __call__(self, history: Panel, horizon: int) -> torch.Tensor:
        return hybrid(self.network(history, horizon), self.theta(history, horizon))


BASELINES = ("SeasonalNaive", "Theta", "AutoETS")


def baseline_method(name: str, season_length: int) -> Method:
    """The baseline called `name` (one of `BASELINES`, statsforecast's model names)."""
    if name == "SeasonalNaive":
        return SeasonalNaiveMethod(season_length)
    if name in ("Theta", "AutoETS"):
        return StatisticalMethod(name, season_length)
    raise ValueError(f"unknown baseline {name!r}; choose one of: {', '.join(BASELINES)}")
