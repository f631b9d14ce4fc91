"""Recurrent network for multi-step time-series forecasting."""

from typing import Literal

import torch
from torch import nn

from zoo.models.registry import register_model

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@register_model("rnn")
class RNNForecaster(nn.Module):
    """Elman RNN, LSTM or GRU that reads `input_length` values and emits `horizon` at once.

    Level handling: each window is shifted so that its last observed value is zero, and that
    value is added back to every forecast step. The network then models changes relative to
    "now", so a trending series (CO2) is no harder than a stationary one, and a window whose
    level lies outside the training range does not saturate the cells.
    """

    def __init__(
        self,
        horizon: int,
        cell: Literal["rnn", "lstm", "gru"] = "gru",
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        input_length: int | None = None,  # stored so a checkpoint knows its window
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}; choose one of: {', '.join(CELLS)}")
        self.horizon = horizon
        self.input_length = input_length
        self.rnn = CELLS[cell](
            input_size=1,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.head = nn.Linear(hidden_size, horizon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (B, L) or (B, L, 1) scaled values -> (B, horizon) forecasts on the same scale
        if x.dim() == 2:
            x = x.unsqueeze(-1)
        level = x[:, -1:, :]  # (B, 1, 1)
        out, _ = self.rnn(x - level)  # (B, L, H)
        return self.head(out[:, -1]) + level.squeeze(-1)  # (B, horizon)
