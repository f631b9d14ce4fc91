"""A file zoo reads carries values, never instructions: a saved Forecaster, a checkpoint or a
weights card naming a callable (Hydra's `_target_` and its kin) is refused before anything
is built, trained or run."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

import zoo
from zoo.errors import DataError
from zoo.forecasting import Forecaster, SeasonalNaive
from zoo.models.weights import _read_card


def saved_forecaster(folder):
    dates = pd.date_range("2001-01-01", periods=36, freq="MS")
    frame = pd.DataFrame({"unique_id": "a", "ds": dates, "y": 10 + np.sin(np.arange(36))})
    Forecaster([SeasonalNaive()], h=3).fit(frame).save(folder)
    return folder / "forecaster.json", frame


def test_a_saved_forecaster_with_overrides_naming_a_callable_is_refused(tmp_path):
    """The attack of issue 28: overrides that make Hydra call shutil.copyfile(/dev/null,
    victim) when the loaded Forecaster fits. Refused at load; the victim is untouched."""
    settings_path, frame = saved_forecaster(tmp_path / "fc")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    settings = json.loads(settings_path.read_text())
    assert "overrides" not in settings  # zoo itself no longer writes them
    settings["models"] = [{"model": "rnn"}]
    settings["overrides"] = [
        "+callbacks.x._target_=shutil.copyfile",
        "+callbacks.x.src=/dev/null",
        f"+callbacks.x.dst={victim}",
    ]
    settings_path.write_text(json.dumps(settings))
    with pytest.raises(DataError, match="overrides"):
        Forecaster.load(tmp_path / "fc").fit(frame)
    assert victim.read_text() == "precious"


@pytest.mark.parametrize("key", ["_target_", "_partial_", "_args_", "_call_"])
def test_hydras_keys_anywhere_in_a_saved_forecaster_are_refused_naming_them(tmp_path, key):
    settings_path, _ = saved_forecaster(tmp_path / "fc")
    settings = json.loads(settings_path.read_text())
    settings["networks"] = {"rnn": {"intervals": {"levels": [80], "extra": [{key: "os.sys"}]}}}
    settings_path.write_text(json.dumps(settings))
    with pytest.raises(DataError, match=rf"rnn\.intervals\.extra\[0\]\.{key} names code to run"):
        Forecaster.load(tmp_path / "fc")


def test_a_checkpoint_whose_hyperparameters_name_a_callable_is_refused(tmp_path):
    path = tmp_path / "evil.ckpt"
    torch.save(
        {
            "zoo_task": "ClassificationTask",
            "hyper_parameters": {
                "model_name": "mlp",
                "model_kwargs": {"_target_": "os.system", "_args_": ["touch pwned"]},
            },
            "state_dict": {},
        },
        path,
    )
    with pytest.raises(DataError, match=r"model_kwargs\._target_ names code to run"):
        zoo.load_model(path)
    with pytest.raises(DataError, match="names code to run"):
        zoo.load_task(path)


def test_a_weights_card_naming_a_callable_is_refused(tmp_path):
    card = tmp_path / "card.json"
    card.write_text(json.dumps({"sha256": "0", "model_kwargs": {"_target_": "os.system"}}))
    with pytest.raises(DataError, match=r"model_kwargs\._target_ names code to run"):
        _read_card(str(card), 0, "scripts/make_weights.py")
