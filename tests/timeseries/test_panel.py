"""zoo.timeseries.panel: one reader turns a long frame into a panel, sorting what is out
of order and refusing, by series and row, what it cannot hold (issue 28)."""

import re

import pandas as pd
import pytest

import zoo
from zoo.forecasting import SeasonalNaive, Theta
from zoo.timeseries import panel_from_frame

from ..conftest import monthly_frame


def test_mixed_frequencies_and_missing_columns_are_refused(tmp_path):
    monthly = pd.DataFrame(
        {"unique_id": "m", "ds": pd.date_range("2000-01-01", periods=5, freq="MS"), "y": 1.0}
    )
    daily = pd.DataFrame(
        {"unique_id": "d", "ds": pd.date_range("2000-01-01", periods=5, freq="D"), "y": 1.0}
    )
    with pytest.raises(
        zoo.DataError, match=r"mixes frequencies: MS \(e.g. series 'm'\), D \(e.g. series 'd'\)"
    ):
        panel_from_frame(pd.concat([monthly, daily]))
    with pytest.raises(zoo.DataError, match=r"no value column 'sales'; its columns: unique_id"):
        panel_from_frame(monthly, value_col="sales")


def test_unsorted_rows_are_sorted_and_reported(tmp_path, caplog):
    path = tmp_path / "unsorted.csv"
    path.write_text("unique_id,ds,y\na,2,20\na,1,10\na,3,30\n")
    panel = panel_from_frame(pd.read_csv(path))
    assert panel.values.tolist() == [10, 20, 30]
    assert "data row 2" in caplog.text and "sorted by time" in caplog.text


def test_ids_that_differ_only_in_type_are_refused_naming_both_rows():
    frame = monthly_frame(ids=[1, "1"])
    with pytest.raises(zoo.DataError, match=r"ids that differ only in type: 1 \(int, data row 1\)"
                       r" and '1' \(str, data row 37\) would both be series '1'"):  # fmt: skip
        zoo.Forecaster([SeasonalNaive()], h=3).fit(frame)


@pytest.mark.parametrize("value", [1e39, -1e300, 1e-300, -1e-40])
def test_values_float32_cannot_hold_are_refused_naming_series_and_row(value):
    frame = monthly_frame(ids=["a", "b"])
    frame.loc[40, "y"] = value
    shown = re.escape(f"{value:g}")
    with pytest.raises(
        zoo.DataError, match=f"series 'b' has {shown} at data row 41, which float32"
    ):
        zoo.Forecaster([Theta()], h=3).fit(frame)


def test_a_horizon_past_the_last_date_pandas_holds_is_refused_before_any_work():
    with pytest.raises(zoo.DataError, match=r"series 'a': 10036 periods of MS from 2000-01-01 "
                       "go past 2262-04-11"):  # fmt: skip
        zoo.Forecaster([SeasonalNaive()], h=10000).fit(monthly_frame())
