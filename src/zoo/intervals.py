"""Conformal prediction intervals for any forecaster, per horizon step.

Calibration takes forecasts a method made for periods it had not seen (a backtest's, or a
trained network's validation forecasts), and their truth. Each error is divided by its
series' MASE scale (the in-sample seasonal-naive MAE), so that series of any level share
one distribution of scores; for every horizon step and level the interval's half-width is
the conformal quantile of those scores: the ceil((n + 1) * level / 100)-th smallest of n.
A new forecast f of a series with scale s then gets f -/+ quantile * s, an interval that
holds with the level's probability for any model, as long as the calibration errors are
like the new ones (split conformal prediction; Vovk et al., 2005).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from zoo.errors import ConfigError

DEFAULT_LEVELS = (80, 95)
MIN_CALIBRATION = 20  # scores per step: below this a 95% quantile is too coarse to trust


def check_levels(levels) -> tuple[int | float, ...]:
    levels = tuple(levels)
    bad = [level for level in levels if not 0 < level < 100]
    if bad:
        raise ConfigError(f"interval levels are percentages strictly between 0 and 100: {bad}")
    return levels


@dataclass(frozen=True)
class ConformalIntervals:
    """Half-widths per level and horizon step, in units of each series' MASE scale."""

    levels: tuple[int | float, ...]
    quantiles: torch.Tensor  # (len(levels), horizon)
    calibration_size: int

    @classmethod
    def calibrate(
        cls,
        forecast: torch.Tensor,
        truth: torch.Tensor,
        scale: torch.Tensor,
        levels=DEFAULT_LEVELS,
    ) -> ConformalIntervals:
        """From (N, horizon) out-of-sample forecasts, their truth and the series' (N,) scales.

        Series without a usable scale (NaN or 0) are left out; fewer than `MIN_CALIBRATION`
        scores per step are refused.
        """
        levels = check_levels(levels)
        usable = torch.isfinite(scale) & (scale > 0)
        scores = ((forecast - truth).abs() / scale.unsqueeze(1))[usable]  # (n, horizon)
        scores = scores[torch.isfinite(scores).all(dim=1)]
        n = len(scores)
        if n < MIN_CALIBRATION:
            raise ConfigError(
                f"conformal intervals need at least {MIN_CALIBRATION} calibration forecasts "
                f"per horizon step, and {n} were given: use more series or more backtest "
                "windows"
            )
        ordered = scores.sort(dim=0).values
        ranks = [min(n, math.ceil((n + 1) * level / 100)) - 1 for level in levels]
        return cls(levels, ordered[ranks].float(), n)

    def bounds(self, forecast: torch.Tensor, scale: torch.Tensor) -> dict:
        """{level: (lower, upper)}, each (N, horizon), around (N, horizon) forecasts."""
        half = self.quantiles.to(forecast).unsqueeze(1) * scale.to(forecast).view(1, -1, 1)
        half = half.nan_to_num(nan=torch.inf)  # a series without a scale: no bound
        return {
            level: (forecast - half[i], forecast + half[i]) for i, level in enumerate(self.levels)
        }

    def to_state(self) -> dict:
        """Plain lists, for a checkpoint (readable with `weights_only=True`)."""
        return {
            "levels": list(self.levels),
            "quantiles": self.quantiles.tolist(),
            "calibration_size": self.calibration_size,
        }

    @classmethod
    def from_state(cls, state: dict) -> ConformalIntervals:
        return cls(
            tuple(state["levels"]), torch.tensor(state["quantiles"]), state["calibration_size"]
        )


def coverage_and_width(bounds: dict, truth: torch.Tensor) -> dict[str, float]:
    """Share of truth inside each level's interval (%) and the mean interval width."""
    figures = {}
    for level, (lower, upper) in bounds.items():
        finite = torch.isfinite(lower) & torch.isfinite(upper)
        inside = (truth >= lower) & (truth <= upper)
        figures[f"coverage-{level}"] = 100 * inside[finite].float().mean().item()
        figures[f"width-{level}"] = (upper - lower)[finite].mean().item()
    return figures
