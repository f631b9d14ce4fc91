"""The configs and the registry stay in step, and every offered combination trains or is
refused before training with a message that names what fits."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hydra.utils import instantiate
from omegaconf import OmegaConf

import zoo
from zoo.configs import check_values
from zoo.configs import compose_config as compose_from
from zoo.runs.training import build_task

from .conftest import (
    CONF_DIR,
    compose_config,
    default_data,
    one_training_step,
    table_frame,
    write_images,
    write_small_mnist,
)

MODEL_OPTIONS = sorted(p.stem for p in (CONF_DIR / "model").glob("*.yaml"))
DATA_OPTIONS = sorted(p.stem for p in (CONF_DIR / "data").glob("*.yaml"))
CLASSIFICATION_DATA = {"mnist", "primer", "separable", "xor", "images", "table"}
FITS = {  # model -> the data options it trains on
    "perceptron": CLASSIFICATION_DATA,
    "mlp": CLASSIFICATION_DATA,
    "cnn": {"mnist", "images"},  # images only
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
        if data == "images":  # a folder of the user's
            write_images(tmp_path / "images", per_class=4)
            return [f"data.root={tmp_path / 'images'}"]
        if data == "table":
            table_frame(40).to_csv(tmp_path / "table.csv", index=False)
            return [f"data.path={tmp_path / 'table.csv'}", "data.target=kind", "data.drop=[id]"]
        return []

    return settings


def test_every_registered_model_has_a_config_and_every_config_a_model():
    assert MODEL_OPTIONS == zoo.list_models()
    assert sorted(FITS) == MODEL_OPTIONS


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
    assert with_recipe.presets.recipe == recipe and without.presets.recipe is None

    def leaves(tree, prefix=""):
        for key, value in tree.items():
            if isinstance(value, dict) and "_target_" not in value:
                yield from leaves(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", value

    settings = {}
    for name in (recipe, *yaml.safe_load((CONF_DIR / "recipe" / f"{recipe}.yaml").read_text())
                 .get("defaults", [])):  # fmt: skip
        own = yaml.safe_load((CONF_DIR / "recipe" / f"{name}.yaml").read_text())
        settings = {**dict(leaves({k: v for k, v in own.items() if k != "defaults"})), **settings}
    for key, value in settings.items():  # every setting of the file is in the run's config
        found = OmegaConf.select(with_recipe, key)
        found = OmegaConf.to_container(found) if OmegaConf.is_config(found) else found
        assert found == value, (recipe, key, found, value)


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


@pytest.mark.parametrize(
    ("overrides", "recipe", "experiment"),
    [
        (["model=rnn"], "rnn_m3", None),
        (["model=rnn", "data.group=yearly"], "rnn_m3", None),  # M3's recipe for every group
        (["model=rnn", "data=co2"], "rnn_co2", None),
        (["model=rnn", "data=csv"], "rnn_csv", None),
        (["model=rnn", "data=parquet"], "rnn_parquet", None),
        (["model=rnn", "data=sine"], None, None),
        (["experiment=fast"], "cnn_mnist", "fast"),
        (["model=mlp", "data=xor"], "mlp_xor", None),
    ],
)
def test_the_run_config_names_every_preset_that_applied(config, overrides, recipe, experiment):
    cfg = config(*overrides)
    assert (cfg.presets.recipe, cfg.presets.experiment) == (recipe, experiment)


@pytest.mark.parametrize("group", ["recipe", "experiment"])
def test_every_preset_file_names_itself(group):
    for path in (CONF_DIR / group).glob("*.yaml"):
        assert yaml.safe_load(path.read_text())["presets"][group] == path.stem, path


def test_code_defaults_equal_the_yaml_defaults():
    """create_model(name) builds what train.py model=name builds (the data's sizes aside),
    and a task's constructor defaults are its YAML's."""
    import inspect

    from hydra.utils import get_class

    from zoo.models import get_model_builder

    def same(code, config):
        return list(code) == config if isinstance(code, tuple) else code == config

    for name in MODEL_OPTIONS:
        settings = yaml.safe_load((CONF_DIR / "model" / f"{name}.yaml").read_text())
        settings.pop("defaults", None)
        parameters = inspect.signature(get_model_builder(settings.pop("name"))).parameters
        for key, value in settings.items():
            if value is None and key == "scaling":  # null in the YAML: the data decides
                continue
            assert same(parameters[key].default, value), (name, key)
    for path in (CONF_DIR / "task").glob("*.yaml"):
        settings = yaml.safe_load(path.read_text())
        parameters = inspect.signature(get_class(settings.pop("_target_"))).parameters
        for key, value in settings.items():
            assert same(parameters[key].default, value), (path.stem, key)


def test_only_recipes_and_experiments_are_global_groups():
    """What runs is what you typed plus files you can point at: a model file holds the
    model's settings (and picks its default data and task), not keys all over the config."""
    for path in CONF_DIR.glob("*/*.yaml"):
        header = path.read_text().splitlines()[0]
        is_global = header == "# @package _global_"
        assert is_global == (path.parent.name in ("recipe", "experiment")), path


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("trainer.max_epochs=abc", "trainer.max_epochs='abc' is not allowed"),
        ("task.lr=-1", "task.lr=-1 is not allowed: task.lr must be a number > 0"),
        ("task.lr=abc", "task.lr='abc' is not allowed"),
        ("seed=abc", "seed='abc' is not allowed"),
        ("data.batch_size=0", "data.batch_size=0 is not allowed"),
        ("model.hidden_sizes=[0]", "model.hidden_sizes=[0] is not allowed"),
        ("trainer.precision=banana", "trainer.precision='banana' is not allowed"),
        ("trainer.devices=0", "trainer.devices=0 is not allowed"),
    ],
)
def test_values_of_the_wrong_type_or_range_are_refused_naming_the_key(override, message):
    cfg = compose_config("model=mlp", "data=xor", override, output_dir="unused")
    with pytest.raises(zoo.ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        check_values(cfg)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.ensemble_size=0", "model.ensemble_size=0 is not allowed"),
        ("model.hidden_size=0", "model.hidden_size=0 is not allowed"),
        ("data.season_length=-1", "data.season_length=-1 is not allowed"),
        ("data.horizon=0", "data.horizon=0 is not allowed"),
    ],
)
def test_forecaster_values_are_refused_naming_the_key(override, message):
    cfg = compose_config("model=rnn", "data=co2", override, output_dir="unused")
    with pytest.raises(zoo.ConfigError, match=message):
        check_values(cfg)
