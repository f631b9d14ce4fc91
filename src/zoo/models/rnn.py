"""Recurrent network for multi-step forecasting of many series with one model."""

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from zoo.baselines import seasonal_naive
from zoo.models.registry import register_model

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
BASELINES = ("none", "last", "seasonal")
SCALINGS = ("log", "standard")


@register_model("rnn")
class RNNForecaster(nn.Module):
    """Elman RNN, LSTM or GRU that reads a window of raw values and emits `horizon` at once.

    One model serves series whose levels differ by orders of magnitude because every
    window is put on its own scale first, from its inputs alone:

    - `scaling="log"` (positive series): z = log(y / level), where the level is the mean of
      the window's last season of observed values. Errors in z are relative errors, as
      sMAPE counts them, and multiplicative seasonality becomes additive.
    - `scaling="standard"` (any sign): z = (y - level) / spread, the spread being the
      standard deviation of the window's observed values.

    Each step feeds the cell (z_t, observed_t): windows of short series are left-padded and
    the mask tells the cell which inputs are padding. The network's output is a correction
    to a baseline in z: none, the last value, or the last observed season repeated. Windows
    with fewer than `min_input_length` observed values get the seasonal-naive forecast.

    `linear=True` adds a linear autoregression on the scaled inputs to each network's
    output (LSTNet's "highway"): trends and seasons it extrapolates linearly, the cell
    learns the rest. `ensemble_size` > 1 trains that many networks side by side from
    different initial weights, each on the loss of its own forecasts; the forecast is their
    median.

    `forward` maps raw values to raw forecasts; `scaled_forward` and `scale_targets` expose
    the scaled space that training losses use.
    """

    def __init__(
        self,
        horizon: int,
        input_length: int,
        season_length: int = 1,
        cell: Literal["rnn", "lstm", "gru"] = "gru",
        hidden_size: int = 128,
        num_layers: int = 2,
        dropout: float = 0.0,
        scaling: Literal["log", "standard"] = "log",
        baseline: Literal["none", "last", "seasonal"] = "none",
        min_input_length: int = 1,
        ensemble_size: int = 1,
        linear: bool = False,
        deseasonalize: bool = False,
    ) -> None:
        super().__init__()
        for name, value, choices in (
            ("cell", cell, CELLS),
            ("scaling", scaling, SCALINGS),
            ("baseline", baseline, BASELINES),
        ):
            if value not in choices:
                raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(choices)}")
        if baseline == "seasonal" and input_length < season_length:
            raise ValueError(
                f"baseline='seasonal' repeats the last season: input_length ({input_length}) "
                f"must be at least season_length ({season_length})"
            )
        self.horizon = horizon
        self.input_length = input_length
        self.season_length = season_length
        self.scaling = scaling
        self.baseline_kind = baseline
        self.min_input_length = min_input_length
        self.deseasonalize = deseasonalize
        self.members = nn.ModuleList(
            RecurrentMember(
                cell,
                hidden_size,
                num_layers,
                dropout,
                horizon,
                zero_head=baseline != "none",
                input_length=input_length,
                linear=linear,
            )
            for _ in range(ensemble_size)
        )

    def window_scale(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(level, spread), each (B, 1), from the observed inputs of each window."""
        m = min(max(self.season_length, 1), x.shape[1])
        recent, recent_mask = x[:, -m:], mask[:, -m:]
        level = (recent * recent_mask).sum(1, keepdim=True) / recent_mask.sum(
            1, keepdim=True
        ).clamp_min(1)
        if self.scaling == "log":
            return level.clamp_min(1e-8), torch.ones_like(level)
        count = mask.sum(1, keepdim=True).clamp_min(1)
        mean = (x * mask).sum(1, keepdim=True) / count
        variance = ((x - mean).square() * mask).sum(1, keepdim=True) / count
        spread = variance.sqrt() + 1e-3 * level.abs() + 1e-8
        return level, spread

    def scale_values(self, values: torch.Tensor, level, spread) -> torch.Tensor:
        if self.scaling == "log":
            return torch.log(values.clamp_min(1e-8) / level)
        return (values - level) / spread

    def unscale_values(self, z: torch.Tensor, level, spread) -> torch.Tensor:
        if self.scaling == "log":
            return level * torch.exp(z)
        return level + z * spread

    def scaled_forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, tuple]:
        """(members, B, horizon) forecasts in the scaled space, and the (level, spread) used.

        Scaling and deseasonalising run in float32 even under autocast: logs and
        seasonal means lose too much in bf16; only the networks run in lower precision.
        """
        with torch.autocast(x.device.type, enabled=False):
            x = x.float()
            level, spread = self.window_scale(x, mask)
            z = self.scale_values(x, level, spread) * mask  # padding: 0
            L, m = z.shape[1], self.season_length
            season_in = season_out = torch.zeros((), device=z.device)
            if self.deseasonalize and m > 1:
                profile = seasonal_profile(z, mask, m)  # (B, m), phase 0 = the first forecast
                phases = torch.arange(-L, self.horizon, device=z.device) % m
                season = profile[:, phases]  # (B, L + horizon)
                season_in, season_out = season[:, :L], season[:, L:]
                z = (z - season_in) * mask
        features = torch.stack([z, mask.to(z.dtype)], dim=-1)  # (B, L, 2)
        corrections = torch.stack([member(features).float() for member in self.members])
        if self.baseline_kind != "none":
            lag = m if self.baseline_kind == "seasonal" else 1
            corrections = seasonal_naive(z, mask, self.horizon, lag) + corrections
        return corrections + season_out, (level, spread)

    def scale_targets(self, y: torch.Tensor, scale: tuple) -> torch.Tensor:
        return self.scale_values(y, *scale)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, input_length) raw values, latest last -> (B, horizon) raw forecasts.

        `mask` (B, input_length) marks observed values (default: all). Windows with fewer
        than `min_input_length` observed values get the seasonal-naive forecast.
        """
        if mask is None:
            mask = torch.ones_like(x, dtype=torch.bool)
        z, scale = self.scaled_forward(x, mask)
        # the ensemble's median in the scaled space (monotone: the median forecast)
        z = z.float().quantile(0.5, dim=0) if len(self.members) > 1 else z[0].float()
        forecast = self.unscale_values(z, *(s.float() for s in scale))
        too_short = (mask.sum(1) < self.min_input_length).unsqueeze(1)
        fallback = seasonal_naive(x, mask, self.horizon, self.season_length)
        return torch.where(too_short, fallback, forecast)  # no branch: traceable


class RecurrentMember(nn.Module):
    """One recurrent network of the ensemble: cell over the window, linear head on its end."""

    def __init__(
        self,
        cell: str,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        horizon: int,
        zero_head: bool,
        input_length: int,
        linear: bool,
    ) -> None:
        super().__init__()
        self.rnn = CELLS[cell](
            input_size=2,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.head = nn.Linear(hidden_size, horizon)
        if zero_head:  # start as the baseline forecast
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)
        self.linear = nn.Linear(input_length, horizon) if linear else None
        if self.linear is not None:
            nn.init.zeros_(self.linear.weight)
            nn.init.zeros_(self.linear.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(features)  # (B, L, 2) -> (B, L, hidden)
        forecast = self.head(out[:, -1])  # (B, horizon)
        if self.linear is not None:  # a linear autoregression on the scaled inputs
            forecast = forecast + self.linear(features[..., 0])
        return forecast


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
