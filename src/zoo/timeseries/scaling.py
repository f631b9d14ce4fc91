"""Putting each window of a panel on its own scale, from its inputs alone.

One network serves series whose levels differ by orders of magnitude because every window
is scaled before the network reads it, and its forecast unscaled after:

- `"log"` (positive series): z = log(y / level), the level being the mean of the window's
  last season of observed values. Errors in z are relative errors, as sMAPE counts them,
  and multiplicative seasonality becomes additive.
- `"standard"` (any sign): z = (y - level) / spread, the spread being the standard
  deviation of the window's observed values.

`scaling_for` is the one place that chooses between them; the seasonality test and the
classical decomposition of a window (`deseasonalize`) live here too.
"""

import torch
import torch.nn.functional as F

SCALINGS = ("log", "standard")


def scaling_for(values: torch.Tensor) -> str:
    """ "log" when every value is positive (log scaling needs it), else "standard"."""
    return "log" if bool((values > 0).all()) else "standard"


def nonpositive_series(values: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The numbers, ascending, of the series holding a value <= 0, which log scaling cannot
    read: of a flat panel whose series `i` has `lengths[i]` of the `values`."""
    series = torch.repeat_interleave(torch.arange(len(lengths)), lengths)
    return torch.unique(series[values <= 0])


def window_scale(
    x: torch.Tensor, mask: torch.Tensor, season_length: int, scaling: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """(level, spread), each (B, 1), from the observed inputs of each window (B, L)."""
    m = min(max(season_length, 1), x.shape[1])
    recent, recent_mask = x[:, -m:], mask[:, -m:]
    level = (recent * recent_mask).sum(1, keepdim=True) / recent_mask.sum(
        1, keepdim=True
    ).clamp_min(1)
    if scaling == "log":
        return level.clamp_min(1e-8), torch.ones_like(level)
    count = mask.sum(1, keepdim=True).clamp_min(1)
    mean = (x * mask).sum(1, keepdim=True) / count
    variance = ((x - mean).square() * mask).sum(1, keepdim=True) / count
    spread = variance.sqrt() + 1e-3 * level.abs() + 1e-8
    return level, spread


def scale_values(values: torch.Tensor, level, spread, scaling: str) -> torch.Tensor:
    if scaling == "log":
        return torch.log(values.clamp_min(1e-8) / level)
    return (values - level) / spread


def unscale_values(z: torch.Tensor, level, spread, scaling: str) -> torch.Tensor:
    if scaling == "log":
        return level * torch.exp(z)
    return level + z * spread


def deseasonalize(
    z: torch.Tensor, mask: torch.Tensor, season_length: int, horizon: int, known: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(z less its seasonal indices (B, S), the indices after the first `known` values
    (B, S - known + horizon)), the indices estimated from the first `known` values of each
    window `z` (B, S) alone (default all of them).

    Windows without a significant season (`seasonal_test`) are left as they are.
    """
    S, m = z.shape[1], season_length
    known = S if known is None else known
    profile = seasonal_profile(z[:, :known], mask[:, :known], m)  # phase 0: after `known`
    phases = torch.arange(-known, S - known + horizon, device=z.device) % m
    season = profile[:, phases]  # (B, S + horizon)
    return (z - season[:, :S]) * mask, season[:, known:]


def seasonal_profile(z: torch.Tensor, mask: torch.Tensor, season_length: int) -> torch.Tensor:
    """(B, m) additive seasonal indices of each window, by classical decomposition.

    The window `z` (B, L) is detrended by a centred moving average over one season (2 x m
    for even m); each phase's index is the mean detrended value of that phase, centred to
    sum to 0. Phase k holds the steps k, k + m, ... after the window, so the forecast's
    first step has phase 0. Windows whose autocorrelation at lag m is not significant
    (the test of the Theta method: |r_m| > 1.645 sqrt((1 + 2 sum r_k^2, k < m) / n)) and
    phases never observed get 0: no seasonality is read into noise.
    """
    m = season_length
    B, L = z.shape
    kernel = torch.ones(m + 1 - m % 2, dtype=z.dtype, device=z.device)
    if m % 2 == 0:
        kernel[0] = kernel[-1] = 0.5
    kernel = (kernel / m).view(1, 1, -1)
    observed = mask.to(z.dtype).unsqueeze(1)
    trend = F.conv1d(z.unsqueeze(1) * observed, kernel).squeeze(1)  # (B, L - 2h)
    complete = F.conv1d(observed, kernel).squeeze(1) > 1 - 1e-4  # every value observed
    half = kernel.shape[-1] // 2
    centre = torch.arange(half, L - half, device=z.device)
    detrended = (z[:, centre] - trend) * complete
    phase = (centre - L) % m
    totals = torch.zeros(B, m, dtype=z.dtype, device=z.device).index_add_(1, phase, detrended)
    counts = torch.zeros(B, m, dtype=z.dtype, device=z.device).index_add_(
        1, phase, complete.to(z.dtype)
    )
    profile = totals / counts.clamp_min(1)
    seen = counts > 0
    profile = (
        profile - (profile * seen).sum(1, keepdim=True) / seen.sum(1, keepdim=True).clamp_min(1)
    ) * seen
    return profile * seasonal_test(z, mask, m).unsqueeze(1)


def seasonal_test(z: torch.Tensor, mask: torch.Tensor, m: int) -> torch.Tensor:
    """(B,) True where a window's autocorrelation at lag m is significant (90%, one-sided,
    Bartlett's variance), as the Theta method decides to deseasonalise."""
    observed = mask.to(z.dtype)
    n = observed.sum(1)
    mean = (z * observed).sum(1, keepdim=True) / n.clamp_min(1).unsqueeze(1)
    centred = (z - mean) * observed
    variance = centred.square().sum(1).clamp_min(1e-12)
    acf = torch.stack(
        [(centred[:, k:] * centred[:, :-k]).sum(1) / variance for k in range(1, m + 1)], dim=1
    )  # (B, m): lags 1..m
    limit = 1.645 * torch.sqrt((1 + 2 * acf[:, : m - 1].square().sum(1)) / n.clamp_min(1))
    return (acf[:, m - 1].abs() > limit) & (n >= 3 * m)
