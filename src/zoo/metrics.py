"""Forecast accuracy as the M competitions compute it: per series, then the mean over series.

One implementation serves the training task, the benchmarks and the statistical baselines.
Every function takes forecasts and truth as (series, horizon) tensors; percentages are on
the 0-200 (sMAPE) and 0-100+ (MAPE) scales. A zero denominator gives NaN for that series,
never 0, and panel means skip NaN series (`PanelForecastMetrics` counts them).
"""

import torch
from torchmetrics import Metric

PER_SERIES = ("smape", "mase", "mape")


def smape(forecast: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """(N,) symmetric MAPE of each series: mean over the horizon of 200|y - f| / (|y| + |f|).

    A step where truth and forecast are both 0 is a perfect forecast and counts as 0.
    """
    error = (forecast - truth).abs()
    denominator = forecast.abs() + truth.abs()
    ratio = torch.where(denominator > 0, error / denominator, torch.zeros_like(error))
    return 200 * ratio.mean(dim=-1)


def mape(forecast: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """(N,) mean absolute percentage error: 100 |y - f| / |y|; NaN where some y is 0."""
    per_series = 100 * ((forecast - truth).abs() / truth.abs()).mean(dim=-1)
    return torch.where((truth == 0).any(dim=-1), torch.nan, per_series)


def mase(forecast: torch.Tensor, truth: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """(N,) mean absolute scaled error: MAE over the horizon / the series' `scale`.

    `scale` (N,) is each series' in-sample seasonal-naive MAE (`seasonal_naive_scale`);
    a series with scale 0 or NaN (constant, or too short for one season) gets NaN.
    """
    mae = (forecast - truth).abs().mean(dim=-1)
    return torch.where(scale > 0, mae / scale, torch.full_like(mae, torch.nan))


def seasonal_naive_scale(values: torch.Tensor, indptr: torch.Tensor, season_length: int):
    """(N,) MASE denominators of a flat panel: mean |y[t] - y[t - m]| within each series.

    Series with no more than `season_length` values have no such difference: NaN.
    """
    m = season_length
    lengths = indptr.diff()
    series = torch.repeat_interleave(torch.arange(len(lengths)), lengths)
    position = torch.arange(len(values)) - indptr[:-1][series]
    has_lag = position >= m
    index = torch.arange(len(values))[has_lag]
    differences = (values[index].double() - values[index - m].double()).abs()
    totals = torch.zeros(len(lengths), dtype=torch.float64).index_add_(
        0, series[has_lag], differences
    )
    counts = (lengths - m).clamp_min(0)
    return torch.where(counts > 0, totals / counts.clamp_min(1), torch.nan).float()


def window_seasonal_scale(x: torch.Tensor, mask: torch.Tensor, season_length: int):
    """(B,) mean |y[t] - y[t - m]| over the observed pairs of each window of a batch (lag 1
    where a window has no such pair): a MASE scale from a window's inputs alone. Kept above
    a thousandth of the window's mean level, so a flat window does not divide by 0."""
    scales = []
    for lag in (season_length, 1):
        if lag < 1 or lag >= x.shape[1]:
            scales.append(None)
            continue
        pairs = mask[:, lag:] & mask[:, :-lag]
        total = ((x[:, lag:] - x[:, :-lag]).abs() * pairs).sum(1)
        scales.append((total / pairs.sum(1).clamp_min(1), pairs.any(1)))
    seasonal, lag_one = scales
    scale = lag_one[0] if seasonal is None else torch.where(seasonal[1], seasonal[0], lag_one[0])
    level = (x.abs() * mask).sum(1) / mask.sum(1).clamp_min(1)
    return torch.maximum(scale, 1e-3 * level + 1e-8)


def forecast_errors(forecast: torch.Tensor, truth: torch.Tensor, scale: torch.Tensor) -> dict:
    """Per-series sMAPE, MASE and MAPE, each (N,)."""
    return {
        "smape": smape(forecast, truth),
        "mase": mase(forecast, truth, scale),
        "mape": mape(forecast, truth),
    }


def panel_means(forecast: torch.Tensor, truth: torch.Tensor, scale: torch.Tensor) -> dict:
    """The panel's figures: each per-series metric's mean over series (NaN series skipped)."""
    metric = PanelForecastMetrics()
    metric.update(forecast, truth, scale)
    return {name: float(value) for name, value in metric.compute().items()}


class PanelForecastMetrics(Metric):
    """Panel means of sMAPE, MASE and MAPE, plus MAE and RMSE over all forecast values.

    States are sums and counts, reduced by summing across batches and DDP processes, so
    the result is the exact panel figure whatever the batching: the RMSE of the panel, not
    a mean of batch RMSEs; the mean sMAPE over series, not over batches.
    """

    full_state_update = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        zero = torch.tensor(0.0, dtype=torch.float64)
        for name in PER_SERIES:
            self.add_state(f"{name}_sum", default=zero.clone(), dist_reduce_fx="sum")
            self.add_state(f"{name}_count", default=zero.clone(), dist_reduce_fx="sum")
        for name in ("absolute_error", "squared_error", "values"):
            self.add_state(name, default=zero.clone(), dist_reduce_fx="sum")

    def update(self, forecast: torch.Tensor, truth: torch.Tensor, scale: torch.Tensor) -> None:
        forecast, truth = forecast.double(), truth.double()
        for name, per_series in forecast_errors(forecast, truth, scale.double()).items():
            finite = torch.isfinite(per_series)
            getattr(self, f"{name}_sum").add_(per_series[finite].sum())
            getattr(self, f"{name}_count").add_(finite.sum())
        error = forecast - truth
        self.absolute_error += error.abs().sum()
        self.squared_error += error.square().sum()
        self.values += error.numel()

    def compute(self) -> dict[str, torch.Tensor]:
        results = {
            name: getattr(self, f"{name}_sum") / getattr(self, f"{name}_count")
            for name in PER_SERIES
        }
        results["mae"] = self.absolute_error / self.values
        results["rmse"] = (self.squared_error / self.values).sqrt()
        return {name: value.float() for name, value in results.items()}
