"""The configs and the registry stay in step, and every offered combination trains or is
refused before training with a message that names what fits."""

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from hydra.utils import instantiate

import zoo
from zoo.configs import compose_config as compose_from
from zoo.training import build_task, trainer_precision

from .conftest import CONF_DIR, write_small_mnist

MODEL_OPTIONS = sorted(p.stem for p in (CONF_DIR / "model").glob("*.yaml"))
DATA_OPTIONS = sorted(p.stem for p in (CONF_DIR / "data").glob("*.yaml"))
CLASSIFICATION_DATA = {"mnist", "primer", "separable", "xor"}
FITS = {  # model -> the data options it trains on
    "perceptron": CLASSIFICATION_DATA,
    "mlp": CLASSIFICATION_DATA,
    "cnn": {"mnist"},  # images only
    "rnn": set(DATA_OPTIONS) - CLASSIFICATION_DATA,  # the series
}


@pytest.fixture(scope="module")
def mnist_root(tmp_path_factory):
    return write_small_mnist(tmp_path_factory.mktemp("mnist"))


@pytest.fixture
def data_settings(mnist_root, tmp_path):
    """data_settings(data) -> the overrides a data option needs here: MNIST is the small one
    the tests write, and the CSV a file of the user's."""

    def settings(data: str) -> list[str]:
        if data == "mnist":
            return [f"data.root={mnist_root}", "data.val_size=100"]
        if data in ("csv", "parquet"):  # the options that need a file of the user's
            frame = pd.DataFrame(
                {"unique_id": ["a"] * 80 + ["b"] * 60, "ds": [*range(80), *range(60)]}
            ).assign(y=lambda f: 1 + f.ds % 7)
            path = tmp_path / f"panel.{data}"
            frame.to_csv(path, index=False) if data == "csv" else frame.to_parquet(path)
            return [f"data.path={path}", "data.season_length=7"]  # integer times
        return []

    return settings


def one_training_step(cfg) -> None:
    """Train one batch and validate one, with the config's own data, network, task, trainer
    and precision; the step must move the weights and give finite losses."""
    datamodule = instantiate(cfg.data)
    task = build_task(cfg, datamodule)
    before = {name: p.detach().clone() for name, p in task.named_parameters()}
    trainer = instantiate(
        cfg.trainer,
        precision=trainer_precision(cfg),
        fast_dev_run=1,
        logger=False,
        callbacks=[],
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(task, datamodule=datamodule)
    moved = [n for n, p in task.named_parameters() if not torch.equal(p.detach(), before[n])]
    assert moved, "a training step changed no weight"
    for name in ("train/loss", "val/loss"):
        assert math.isfinite(trainer.callback_metrics[name]), name


def test_every_registered_model_has_a_config_and_every_config_a_model():
    assert MODEL_OPTIONS == zoo.list_models()
    assert sorted(FITS) == MODEL_OPTIONS


def default_data(group: str, option: str) -> str:
    """The data option that conf/<group>/<option>.yaml picks (`override /data: NAME`)."""
    defaults = yaml.safe_load((CONF_DIR / group / f"{option}.yaml").read_text())["defaults"]
    return next(d["override /data"] for d in defaults if "override /data" in d)


@pytest.mark.parametrize("model", MODEL_OPTIONS)
def test_model_config_trains_its_registered_model_on_its_default_data(config, data_settings, model):
    cfg = config(f"model={model}", *data_settings(default_data("model", model)))
    assert cfg.model.name == model
    task = build_task(cfg, instantiate(cfg.data))
    assert isinstance(task.model, zoo.models.get_model_builder(model))
    one_training_step(cfg)


@pytest.mark.parametrize("model", MODEL_OPTIONS)
@pytest.mark.parametrize("data", DATA_OPTIONS)
def test_every_model_and_data_pair_trains_or_is_refused_naming_what_fits(
    config, data_settings, model, data
):
    cfg = config(f"model={model}", f"data={data}", *data_settings(data))
    if data in FITS[model]:
        one_training_step(cfg)
        return
    with pytest.raises(zoo.ConfigError, match=f"model={model} cannot train on") as refused:
        build_task(cfg, instantiate(cfg.data))
    for fitting in (m for m in MODEL_OPTIONS if data in FITS[m]):
        assert f"model={fitting}" in str(refused.value)


@pytest.mark.parametrize(
    ("model", "data", "task", "fix"),
    [
        ("perceptron", "separable", "classification", "use task=perceptron"),
        ("mlp", "xor", "perceptron", "the perceptron rule trains model=perceptron only"),
        ("cnn", "mnist", "perceptron", "with task=classification"),
        ("rnn", "co2", "classification", "Leave task= out"),
        ("cnn", "co2", "forecasting", "models for PanelDataModule: model=rnn"),
    ],
)
def test_a_task_that_cannot_train_the_model_is_refused_naming_what_fits(
    config, data_settings, model, data, task, fix
):
    cfg = config(f"model={model}", f"data={data}", f"task={task}", *data_settings(data))
    with pytest.raises(zoo.ConfigError, match=fix):
        zoo.train(cfg)
    assert not (Path(cfg.output_dir) / "checkpoints").exists()  # refused before training


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


@pytest.mark.parametrize("experiment", _options("experiment"))
def test_every_experiment_trains(config, data_settings, experiment):
    data = default_data("experiment", experiment)
    one_training_step(config(f"experiment={experiment}", *data_settings(data)))


@pytest.mark.parametrize("recipe", _options("recipe"))
def test_every_recipe_names_a_model_and_data_pair_and_applies(config, recipe):
    model, data = next((m, d) for m in MODEL_OPTIONS for d in DATA_OPTIONS if recipe == f"{m}_{d}")
    with_recipe = config(f"model={model}", f"data={data}")
    without = config(f"model={model}", f"data={data}", "~recipe")
    assert with_recipe != without  # the pair test above trains a step with it


def test_model_picks_its_default_data_and_the_command_line_wins(config):
    assert config("model=perceptron").data._target_.endswith("LinearlySeparable")
    assert config("model=mlp").data._target_.endswith("MNISTDataModule")
    assert config("model=perceptron", "data=xor").data._target_.endswith("XOR")


def test_presets_set_top_level_keys_and_the_command_line_still_wins(tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    (conf / "experiment" / "settled.yaml").write_text(
        "# @package _global_\nseed: 7\ntest: false\nquiet: true\n"
    )
    (conf / "recipe" / "mlp_xor.yaml").write_text(
        "# @package _global_\nseed: 3\nmatmul_precision: high\n"
    )
    base = ["model=mlp", "data=xor", f"output_dir={tmp_path / 'run'}"]
    recipe = compose_from(conf, base)
    assert recipe.seed == 3 and recipe.matmul_precision == "high" and recipe.data.seed == 3
    preset = compose_from(conf, [*base, "experiment=settled"])
    assert (preset.seed, preset.test, preset.quiet) == (7, False, True)  # over the recipe too
    assert compose_from(conf, [*base, "experiment=settled", "seed=11"]).seed == 11
