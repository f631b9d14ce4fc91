"""Conformal prediction intervals for any forecasting method, per horizon step.

Calibration takes forecasts a method made for periods it had not seen (a backtest's, or a
trained network's validation forecasts), and their truth. Each error becomes a score that
series of any level share, in one of two spaces:

- `"log"` (positive series, the space of log scaling): the score is |log y - log f|, a
  relative error, and a new forecast f gets [f exp(-q), f exp(q)]: an interval that stays
  positive, and widens with the level of the series as its errors do.
- `"scaled"` (any sign): the score is |y - f| / s, s being the series' MASE scale (its
  in-sample seasonal-naive MAE), and f gets f -/+ q s.

`interval_space` is the one place choosing between them. For every horizon step and level,
q is the conformal quantile of the scores: the ceil((n + 1) * level / 100)-th smallest of n.
The interval then holds with the level's probability for any model, as long as the
calibration errors are like the new ones (split conformal prediction; Vovk et al., 2005).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import torch

from zoo.errors import ConfigError, DataError
from zoo.timeseries.scaling import scaling_for

DEFAULT_LEVELS = (80, 95)
MIN_CALIBRATION = 20  # scores per step: below this a 95% quantile is too coarse to trust
SPACES = ("log", "scaled")


def check_levels(levels) -> tuple[int | float, ...]:
    """The levels as a tuple: one level or a list of them, each a number (not text)
    strictly between 0 and 100, none repeated."""
    if isinstance(levels, numbers.Real | str):
        levels = (levels,)
    elif not isinstance(levels, Iterable):
        raise ConfigError(f"interval levels are percentages such as 80 or [80, 95], not {levels!r}")
    levels = tuple(levels)
    text = [
        level for level in levels if not isinstance(level, numbers.Real) or isinstance(level, bool)
    ]
    if text:
        raise ConfigError(
            f"interval levels are numbers, such as 80 or [80, 95], not {text[0]!r} "
            f"({type(text[0]).__name__})"
        )
    bad = [level for level in levels if not 0 < level < 100]
    if bad:
        raise ConfigError(f"interval levels are percentages strictly between 0 and 100: {bad}")
    if len(set(levels)) != len(levels):
        raise ConfigError(f"interval levels are repeated: {list(levels)}; give each once")
    return tuple(level.item() if hasattr(level, "item") else level for level in levels)


def interval_space(values: torch.Tensor) -> str:
    """The space to calibrate in for data `values`: "log" where log scaling applies."""
    return "log" if scaling_for(values) == "log" else "scaled"


def _scores(forecast, truth, scale, space: str) -> torch.Tensor:
    if space == "log":
        return (torch.log(truth) - torch.log(forecast)).abs()
    return (forecast - truth).abs() / scale.unsqueeze(1)


@dataclass(frozen=True)
class ConformalIntervals:
    """Half-widths per level and horizon step, in the calibration `space`'s units."""

    levels: tuple[int | float, ...]
    quantiles: torch.Tensor  # (len(levels), horizon)
    calibration_size: int
    space: str = "scaled"

    @classmethod
    def calibrate(
        cls,
        forecast: torch.Tensor,
        truth: torch.Tensor,
        scale: torch.Tensor,
        levels=DEFAULT_LEVELS,
        space: str = "scaled",
    ) -> ConformalIntervals:
        """From (N, horizon) out-of-sample forecasts, their truth and the series' (N,) scales.

        Rows without a usable score (no scale, or a non-positive value in log space) are
        left out; fewer than `MIN_CALIBRATION` scores per step are refused.
        """
        levels = check_levels(levels)
        if space not in SPACES:
            raise ValueError(f"unknown interval space {space!r}; choose one of {SPACES}")
        forecast, truth, scale = forecast.double(), truth.double(), scale.double()
        scores = _scores(forecast, truth, scale, space)
        scores = scores[torch.isfinite(scores).all(dim=1)]  # (n, horizon)
        n = len(scores)
        if n < MIN_CALIBRATION:
            raise ConfigError(
                f"conformal intervals need at least {MIN_CALIBRATION} calibration forecasts "
                f"per horizon step, and {n} were given: use more series or more backtest "
                "windows"
            )
        ordered = scores.sort(dim=0).values
        ranks = [min(n, math.ceil((n + 1) * level / 100)) - 1 for level in levels]
        return cls(levels, ordered[ranks].float(), n, space)

    def bounds(self, forecast: torch.Tensor, scale: torch.Tensor | None = None) -> dict:
        """{level: (lower, upper)}, each (N, horizon), around (N, horizon) forecasts; `scale`
        (N,), the series' MASE scales, is needed in the "scaled" space only."""
        q = self.quantiles.to(forecast).unsqueeze(1)  # (levels, 1, horizon)
        if self.space == "log":
            return {
                level: (forecast * torch.exp(-q[i]), forecast * torch.exp(q[i]))
                for i, level in enumerate(self.levels)
            }
        half = (q * scale.to(forecast).view(1, -1, 1)).nan_to_num(nan=torch.inf)  # no scale
        return {
            level: (forecast - half[i], forecast + half[i]) for i, level in enumerate(self.levels)
        }

    def select(self, levels) -> ConformalIntervals:
        """The intervals at `levels` only; a level not calibrated is refused."""
        levels = check_levels(levels)
        missing = [level for level in levels if level not in self.levels]
        if missing:
            raise ConfigError(
                f"no intervals at level {', '.join(f'{m:g}' for m in missing)}: they were "
                f"calibrated at {', '.join(f'{x:g}' for x in self.levels)}. Train with those "
                "levels (Forecaster(levels=[...]), task.interval_levels=[...])"
            )
        rows = [self.levels.index(level) for level in levels]
        return ConformalIntervals(levels, self.quantiles[rows], self.calibration_size, self.space)

    def to_state(self) -> dict:
        """Plain lists, for a checkpoint or a card (readable with `weights_only=True`)."""
        return {
            "levels": list(self.levels),
            "quantiles": self.quantiles.tolist(),
            "calibration_size": self.calibration_size,
            "space": self.space,
        }

    @classmethod
    def from_state(cls, state: dict) -> ConformalIntervals:
        """From `to_state`'s dict (a checkpoint written before spaces existed: "scaled"),
        checked: a damaged one is refused with zoo's message, never used."""

        def broken(why: str) -> DataError:
            return DataError(f"the stored prediction intervals are broken: {why}")

        if not isinstance(state, dict):
            raise broken(f"a {type(state).__name__}, not a mapping")
        space = state.get("space", "scaled")
        if space not in SPACES:
            raise broken(f"unknown interval space {space!r}; zoo's are {', '.join(SPACES)}")
        try:
            levels = check_levels(state.get("levels") or ())
        except ConfigError as error:
            raise broken(str(error)) from None
        try:
            quantiles = torch.tensor(state.get("quantiles"), dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError):
            raise broken("the quantiles are not a table of numbers") from None
        if not levels or quantiles.dim() != 2 or len(quantiles) != len(levels):
            raise broken("they need one row of quantiles per level")
        if not torch.isfinite(quantiles).all() or (quantiles < 0).any():
            raise broken("the quantiles must be finite numbers >= 0")
        size = state.get("calibration_size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise broken(f"calibration_size must be a whole number >= 1, not {size!r}")
        return cls(levels, quantiles, size, space)

    def check_horizon(self, horizon: int, source: str) -> None:
        """Refuse intervals stored (in `source`) for another horizon than the network's."""
        if self.quantiles.shape[1] != horizon:
            raise DataError(
                f"{source}: the stored prediction intervals cover {self.quantiles.shape[1]} "
                f"steps and the network forecasts {horizon}"
            )


def coverage_and_width(bounds: dict, truth: torch.Tensor) -> dict[str, float]:
    """Share of truth inside each level's interval (%) and the mean interval width."""
    figures = {}
    for level, (lower, upper) in bounds.items():
        finite = torch.isfinite(lower) & torch.isfinite(upper)
        inside = (truth >= lower) & (truth <= upper)
        figures[f"coverage-{level:g}"] = 100 * inside[finite].float().mean().item()
        figures[f"width-{level:g}"] = (upper - lower)[finite].mean().item()
    return figures
