"""Hydra configs outside a Hydra app: composing one from a config folder (for tests,
benchmarks and library code), each network's, task's and data module's settings composed
from its constructor (`register_settings`), and checking command-line overrides and values
before Hydra runs or anything is built.

Hydra already lists the options of an unknown group choice (`model=foo`); for an unknown
key (`model.hiden_sizes=3`) it only says the key is not in the config, so
`unknown_key_message` names the valid ones.
"""

from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf

from zoo.constraints import (
    Constraint,
    FromData,
    Interval,
    ListOf,
    Options,
    parameter_constraints,
    violation,
)

_ABSENT = object()
CONF_DIR = Path(__file__).resolve().parent / "conf"  # shipped with the package


def compose_config(
    config_dir: str | Path, overrides: list[str], config_name: str = "train"
) -> DictConfig:
    """The config `config_name` of `config_dir` with `overrides`, as Hydra's scripts see it
    (every setting of the network, task and data: `register_settings`)."""
    from hydra import compose, initialize_config_dir

    register_settings()
    with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
        return compose(config_name, overrides=list(overrides))


OPTIONAL_GROUPS = ("experiment", "recipe")  # Hydra skips a missing option of these silently


def unknown_choice_message(config_dir: Path, parsed) -> str | None:
    """A message for a choice of an optional group (`experiment=fsat`) that has no file:
    Hydra would run without it and say nothing."""
    for override in parsed:
        group = override.key_or_group.lstrip("+~")
        if group not in OPTIONAL_GROUPS or override.is_delete():
            continue
        value = override.value()
        values = [value] if isinstance(value, str) else list(getattr(value, "list", []) or [])
        options = sorted(p.stem for p in (config_dir / group).glob("*.yaml"))
        for choice in values:
            if isinstance(choice, str) and choice not in options:
                return f"unknown {group} {choice!r}; choose one of: {', '.join(options)}"
    return None


def unknown_key_message(config_dir: Path, config_name: str, overrides: list[str]) -> str | None:
    """A message for the first override that changes a key the config does not have, or
    chooses an option an optional group does not have."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType

    parsed = OverridesParser.create().parse_overrides(
        [o for o in overrides if "=" in o and not o.startswith("-")]
    )
    if message := unknown_choice_message(config_dir, parsed):
        return message
    if not parsed:  # nothing to check (--help: answered without composing, nor torch)
        return None
    groups = {p.name for p in config_dir.iterdir() if p.is_dir()}
    choices = [o.input_line for o in parsed if o.key_or_group in groups]
    try:
        cfg = compose_config(config_dir, choices, config_name)
    except Exception:
        return None  # a bad group choice: Hydra's own message lists the options
    for override in parsed:
        key = override.key_or_group
        if override.type != OverrideType.CHANGE or key in groups or key.startswith("hydra"):
            continue
        parent_key, _, leaf = key.rpartition(".")
        parent = OmegaConf.select(cfg, parent_key, default=None) if parent_key else cfg
        # `in`, not select: output_dir's ${hydra:...} exists but resolves only in a run
        if not (isinstance(parent, DictConfig) and leaf in parent):
            if isinstance(parent, DictConfig):
                where = f"'{parent_key}'" if parent_key else "the top level"
                return (
                    f"unknown key '{key}': {where} has {', '.join(map(str, parent.keys()))}. "
                    f"To add a new key on purpose, write +{key}=..."
                )
            return f"unknown key '{key}': '{parent_key}' is not a section of the config"
    return None


# -- each class's settings, composed from its constructor ------------------------------------

SETTINGS_GROUP = "constructor"  # Hydra's ConfigStore: constructor/<group>/<name>


def register_settings() -> None:
    """Each network's, task's and data module's settings at their constructor defaults
    (`zoo.constraints.settings`), stored in Hydra's ConfigStore as `constructor/model/<name>`,
    `constructor/task/<class>` and `constructor/data/<class>`: the node each YAML file of
    conf/model, conf/task and conf/data starts from (`optional /constructor/model@_here_:
    rnn`), so that the files name only what differs from the constructor and the composed
    config still shows, and lets the command line set, every setting.

    Imports the networks, tasks and data modules (torch, Lightning): called before a run's
    config is composed, not for --help (which then shows the files' own keys)."""
    from hydra.core.config_store import ConfigStore

    from zoo.constraints import settings
    from zoo.models import get_model_builder, list_models
    from zoo.tasks import TASKS

    store = ConfigStore.instance()
    for name in list_models():
        node = {"name": name, **settings(get_model_builder(name))}
        store.store(group=f"{SETTINGS_GROUP}/model", name=name, node=node)
    for name, task in TASKS.items():
        node = {"_target_": f"zoo.tasks.{name}", **settings(task)}
        store.store(group=f"{SETTINGS_GROUP}/task", name=name, node=node)
    for target, data in data_module_classes().items():
        node = {"_target_": target, **settings(data)}
        store.store(group=f"{SETTINGS_GROUP}/data", name=data.__name__, node=node)


def asks_for_help(argv: list[str]) -> bool:
    """Whether a Hydra app's command line asks for help only (answered without torch)."""
    return any(a in ("--help", "-h", "--hydra-help", "--info", "-i") for a in argv)


# -- the values zoo owns, checked before anything is built ------------------------------------

PRECISIONS = (
    "auto", "64-true", "32-true", "16-mixed", "bf16-mixed", "16-true", "bf16-true",
    "transformer-engine", "transformer-engine-float16", "64", "32", "16", "bf16", 64, 32, 16,
)  # fmt: skip
ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps", "tpu")


class DeviceIds(Constraint):
    """Device ids written as text: "0,1"."""

    def allows(self, value) -> bool:
        parts = value.split(",") if isinstance(value, str) else ()
        return bool(parts) and all(part.strip().isdigit() for part in parts)

    def __str__(self) -> str:
        return 'ids as text ("0,1")'


# train.yaml's own keys and the keys of Lightning's Trainer that zoo checks; the network's,
# task's and data module's rules are declared by their classes (`parameter_constraints`)
RUN_CONSTRAINTS = {
    "seed": Interval(int, 0, None),
    "test_checkpoint": Options("best", "last"),
    "trainer.max_epochs": (Interval(int, 1, None), Options(-1)),
    "trainer.devices": (
        Options("auto", -1),
        Interval(int, 1, None),
        DeviceIds(),
        ListOf(Interval(int, 0, None), min_length=1),
    ),
    "trainer.precision": Options(*PRECISIONS, text="one of " + ", ".join(map(str, PRECISIONS[:7]))),
    "trainer.accelerator": Options(*ACCELERATORS),
}


def configured_classes(cfg: DictConfig) -> dict[str, type]:
    """The network, task and data module classes `cfg` names, by group (those that exist:
    instantiating a wrong one says what is wrong)."""
    from hydra.utils import get_class

    from zoo.models import get_model_builder, list_models

    classes = {}
    name = OmegaConf.select(cfg, "model.name", default=None)
    if name in list_models():
        classes["model"] = get_model_builder(name)
    for group in ("task", "data"):
        target = OmegaConf.select(cfg, f"{group}._target_", default=None)
        try:
            classes[group] = get_class(target)
        except Exception:  # not a class Hydra can import
            continue
    return classes


def value_rules(cfg: DictConfig) -> dict[str, object]:
    """Config key -> the rule of its value (`zoo.constraints`): the run's own keys, then the
    settings of the network, task and data module `cfg` names."""
    rules = dict(RUN_CONSTRAINTS)
    for group, cls in configured_classes(cfg).items():
        for name, rule in parameter_constraints(cls).items():
            if not isinstance(rule, FromData):
                rules[f"{group}.{name}"] = rule
    return rules


def check_values(cfg: DictConfig) -> None:
    """Refuse the first value of the wrong type or range among the keys zoo owns, naming
    the key, the value and what is allowed (one line, before anything is built)."""
    from zoo.errors import ConfigError

    for key, rule in value_rules(cfg).items():
        value = OmegaConf.select(cfg, key, default=_ABSENT, throw_on_missing=False)
        if value is _ABSENT:
            continue
        if isinstance(value, DictConfig | ListConfig):
            value = OmegaConf.to_container(value, resolve=True)
        if message := violation(key, value, rule):
            raise ConfigError(message)


RUN_FILES = ("config.yaml", "metrics.json", "checkpoints")  # what makes a folder a run


def refuse_existing_run(folder, ckpt_path=None, overwrite=False, markers=RUN_FILES) -> None:
    """Nothing a run wrote is replaced: refuse a run folder that already holds one, unless
    the run resumes a checkpoint inside it (`ckpt_path`) or `overwrite` says so."""
    from zoo.errors import ConfigError

    folder = Path(folder)
    held = [name for name in markers if (folder / name).exists()]
    resuming = bool(ckpt_path) and folder.resolve() in Path(ckpt_path).resolve().parents
    if held and not resuming and str(overwrite).lower() != "true":
        raise ConfigError(
            f"{folder} already holds a run ({', '.join(held)}); choose another folder, "
            "resume it with ckpt_path=<its checkpoint>, or replace it with overwrite=true"
        )


def run_folder_message(overrides: list[str]) -> str | None:
    """`refuse_existing_run`'s message for `hydra.run.dir=FOLDER` on the command line,
    checked before Hydra writes its `.hydra/` files there."""
    from zoo.errors import ConfigError

    if "-m" in overrides or "--multirun" in overrides:
        return None
    given = dict(o.split("=", 1) for o in overrides if "=" in o and not o.startswith("-"))
    if "hydra.run.dir" not in given:
        return None
    try:
        refuse_existing_run(
            given["hydra.run.dir"],
            given.get("ckpt_path"),
            given.get("overwrite", False),
            (*RUN_FILES, ".hydra"),
        )
    except ConfigError as error:
        return str(error)
    return None


def data_module_classes() -> dict[str, type]:
    """{`_target_`: class} of every data module zoo's own data configs name: the only data
    a run folder's config may ask for (imported from zoo.data by name, never from the file)."""
    import yaml

    import zoo.data

    classes = {}
    for path in sorted((CONF_DIR / "data").glob("*.yaml")):
        target = yaml.safe_load(path.read_text()).get("_target_", "")
        module, _, name = target.rpartition(".")
        if module == "zoo.data" and hasattr(zoo.data, name):
            classes[target] = getattr(zoo.data, name)
    return classes
