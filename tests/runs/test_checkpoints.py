"""What zoo reads from a file is checked before anything is built (issue 28): checkpoints and
saved forecasters whose contents zoo would not have written (no pickle needed to hurt: a
negative horizon, a string for a mapping, tensors of the wrong shape, broken intervals)
get zoo's message naming the file, from every way in; a save never mixes with other files."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

import zoo
from zoo.forecasting import Forecaster, SeasonalNaive
from zoo.forecasting.estimator import read_frame

from .conftest import ROOT, compose_config

TINY_RNN = ["model=rnn", "data=co2", "trainer.max_epochs=1", "model.hidden_size=8",
            "model.ensemble_size=1", "logger=none"]  # fmt: skip


def run_script(name: str, *args, timeout=300):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / f"{name}.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def rnn_checkpoint(tmp_path_factory):
    """A tiny forecaster's checkpoint, with intervals and its frequency."""
    out = tmp_path_factory.mktemp("rnn") / "run"
    zoo.train(compose_config(*TINY_RNN, output_dir=out))
    return out / "checkpoints" / "last.ckpt"


def tampered(source, folder, change):
    checkpoint = torch.load(source, weights_only=True)
    change(checkpoint)
    path = folder / "tampered.ckpt"
    torch.save(checkpoint, path)
    return path


def kwargs_set(**values):
    return lambda c: c["hyper_parameters"]["model_kwargs"].update(values)


CHECKPOINT_CASES = {
    "no hyper_parameters": (
        lambda c: c.pop("hyper_parameters"),
        "holds none as hyper_parameters",
    ),
    "hyper_parameters as a string": (
        lambda c: c.update(hyper_parameters="model_name=rnn"),
        "holds a str as hyper_parameters",
    ),
    "a tensor of the wrong shape": (
        lambda c: c["state_dict"].update({"model.members.0.head.weight": torch.zeros(3, 3)}),
        r"does not fit GlobalRNN\(.*\): shaped members.0.head.weight \(3, 3\)",
    ),
    "a negative horizon": (kwargs_set(horizon=-5), "horizon=-5 is not allowed"),
    "a huge hidden size": (kwargs_set(hidden_size=10**7), "hidden_size=10000000 is not allowed"),
    "a size that builds too many weights": (
        kwargs_set(hidden_size=2**18, num_layers=8),
        "parameters; zoo builds networks of at most",
    ),
    "an argument the network lacks": (kwargs_set(evil=1), "takes no argument 'evil'"),
    "a text for a number": (kwargs_set(dropout="0.1"), "dropout='0.1' is not allowed"),
    "an unknown network": (
        lambda c: c["hyper_parameters"].update(model_name="transformer"),
        "unknown model 'transformer'",
    ),
    "broken intervals": (
        lambda c: c["zoo_intervals"].update(quantiles="wide"),
        "intervals are broken: the quantiles are not a table of numbers",
    ),
    "intervals of another horizon": (
        lambda c: c["zoo_intervals"].update(quantiles=[[1.0, 2.0], [3.0, 4.0]]),
        "cover 2 steps and the network forecasts",
    ),
    "a frequency pandas lacks": (
        lambda c: c["hyper_parameters"].update(freq="banana"),
        "freq 'banana' is not a pandas frequency",
    ),
    "no weights": (lambda c: c.pop("state_dict"), "holds no state_dict"),
    "weights of a training that diverged": (
        lambda c: c["state_dict"]["model.members.0.head.bias"].fill_(float("nan")),
        r"NaN or infinite \(a training that diverged\?\): members.0.head.bias",
    ),
}


@pytest.mark.parametrize("case", CHECKPOINT_CASES)
@pytest.mark.parametrize("loader", ["load_model", "load_task", "from_checkpoint"])
def test_a_checkpoint_zoo_did_not_write_is_refused_naming_it(rnn_checkpoint, tmp_path, loader,
                                                              case):  # fmt: skip
    change, message = CHECKPOINT_CASES[case]
    path = tampered(rnn_checkpoint, tmp_path, change)
    load = {"load_model": zoo.load_model, "load_task": zoo.load_task,
            "from_checkpoint": Forecaster.from_checkpoint}[loader]  # fmt: skip
    with pytest.raises(zoo.DataError, match=f"{path}.*{message}"):
        load(path)


def test_a_task_zoo_does_not_have_or_a_key_its_task_lacks_is_refused(rnn_checkpoint, tmp_path):
    path = tampered(rnn_checkpoint, tmp_path, lambda c: c.update(zoo_task="EvilTask"))
    with pytest.raises(zoo.DataError, match="written by a task zoo does not have .'EvilTask'"):
        zoo.load_task(path)
    zoo.load_model(path)  # the network alone needs no task
    path = tampered(rnn_checkpoint, tmp_path, lambda c: c["hyper_parameters"].update(evil=1))
    with pytest.raises(zoo.DataError, match="ForecastingTask.*takes no argument 'evil'"):
        zoo.load_task(path)


def test_every_command_refuses_a_damaged_checkpoint_in_one_line(rnn_checkpoint, tmp_path):
    run = tmp_path / "run"  # eval reads the run's config.yaml beside the checkpoint
    shutil.copytree(rnn_checkpoint.parents[1], run)
    path = tampered(rnn_checkpoint, run / "checkpoints", CHECKPOINT_CASES["a negative horizon"][0])
    dates = pd.date_range("2000-01-01", periods=40, freq="MS")
    data = tmp_path / "sales.csv"
    pd.DataFrame({"unique_id": "a", "ds": dates, "y": 10 + np.arange(40.0)}).to_csv(data)
    (tmp_path / "digit.png").write_bytes(b"")
    runs = {
        "eval": run_script("eval", f"ckpt_path={path}", f"hydra.run.dir={tmp_path / 'e'}"),
        "predict": run_script("predict", path, tmp_path / "digit.png"),
        "export": run_script("export", path, "--out", tmp_path / "x", "--format", "torchscript"),
        "forecast": run_script("forecast", path, data, "--out", tmp_path / "f.csv"),
        "backtest": run_script("backtest", path, data, "--out", tmp_path / "b.csv"),
    }
    for command, result in runs.items():
        assert result.returncode != 0, command
        assert "Traceback" not in result.stderr, (command, result.stderr[-2000:])
        assert "horizon=-5 is not allowed" in result.stderr.strip().splitlines()[-1], command


# -- saved forecasters ------------------------------------------------------------------------


def monthly(periods=36, level=1.0, series="a"):
    dates = pd.date_range("2000-01-01", periods=periods, freq="MS")
    return pd.DataFrame({"unique_id": series, "ds": dates, "y": level + np.arange(periods)})


@pytest.fixture(scope="module")
def saved_network(tmp_path_factory):
    """A folder holding a saved network forecaster (the shipped weights) and its history."""
    folder = tmp_path_factory.mktemp("saved") / "fc"
    fc = Forecaster.from_weights("rnn-m3-monthly")
    fc.history_ = read_frame(monthly(40, 10.0))
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
    old = Forecaster([SeasonalNaive()], h=3).fit(monthly(level=1000.0, series="old"))
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
