"""The configs and the registry stay in step, and every offered combination trains or is
refused before training with a message that names what fits."""

import inspect
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch
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


# recipes for a kind of data, chosen by name (recipe=NAME, RNN(NAME)), not by a pair: the
# model and data each is tried with
BY_NAME = {"rnn_single_series": ("rnn", "csv")}


@pytest.mark.parametrize("recipe", _options("recipe"))
def test_every_recipe_names_a_model_and_data_pair_and_applies(config, recipe):
    pairs = [(m, d) for m in MODEL_OPTIONS for d in DATA_OPTIONS if recipe == f"{m}_{d}"]
    model, data = pairs[0] if pairs else BY_NAME[recipe]
    chosen = [] if pairs else [f"recipe={recipe}"]
    with_recipe = config(f"model={model}", f"data={data}", *chosen)
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
    unresolved = OmegaConf.to_container(with_recipe, resolve=False)
    for key, value in settings.items():  # every setting of the file is in the run's config
        if isinstance(value, str) and value.startswith("${"):  # an interpolation, kept as one
            found = unresolved
            for part in key.split("."):
                found = found[part]
        else:
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


@pytest.mark.parametrize(
    ("overrides", "epochs", "baseline"),
    [
        (["data.group=monthly"], 12, "none"),
        (["data.group=quarterly"], 36, "none"),
        (["data.group=yearly"], 6, "drift"),
        (["data.group=other"], 36, "none"),
        (["data.group=yearly", "trainer.max_epochs=9", "model.baseline=none"], 9, "none"),
        (["data=csv", "recipe=rnn_m3"], 12, "none"),  # RNN("rnn_m3") on your panel: monthly's
    ],
)  # the command line still wins (yearly's row with 9 epochs)
def test_the_m3_recipe_trains_each_group_its_own_epochs_on_the_whole_training_part(
    config, overrides, epochs, baseline
):
    cfg = config("model=rnn", *overrides)
    assert cfg.trainer.max_epochs == epochs and cfg.data.final_fit is True
    assert cfg.model.baseline == baseline  # yearly's own: the Theta method's drift
    assert cfg.task.loss == "mase"  # every group: the loss weighs what MASE weighs
    assert cfg.data.recent_horizons == 4  # every group: each series' last four horizons


@pytest.mark.parametrize("group", ["recipe", "experiment"])
def test_every_preset_file_names_itself(group):
    for path in (CONF_DIR / group).glob("*.yaml"):
        assert yaml.safe_load(path.read_text())["presets"][group] == path.stem, path


def config_files() -> list[Path]:
    return (
        sorted(CONF_DIR.glob("model/*.yaml"))
        + sorted(CONF_DIR.glob("task/*.yaml"))
        + sorted(CONF_DIR.glob("data/*.yaml"))
    )


@pytest.mark.parametrize("path", config_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_config_file_repeats_a_constructor_default(path):
    """A setting's default is written once, in its constructor: a model's, task's or data
    module's YAML file names only what differs (null where the data decides), and starts
    from the constructor's settings (`optional /constructor/<group>@_here_: <name>`)."""
    from hydra.utils import get_class

    from zoo.constraints import constructor_parameters

    own = yaml.safe_load(path.read_text())
    defaults = own.pop("defaults")
    if "_target_" not in own and "name" not in own:  # parquet.yaml: csv.yaml's, as it is
        assert defaults == ["csv"]
        return
    if path.parent.name == "model":
        cls, name = zoo.models.get_model_builder(own["name"]), own["name"]
    else:
        cls = get_class(own["_target_"])
        name = cls.__name__
    assert f"optional /constructor/{path.parent.name}@_here_" in defaults[0]
    assert defaults[0] == {f"optional /constructor/{path.parent.name}@_here_": name}
    assert defaults[-1] == "_self_"  # the file's own values win over the constructor's
    parameters = constructor_parameters(cls)
    for key, value in own.items():
        if key in ("name", "_target_"):
            continue
        assert key in parameters, (path.name, key)
        default = parameters[key].default
        default = list(default) if isinstance(default, tuple) else default
        assert default is inspect.Parameter.empty or value != default, (path.name, key, value)


@pytest.mark.parametrize(
    "overrides",
    [[f"model={m}"] for m in MODEL_OPTIONS]
    + [["model=rnn", f"data={d}"] for d in sorted(FITS["rnn"])]
    + [["model=mlp", f"data={d}"] for d in sorted(CLASSIFICATION_DATA)]
    + [["model=perceptron", "task=perceptron"], ["experiment=fast"]],
    ids=" ".join,
)
def test_the_composed_config_holds_every_setting_at_the_constructors_default(config, overrides):
    """What `zoo train` shows (--cfg job), lets the command line set and records in the
    run's config.yaml: every setting of the network, task and data module, the
    constructor's default unless a file or the command line sets it."""
    from zoo.configs import configured_classes
    from zoo.constraints import settings

    cfg = config(*overrides)
    classes = configured_classes(cfg)
    assert sorted(classes) == ["data", "model", "task"]
    for group, cls in classes.items():
        node = OmegaConf.to_container(cfg[group])
        missing = set(settings(cls)) - set(node)
        assert not missing, (group, missing)
    assert config(*overrides, "task.lr=0.5").task.lr == 0.5  # set without a `+`


def test_a_run_records_every_value_it_ran_with(tmp_path):
    """The run's config.yaml holds the values from the recipe (mlp_xor), the command line
    and the constructors (those no file sets), as the network and task got them."""
    cfg = compose_from(
        CONF_DIR,
        ["model=mlp", "data=xor", "trainer.max_epochs=1", "logger=none", "test=false",
         "model.dropout=0.25", "quiet=true", f"output_dir={tmp_path}"],
    )  # fmt: skip
    run = zoo.train(cfg)
    recorded = yaml.safe_load((tmp_path / "config.yaml").read_text())
    assert recorded["model"] == {"name": "mlp", "hidden_sizes": [8], "dropout": 0.25}
    layers = run.network.layers
    assert [m.out_features for m in layers if isinstance(m, torch.nn.Linear)] == [8, 1]
    assert [m.p for m in layers if isinstance(m, torch.nn.Dropout)] == [0.25]
    hparams = run.task.hparams
    settings = {k: v for k, v in recorded["task"].items() if k != "_target_"}
    assert settings == {k: hparams[k] for k in settings}  # momentum...: the constructor's
    assert (recorded["task"]["optimizer"], recorded["task"]["momentum"]) == ("adam", 0.0)
    assert recorded["data"]["n_samples"] == 400 and recorded["data"]["noise"] == 0.25


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["model=rnn", "model.cell=transformer"], "model.cell must be one of rnn, lstm, gru"),
        (["model=rnn", "model.linear=yes"], "model.linear must be true or false"),
        (["model=cnn", "model.pool_size=0"], "model.pool_size must be a whole number >= 1"),
        (["task.scheduler=linear"], "task.scheduler must be one of onecycle, cosine or null"),
        (["model=mlp", "data=xor", "data.noise=-1"], "data.noise must be a number >= 0"),
        (["model=cnn", "data=images", "data.bad_files=maybe"], "must be one of skip, refuse"),
    ],
)
def test_each_class_declares_the_rules_of_its_settings_beside_them(config, overrides, message):
    """`zoo.configs.check_values` reads the rules the network, task and data module declare
    (`parameter_constraints`), not a table of its own."""
    from zoo.configs import check_values

    with pytest.raises(zoo.ConfigError, match=message):
        check_values(config(*overrides))


def test_only_recipes_and_experiments_are_global_groups():
    """What runs is what you typed plus files you can point at: a model file holds the
    model's settings (and picks its default data and task), not keys all over the config."""
    for path in CONF_DIR.glob("*/*.yaml"):
        header = path.read_text().splitlines()[0]
        is_global = header == "# @package _global_"
        assert is_global == (path.parent.name in ("recipe", "experiment")), path


MLP, RNN = ("model=mlp", "data=xor"), ("model=rnn", "data=co2")


@pytest.mark.parametrize(
    ("base", "override", "message"),
    [
        (MLP, "trainer.max_epochs=abc", "trainer.max_epochs='abc' is not allowed"),
        (MLP, "task.lr=-1", "task.lr=-1 is not allowed: task.lr must be a number > 0"),
        (MLP, "task.lr=abc", "task.lr='abc' is not allowed"),
        (MLP, "seed=abc", "seed='abc' is not allowed"),
        (MLP, "data.batch_size=0", "data.batch_size=0 is not allowed"),
        (MLP, "model.hidden_sizes=[0]", "model.hidden_sizes=[0] is not allowed"),
        (MLP, "trainer.precision=banana", "trainer.precision='banana' is not allowed"),
        (MLP, "trainer.devices=0", "trainer.devices=0 is not allowed"),
        (RNN, "model.ensemble_size=0", "model.ensemble_size=0 is not allowed"),
        (RNN, "model.hidden_size=0", "model.hidden_size=0 is not allowed"),
        (RNN, "data.season_length=-1", "data.season_length=-1 is not allowed"),
        (RNN, "data.horizon=0", "data.horizon=0 is not allowed"),
    ],
)
def test_values_of_the_wrong_type_or_range_are_refused_naming_the_key(base, override, message):
    cfg = compose_config(*base, override, output_dir="unused")
    with pytest.raises(zoo.ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        check_values(cfg)
