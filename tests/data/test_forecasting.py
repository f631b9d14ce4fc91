"""zoo.data.forecasting: the panel data module's windows without leakage, its parts, and
bad long-format input named by series and row."""

import numpy as np
import pandas as pd
import pytest
import torch

import zoo
from zoo.data import PanelDataModule
from zoo.timeseries import Panel, forecast_panel

from ..conftest import all_batches, write_panel


@pytest.fixture
def two_ramps(tmp_path):
    """Series 'a' = 0..29 and 'b' = 1000, 1010, ... (18 values): lengths and scales differ."""
    return write_panel(
        tmp_path / "ramps.csv", {"a": np.arange(30.0), "b": 1000 + 10 * np.arange(18.0)}
    )


def ramp_module(path, **kwargs) -> PanelDataModule:
    options = dict(
        source="csv", path=str(path), horizon=3, input_length=6, min_input_length=2, season_length=1
    )
    return PanelDataModule(**{**options, **kwargs})


def test_panel_windows_have_exact_indices_and_stop_before_validation(two_ramps):
    data = ramp_module(two_ramps)
    data.setup("fit")
    # a: 30 values = 24 training | 3 validation | 3 test; b: 18 = 12 | 3 | 3
    train = all_batches(data.train_set)
    a = train["series"] == 0
    b = train["series"] == 1
    # cutoffs 2..21 for a (inputs 2..6 values, targets end by 24), 2..9 for b
    assert int(a.sum()) == 24 - 3 - 2 + 1 and int(b.sum()) == 12 - 3 - 2 + 1
    first_a = {k: v[a][0] for k, v in train.items()}
    assert first_a["x"].tolist() == [0, 0, 0, 0, 0, 1]  # padded on the left
    assert first_a["mask"].tolist() == [False] * 4 + [True] * 2
    assert first_a["y"].tolist() == [2, 3, 4]
    last_b = {k: v[b][-1] for k, v in train.items()}
    assert last_b["x"].tolist() == [1000 + 10 * i for i in range(3, 9)]
    assert last_b["y"].tolist() == [1090, 1100, 1110]  # b's 10th-12th values
    assert train["y"][a].max() == 23 and train["y"][b].max() == 1110  # never validation
    valid = all_batches(data.val_set)
    assert valid["y"].tolist() == [[24, 25, 26], [1120, 1130, 1140]]
    assert valid["x"][0].tolist() == list(range(18, 24))


def test_the_test_part_is_only_read_for_testing(two_ramps):
    data = ramp_module(two_ramps)
    data.setup("fit")
    seen = torch.cat(
        [b["y"].flatten() for b in (all_batches(data.train_set), all_batches(data.val_set))]
        + [b["x"][b["mask"]] for b in (all_batches(data.train_set), all_batches(data.val_set))]
    )
    test_values = {27.0, 28.0, 29.0, 1150.0, 1160.0, 1170.0}
    assert not test_values & set(seen.tolist())
    assert not hasattr(data, "test_set")
    data.setup("test")
    assert set(all_batches(data.test_set)["y"].flatten().tolist()) == test_values


def test_final_fit_trains_up_to_the_test_part_and_has_no_validation(two_ramps):
    data = ramp_module(two_ramps, final_fit=True)
    data.setup("fit")
    assert all_batches(data.train_set)["y"].max() == 1140 and data.val_dataloader() == []


@pytest.mark.parametrize("origins", [1, 2])
def test_recent_horizons_keeps_each_series_last_cutoffs_and_nothing_past_them(two_ramps, origins):
    """N-BEATS's history limit: with recent_horizons=2 (horizon 3) each series trains on
    its last 6 cutoffs only, b's shorter history as much as a's longer one, and still no
    value of the validation part is a target."""
    data = ramp_module(two_ramps, recent_horizons=2, origins=origins)
    data.setup("fit")
    train = all_batches(data.train_set)
    for series, last_target in ((0, 23), (1, 1110)):
        mine = train["series"] == series
        valid = train["origin_mask"][mine] if origins > 1 else torch.ones(int(mine.sum()), 1)
        targets = train["y"][mine].reshape(len(valid), -1, 3)[valid.bool()]
        firsts = sorted(targets[:, 0].tolist())  # a ramp's first target names its cutoff
        step = 1 if series == 0 else 10
        assert firsts == [last_target - step * (2 + k) for k in range(5, -1, -1)]
        assert targets.max() == last_target  # the validation part is never a target
    # a limit past a series' start keeps its min_input_length: b's cutoffs 2..9, a's 13..21
    wide = ramp_module(two_ramps, recent_horizons=3, origins=origins)
    wide.setup("fit")
    assert wide.train_set.windows_per_series().tolist() == [
        -(-9 // origins),  # a: the latest 9 cutoffs, 13..21
        -(-8 // origins),  # b: all 8 it has, 2..9
    ]


BAD_INPUTS = {
    "duplicate": ("a,1,1\na,1,2\na,2,3\n", r"repeat a \(series, time\) pair, at data rows 1, 2"),
    "text": ("a,1,1\na,2,lots\na,3,3\n", r"column 'y' .* not numeric: data row 2 .*'lots'"),
    "blank": ("a,1,1\na,2,\na,3,3\n", r"1 missing values, at data row 2; .*data.fill"),
    "inf": ("a,1,1\na,2,inf\na,3,3\n", r"'y' .* is infinite at data row 2"),
    "gap": ("a,1,1\na,2,2\na,4,4\n", r"series 'a' skips a period before its value at data row 3"),
    "single": ("a,1,1\na,2,2\nb,1,5\n", r"1 series have a single value \('b'\)"),
    "bad time": (
        "a,1,1\na,two,2\n",
        r"time column 'ds' .* holds integers but not at data row 2 \(first: 'two'\)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_long_format_input_names_the_series_and_row(tmp_path, case):
    body, message = BAD_INPUTS[case]
    path = tmp_path / "bad.csv"
    path.write_text("unique_id,ds,y\n" + body)
    with pytest.raises(zoo.DataError, match=message):
        ramp_module(path).setup("fit")


def test_blank_lines_at_the_end_are_not_values_and_gaps_can_be_filled(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("unique_id,ds,y\na,1,1\na,2,\na,3,3\na,4,4\n\n\n")
    data = ramp_module(path, horizon=1, input_length=2, fill="interpolate")
    assert data.load_history().values.tolist() == [1, 2, 3]


def test_a_single_series_is_a_panel_of_one(tmp_path):
    path = tmp_path / "one.csv"
    dates = pd.date_range("2001-01-01", periods=40, freq="MS").strftime("%Y-%m")
    pd.DataFrame({"month": dates, "units": np.arange(40.0) + 1}).to_csv(path, index=False)
    data = ramp_module(path, id_column=None, time_column="month", value_column="units")
    history = data.load_history()
    assert len(history) == 1 and len(history.series(0)) == 37
    assert list(history.times(0, 37, 2)) == [pd.Timestamp("2004-02-01"), pd.Timestamp("2004-03-01")]


def test_series_too_short_for_a_window_are_counted_and_still_forecast(tmp_path, caplog):
    path = write_panel(
        tmp_path / "short.csv", {"long": np.arange(1.0, 41), "short": [5.0, 6, 7, 8, 9, 10, 11, 12]}
    )
    data = ramp_module(path, horizon=3, input_length=6, min_input_length=4)
    data.setup("fit")  # short: 8 = 2 | 3 | 3, fewer than 4 + 3 before validation
    assert data.series_without_windows == 1 and "1 of 2 series are too short" in caplog.text
    model = zoo.create_model("rnn", horizon=3, input_length=6, min_input_length=4)
    forecasts = forecast_panel(model.eval(), Panel.from_arrays(["tiny"], [[5.0, 6.0]]))
    assert forecasts.tolist() == [[6.0, 6.0, 6.0]]  # fewer than 4 values: seasonal naive


def test_small_panels_repeat_their_windows_to_draw_an_epoch_of_epoch_windows(two_ramps):
    data = ramp_module(two_ramps, epoch_windows=100)
    data.setup("fit")
    distinct = data.train_set.windows
    assert distinct == 20 + 8 and len(data.train_set) == 4 * distinct  # enough to draw 100
    assert len(data.train_dataloader().sampler) == 100  # an epoch: exactly 100 of them
    again = data.train_set.__getitems__([0, distinct])  # the same window twice
    assert torch.equal(again["x"][0], again["x"][1])


def test_large_panels_draw_a_fresh_subset_of_their_windows_each_epoch(two_ramps):
    data = ramp_module(two_ramps, epoch_windows=10, batch_size=5)  # 28 windows, 10 an epoch
    data.setup("fit")
    assert data.train_set.windows == 28 and data.train_set.repeat == 1
    loader = data.train_dataloader()
    drawn = []
    for epoch in range(2):
        loader.sampler.set_epoch(epoch)
        batches = list(loader)
        assert [len(b["x"]) for b in batches] == [5, 5]  # 2 steps an epoch, not 6
        # each window at most once an epoch (ramps: a window's inputs and targets name it)
        pairs = {
            (int(s), tuple(x.tolist()), tuple(y.tolist()))
            for b in batches
            for s, x, y in zip(b["series"], b["x"], b["y"], strict=True)
        }
        assert len(pairs) == 10
        drawn.append(pairs)
    assert drawn[0] != drawn[1]  # another subset the next epoch


@pytest.mark.parametrize("source", ["m3", "co2", "csv"])
def test_a_panel_given_replaces_the_sources_own_series(source, tmp_path):
    """`panel=` (the forecasting API, a benchmark's validation fold) is what the module
    trains on, whatever `source` names: M3's training parts, a built-in series or a file
    are not read."""
    given = Panel.from_arrays(["x", "y"], [torch.arange(40.0) + 1, torch.arange(50.0) + 1])
    data = PanelDataModule(
        source=source, path=str(tmp_path / "none.csv"), horizon=6, season_length=12,
        test_part=False, panel=given,
    )  # fmt: skip
    assert data.load_panel() is given and data.load_history() is given
