"""Tables of rows to classify: feature columns checked, and rows turned into numbers the way
training saw them.

`fit_encoding` decides, from the training rows only, how each feature column becomes
numbers: numeric (and true/false) columns as they are, text columns one-hot over the
categories seen in training, and (with `fill`) the value that stands in for a missing one.
`TableEncoding.encode` applies that to any rows; at prediction time a missing column, a
category training never saw or a missing value without a fill is named by row and column,
never guessed. Standardisation is not here: it is the input contract's
(`zoo.inputs.normalise`), with the mean and std of each feature over the training rows
(`feature_statistics`). The encoding is plain data (`to_state`), stored in checkpoints as
part of the task's `input_format`, so nothing read back from a checkpoint runs code.

Rows are counted from 1 below the header (data row r is line r + 1 of a CSV file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch

from zoo.errors import ConfigError, DataError

FILLS = ("mean", "median", "drop")
NAMED = 3  # examples a message names


@dataclass
class Column:
    """One feature column: `numeric`, or `categorical` with the training categories (one
    input each, in this order); `fill` stands in for a missing value (None: refused)."""

    name: str
    kind: str
    categories: list[str] = field(default_factory=list)
    fill: float | str | None = None


@dataclass
class TableEncoding:
    """How rows become a network's raw inputs: one float per numeric column, one 0/1 per
    category of each categorical column, in column order."""

    target: str
    columns: list[Column]
    fill: str | None = None  # the option training ran with (None, mean, median, drop)

    @property
    def feature_names(self) -> list[str]:
        """A name per input: the column, or `column=category` for a one-hot input."""
        names = []
        for column in self.columns:
            if column.kind == "numeric":
                names.append(column.name)
            else:
                names += [f"{column.name}={c}" for c in column.categories]
        return names

    def encode(self, frame: pd.DataFrame, source: str, unknown: str = "refuse") -> torch.Tensor:
        """(rows, features) float32 raw inputs of `frame`'s rows (extra columns, the target
        among them, are ignored). A missing value is filled as in training, else refused by
        row and column; a category training never saw is refused naming it
        (`unknown="refuse"`) or encoded as none of the known ones (`"zeros"`)."""
        absent = [c.name for c in self.columns if c.name not in frame.columns]
        if absent:
            raise DataError(
                f"{source} has no column {absent[0]!r}; the network reads the columns "
                f"{', '.join(c.name for c in self.columns)}"
            )
        parts = []
        for column in self.columns:
            values = frame[column.name].reset_index(drop=True)
            missing = values.isna().to_numpy()
            if missing.any():
                if column.fill is None:
                    row = int(np.flatnonzero(missing)[0]) + 1
                    count = int(missing.sum())
                    also = f" ({count} rows miss it)" if count > 1 else ""
                    raise DataError(
                        f"{source}: row {row}, column {column.name!r} is missing{also}; the "
                        f"network was trained {_fill_words(self.fill)}: fill it in"
                    )
                values = values.where(~values.isna(), column.fill)
            if column.kind == "numeric":
                parts.append(_numbers(values, column.name, source)[:, None])
                continue
            labels = np.asarray([label_of(v) for v in values], dtype=object)
            codes = pd.Categorical(labels, categories=column.categories).codes
            unseen = codes < 0
            if unseen.any() and unknown == "refuse":
                row = int(np.flatnonzero(unseen)[0])
                raise DataError(
                    f"{source}: row {row + 1}, column {column.name!r} is {labels[row]!r}, a "
                    f"category training never saw (it saw: {_listed(column.categories)}); the "
                    "network cannot read it"
                )
            one_hot = np.zeros((len(values), len(column.categories)), dtype=np.float32)
            one_hot[np.flatnonzero(~unseen), codes[~unseen]] = 1.0
            parts.append(one_hot)
        return torch.from_numpy(np.concatenate(parts, axis=1).astype(np.float32))

    def to_state(self) -> dict:
        """Plain data (a checkpoint's `input_format`)."""
        return {"kind": "table", **asdict(self)}

    @classmethod
    def from_state(cls, state: dict) -> TableEncoding:
        columns = [Column(**c) for c in state["columns"]]
        return cls(target=state["target"], columns=columns, fill=state.get("fill"))


def label_of(value) -> str:
    """A class or category as text: 3.0 reads as "3", as written in most files."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    return str(value)


def _fill_words(fill: str | None) -> str:
    if fill == "drop":
        return "leaving rows with missing values out (data.fill=drop)"
    return "on complete rows (no data.fill)"


def _listed(values: Sequence[str], shown: int = 10) -> str:
    more = f", ... ({len(values)} in all)" if len(values) > shown else ""
    return ", ".join(map(str, values[:shown])) + more


def _numbers(values: pd.Series, name: str, source: str) -> np.ndarray:
    """A numeric column as float32, refusing text in it by row."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64").to_numpy()
    else:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
        text = np.isnan(numbers) & values.notna().to_numpy()
        if text.any():
            row = int(np.flatnonzero(text)[0])
            raise DataError(
                f"{source}: row {row + 1}, column {name!r} is {values.iloc[row]!r}, not a "
                "number; the column is numeric"
            )
    if not np.isfinite(numbers).all():
        row = int(np.flatnonzero(~np.isfinite(numbers))[0])
        raise DataError(f"{source}: row {row + 1}, column {name!r} is {numbers[row]}: not finite")
    return numbers.astype(np.float32)


# -- reading a table for training: checks, the split and the encoding -----------------------


def check_target(frame: pd.DataFrame, target: str | None, source: str) -> None:
    """Refuse a missing or absent target column, naming the columns there are."""
    if not target:
        raise ConfigError(
            f"data=table needs data.target=COLUMN, the column of classes; {source} has: "
            f"{_listed(list(map(str, frame.columns)), 20)}"
        )
    if target not in frame.columns:
        raise DataError(
            f"{source} has no column {target!r} (data.target); its columns: "
            f"{_listed(list(map(str, frame.columns)), 20)}"
        )


def feature_kinds(
    frame: pd.DataFrame,
    features: list[str],
    categorical: Sequence[str],
    max_categories: int,
    source: str,
) -> dict[str, str]:
    """{column: "numeric" or "categorical"} for the feature columns, refusing a column that
    is neither: text mixed into numbers (named by row), dates, or text whose values hardly
    repeat (an identifier or free text, not a category) unless `categorical` lists it."""
    kinds = {}
    rows = len(frame)
    for name in features:
        values = frame[name]
        if name in categorical:
            kinds[name] = "categorical"
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            kinds[name] = "numeric"
        elif pd.api.types.is_datetime64_any_dtype(values):
            raise DataError(
                f"{source}: column {name!r} holds dates; turn them into numbers (a year, a "
                f"day of the week...) or leave the column out with data.drop=[{name}]"
            )
        else:
            present = values.dropna()
            numbers = pd.to_numeric(present, errors="coerce")
            if len(present) and numbers.notna().mean() > 0.5:
                first = int(np.flatnonzero(numbers.isna().to_numpy())[0])
                row = int(present.index[first]) + 1
                raise DataError(
                    f"{source}: column {name!r} holds numbers, but row {row} is "
                    f"{present.iloc[first]!r}; correct it (leave a missing value empty), or "
                    f"list the column in data.categorical=[{name}] to read it as categories"
                )
            distinct = present.astype(str).nunique()
            if distinct > max_categories or distinct > max(rows / 2, 2):
                examples = ", ".join(repr(v) for v in present.astype(str).unique()[:NAMED])
                raise DataError(
                    f"{source}: column {name!r} holds text with {distinct} different values in "
                    f"{rows} rows ({examples}, ...): an identifier or free text, not a category. "
                    f"Leave it out with data.drop=[{name}], or if it is a category list it in "
                    f"data.categorical=[{name}] (data.max_categories={max_categories})"
                )
            kinds[name] = "categorical"
    return kinds


def refuse_missing(frame: pd.DataFrame, columns: list[str], source: str, hint: str) -> None:
    """Refuse the first missing value among `columns`, by row and column, with a count."""
    missing = frame[columns].isna().to_numpy()
    if missing.any():
        row, col = (int(i) for i in np.argwhere(missing)[0])
        raise DataError(
            f"{source}: {int(missing.sum())} missing values, the first in row {row + 1}, "
            f"column {columns[col]!r}; {hint}"
        )


def fit_encoding(
    train: pd.DataFrame, target: str, kinds: dict[str, str], fill: str | None
) -> TableEncoding:
    """The encoding of the training rows `train`: their categories, and with `fill` "mean" or
    "median" their mean or median of each numeric column and most frequent category of each
    categorical one, which stand in for missing values."""
    columns = []
    for name, kind in kinds.items():
        values = train[name].dropna()
        if kind == "numeric":
            numbers = values.astype("float64")
            stand_in = None
            if fill in ("mean", "median") and len(numbers):
                stand_in = float(numbers.mean() if fill == "mean" else numbers.median())
            columns.append(Column(name, "numeric", fill=stand_in))
        else:
            labels = values.map(label_of)
            categories = sorted(labels.unique(), key=_natural)
            stand_in = None
            if fill in ("mean", "median") and len(labels):
                stand_in = str(labels.value_counts().sort_index().idxmax())
            columns.append(Column(name, "categorical", categories, stand_in))
    return TableEncoding(target, columns, fill)


def _natural(text: str):
    """Numbers in numeric order, then text: ["2", "10", "a"]."""
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


def class_labels(values: pd.Series) -> tuple[list[str], torch.Tensor]:
    """(class names in natural order, (rows,) class indices) of a target column."""
    labels = values.map(label_of)
    names = sorted(labels.unique(), key=_natural)
    codes = pd.Categorical(labels, categories=names).codes
    return names, torch.from_numpy(codes.astype(np.int64))


def feature_statistics(x: torch.Tensor, encoding: TableEncoding) -> tuple[list[float], list[float]]:
    """Per-feature mean and std of training inputs `x`: measured for numeric columns (a
    constant column gets std 1), 0 and 1 for one-hot inputs, which stay 0/1."""
    mean = x.double().mean(0)
    std = x.double().std(0, correction=0)
    std = torch.where(std > 1e-12, std, torch.ones_like(std))
    index = 0
    for column in encoding.columns:
        width = 1 if column.kind == "numeric" else len(column.categories)
        if column.kind == "categorical":
            mean[index : index + width], std[index : index + width] = 0.0, 1.0
        index += width
    return mean.tolist(), std.tolist()
