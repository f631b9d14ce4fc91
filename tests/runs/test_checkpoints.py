"""What zoo reads from a file is checked before anything is built (issue 28): checkpoints and
saved forecasters whose contents zoo would not have written (no pickle needed to hurt: a
negative horizon, a string for a mapping, tensors of the wrong shape, broken intervals)
get zoo's message naming the file, from every way in; a save never mixes with other files."""

import subprocess
import sys

import pytest
import torch

import zoo
from zoo.forecasting import Forecaster

from ..conftest import tampered


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


def test_a_checkpoint_whose_network_does_not_fit_is_refused_naming_it(tmp_path):
    path = tmp_path / "run.ckpt"
    hparams = {"model_name": "mlp", "model_kwargs": {"in_features": 2}}
    state = {"model.layers.1.weight": torch.zeros(2, 2)}  # the rest is missing
    checkpoint = {"zoo_task": "ClassificationTask", "hyper_parameters": hparams}
    checkpoint["state_dict"] = state
    torch.save(checkpoint, path)
    with pytest.raises(zoo.DataError, match=f"{path} does not fit SigmoidMLP.*missing layers.1.b"):
        zoo.load_model(path)


def test_load_model_in_a_fresh_process_without_configs(cnn_run, tmp_path):
    _, _, best = cnn_run
    x = torch.rand(5, 1, 28, 28)
    torch.save(x, tmp_path / "x.pt")
    with torch.no_grad():
        expected = zoo.load_task(best)(x)
    code = (
        "import sys, torch, zoo\n"
        "x = torch.load('x.pt', weights_only=True)\n"
        f"task = zoo.load_task({str(best)!r})\n"
        f"net = zoo.load_model({str(best)!r}, map_location='cpu')\n"
        "hp = task.hparams\n"
        "with torch.no_grad():\n"
        "    y = {'task': task(x), 'net': net((x - hp.input_mean) / hp.input_std)}\n"
        "torch.save(y, 'y.pt')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    outputs = torch.load(tmp_path / "y.pt", weights_only=True)
    assert torch.equal(outputs["task"], expected)
    assert torch.allclose(outputs["net"], expected, atol=1e-6)
    assert not (tmp_path / "conf").exists()


HEAVY_PACKAGES = ("lightning", "lightning_fabric", "pytorch_lightning", "hydra", "matplotlib")


def test_models_alone_import_neither_lightning_nor_hydra_nor_matplotlib(cnn_run, tmp_path):
    _, _, best = cnn_run
    code = (
        "import sys, torch, zoo\n"
        "net = zoo.create_model('mlp', in_features=2, hidden_sizes=[3])\n"
        f"loaded = zoo.load_model({str(best)!r})\n"
        "assert loaded(torch.rand(2, 1, 28, 28)).shape == (2, 10)\n"
        f"heavy = [m for m in sys.modules if m.split('.')[0] in {HEAVY_PACKAGES!r}]\n"
        "print(sorted({m.split('.')[0] for m in heavy}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_saved_module_and_reloaded_module_agree_exactly(config, tmp_path):
    import lightning as L
    from hydra.utils import instantiate

    from zoo.runs.training import build_task

    cfg = config("model=mlp", "data=xor")
    datamodule = instantiate(cfg.data)
    task = build_task(cfg, datamodule)
    trainer = L.Trainer(
        max_epochs=2,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(task, datamodule=datamodule)
    trainer.save_checkpoint(tmp_path / "saved.ckpt")
    x = torch.randn(32, 2)
    with torch.no_grad():
        assert torch.equal(zoo.load_task(tmp_path / "saved.ckpt")(x), task.eval()(x))


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(zoo.DataError, match="no checkpoint at"):
        zoo.load_model(tmp_path / "nope.ckpt")
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(zoo.DataError, match="not a readable zoo checkpoint"):
        zoo.load_model(tmp_path / "junk.ckpt")
    (tmp_path / "empty.ckpt").write_bytes(b"")  # a 0-byte file: an IndexError before
    for load in (zoo.load_model, zoo.load_task, zoo.Forecaster.from_checkpoint):
        with pytest.raises(zoo.DataError, match=r"empty.ckpt is not a readable zoo checkpoint"):
            load(tmp_path / "empty.ckpt")
