"""A panel of time series stored as one flat array with offsets, and its long-format I/O.

Series `i` is `values[indptr[i]:indptr[i + 1]]` (statsforecast's `GroupedArray`,
neuralforecast's `TimeSeriesDataset`): no padding to the longest series, so a panel of
100,000 series x 300 values is 30 million floats (120 MB) however ragged it is.

A long-format frame has one row per (series id, time, value): the `unique_id, ds, y`
convention of statsforecast and neuralforecast. Times are either dates (one pandas
frequency for the whole panel) or integers (one step for the whole panel); each series is
regular, and a series' times are `start + k * step`.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from zoo.errors import DataError

MAX_ROWS_NAMED = 5
FLOAT32 = np.finfo(np.float32)  # what the networks and the panel compute in
log = logging.getLogger(__name__)

# how each way in spells the options that a message about a frame names as the fix
CONFIG_OPTIONS = {
    "id": "data.id_column=NAME",
    "time": "data.time_column=NAME",
    "value": "data.value_column=NAME",
    "fill": "data.fill=interpolate or data.fill=ffill",
}
CLI_OPTIONS = {
    "id": "--id-column NAME",
    "time": "--time-column NAME",
    "value": "--value-column NAME",
    "fill": "--fill interpolate or --fill ffill",
}
PYTHON_OPTIONS = {
    "id": "id_col='NAME'",
    "time": "time_col='NAME'",
    "value": "target_col='NAME'",
    "fill": "fill='interpolate' or fill='ffill'",
}


@dataclass(frozen=True)
class Panel:
    """Series of different lengths: `values` (total,) float32, `indptr` (n + 1,) int64.

    `ids` names each series; `starts` holds each series' first time (a date or an integer)
    and `step` the time between values (a pandas offset such as `MS`, or an integer).
    """

    ids: np.ndarray
    values: torch.Tensor
    indptr: torch.Tensor
    starts: pd.Index
    step: object = 1

    def __post_init__(self) -> None:
        if len(self.ids) + 1 != len(self.indptr) or len(self.starts) != len(self.ids):
            raise ValueError("ids, starts and indptr disagree on the number of series")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def freq(self) -> str | None:
        """The pandas frequency of dated series ("MS", "W-SUN", ...); None for integer times."""
        return None if isinstance(self.step, int | np.integer) else str(self.step)

    @property
    def lengths(self) -> torch.Tensor:
        """(n,) number of values of each series."""
        return self.indptr.diff()

    def series(self, i: int) -> torch.Tensor:
        return self.values[self.indptr[i] : self.indptr[i + 1]]

    def times(self, i: int, offset: int = 0, count: int | None = None) -> pd.Index:
        """Times of series i's values offset..offset+count (count beyond the end: the future)."""
        count = int(self.lengths[i]) - offset if count is None else count
        start = self.starts[i]
        if isinstance(self.step, int | np.integer):
            first = int(start) + offset * int(self.step)
            self._refuse_beyond_int64(first + count * int(self.step), [i], offset + count)
            return pd.RangeIndex(first, first + count * int(self.step), int(self.step))
        try:
            return pd.date_range(start, periods=offset + count, freq=self.step)[offset:]
        except (pd.errors.OutOfBoundsDatetime, OverflowError):
            raise self._beyond_dates([i], offset + count) from None

    def check_horizon(self, horizon: int) -> None:
        """Refuse a horizon whose dates some series cannot have (past pandas' last date)."""
        self.shifted_starts(self.lengths + horizon - 1)

    def _beyond_dates(self, series: list[int], periods: int) -> DataError:
        name, start = self.ids[series[0]], pd.Timestamp(self.starts[series[0]])
        return DataError(
            f"series {name!r}: {periods} periods of {self.step} from {start:%Y-%m-%d} go past "
            f"{pd.Timestamp.max:%Y-%m-%d}, the last date pandas can hold; forecast fewer "
            "periods (a shorter horizon)"
        )

    def _refuse_beyond_int64(self, last: int, series: list[int], periods: int) -> None:
        if not -(2**63) <= last < 2**63:
            raise DataError(
                f"series {self.ids[series[0]]!r}: {periods} steps from time "
                f"{self.starts[series[0]]} go past the largest integer time (2**63 - 1)"
            )

    @classmethod
    def from_arrays(cls, ids, arrays: list, starts=None, step: object = 1) -> Panel:
        """A panel of the 1-D arrays `arrays`, named `ids`, starting at `starts` (default 0)."""
        lengths = torch.tensor([len(a) for a in arrays], dtype=torch.int64)
        indptr = torch.zeros(len(arrays) + 1, dtype=torch.int64)
        torch.cumsum(lengths, 0, out=indptr[1:])
        flat = np.concatenate([np.asarray(a, dtype=np.float32) for a in arrays]) if arrays else []
        starts = pd.Index([0] * len(arrays) if starts is None else list(starts))
        return cls(np.asarray(ids, dtype=object), torch.as_tensor(flat), indptr, starts, step)

    @classmethod
    def from_series(cls, series: pd.Series, name: str | None = None) -> Panel:
        """A panel of one: a single series indexed by dates or positions."""
        name = name or series.name or "series"
        index = series.index
        if isinstance(index, pd.DatetimeIndex):
            step = index.freq or (pd.infer_freq(index) if len(index) > 2 else None)
            if step is None:
                raise DataError(f"series {name!r}: its dates have no regular frequency")
            step = pd.tseries.frequencies.to_offset(step).freqstr
            start = index[0]
        else:
            step, start = 1, 0
        return cls.from_arrays([name], [series.to_numpy(dtype=np.float32)], [start], step)

    def select(self, chosen: torch.Tensor) -> Panel:
        """The series at positions `chosen` (indices or a boolean mask), in that order."""
        chosen = torch.as_tensor(chosen)
        chosen = chosen.nonzero().flatten() if chosen.dtype == torch.bool else chosen.long()
        parts = [self.series(i) for i in chosen.tolist()]
        values = torch.cat(parts) if parts else self.values[:0]
        indptr = torch.zeros(len(chosen) + 1, dtype=torch.int64)
        torch.cumsum(self.lengths[chosen], 0, out=indptr[1:])
        rows = chosen.numpy()
        return Panel(self.ids[rows], values, indptr, self.starts[rows], self.step)

    def split_last(self, count: int) -> tuple[Panel, Panel]:
        """(all but the last `count` values of each series, the last `count` values)."""
        short = (self.lengths <= count).nonzero().flatten()
        if len(short):
            names = ", ".join(repr(self.ids[i]) for i in short[:MAX_ROWS_NAMED].tolist())
            raise DataError(
                f"{len(short)} series have no more than {count} values, so nothing is left "
                f"before their last {count}: {names}"
            )
        return self.split_at(self.lengths - count)

    def split_at(self, cutoffs: torch.Tensor) -> tuple[Panel, Panel]:
        """(the first `cutoffs[i]` values of each series i, the values after them)."""
        cutoffs = torch.as_tensor(cutoffs, dtype=torch.int64)
        if ((cutoffs < 0) | (cutoffs > self.lengths)).any():
            raise ValueError("a cutoff lies outside its series")
        series = torch.repeat_interleave(torch.arange(len(self)), self.lengths)
        position = torch.arange(len(self.values)) - self.indptr[:-1][series]
        in_tail = position >= cutoffs[series]
        return (
            self._with(self.values[~in_tail], cutoffs, self.starts),
            self._with(self.values[in_tail], self.lengths - cutoffs, self.shifted_starts(cutoffs)),
        )

    def shifted_starts(self, steps: torch.Tensor) -> pd.Index:
        """Each series' time `steps[i]` periods after its start."""
        steps = np.asarray(steps)
        if isinstance(self.step, int | np.integer):
            starts = np.asarray(self.starts, dtype=np.int64)
            if len(steps):
                ends = [
                    int(a) + int(k) * int(self.step) for a, k in zip(starts, steps, strict=True)
                ]
                last = int(np.argmax(np.abs(ends)))
                self._refuse_beyond_int64(ends[last], [last], int(steps[last]) + 1)
            return pd.Index(starts + steps * int(self.step))
        starts = pd.DatetimeIndex(self.starts)
        shifted = np.empty(len(steps), dtype="datetime64[ns]")
        offset = pd.tseries.frequencies.to_offset(self.step)
        for k in np.unique(steps):  # few distinct shifts, however many series
            chosen = steps == k
            try:
                shifted[chosen] = (starts[chosen] + int(k) * offset).to_numpy()
            except (pd.errors.OutOfBoundsDatetime, OverflowError):
                raise self._beyond_dates(np.flatnonzero(chosen).tolist(), int(k) + 1) from None
        return pd.DatetimeIndex(shifted)

    def concat(self, later: Panel) -> Panel:
        """Each series followed by the same series' values in `later`."""
        if not np.array_equal(self.ids, later.ids):
            raise ValueError("the panels hold different series")
        lengths = self.lengths + later.lengths
        series = torch.repeat_interleave(torch.arange(len(self)), self.lengths)
        later_series = torch.repeat_interleave(torch.arange(len(self)), later.lengths)
        order = torch.argsort(torch.cat([series * 2, later_series * 2 + 1]), stable=True)
        values = torch.cat([self.values, later.values])[order]
        return self._with(values, lengths, self.starts)

    def _with(self, values: torch.Tensor, lengths: torch.Tensor, starts: pd.Index) -> Panel:
        indptr = torch.zeros(len(lengths) + 1, dtype=torch.int64)
        torch.cumsum(lengths, 0, out=indptr[1:])
        return Panel(self.ids, values.contiguous(), indptr, starts, self.step)

    def to_frame(
        self, id_col: str = "unique_id", time_col: str = "ds", value_col: str = "y"
    ) -> pd.DataFrame:
        """The long-format frame: one row per (id, time, value)."""
        return pd.DataFrame(
            {
                id_col: np.repeat(self.ids, self.lengths.numpy()),
                time_col: np.concatenate(
                    [self.times(i) for i in range(len(self))] if len(self) else [[]]
                ),
                value_col: self.values.numpy(),
            }
        )


def _rows(rows: np.ndarray) -> str:
    """'data rows 3, 7, 9 and 12 more' for an array of data-row numbers (from 1)."""
    rows = np.sort(np.asarray(rows))
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_NAMED])
    more = f" and {len(rows) - MAX_ROWS_NAMED} more" if len(rows) > MAX_ROWS_NAMED else ""
    return f"data row{'s' if len(rows) > 1 else ''} {shown}{more}"


def read_long_frame(path: str | Path) -> pd.DataFrame:
    """A CSV or Parquet file as a frame, or a DataError naming the path and the fix."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"no data file at {path}; pass data.path=FILE (a .csv or .parquet)")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        # blank lines skipped: a trailing empty line is not a missing value
        return pd.read_csv(path, skip_blank_lines=True)
    except Exception as error:
        raise DataError(f"could not read {path}: {type(error).__name__}: {error}") from None


def panel_from_frame(
    frame: pd.DataFrame,
    id_col: str | None = "unique_id",
    time_col: str | None = "ds",
    value_col: str = "y",
    source: str = "the data",
    sort: bool = True,
    fill: str | None = None,
    options: dict[str, str] = CONFIG_OPTIONS,
) -> Panel:
    """Check a long-format frame and build its panel; every problem names series and rows.

    Data rows are numbered from 1 in file order (a CSV's header is line 1, so data row r is
    line r + 1). Without `id_col` the frame is one series; without `time_col` its rows are
    in time order. Rows out of time order within their series are sorted when `sort` (with
    a warning naming them), else refused. Blank values are refused by row, or filled within
    their series when `fill` is "interpolate" (linear) or "ffill" (last value carried on).
    `options` says how the caller spells the options a message names as the fix
    (`CONFIG_OPTIONS`, `CLI_OPTIONS`, `PYTHON_OPTIONS`).
    """
    if fill not in (None, "interpolate", "ffill"):
        raise DataError(f"unknown fill {fill!r}; choose interpolate or ffill")
    frame = frame.reset_index(drop=True)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    _check_columns(frame, {"id": id_col, "time": time_col, "value": value_col}, source, options)
    values = _checked_values(frame[value_col], rows, value_col, source)
    codes, labels = _series_codes(frame, id_col, rows, source)
    _refuse_beyond_float32(values, codes, labels, rows, value_col, source)
    if time_col is None:  # rows in time order: the position within the series
        times, step = pd.Series(codes).groupby(codes).cumcount(), 1
    else:
        times, step = _parse_times(frame[time_col], rows, time_col, source)
    times = times.to_numpy()
    del frame

    backwards = _rows_out_of_order(codes, times, rows)
    order = np.lexsort((times, codes))  # by series, then time
    codes, times, values, rows = codes[order], times[order], values[order], rows[order]
    del order
    first_of_series = np.ones(len(codes), dtype=bool)
    first_of_series[1:] = codes[1:] != codes[:-1]
    _refuse_repeats(codes, times, rows, labels, first_of_series, source)
    if len(backwards):
        if not sort:
            raise DataError(
                f"{source} is not in time order within its series at {_rows(backwards)}"
            )
        log.warning(
            "%s: %d rows came before an earlier time of their series (%s); sorted by time",
            source,
            len(backwards),
            _rows(backwards),
        )
    values = _blanks_filled(values, codes, rows, labels, value_col, source, fill, options)
    if step is None:  # dates: the panel's one frequency
        step = _infer_date_step(times, codes, first_of_series, labels, rows, source)
    _refuse_skipped_periods(codes, times, rows, labels, first_of_series, step, source)
    return _panel_of(values, times, codes, labels, first_of_series, step, source)


def _check_columns(frame: pd.DataFrame, columns: dict, source: str, options: dict) -> None:
    for role, column in columns.items():
        if column is not None and column not in frame.columns:
            found = ", ".join(map(str, frame.columns))
            raise DataError(
                f"{source} has no {role} column {column!r}; its columns: {found}. "
                f"Name the right one with {options[role]}"
            )
    if frame.empty:
        raise DataError(f"{source} holds no rows")


def _series_codes(frame: pd.DataFrame, id_col, rows: np.ndarray, source: str):
    """(integer code per row, the ids in order of first appearance): no string per row."""
    if id_col is None:
        return np.zeros(len(frame), dtype=np.int32), np.array(["series"], dtype=object)
    codes, labels = pd.factorize(frame[id_col], sort=False)
    if (codes < 0).any():
        raise DataError(f"column {id_col!r} of {source} is empty at {_rows(rows[codes < 0])}")
    names = np.asarray([str(label) for label in labels], dtype=object)
    if len(set(names)) < len(names):  # 1 and "1": two values, one id once written out
        _refuse_colliding_ids(labels, names, codes, rows, id_col, source)
    return codes.astype(np.int32 if len(names) < 2**31 else np.int64), names


def _refuse_colliding_ids(labels, names, codes, rows, id_col, source: str) -> None:
    first = {}
    for code, name in enumerate(names):
        if name in first:
            a, b = labels[first[name]], labels[code]
            where = [int(rows[np.argmax(codes == c)]) for c in (first[name], code)]
            raise DataError(
                f"column {id_col!r} of {source} holds ids that differ only in type: {a!r} "
                f"({type(a).__name__}, data row {where[0]}) and {b!r} ({type(b).__name__}, "
                f"data row {where[1]}) would both be series {name!r}; make the column one "
                "type (all text or all numbers)"
            )
        first[name] = code


def _refuse_beyond_float32(values, codes, labels, rows, value_col, source: str) -> None:
    """Values the networks cannot hold (float32): beyond its largest magnitude they become
    infinite, below its smallest normal one they lose their digits or become 0."""
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        bad = (size > FLOAT32.max) | ((size > 0) & (size < FLOAT32.tiny))
    if bad.any():
        k = int(np.argmax(bad))
        raise DataError(
            f"column {value_col!r} of {source}: series {labels[codes[k]]!r} has {values[k]:g} "
            f"at data row {rows[k]}, which float32 (what zoo computes in) cannot hold: "
            f"magnitudes from {FLOAT32.tiny:.3g} to {FLOAT32.max:.3g}, or 0. Rescale the "
            f"series (values beyond it at {_rows(rows[bad])})"
        )


def _rows_out_of_order(codes: np.ndarray, times: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Data rows that come after a later time of their own series, in file order."""
    by_series = np.argsort(codes, kind="stable")
    series_codes, series_times = codes[by_series], times[by_series]
    later = (series_codes[1:] == series_codes[:-1]) & (series_times[1:] < series_times[:-1])
    return rows[by_series[1:][later]]


def _refuse_repeats(codes, times, rows, labels, first_of_series, source: str) -> None:
    repeated = np.zeros(len(codes), dtype=bool)
    repeated[1:] = ~first_of_series[1:] & (times[1:] == times[:-1])
    repeated[:-1] |= repeated[1:]
    if repeated.any():
        first = int(np.argmax(repeated))
        raise DataError(
            f"{source} has {int(repeated.sum())} rows that repeat a (series, time) pair, at "
            f"{_rows(rows[repeated])} (first: series {labels[codes[first]]!r} at "
            f"{times[first]}); keep one row per series and time"
        )


def _blanks_filled(values, codes, rows, labels, value_col, source, fill, options):
    """The values, blanks refused by row or filled within their series (`fill`)."""
    blank = np.isnan(values)
    if not blank.any():
        return values
    if fill is None:
        raise DataError(
            f"column {value_col!r} of {source} has {int(blank.sum())} missing values, at "
            f"{_rows(rows[blank])}; fill them in the file, or pass {options['fill']}"
        )
    values = _filled(values, codes, fill)
    if np.isnan(values).any():
        empty = labels[codes[np.isnan(values)][0]]
        raise DataError(f"{source}: series {empty!r} has no values to fill from")
    return values


def _refuse_skipped_periods(codes, times, rows, labels, first_of_series, step, source) -> None:
    """One regular step within every series: a skipped period is a gap, not a new step."""
    irregular = np.zeros(len(codes), dtype=bool)
    irregular[1:] = ~first_of_series[1:] & (times[1:] != _next_times(times[:-1], step))
    if irregular.any():
        first = int(np.argmax(irregular))
        raise DataError(
            f"{source}: series {labels[codes[first]]!r} skips a period before its value at "
            f"data row {rows[first]} ({times[first]}); every series needs one value per "
            f"period ({step}); periods are skipped before {_rows(rows[irregular])}"
        )


def _panel_of(values, times, codes, labels, first_of_series, step, source: str) -> Panel:
    series_ids = labels[codes[first_of_series]]
    lengths = np.diff(np.append(np.flatnonzero(first_of_series), len(codes)))
    single = lengths < 2
    if single.any():
        names = ", ".join(repr(s) for s in series_ids[single][:MAX_ROWS_NAMED])
        raise DataError(
            f"{source}: {int(single.sum())} series have a single value ({names}); "
            "forecasting needs at least two: drop them"
        )
    indptr = torch.zeros(len(lengths) + 1, dtype=torch.int64)
    torch.cumsum(torch.as_tensor(lengths, dtype=torch.int64), 0, out=indptr[1:])
    return Panel(
        series_ids,
        torch.as_tensor(values.astype(np.float32)),
        indptr,
        pd.Index(times[first_of_series]),
        step,
    )


def _filled(values: np.ndarray, codes: np.ndarray, fill: str) -> np.ndarray:
    """Blank values filled within their series (rows sorted by series and time)."""
    by_series = pd.Series(values).groupby(codes, sort=False)
    if fill == "interpolate":
        return by_series.transform(lambda y: y.interpolate(limit_direction="both")).to_numpy()
    return by_series.transform(lambda y: y.ffill().bfill()).to_numpy()


def _checked_values(raw: pd.Series, rows: np.ndarray, name: str, source: str) -> np.ndarray:
    """The value column as floats, NaN where blank; text and infinities refused by row."""
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        values = raw.to_numpy(dtype=float)
        blank = np.isnan(values)
    else:
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        blank = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    text = np.isnan(values) & ~blank
    if text.any():
        first = raw.iloc[int(np.argmax(text))]
        raise DataError(
            f"column {name!r} of {source} is not numeric: {_rows(rows[text])} (first: {first!r})"
        )
    infinite = np.isinf(values)
    if infinite.any():
        raise DataError(f"column {name!r} of {source} is infinite at {_rows(rows[infinite])}")
    values[blank] = np.nan
    return values


def _parse_times(column: pd.Series, rows: np.ndarray, name: str, source: str):
    """(times, step): integer times (step 1) when most are numbers, else dates (the step is
    inferred from the panel later); entries that are neither are refused by row."""
    if pd.api.types.is_datetime64_any_dtype(column):
        numeric = pd.Series(np.nan, index=column.index)  # dates already (Parquet, frames)
    else:
        numeric = pd.to_numeric(column, errors="coerce")
    if numeric.notna().mean() >= 0.5:
        bad = (numeric.isna() | (numeric != numeric.round())).to_numpy()
        kind = "integers"
    else:
        with warnings.catch_warnings():  # pandas warns of mixed offsets, refused below
            warnings.simplefilter("ignore", FutureWarning)
            try:
                dates = pd.to_datetime(column, errors="coerce", format="mixed")
            except ValueError:  # pandas 3 refuses them itself
                dates = None
        if dates is None or not pd.api.types.is_datetime64_any_dtype(dates):
            _refuse_mixed_offsets(column, rows, name, source)  # one time zone per column
        bad = dates.isna().to_numpy()
        kind = "dates"
    if bad.any():
        first = column.iloc[int(np.argmax(bad))]
        raise DataError(
            f"time column {name!r} of {source} holds {kind} but not at {_rows(rows[bad])} "
            f"(first: {first!r})"
        )
    return (numeric.astype(np.int64), 1) if kind == "integers" else (dates, None)


def _refuse_mixed_offsets(column: pd.Series, rows: np.ndarray, name: str, source: str) -> None:
    """Name two rows whose dates have different UTC offsets (or one has none)."""

    def offset(value):
        try:
            found = pd.Timestamp(value).utcoffset()
        except (ValueError, TypeError):
            return "unreadable"
        if found is None:
            return "no offset"
        sign = "-" if found < pd.Timedelta(0) else "+"
        minutes = int(abs(found).total_seconds()) // 60
        return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"

    offsets = [offset(v) for v in column]
    readable = [k for k, o in enumerate(offsets) if o != "unreadable"]
    first = readable[0] if readable else 0
    other = next((k for k in readable if offsets[k] != offsets[first]), first)
    raise DataError(
        f"time column {name!r} of {source} mixes UTC offsets: {offsets[first]} at data row "
        f"{rows[first]} ({column.iloc[first]!r}), {offsets[other]} at data row {rows[other]} "
        f"({column.iloc[other]!r}); give every date with one offset (convert them to UTC, "
        "or leave the offsets out)"
    )


def _infer_date_step(times, codes, first_of_series, labels, rows, source: str) -> str:
    """The one pandas frequency of every series (each judged by its first 50 values)."""
    found = {}
    starts = np.flatnonzero(first_of_series)
    ends = np.append(starts[1:], len(times))
    for start, end in zip(starts, ends, strict=True):
        if end - start < 3:
            continue
        first = pd.DatetimeIndex(times[start : min(end, start + 50)])
        freq = pd.infer_freq(first)
        if freq is None:
            _refuse_irregular(first, rows[start:], labels[codes[start]], source)
        found.setdefault(freq, labels[codes[start]])
    if len(found) > 1:
        listed = ", ".join(f"{f} (e.g. series {s!r})" for f, s in found.items())
        raise DataError(f"{source} mixes frequencies: {listed}; forecast them as separate panels")
    if not found:
        raise DataError(f"{source}: every series is too short to tell its frequency")
    return pd.tseries.frequencies.to_offset(next(iter(found))).freqstr


def _refuse_irregular(times: pd.DatetimeIndex, rows: np.ndarray, name, source: str) -> None:
    """Name the row where a series' dates leave the step of its first three dates."""
    guess = pd.infer_freq(times[:3])
    if guess is not None:
        expected = pd.date_range(times[0], periods=len(times), freq=guess)
        off = np.flatnonzero(times != expected)
        if len(off):
            k = int(off[0])
            raise DataError(
                f"{source}: series {name!r} skips a period before its value at data row "
                f"{rows[k]} ({times[k]}); every series needs one value per period ({guess})"
            )
    raise DataError(
        f"{source}: the dates of series {name!r} have no regular frequency (its first rows: "
        f"data rows {rows[0]} to {rows[min(len(rows), len(times)) - 1]}); every series needs "
        "one value per period"
    )


def _next_times(times: np.ndarray, step: object) -> np.ndarray:
    """The time one step after each of `times`."""
    if isinstance(step, int | np.integer):
        return times + step
    return (pd.DatetimeIndex(times) + pd.tseries.frequencies.to_offset(step)).to_numpy()
