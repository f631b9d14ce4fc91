"""Recurrent network for multi-step time-series forecasting."""

from typing import Literal

import torch
from torch import nn

from zoo.models.registry import register_model

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@register_model("rnn")
class RNNForecaster(nn.Module):
    """Elman RNN, LSTM or GRU that reads `input_length` values and emits `horizon` at once.

    Level handling: each window is shifted so that its last observed value is zero. The
    network then models changes relative to "now", so a trending series (CO2) is no harder
    than a stationary one, and a window whose level lies outside the training range does
    not saturate the cells.

    The network's output is a correction added to a baseline forecast: the last value
    (`baseline="last"`), or the last observed season repeated (`"seasonal"`, seasonal
    naive, needs `season_length` > 1). It starts out as that baseline and learns what the
    baseline misses.
    """

    def __init__(
        self,
        horizon: int,
        cell: Literal["rnn", "lstm", "gru"] = "gru",
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        input_length: int | None = None,  # stored so a checkpoint knows its window
        season_length: int = 1,
        baseline: Literal["last", "seasonal"] = "last",
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}; choose one of: {', '.join(CELLS)}")
        if baseline not in ("last", "seasonal"):
            raise ValueError(f"unknown baseline {baseline!r}; choose last or seasonal")
        self.baseline_kind = baseline
        self.horizon = horizon
        self.input_length = input_length
        self.season_length = season_length
        self.rnn = CELLS[cell](
            input_size=1,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.head = nn.Linear(hidden_size, horizon)
        nn.init.zeros_(self.head.weight)  # start as the baseline forecast
        nn.init.zeros_(self.head.bias)

    def baseline(self, x: torch.Tensor) -> torch.Tensor:
        """(B, L) -> (B, horizon): the last season repeated, or the last value."""
        m = self.season_length
        if self.baseline_kind == "seasonal" and m > 1 and x.shape[1] >= m:
            steps = torch.arange(self.horizon, device=x.device)
            return x[:, x.shape[1] - m + steps % m]
        return x[:, -1:].expand(-1, self.horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (B, L) or (B, L, 1) scaled values -> (B, horizon) forecasts on the same scale
        if x.dim() == 3:
            x = x.squeeze(-1)
        level = x[:, -1:]  # (B, 1)
        out, _ = self.rnn((x - level).unsqueeze(-1))  # (B, L, hidden)
        return self.baseline(x) + self.head(out[:, -1])  # (B, horizon)
