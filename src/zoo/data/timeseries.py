"""Series to supervised windows: chronological split, train-only scaling, no look-ahead."""

import pandas as pd
import torch

from zoo.data.series_sources import SOURCES, read_csv_series
from zoo.data.tensors import InMemoryDataModule, TensorSet
from zoo.errors import ConfigError


def target_windows(
    values: torch.Tensor, input_length: int, horizon: int, targets_from: int, targets_to: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Every (input, target) pair whose `horizon` targets lie in values[targets_from:targets_to].

    A target block starting at s reads its inputs from values[s - input_length : s], strictly
    before its own first target: a window never sees its own target period or later.
    Returns inputs (N, input_length) and targets (N, horizon).
    """
    starts = range(max(targets_from, input_length), targets_to - horizon + 1)
    if len(starts) == 0:
        return torch.empty(0, input_length), torch.empty(0, horizon)
    inputs = torch.stack([values[s - input_length : s] for s in starts])
    targets = torch.stack([values[s : s + horizon] for s in starts])
    return inputs, targets


def seasonal_naive_scale(values: torch.Tensor, season_length: int) -> float:
    """Mean absolute error of the in-sample seasonal naive forecast: MASE's denominator."""
    return (values[season_length:] - values[:-season_length]).abs().mean().item()


class SeriesDataModule(InMemoryDataModule):
    """A univariate series split in time into train | validation | test, then windowed.

    The last `test_size` values are the test period and the `val_size` before them the
    validation period; each period's windows have all their targets inside it (inputs may
    reach back into earlier periods, as a forecaster's would). Values are standardised with
    the mean and standard deviation of the training period alone.

    `source` is one of `SOURCES` (statsmodels' real series or a synthetic one) or "csv"
    with `path`, `column` and optionally `date_column` and `fill`.
    """

    kind = "forecasting"

    def __init__(
        self,
        source: str,
        input_length: int = 24,
        horizon: int = 12,
        test_size: int | None = None,
        val_size: int | None = None,
        season_length: int = 1,
        path: str | None = None,
        column: str | None = None,
        date_column: str | None = None,
        fill: str | None = None,
        options: dict | None = None,
        batch_size: int = 32,
        seed: int = 0,
        num_workers: int = 0,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed, num_workers=num_workers)
        if source != "csv" and source not in SOURCES:
            raise ConfigError(
                f"unknown series {source!r}; choose csv or one of: {', '.join(SOURCES)}"
            )
        self.source = source
        self.input_length = input_length
        self.horizon = horizon
        self.test_size = test_size or horizon
        self.val_size = val_size or horizon
        self.season_length = season_length
        self.csv = {"path": path, "column": column, "date_column": date_column, "fill": fill}
        self.options = dict(options or {})
        self.series: pd.Series | None = None

    @property
    def dims(self) -> dict[str, int]:
        return {
            "horizon": self.horizon,
            "input_length": self.input_length,
            "season_length": self.season_length,
        }

    @property
    def task_kwargs(self) -> dict:
        self.setup()
        return {
            "series_mean": self.mean,
            "series_std": self.std,
            "season_length": self.season_length,
            "mase_scale": self.mase_scale,
        }

    def load_series(self) -> pd.Series:
        if self.source == "csv":
            if not self.csv["path"] or not self.csv["column"]:
                raise ConfigError("data=csv needs data.path=FILE and data.column=NAME")
            return read_csv_series(**self.csv)
        return SOURCES[self.source](**self.options)

    def setup(self, stage: str | None = None) -> None:
        if self.series is not None:
            return
        self.series = self.load_series()
        values = torch.tensor(self.series.to_numpy(), dtype=torch.float32)
        n = len(values)
        train_end = n - self.test_size - self.val_size
        val_end = n - self.test_size
        if train_end < self.input_length + self.horizon:
            raise ConfigError(
                f"series {self.source!r} has {n} values: too short for input_length="
                f"{self.input_length}, horizon={self.horizon}, val_size={self.val_size} and "
                f"test_size={self.test_size}"
            )
        train = values[:train_end]
        self.mean, self.std = train.mean().item(), train.std().item()
        self.mase_scale = seasonal_naive_scale(values[:val_end], self.season_length)
        scaled = (values - self.mean) / self.std
        self.boundaries = {
            "train": (0, train_end),
            "val": (train_end, val_end),
            "test": (val_end, n),
        }
        windows = {
            stage: target_windows(scaled, self.input_length, self.horizon, start, end)
            for stage, (start, end) in self.boundaries.items()
        }
        self.train_set, self.val_set, self.test_set = (
            TensorSet(*windows[s]) for s in ("train", "val", "test")
        )
        if len(self.val_set) == 0 or len(self.test_set) == 0:
            raise ConfigError("val_size and test_size must be at least the horizon")
