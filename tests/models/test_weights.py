"""zoo.models.weights, the shipped weights: every file loads through load_model and
torch.hub, matches its card, contains no pickle and gives finite outputs on synthetic data
(its card's test figures are reproduced in tests/scripts/test_make_weights.py); names
resolve, wrong ones list the valid ones; the hub's entry points are the registry's models
(`zoo predict --weights` and `zoo forecast --weights`: tests/e2e/).

Registered weights whose file is not built yet (the M3 forecaster until its run is made)
are skipped with the command that builds them."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from safetensors import safe_open

import zoo
from zoo.configs import compose_config
from zoo.errors import ConfigError, DataError
from zoo.weights import (
    CNN_Weights,
    GlobalRNN_Weights,
    UnknownWeightsError,
    WeightsNotBuiltError,
    get_weights,
    list_weights,
)

from ..conftest import CONF_DIR, ROOT, shipped, synthetic_input

EXPECTED = ["cnn.mnist", "mlp.mnist", "mlp.primer", "perceptron.mnist", "rnn.m3-monthly"]
MAX_FILE_BYTES = 2 * 1024 * 1024


def test_the_registry_holds_every_entry_and_their_recipes_compose():
    assert list_weights() == EXPECTED
    for id in EXPECTED:
        weights = get_weights(id)
        assert weights.id == id and weights.model in zoo.list_models()
        root = ["data.root=/nowhere"] if weights.evaluation == "mnist" else []
        cfg = compose_config(CONF_DIR, [*weights.recipe, *root, "output_dir=unused"])
        assert cfg.model.name == weights.model  # the recipe still composes


@pytest.mark.parametrize("id", EXPECTED)
def test_weights_load_through_load_model_and_hub_and_match_their_card(id):
    weights = shipped(id)
    meta = weights.meta
    model = zoo.load_model(weights.model, weights=weights.name)
    assert not model.training
    assert sum(p.numel() for p in model.parameters()) == meta["num_params"]
    assert all(p.dtype == torch.float32 for p in model.parameters())
    with safe_open(weights.path, framework="pt") as stored:
        shapes = {k: list(stored.get_slice(k).get_shape()) for k in stored.keys()}
    assert shapes == {k: list(v.shape) for k, v in model.state_dict().items()}

    hub = torch.hub.load(str(ROOT), weights.model, weights=weights.name, source="local")
    for (name, a), (_, b) in zip(model.state_dict().items(), hub.state_dict().items(), strict=True):
        assert torch.equal(a, b), name

    with torch.no_grad():
        out = model(*synthetic_input(weights))
    assert out.shape[1:] == (1 if weights.id == "mlp.primer" else meta["output_shape"][0],)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("id", EXPECTED)
def test_files_are_safetensors_without_pickle_small_and_hashed(id):
    weights = shipped(id)
    data = weights.path.read_bytes()
    header_length = int.from_bytes(data[:8], "little")  # safetensors: u64 length, JSON header
    header = json.loads(data[8 : 8 + header_length])
    assert data[8:9] == b"{"
    ends = [end for k, v in header.items() if k != "__metadata__" for end in v["data_offsets"]]
    assert 8 + header_length + max(ends) == len(data)  # every byte is header or tensor data
    assert {v["dtype"] for k, v in header.items() if k != "__metadata__"} <= {
        "F32",
        "F16",
        "BF16",
        "I64",
    }
    assert b"\x80\x02" not in data[:2] and not data.startswith(b"PK")  # no pickle, no zip
    assert len(data) < MAX_FILE_BYTES
    assert weights.meta["file_size"] == len(data)


def test_loading_never_unpickles(monkeypatch):
    weights = shipped("cnn.mnist")

    def refuse(*args, **kwargs):
        raise AssertionError("torch.load called while loading shipped weights")

    monkeypatch.setattr(torch, "load", refuse)
    model = zoo.load_model("cnn", weights=weights)
    assert not model.training and model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_the_whole_package_of_weights_stays_small():
    files = list((ROOT / "src" / "zoo" / "pretrained").iterdir())
    assert sum(f.stat().st_size for f in files) < 3.5 * 1024 * 1024  # code and all < 5 MB


def test_names_resolve_in_every_spelling():
    expected = get_weights("cnn.mnist")
    for spelling in ("cnn-mnist", ("cnn", "mnist"), "CNN_Weights.MNIST", CNN_Weights.MNIST):
        assert get_weights(spelling) is expected
    assert get_weights("mnist", model="cnn") is expected
    forecaster = GlobalRNN_Weights.M3_MONTHLY.value
    assert get_weights("rnn-m3-monthly") is get_weights("m3-monthly", model="rnn") is forecaster
    assert zoo.get_weights is get_weights and zoo.list_weights is list_weights


def test_a_wrong_weights_name_lists_the_valid_ones():
    with pytest.raises(UnknownWeightsError, match="choose one of: cnn.mnist, mlp.mnist"):
        get_weights("cnn.imagenet1k")
    with pytest.raises(UnknownWeightsError, match="model 'mlp' has weights: mnist, primer"):
        zoo.load_model("mlp", weights="imagenet")
    with pytest.raises(ConfigError, match="for model 'mlp', not 'cnn'"):
        zoo.load_model("cnn", weights="mlp.mnist")


def test_a_conflicting_model_argument_raises():
    shipped("cnn.mnist")
    with pytest.raises(ConfigError, match="num_classes=5 does not fit"):
        zoo.load_model("cnn", weights="mnist", num_classes=5)
    zoo.load_model("cnn", weights="mnist", num_classes=10)  # the same value is no conflict


def test_weights_none_builds_a_fresh_model_and_checkpoint_paths_still_load():
    fresh = zoo.load_model("cnn")
    assert isinstance(fresh, zoo.models.CNN) and fresh.training
    assert zoo.load_model("mlp", weights=None, in_features=2).layers[1].in_features == 2
    with pytest.raises(DataError, match="no checkpoint at cnnn .models: cnn, mlp"):
        zoo.load_model("cnnn")


def test_a_changed_file_or_a_missing_one_is_refused(tmp_path, monkeypatch):
    weights = shipped("cnn.mnist")
    damaged = bytearray(weights.path.read_bytes())
    damaged[-1] ^= 0xFF
    (tmp_path / weights.path.name).write_bytes(bytes(damaged))
    (tmp_path / weights.card_path.name).write_bytes(weights.card_path.read_bytes())
    monkeypatch.setattr("zoo.models.weights.WEIGHTS_DIR", tmp_path)
    with pytest.raises(DataError, match="does not match the sha256 in zoo's record"):
        zoo.load_model("cnn", weights="mnist")
    monkeypatch.setattr("zoo.models.weights.WEIGHTS_DIR", tmp_path / "empty")
    with pytest.raises(WeightsNotBuiltError, match="python scripts/make_weights.py cnn.mnist"):
        zoo.load_model("cnn", weights="mnist")


def test_loading_weights_and_hubconf_import_no_lightning_hydra_or_matplotlib():
    code = (
        "import sys, zoo, hubconf; zoo.load_model('cnn', weights='mnist'); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'lightning', 'hydra', 'matplotlib', 'torchvision', 'pandas'}))"
    )
    shipped("cnn.mnist")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_default_names_each_models_best_weights_as_torchvision_does():
    assert CNN_Weights.DEFAULT is CNN_Weights.MNIST
    assert list(CNN_Weights) == [CNN_Weights.MNIST]  # an alias, not a second entry
    assert get_weights("DEFAULT", model="rnn") is GlobalRNN_Weights.M3_MONTHLY.value
    assert get_weights("CNN_Weights.DEFAULT") is CNN_Weights.MNIST.value
    shipped("cnn.mnist")
    default = zoo.load_model("cnn", weights="DEFAULT")
    named = zoo.load_model("cnn", weights="mnist")
    for a, b in zip(default.state_dict().values(), named.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_the_hub_entry_points_and_their_help_come_from_the_registry():
    import hubconf  # the repository root is on the path (tests/ is a package)

    public = [n for n in dir(hubconf) if callable(getattr(hubconf, n)) and not n.startswith("_")]
    assert public == zoo.list_models()  # what torch.hub.list shows: the models, nothing else
    assert hubconf.dependencies == ["torch", "safetensors"]
    for name, enum in zoo.models.weights_enums().items():
        help_text = getattr(hubconf, name).__doc__
        assert all(f'weights="{member.value.name}"' in help_text for member in enum)
    assert 'weights="primer"' in hubconf.mlp.__doc__ and "(DEFAULT)" in hubconf.mlp.__doc__
    fresh = hubconf.mlp(in_features=3, hidden_sizes=[4])
    assert isinstance(fresh, zoo.models.SigmoidMLP) and fresh.layers[1].in_features == 3


def test_a_weights_file_swapped_with_its_card_and_a_damaged_card_are_refused(monkeypatch, tmp_path):
    import zoo.models.weights

    shutil.copytree(zoo.models.weights.WEIGHTS_DIR, tmp_path / "pretrained")
    monkeypatch.setattr(zoo.models.weights, "WEIGHTS_DIR", tmp_path / "pretrained")
    path = tmp_path / "pretrained" / "mlp-primer.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # a changed weight, and a card that agrees with it
    path.write_bytes(bytes(data))
    card_path = path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    import hashlib

    card["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    card_path.write_text(json.dumps(card))
    with pytest.raises(zoo.DataError, match="does not match the sha256 in zoo's record"):
        zoo.load_model("mlp", weights="primer")
    card_path.write_text("{not json")
    with pytest.raises(zoo.DataError, match="the weights card .* is damaged"):
        zoo.load_model("mlp", weights="primer")
