"""Shipped weights: every file loads through load_model and torch.hub, matches its card,
contains no pickle and gives finite outputs on synthetic data (its card's test figures are
reproduced in test_make_weights.py); names resolve, wrong ones list the valid ones; the hub's
entry points are the registry's models; predict and forecast take --weights.

Registered weights whose file is not built yet (the M3 forecaster until its run is made)
are skipped with the command that builds them."""

import json
import os
import runpy
import subprocess
import sys
import tomllib
from fnmatch import fnmatch

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from safetensors import safe_open

import zoo
from zoo.configs import compose_config
from zoo.errors import ConfigError, DataError
from zoo.timeseries import SOURCES, Panel
from zoo.timeseries.windows import forecast_windows
from zoo.weights import (
    CNN_Weights,
    DigitImages,
    GlobalRNN_Weights,
    PrimerFeatures,
    SeriesWindow,
    UnknownWeightsError,
    WeightsNotBuiltError,
    get_weights,
    list_weights,
)

from .conftest import CONF_DIR, ROOT, digit_like_images

EXPECTED = ["cnn.mnist", "mlp.mnist", "mlp.primer", "perceptron.mnist", "rnn.m3-monthly"]
MAX_FILE_BYTES = 2 * 1024 * 1024


def shipped(id: str):
    """The entry `id`, or a skip naming the command that builds it."""
    weights = get_weights(id)
    if not weights.available:
        pytest.skip(f"{id} is not built yet ({weights.path.name} absent): {weights.regenerate}")
    return weights


def synthetic_input(weights):
    """A small batch of raw inputs, run through the weights' own transform."""
    transform = weights.transforms()
    if weights.transform is DigitImages:
        images, _ = digit_like_images(6, seed=3)
        return (transform(torch.tensor(images, dtype=torch.uint8)),)
    if weights.transform is PrimerFeatures:
        return (transform([[128.0, 63.0], [155.0, 68.0], [140.0, 66.0]]),)
    sine = torch.tensor(SOURCES["sine"](length=300).to_numpy(), dtype=torch.float32) + 3
    return transform([sine, sine[:50] * 100, sine[:5]])  # long, shorter than the input, tiny


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


def test_pyproject_ships_the_weight_files_in_the_wheel():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["zoo"]
    assert "safetensors" in " ".join(pyproject["project"]["dependencies"])
    for path in (ROOT / "src" / "zoo" / "pretrained").iterdir():
        relative = path.relative_to(ROOT / "src" / "zoo").as_posix()
        assert any(fnmatch(relative, p) for p in patterns), relative


def test_series_window_reads_what_the_forecaster_is_trained_on():
    series = [np.arange(1.0, 13.0), np.arange(1.0, 4.0) * 7]
    x, mask = SeriesWindow(input_length=8, positive=True)(series)
    expected = forecast_windows(Panel.from_arrays(["a", "b"], series), 8).__getitems__([0, 1])
    assert torch.equal(x, expected["x"]) and torch.equal(mask, expected["mask"])
    one, one_mask = SeriesWindow(input_length=8)(pd.Series(series[0]))
    assert one.shape == one_mask.shape == (1, 8)
    with pytest.raises(ValueError, match="positive"):
        SeriesWindow(input_length=8, positive=True)([1.0, 0.0, 2.0])


def test_digit_transform_takes_pil_images_uint8_and_float_tensors():
    weights = shipped("cnn.mnist")
    transform = weights.transforms()
    images, _ = digit_like_images(2, seed=0)
    as_uint8 = transform(torch.tensor(images, dtype=torch.uint8))  # (B, H, W)
    as_pil = transform(Image.fromarray(images[0].astype(np.uint8)))
    as_float = transform(torch.tensor(images[:1] / 255, dtype=torch.float32).unsqueeze(1))
    assert as_uint8.shape == (2, 1, 28, 28) and as_pil.shape == (1, 28, 28)
    assert torch.allclose(as_pil, as_uint8[0]) and torch.allclose(as_float[0], as_uint8[0])
    big = transform(Image.fromarray(images[0].astype(np.uint8)).resize((56, 56)))
    assert big.shape == (1, 28, 28)


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


def run_script(name: str, *args: str, cwd=None):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "ZOO_DATA_ROOT": str(cwd or ROOT / "nowhere")},  # no MNIST here
    )


def run_in_process(name: str, *args: str, monkeypatch, capsys) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of a script run in this process: for quick refusals."""
    monkeypatch.setattr(sys, "argv", [name, *args])
    code = 0
    try:
        runpy.run_path(str(ROOT / "scripts" / name), run_name="__main__")
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
        if isinstance(exit.code, str):
            print(exit.code, file=sys.stderr)
    out, err = capsys.readouterr()
    return code, out, err


def test_predict_with_weights_needs_no_checkpoint_and_no_data(tmp_path):
    weights = shipped("cnn.mnist")
    images, _ = digit_like_images(5, seed=2)
    for i, image in enumerate(images):
        Image.fromarray(image.astype(np.uint8)).save(tmp_path / f"digit{i}.png")
    result = run_script(
        "predict.py", "--weights", "cnn-mnist", str(tmp_path), "--csv", str(tmp_path / "p.csv")
    )
    assert result.returncode == 0, result.stderr
    model, transform = weights.build(), weights.transforms()
    with torch.no_grad():
        expected = model(transform(torch.tensor(images, dtype=torch.uint8))).argmax(1).tolist()
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert rows[0].startswith("file,prediction,p_0,")
    assert [int(row.split(",")[1]) for row in rows[1:]] == expected

    perceptron = run_script("predict.py", "--weights", "perceptron-mnist", str(tmp_path))
    if get_weights("perceptron.mnist").available:
        assert perceptron.returncode == 0 and "(score " in perceptron.stdout, perceptron.stderr


def test_predict_refuses_a_wrong_name_both_sources_and_non_digit_weights(
    tmp_path, monkeypatch, capsys
):
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(tmp_path / "blank.png")
    blank = str(tmp_path / "blank.png")

    def predict(*args):
        return run_in_process("predict.py", *args, monkeypatch=monkeypatch, capsys=capsys)

    code, _, err = predict("--weights", "cnn-imagenet", blank)
    assert code == 1 and "choose one of: cnn.mnist" in err
    code, _, err = predict("--weights", "cnn-mnist", "run.ckpt", blank)
    assert code == 2 and "not both" in err
    code, _, err = predict("--weights", "mlp-primer", blank)
    assert code == 1 and "do not read digit images" in err


def test_forecast_refuses_a_checkpoint_and_weights_together(monkeypatch, capsys):
    code, _, err = run_in_process(
        "forecast.py",
        *("--weights", "rnn-m3-monthly", "run.ckpt", "--m3", "monthly"),
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 2 and "not both" in err


def test_forecast_with_weights_needs_no_checkpoint(tmp_path):
    shipped("rnn.m3-monthly")
    dates = pd.date_range("2000-01-01", periods=60, freq="MS")
    frame = pd.concat(
        pd.DataFrame({"unique_id": name, "ds": dates[:n], "y": 100 + 10 * np.sin(np.arange(n))})
        for name, n in (("a", 60), ("b", 30))
    )
    frame.to_csv(tmp_path / "sales.csv", index=False)
    result = run_script(
        "forecast.py",
        "--weights",
        "rnn-m3-monthly",
        str(tmp_path / "sales.csv"),
        "--out",
        str(tmp_path / "f.csv"),
    )
    assert result.returncode == 0, result.stderr
    forecasts = pd.read_csv(tmp_path / "f.csv")
    assert len(forecasts) == 2 * 18 and np.isfinite(forecasts["rnn"]).all()
    assert (forecasts["rnn-lo-95"] > 0).all() and (forecasts["rnn-lo-95"] < forecasts.rnn).all()
    # the same frame through the Python API: the CLI and the API write the same forecasts
    api = zoo.Forecaster.from_weights("rnn-m3-monthly").predict(frame, level=[80, 95])
    assert list(api.columns) == list(forecasts.columns)
    assert np.allclose(api.rnn, forecasts.rnn, rtol=1e-5)
    assert np.allclose(api["rnn-hi-95"], forecasts["rnn-hi-95"], rtol=1e-5)


def test_the_shipped_forecaster_refuses_what_it_cannot_serve(tmp_path):
    shipped("rnn.m3-monthly")
    fc = zoo.Forecaster.from_weights("rnn-m3-monthly")
    months = pd.date_range("2000-01-01", periods=40, freq="MS")
    ok = pd.DataFrame({"unique_id": "ok", "ds": months, "y": 50 + np.arange(40.0)})
    zero = ok.assign(unique_id="has_zero", y=np.r_[np.ones(39), 0.0])
    with pytest.raises(zoo.DataError, match=r"1 series have values <= 0 \('has_zero'\)"):
        fc.predict(pd.concat([ok, zero]))
    weeks = ok.assign(ds=pd.date_range("2000-01-02", periods=40, freq="W-SUN"))
    with pytest.raises(zoo.ConfigError, match=r"trained on month data .* week"):
        fc.predict(weeks)
    forced = fc.predict(weeks, force_freq=True)
    assert len(forced) == 18 and forced.ds.iloc[1] - forced.ds.iloc[0] == pd.Timedelta("7D")


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
