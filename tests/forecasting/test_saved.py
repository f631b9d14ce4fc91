"""zoo.forecasting.saved: a saved Forecaster's files are checked before anything is built
(issue 28), and a save never mixes with files already in its folder."""

import json
import shutil

import pytest

import zoo
from zoo.forecasting import Forecaster, SeasonalNaive
from zoo.forecasting.estimator import read_frame

from ..conftest import monthly_frame


@pytest.fixture(scope="module")
def saved_network(tmp_path_factory):
    """A folder holding a saved network forecaster (the shipped weights) and its history."""
    folder = tmp_path_factory.mktemp("saved") / "fc"
    fc = Forecaster.from_weights("rnn-m3-monthly")
    fc.history_ = read_frame(monthly_frame(periods=40, level=10.0))
    fc.save(folder)
    return folder


def edited(saved, tmp_path, change):
    folder = tmp_path / "edited"
    shutil.copytree(saved, folder)
    settings = json.loads((folder / "forecaster.json").read_text())
    change(settings, folder)
    (folder / "forecaster.json").write_text(json.dumps(settings))
    return folder


def network(change):
    return lambda s, f: change(s["networks"]["rnn"])


SAVED_CASES = {
    "a list for the networks": (
        lambda s, f: s.update(networks=["rnn"]),
        r"networks=\['rnn'\] is not allowed",
    ),
    "a frequency pandas lacks": (lambda s, f: s.update(freq="banana"), "freq 'banana' is not"),
    "a text file as history": (
        lambda s, f: (f / "history.parquet").write_text("unique_id,ds,y\n"),
        "history.parquet is not a Parquet file",
    ),
    "a huge hidden size": (
        network(lambda n: n["kwargs"].update(hidden_size=10**7)),
        "hidden_size=10000000 is not allowed",
    ),
    "a negative horizon in the network": (
        network(lambda n: n["kwargs"].update(horizon=-5)),
        "horizon=-5 is not allowed",
    ),
    "an h the network does not forecast": (
        lambda s, f: s.update(h=6),
        "states h=6, but its network 'rnn' has horizon=18",
    ),
    "a season the network does not have": (
        lambda s, f: s.update(season_length=4),
        "states season_length=4, but its network 'rnn' has season_length=12",
    ),
    "a setting zoo does not know": (lambda s, f: s.update(evil=1), "unknown keys: 'evil'"),
    "levels as text": (lambda s, f: s.update(levels=["80"]), "interval levels are numbers"),
    "weights of another network": (
        network(lambda n: n["kwargs"].update(hidden_size=16)),
        r"does not fit GlobalRNN\(.*hidden_size=16.*\): shaped",
    ),
    "weights that are not safetensors": (
        lambda s, f: (f / "network-0.safetensors").write_bytes(b"not weights"),
        "network-0.safetensors is not a readable safetensors file",
    ),
    "a weights file outside the folder": (
        network(lambda n: n.update(file="../../elsewhere.safetensors")),
        "file='../../elsewhere.safetensors' is not allowed",
    ),
    "broken intervals": (
        network(lambda n: n["intervals"].update(levels=[80], calibration_size=-1)),
        "intervals are broken",
    ),
    "a list for a name": (
        network(lambda n: n.update(name=["rnn"])),
        r"name=\['rnn'\] is not allowed",
    ),
}


@pytest.mark.parametrize("case", SAVED_CASES)
def test_a_saved_forecaster_zoo_did_not_write_is_refused_naming_it(saved_network, tmp_path, case):
    change, message = SAVED_CASES[case]
    folder = edited(saved_network, tmp_path, change)
    with pytest.raises(zoo.DataError, match=f"{folder}.*{message}"):
        Forecaster.load(folder)


def test_a_forecaster_whose_metrics_are_not_finite_saves_them_as_null(tmp_path):
    fc = Forecaster.from_weights("rnn-m3-monthly")
    fc.networks_["rnn"].metrics = {"val/mase": float("nan"), "val/smape": 12.5}
    fc.save(tmp_path / "fc")
    loaded = Forecaster.load(tmp_path / "fc").networks_["rnn"].metrics
    assert loaded == {"val/mase": None, "val/smape": 12.5}


def test_a_saved_forecasters_settings_that_are_not_json_or_absent(tmp_path):
    with pytest.raises(zoo.DataError, match="no saved Forecaster at"):
        Forecaster.load(tmp_path)
    (tmp_path / "forecaster.json").write_text("[1, 2")
    with pytest.raises(zoo.DataError, match="forecaster.json is not valid JSON"):
        Forecaster.load(tmp_path)
    (tmp_path / "forecaster.json").write_text("[1, 2]")
    with pytest.raises(zoo.DataError, match="forecaster.json: the settings: a list, not a mapping"):
        Forecaster.load(tmp_path)


def test_a_save_never_mixes_with_files_already_in_its_folder(tmp_path):
    old = Forecaster([SeasonalNaive()], h=3).fit(monthly_frame(ids=["old"], level=1000.0))
    folder = tmp_path / "fc"
    folder.mkdir()
    old.history_.to_frame().to_parquet(folder / "history.parquet")  # a user's file
    (folder / "network-0.safetensors").write_bytes(b"mine")
    new = Forecaster.from_weights("rnn-m3-monthly")  # no history
    with pytest.raises(zoo.ConfigError, match="already exists and holds files"):
        new.save(folder)
    assert (folder / "network-0.safetensors").read_bytes() == b"mine"
    (tmp_path / "file").write_text("mine")
    with pytest.raises(zoo.ConfigError, match="file already exists as a file"):
        new.save(tmp_path / "file")
    new.save(tmp_path / "new")
    # a stray history dropped in later is not the forecaster's: load reads what save wrote
    shutil.copy(folder / "history.parquet", tmp_path / "new" / "history.parquet")
    with pytest.raises(zoo.ConfigError, match="give the series to forecast"):
        Forecaster.load(tmp_path / "new").predict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fc", "file", "new"]  # no leftovers
