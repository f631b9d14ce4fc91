"""Forecast windows of a panel, kept as an index and gathered a batch at a time.

A window of series i with cutoff c (the number of its values known at forecast time) reads
the inputs `series[c - input_length : c]` and the targets `series[c : c + horizon]`. Inputs
before the series' first value are padding: zeros, marked False in the window's mask. No
window is ever copied out in advance: the dataset holds, per series, its first and last
cutoff, and a batch of window numbers becomes (series, cutoff) pairs by a binary search
over the running window counts, then one gather from the flat panel (`gather`, which also
gives the shipped network's transform its windows: `latest_inputs`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch.utils.data import Dataset

if TYPE_CHECKING:  # a type only: windows are read from tensors, so pandas is not imported
    from zoo.timeseries.panel import Panel


class PanelWindows(Dataset):
    """Windows with cutoffs `first_cutoff[i]..last_cutoff[i]` (inclusive) for each series i.

    Items are dicts of tensors: `x` (input_length,) inputs, `mask` (input_length,) True
    where observed, `y` (horizon,) targets, `series` the series' number and, when
    `mase_scale` is given, `scale`: that series' MASE denominator. With `repeat` > 1 the
    dataset lists every window that many times (an epoch of a small panel then takes as
    many steps as one of a large panel).

    With `origins` = k > 1 (forking sequences: `GlobalRNN.forecast_origins`) a window
    serves k consecutive cutoffs c, c + 1, ..., c + k - 1: `x` and `mask` hold the
    `input_length + k - 1` values before the last of them, `y` is (k, horizon), the
    targets of each, and `origin_mask` (k,) is True for the cutoffs within the series'
    range (the others' targets are not read: zeros). Window cutoffs then step by k, so
    each cutoff is one origin of exactly one window.
    """

    def __init__(
        self,
        panel: Panel,
        input_length: int,
        horizon: int,
        first_cutoff: torch.Tensor,
        last_cutoff: torch.Tensor,
        mase_scale: torch.Tensor | None = None,
        repeat: int = 1,
        origins: int = 1,
    ) -> None:
        if (last_cutoff + horizon > panel.lengths).any():
            raise ValueError("a window's targets reach past the end of its series")
        if origins < 1:
            raise ValueError(f"origins must be at least 1, not {origins}")
        self.panel = panel
        self.input_length = input_length
        self.horizon = horizon
        self.origins = origins
        self.first_cutoff = first_cutoff.long()
        self.last_cutoff = last_cutoff.long()
        cutoffs = (self.last_cutoff - self.first_cutoff + 1).clamp_min(0)
        counts = torch.div(cutoffs + origins - 1, origins, rounding_mode="floor")
        self.ends = torch.cumsum(counts, 0)  # (n,) windows of series 0..i together
        self.mase_scale = mase_scale
        # relative to the first cutoff: the inputs, then every origin's targets
        self.offsets = torch.arange(-input_length, origins - 1 + horizon)
        self.repeat = repeat  # every window counted `repeat` times: a longer epoch

    @property
    def windows(self) -> int:
        """The number of distinct windows."""
        return int(self.ends[-1]) if len(self.ends) else 0

    def __len__(self) -> int:
        return self.windows * self.repeat

    def windows_per_series(self) -> torch.Tensor:
        return self.ends.diff(prepend=torch.zeros(1, dtype=self.ends.dtype))

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {k: v[0] for k, v in self.__getitems__([index]).items()}

    def __getitems__(self, indices) -> dict[str, torch.Tensor]:
        index = torch.as_tensor(indices, dtype=torch.int64) % max(self.windows, 1)
        series = torch.searchsorted(self.ends, index, right=True)
        before = torch.where(series > 0, self.ends[(series - 1).clamp_min(0)], 0)
        cutoff = self.first_cutoff[series] + (index - before) * self.origins
        values, observed = gather(
            self.panel.values, self.panel.indptr, series, cutoff, self.offsets, self.panel.lengths
        )
        L, k = self.input_length, self.origins
        if k == 1:
            batch = {"x": values[:, :L], "mask": observed[:, :L], "y": values[:, L:]}
        else:
            batch = {
                "x": values[:, : L + k - 1],
                "mask": observed[:, : L + k - 1],
                "y": values[:, L:].unfold(1, self.horizon, 1),  # (B, k, horizon)
                "origin_mask": cutoff.unsqueeze(1) + torch.arange(k)
                <= self.last_cutoff[series].unsqueeze(1),
            }
        batch["series"] = series
        if self.mase_scale is not None:
            batch["scale"] = self.mase_scale[series]
        return batch


def gather(
    values: torch.Tensor,
    indptr: torch.Tensor,
    series: torch.Tensor,
    cutoff: torch.Tensor,
    offsets: torch.Tensor,
    lengths: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(values, observed), each (B, len(offsets)): the values of series `series[b]` at
    positions `cutoff[b] + offsets` of a flat panel (`values`, `indptr`), zero where a position
    falls before the series' first value (or, given the series' `lengths`, after its last),
    and the mask of the positions that do not."""
    position = cutoff.unsqueeze(1) + offsets  # (B, len(offsets)) within the series
    observed = position >= 0
    if lengths is not None:
        observed &= position < lengths[series].unsqueeze(1)
    flat = indptr[series].unsqueeze(1) + position.clamp_min(0)
    if lengths is not None:
        flat = torch.where(observed, flat, indptr[series].unsqueeze(1))
    return torch.where(observed, values[flat], 0.0), observed


def latest_inputs(
    values: torch.Tensor, indptr: torch.Tensor, input_length: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, mask), each (series, input_length): the last `input_length` values of every series
    of a flat panel (`values`, `indptr`; no series empty), latest last, left-padded with zeros
    that `mask` marks False: the inputs `forecast_windows` gives a network."""
    lengths = indptr.diff()
    series = torch.arange(len(lengths))
    return gather(values, indptr, series, lengths, torch.arange(-input_length, 0))


def last_windows(
    panel: Panel, input_length: int, horizon: int, mase_scale: torch.Tensor | None = None
) -> PanelWindows:
    """One window per series whose targets are the series' last `horizon` values."""
    cutoff = panel.lengths - horizon
    return PanelWindows(panel, input_length, horizon, cutoff, cutoff, mase_scale)


def forecast_windows(panel: Panel, input_length: int) -> PanelWindows:
    """One window per series ending at its last value, no targets: the future's inputs."""
    end = panel.lengths
    return PanelWindows(panel, input_length, 0, end, end)
