"""zoo.timeseries.intervals: interval levels are a number or numbers, never text."""

import pandas as pd
import pytest

import zoo
from zoo.forecasting import SeasonalNaive

from ..conftest import monthly_frame


def test_levels_are_a_number_or_numbers_never_text():
    fc = zoo.Forecaster([SeasonalNaive()], h=3).fit(monthly_frame())
    one = fc.predict(level=80)
    assert list(one.columns)[3:] == ["SeasonalNaive-lo-80", "SeasonalNaive-hi-80"]
    pd.testing.assert_frame_equal(one, fc.predict(level=[80.0]))
    for level, message in [(["80"], "not '80' .str."), ("80", "not '80'"), ([True], "True"),
                           ([80, 80], "repeated"), (0, "strictly between 0 and 100")]:  # fmt: skip
        with pytest.raises(zoo.ConfigError, match=f"interval levels .*{message}"):
            fc.predict(level=level)
