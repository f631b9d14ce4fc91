"""Forecast accuracy as the M competitions compute it: per series, then the mean over series.

One implementation serves the training task, the benchmarks and the statistical baselines.
Every function takes forecasts and truth as (series, horizon) tensors; percentages are on
the 0-200 (sMAPE) and 0-100+ (MAPE) scales. A zero denominator gives NaN for that series,
never 0, and panel means skip NaN series.
"""

import torch

PER_SERIES = ("smape", "mase", "mape")


def smape(forecast: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """(N,) symmetric MAPE of each series: mean over the horizon of 200|y - f| / (|y| + |f|).

    A step where truth and forecast are both 0 is a perfect forecast and counts as 0.
    """
    return 200 * absolute_ratios(forecast, truth).mean(dim=-1)


def absolute_ratios(forecast: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """|y - f| / (|y| + |f|) at each step (0 where both are 0): sMAPE's terms, over 200."""
    error = (forecast - truth).abs()
    denominator = forecast.abs() + truth.abs()
    return torch.where(denominator > 0, error / denominator, torch.zeros_like(error))


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


TOTALS = (
    *(f"{name}_{part}" for name in PER_SERIES for part in ("sum", "count")),
    "absolute_error",
    "squared_error",
    "values",
)


def panel_totals(forecast: torch.Tensor, truth: torch.Tensor, scale: torch.Tensor) -> dict:
    """{name: float64 scalar} sums and counts of a batch of (N, horizon) forecasts, from
    which `panel_figures` gives the panel's figures exactly: add the totals of every batch
    (or process) first, so the RMSE is the panel's, not a mean of batch RMSEs."""
    forecast, truth = forecast.double(), truth.double()
    totals = {}
    for name, per_series in forecast_errors(forecast, truth, scale.double()).items():
        finite = torch.isfinite(per_series)
        totals[f"{name}_sum"] = per_series[finite].sum()
        totals[f"{name}_count"] = finite.sum().double()
    error = forecast - truth
    totals["absolute_error"] = error.abs().sum()
    totals["squared_error"] = error.square().sum()
    totals["values"] = torch.tensor(float(error.numel()), dtype=torch.float64)
    return totals


def panel_figures(totals: dict) -> dict[str, torch.Tensor]:
    """Panel means of sMAPE, MASE and MAPE (NaN series skipped), MAE and RMSE over all
    values, from `panel_totals`."""
    t = totals
    results = {name: t[f"{name}_sum"] / t[f"{name}_count"] for name in PER_SERIES}
    results["mae"] = t["absolute_error"] / t["values"]
    results["rmse"] = (t["squared_error"] / t["values"]).sqrt()
    return {name: value.float() for name, value in results.items()}


def panel_means(forecast: torch.Tensor, truth: torch.Tensor, scale: torch.Tensor) -> dict:
    """The panel's figures of (N, horizon) forecasts, as floats (see `panel_figures`)."""
    figures = panel_figures(panel_totals(forecast, truth, scale))
    return {name: float(value) for name, value in figures.items()}
