"""Where series come from: statsmodels' bundled real series, user CSVs, synthetic generators.

Every loader returns a float `pandas.Series` with no gaps, indexed by date or position.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from zoo.errors import DataError

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def sunspots() -> pd.Series:
    """Yearly mean sunspot numbers, 1700-2008 (season: the ~11-year cycle)."""
    from statsmodels.datasets import sunspots

    data = sunspots.load_pandas().data
    index = pd.PeriodIndex(data["YEAR"].astype(int), freq="Y").to_timestamp()
    return pd.Series(data["SUNACTIVITY"].to_numpy(float), index=index, name="sunspots")


def co2() -> pd.Series:
    """Mauna Loa CO2 (ppm): the weekly record as month means, gaps interpolated."""
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate()
    return monthly.rename("co2").astype(float)


def elec_equip() -> pd.Series:
    """Monthly electrical-equipment orders index, euro area, 1995-2016."""
    from statsmodels.datasets import elec_equip

    data = elec_equip.load().data
    return data.iloc[:, 0].rename("elec_equip").astype(float)


def elnino() -> pd.Series:
    """Monthly sea-surface temperatures of the El Nino region, 1950-2010, table flattened."""
    from statsmodels.datasets import elnino

    table = elnino.load_pandas().data
    values = table[MONTHS].to_numpy(float).reshape(-1)  # year by year, January first
    start = f"{int(table['YEAR'].iloc[0])}-01-01"
    index = pd.date_range(start, periods=len(values), freq="MS")
    return pd.Series(values, index=index, name="elnino")


def noisy_sine(length: int = 600, period: int = 25, noise: float = 0.1, seed: int = 0):
    """sin(2 pi t / period) plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    values = np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(length)
    return pd.Series(values, name="sine")


def mackey_glass(
    length: int = 1000,
    tau: int = 17,
    beta: float = 0.2,
    gamma: float = 0.1,
    n: int = 10,
    step: int = 1,
    seed: int = 0,
) -> pd.Series:
    """The chaotic Mackey-Glass delay equation, Euler-integrated with dt = 0.1, sampled
    every `step` time units."""
    rng = np.random.default_rng(seed)
    dt, per_unit = 0.1, 10
    lag = tau * per_unit
    total = (length * step + 100) * per_unit  # +100 units of burn-in
    x = np.empty(total + lag)
    x[:lag] = 1.2 + 0.01 * rng.standard_normal(lag)
    for i in range(lag, total + lag - 1):
        delayed = x[i - lag]
        x[i + 1] = x[i] + dt * (beta * delayed / (1 + delayed**n) - gamma * x[i])
    sampled = x[lag + 100 * per_unit :: step * per_unit][:length]
    return pd.Series(sampled, name="mackey_glass")


SOURCES = {
    "sunspots": sunspots,
    "co2": co2,
    "elec_equip": elec_equip,
    "elnino": elnino,
    "sine": noisy_sine,
    "mackey_glass": mackey_glass,
}


def read_csv_series(
    path: str | Path, column: str, date_column: str | None = None, fill: str | None = None
) -> pd.Series:
    """One numeric column of a CSV file, checked: gaps and text are reported by row.

    Rows are numbered as data rows from 1 (the header is line 1 of the file, so data row r
    is line r + 1). `fill="interpolate"` or `"ffill"` fills gaps instead of refusing them.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"no CSV file at {path}")
    try:
        frame = pd.read_csv(path, skip_blank_lines=False)  # keep row numbers = file lines
    except Exception as error:
        raise DataError(f"could not read {path} as CSV: {error}") from None
    if column not in frame.columns:
        raise DataError(f"{path} has no column {column!r}; its columns: {', '.join(frame.columns)}")
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    text_rows = (values.isna() & raw.notna()).to_numpy().nonzero()[0]
    if len(text_rows):
        first = text_rows[0]
        raise DataError(
            f"column {column!r} of {path} is not numeric: data row {first + 1} "
            f"(line {first + 2}) holds {raw.iloc[first]!r}"
            + (f", and {len(text_rows) - 1} more rows hold text" if len(text_rows) > 1 else "")
        )
    if date_column is not None:
        if date_column not in frame.columns:
            raise DataError(
                f"{path} has no date column {date_column!r}; "
                f"its columns: {', '.join(frame.columns)}"
            )
        dates = pd.to_datetime(frame[date_column], errors="coerce")
        bad = dates.isna().to_numpy().nonzero()[0]
        if len(bad):
            raise DataError(
                f"date column {date_column!r} of {path}: data row {bad[0] + 1} "
                f"(line {bad[0] + 2}) holds {frame[date_column].iloc[bad[0]]!r}, "
                "not a date"
            )
        values.index = pd.DatetimeIndex(dates)
    gaps = values.isna().to_numpy().nonzero()[0]
    if len(gaps):
        if fill == "interpolate":
            values = values.interpolate(limit_direction="both")
        elif fill == "ffill":
            values = values.ffill().bfill()
        elif fill is None:
            rows = ", ".join(str(r + 1) for r in gaps[:10]) + (" ..." if len(gaps) > 10 else "")
            raise DataError(
                f"column {column!r} of {path} has {len(gaps)} missing values, at data rows "
                f"{rows}; fill them in the file, or pass data.fill=interpolate or data.fill=ffill"
            )
        else:
            raise DataError(f"unknown fill {fill!r}; choose interpolate or ffill")
    return values.astype(float).rename(column)
