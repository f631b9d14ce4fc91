"""Your own table (CSV or Parquet, or a DataFrame): one row per example, a column of classes.

Every other column is a feature unless `drop` leaves it out: numbers as they are (the task
standardises them with the training rows' mean and std), text one-hot over the categories
seen in the training rows (`zoo.tables`). Everything is checked before anything trains,
by row and column: text that is not a category, text among numbers, dates, missing values
(refused, or `fill="mean"`/`"median"` with the training rows' figures, or `"drop"` for
leaving those rows out), a target column that is not there, a single class, and a target
with a different class in nearly every row (an identifier or a measurement). The rows are
split into training, validation and test parts, stratified by class and seeded.
"""

import logging

import pandas as pd
import torch

from zoo.constraints import Interval, ListOf, Options
from zoo.data.tensors import ClassificationDataModule, ReadOnFirstUse, TensorSet, stratified_split
from zoo.errors import ConfigError, DataError
from zoo.tables import (
    FILLS,
    check_target,
    class_labels,
    feature_kinds,
    feature_statistics,
    fit_encoding,
    refuse_missing,
)

log = logging.getLogger(__name__)
FILL_HINT = (
    "fill them in the file, or set data.fill=mean or median (the training rows' mean or "
    "median; for text their most frequent category) or data.fill=drop (leave those rows out)"
)


class TableData(ReadOnFirstUse, ClassificationDataModule):
    """Rows of `path` (a .csv, or .parquet/.pq file) or of `frame`, classified by `target`.

    `categorical` lists columns to one-hot even if they hold numbers (codes); text columns
    are categorical anyway, if their values repeat (at most `max_categories` different
    ones, and at most half as many as rows).
    """

    parameter_constraints = {  # beside its bases' (zoo.constraints)
        "path": (str, None),
        "target": (str, None),
        "drop": (ListOf(str), None),
        "categorical": (ListOf(str), None),
        "fill": (Options(*FILLS), None),
        "max_categories": Interval(int, 1, None),
    }

    def __init__(
        self,
        path: str | None = None,
        target: str | None = None,
        drop: list[str] | None = None,
        categorical: list[str] | None = None,
        fill: str | None = None,
        max_categories: int = 100,
        val_fraction: float = 0.15,
        test_fraction: float = 0.15,
        batch_size: int = 32,
        seed: int = 0,
        num_workers: int = 0,
        frame: pd.DataFrame | None = None,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed, num_workers=num_workers)
        if path is None and frame is None:
            raise ConfigError("data=table needs data.path=FILE (.csv or .parquet) and data.target")
        if fill not in (None, *FILLS):
            raise ConfigError(f"data.fill={fill!r}: choose null (refuse), {', '.join(FILLS)}")
        for key, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
            if not 0 < value < 1:
                raise ConfigError(f"data.{key}={value!r}: a number between 0 and 1")
        if val_fraction + test_fraction >= 1:
            raise ConfigError("data.val_fraction + data.test_fraction leave no training rows")
        self.path, self.target, self.frame = path, target, frame
        self.drop = list(drop or [])
        self.categorical = list(categorical or [])
        self.fill, self.max_categories = fill, max_categories
        self.fractions = (1 - val_fraction - test_fraction, val_fraction, test_fraction)
        self.source = str(path) if path is not None else "the frame"
        self.found: dict = {}

    def setup(self, stage: str | None = None) -> None:
        self._ensure_loaded()

    def _read(self) -> pd.DataFrame:
        if self.frame is not None:
            return self.frame.reset_index(drop=True)
        from zoo.timeseries.panel import read_long_frame  # CSV or Parquet, with zoo's errors

        return read_long_frame(self.path)

    def _load(self) -> None:
        frame, source = self._read(), self.source
        check_target(frame, self.target, source)
        for name in (*self.drop, *self.categorical):
            if name not in frame.columns:
                raise DataError(
                    f"{source} has no column {name!r} (named in data.drop or data.categorical)"
                )
        features = [c for c in frame.columns if c != self.target and c not in self.drop]
        if not features:
            raise DataError(f"{source}: no feature column is left beside data.target={self.target}")
        kinds = feature_kinds(frame, features, self.categorical, self.max_categories, source)
        frame = self._missing(frame, features)
        names, labels = class_labels(frame[self.target])
        self._check_classes(names, labels)
        train, val, test = stratified_split(labels, self.fractions, self.seed)
        for part, rows in (("validation", val), ("test", test)):
            if len(rows) == 0:
                raise DataError(
                    f"{source}: {len(frame)} rows leave none for the {part} part; add rows or "
                    "raise data.val_fraction / data.test_fraction"
                )
        encoding = fit_encoding(frame.iloc[train.numpy()], self.target, kinds, self.fill)
        x = encoding.encode(frame, source, unknown="zeros")
        unseen = self._unseen(frame, encoding, torch.cat([val, test]))
        if unseen:
            log.warning(
                "%s: %d validation or test rows hold a category no training row has; they "
                "are encoded as none of the known categories",
                source,
                unseen,
            )
        self.class_names = names
        self.num_classes = len(names)
        self.input_shape = (x.shape[1],)
        self.input_format = encoding.to_state()
        self.normalization = feature_statistics(x[train], encoding)
        self.train_set = TensorSet(x[train], labels[train])
        self.val_set = TensorSet(x[val], labels[val])
        self.test_set = TensorSet(x[test], labels[test])
        self.found = {
            "source": source,
            "target": self.target,
            "class_names": names,
            "features": encoding.feature_names,
            "rows": {"train": len(train), "val": len(val), "test": len(test)},
        }
        log.info(
            "%s: %d rows (train %d, val %d, test %d), %d classes of %r, %d inputs from %d "
            "columns (%d categorical)",
            source,
            len(frame),
            len(train),
            len(val),
            len(test),
            len(names),
            self.target,
            x.shape[1],
            len(kinds),
            sum(k == "categorical" for k in kinds.values()),
        )

    def _missing(self, frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
        """Missing values refused by row and column, or the rows holding them dropped
        (fill="drop"); a missing class is never filled."""
        if self.fill == "drop":
            complete = frame[[*features, self.target]].notna().all(axis=1)
            if not complete.all():
                log.warning(
                    "%s: left out %d rows with missing values (data.fill=drop), the first row %d",
                    self.source,
                    int((~complete).sum()),
                    int((~complete).to_numpy().argmax()) + 1,
                )
            return frame[complete].reset_index(drop=True)
        refuse_missing(
            frame,
            [self.target],
            self.source,
            f"every row needs its class (data.target={self.target}); remove those rows or set "
            "data.fill=drop",
        )
        if self.fill is None:
            refuse_missing(frame, features, self.source, FILL_HINT)
        return frame

    def _check_classes(self, names: list[str], labels: torch.Tensor) -> None:
        target = f"data.target={self.target}"
        if len(names) < 2:
            raise DataError(
                f"{self.source}: {target} holds a single class ({names[0]!r}); a classifier "
                "needs two classes or more"
            )
        if len(names) > len(labels) / 2:
            raise DataError(
                f"{self.source}: {target} has {len(names)} classes in {len(labels)} rows, most "
                "with a single row: an identifier or a measurement, not classes. Choose the "
                "column of classes (zoo classifies; each class needs rows to learn from)"
            )
        counts = torch.bincount(labels, minlength=len(names))
        rare = [names[i] for i in torch.nonzero(counts < 3).flatten().tolist()]
        if rare:
            log.warning(
                "%s: classes with fewer than 3 rows cannot be in every part (train, val, test): %s",
                self.source,
                ", ".join(map(repr, rare[:10])),
            )

    @staticmethod
    def _unseen(frame: pd.DataFrame, encoding, rows: torch.Tensor) -> int:
        """How many of `rows` hold a category the training rows do not have."""
        from zoo.tables import label_of

        count = torch.zeros(len(frame), dtype=torch.bool)
        for column in encoding.columns:
            if column.kind == "categorical":
                values = frame[column.name].dropna().map(label_of)
                known = values.isin(column.categories)
                count[torch.as_tensor(values.index[~known].to_numpy(), dtype=torch.long)] = True
        return int(count[rows].sum())
