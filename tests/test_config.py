"""The configs and the registry stay in step, and every offered combination composes."""

import shutil

import pytest
from hydra.utils import get_class, instantiate

import zoo
from zoo.configs import compose_config as compose_from
from zoo.training import build_task

from .conftest import CONF_DIR

MODEL_OPTIONS = sorted(p.stem for p in (CONF_DIR / "model").glob("*.yaml"))
DATA_OPTIONS = sorted(p.stem for p in (CONF_DIR / "data").glob("*.yaml"))


def test_every_registered_model_has_a_config_and_every_config_a_model():
    assert MODEL_OPTIONS == zoo.list_models()


@pytest.mark.parametrize("model", MODEL_OPTIONS)
def test_model_config_builds_its_registered_model_on_its_default_data(config, model):
    cfg = config(f"model={model}")
    assert cfg.model.name == model
    task = build_task(cfg, instantiate(cfg.data))
    assert isinstance(task.model, zoo.models.get_model_builder(model))


@pytest.mark.parametrize("model", MODEL_OPTIONS)
@pytest.mark.parametrize("data", DATA_OPTIONS)
def test_every_model_and_data_pair_composes_or_is_refused_clearly(config, model, data, tmp_path):
    extra = []
    if data == "csv":  # the one option that needs a file of the user's
        (tmp_path / "series.csv").write_text("y\n" + "\n".join(str(i % 7) for i in range(80)))
        extra = [f"data.path={tmp_path / 'series.csv'}", "data.column=y"]
    cfg = config(f"model={model}", f"data={data}", *extra)
    datamodule = instantiate(cfg.data)
    if get_class(cfg.task._target_).data_kind == datamodule.kind:
        task = build_task(cfg, datamodule)
        assert task.model is not None
    else:
        with pytest.raises(zoo.ConfigError, match="needs .* data"):
            build_task(cfg, datamodule)


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml"))


@pytest.mark.parametrize("experiment", _options("experiment"))
def test_every_experiment_composes(config, experiment):
    cfg = config(f"experiment={experiment}")
    build_task(cfg, instantiate(cfg.data))


@pytest.mark.parametrize("recipe", _options("recipe"))
def test_every_recipe_names_a_model_and_data_pair_and_applies(config, recipe):
    model, data = next((m, d) for m in MODEL_OPTIONS for d in DATA_OPTIONS if recipe == f"{m}_{d}")
    with_recipe = config(f"model={model}", f"data={data}")
    without = config(f"model={model}", f"data={data}", "~recipe")
    assert with_recipe != without
    build_task(with_recipe, instantiate(with_recipe.data))


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
