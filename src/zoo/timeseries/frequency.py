"""A panel's frequency and season length: inferred from its dates, stated for integer times.

The season length is the number of periods in the cycle a frequency usually has: 12 for
monthly data, 4 quarterly, 52 weekly, 7 daily, 24 hourly (statsforecast's and the M
competitions' convention). Integer times carry no calendar, so their season must be stated.
"""

from __future__ import annotations

import pandas as pd

from zoo.errors import ConfigError, DataError, ZooError

# period -> (its usual season length, the pandas offsets that have it)
PERIODS = {
    "year": (1, ("YearBegin", "YearEnd", "BYearBegin", "BYearEnd")),
    "quarter": (4, ("QuarterBegin", "QuarterEnd", "BQuarterBegin", "BQuarterEnd")),
    "month": (12, ("MonthBegin", "MonthEnd", "BusinessMonthBegin", "BusinessMonthEnd")),
    "week": (52, ("Week",)),
    "day": (7, ("Day",)),
    "business day": (5, ("BusinessDay",)),
    "hour": (24, ("Hour",)),
}


def checked_frequency(freq, source: str, error: type[ZooError] = DataError) -> str | None:
    """`freq` if it is None (integer times) or a pandas frequency ("MS", "W-SUN"), else zoo's
    `error` naming `source`, where it was read or given."""
    if freq is None:
        return None
    try:
        if not isinstance(freq, str):
            raise ValueError
        pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        raise error(
            f"{source}: freq {freq!r} is not a pandas frequency (such as MS, QS-DEC, W-SUN, D, h)"
        ) from None
    return freq


def period_of(step: object) -> str | None:
    """'month', 'week', ... for a pandas frequency such as "MS" or "W-SUN"; None for integer
    steps and for frequencies without a usual season (multiples such as "2MS", minutes)."""
    if step is None or isinstance(step, int):
        return None
    offset = pd.tseries.frequencies.to_offset(step)
    if offset.n != 1:
        return None
    name = type(offset).__name__
    return next((period for period, (_, names) in PERIODS.items() if name in names), None)


def season_length_for(step: object, given: int | None = None, source: str = "the data") -> int:
    """The season length of data with time step `step`: `given` when stated, else the usual
    one of its frequency; integer times (and unusual frequencies) must state it."""
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise ConfigError(f"season_length must be a whole number >= 1, not {given!r}")
        return given
    period = period_of(step)
    if period is None:
        what = "integer times" if not isinstance(step, str) else f"frequency {step!r}"
        raise ConfigError(
            f"{source} has {what}, so its season length cannot be inferred: state it "
            "(season_length=12 in Python, data.season_length=12 on the command line; "
            "1 for no season)"
        )
    return PERIODS[period][0]


def check_frequency(expected: str | None, found: object, what: str, force: bool = False) -> None:
    """Refuse data of another period than a trained network's (`expected`, a pandas
    frequency, or None when it trained on integer times) unless `force`."""
    if force or expected is None or isinstance(found, int) or found is None:
        return
    if period_of(expected) != period_of(found) or period_of(found) is None:
        raise ConfigError(
            f"{what} was trained on {period_of(expected) or expected} data ({expected}) and "
            f"these series are {period_of(found) or found} ({found}); forecast them with a "
            "network trained on such data, or force it (force_freq=True, --force-freq)"
        )
