"""Hydra configs outside a Hydra app: composing one from a config folder (for tests,
benchmarks and library code), and checking command-line overrides before Hydra runs.

Hydra already lists the options of an unknown group choice (`model=foo`); for an unknown
key (`model.hiden_sizes=3`) it only says the key is not in the config, so
`unknown_key_message` names the valid ones.
"""

from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf

_ABSENT = object()
CONF_DIR = Path(__file__).resolve().parent / "conf"  # shipped with the package


def compose_config(
    config_dir: str | Path, overrides: list[str], config_name: str = "train"
) -> DictConfig:
    """The config `config_name` of `config_dir` with `overrides`, as Hydra's scripts see it."""
    from hydra import compose, initialize_config_dir

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


# -- the values zoo owns, checked before anything is built ------------------------------------

PRECISIONS = (
    "auto", "64-true", "32-true", "16-mixed", "bf16-mixed", "16-true", "bf16-true",
    "transformer-engine", "transformer-engine-float16", "64", "32", "16", "bf16", 64, 32, 16,
)  # fmt: skip
ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps", "tpu")


def _whole(value, low: int = 1, none: bool = False) -> bool:
    if value is None:
        return none
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _number(value, low: float = 0.0, strict: bool = True) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value > low if strict else value >= low


def _devices(value) -> bool:
    if value == "auto" or (_whole(value) or value == -1):
        return True
    if isinstance(value, str):
        return all(part.strip().isdigit() for part in value.split(",") if part.strip())
    return isinstance(value, list | tuple) and bool(value) and all(_whole(v, 0) for v in value)


# key -> (is the value allowed, what is allowed); a key the config does not have is skipped
VALUE_RULES = {
    "seed": (lambda v: _whole(v, 0), "a whole number >= 0"),
    "trainer.max_epochs": (lambda v: _whole(v) or v == -1, "a whole number >= 1 (or -1)"),
    "trainer.devices": (_devices, '"auto", a number of devices >= 1, or a list of ids'),
    "trainer.precision": (lambda v: v in PRECISIONS, ", ".join(map(str, PRECISIONS[:7]))),
    "trainer.accelerator": (lambda v: v in ACCELERATORS, ", ".join(ACCELERATORS)),
    "test_checkpoint": (lambda v: v in ("best", "last"), "best or last"),
    "task.lr": (_number, "a number > 0"),
    "task.weight_decay": (lambda v: _number(v, strict=False), "a number >= 0"),
    "task.momentum": (lambda v: _number(v, strict=False) and v < 1, "a number in [0, 1)"),
    "data.batch_size": (_whole, "a whole number >= 1"),
    "data.val_size": (_whole, "a whole number >= 1"),
    "data.horizon": (lambda v: _whole(v, none=True), "a whole number >= 1 (or null)"),
    "data.season_length": (lambda v: _whole(v, none=True), "a whole number >= 1 (or null)"),
    "data.input_length": (lambda v: _whole(v, none=True), "a whole number >= 1 (or null)"),
    "data.min_input_length": (lambda v: _whole(v, none=True), "a whole number >= 1 (or null)"),
    "data.epoch_windows": (lambda v: _whole(v, none=True), "a whole number >= 1 (or null)"),
    "data.val_fraction": (lambda v: _number(v) and v < 1, "a number between 0 and 1"),
    "data.test_fraction": (lambda v: _number(v) and v < 1, "a number between 0 and 1"),
    "data.image_size": (
        lambda v: (
            _whole(v, none=True)
            or (isinstance(v, list) and len(v) == 2 and all(_whole(x) for x in v))
        ),
        "a whole number >= 1 (square), [height, width], or null (the images' own)",
    ),
    "data.channels": (lambda v: v in (None, 1, 3), "1 (gray), 3 (RGB) or null (from the images)"),
    "data.memory_limit_mb": (_number, "a number of megabytes > 0"),
    "data.max_categories": (_whole, "a whole number >= 1"),
    "model.hidden_size": (_whole, "a whole number >= 1"),
    "model.num_layers": (_whole, "a whole number >= 1"),
    "model.ensemble_size": (_whole, "a whole number >= 1"),
    "model.hidden_sizes": (
        lambda v: isinstance(v, list) and all(_whole(x) for x in v),
        "a list of whole numbers >= 1, e.g. [64,32]",
    ),
    "model.channels": (
        lambda v: isinstance(v, list) and bool(v) and all(_whole(x) for x in v),
        "a list of whole numbers >= 1, e.g. [32,64]",
    ),
    "model.dropout": (lambda v: _number(v, strict=False) and v < 1, "a number in [0, 1)"),
}


def check_values(cfg: DictConfig) -> None:
    """Refuse the first value of the wrong type or range among the keys zoo owns, naming
    the key, the value and what is allowed (one line, before anything is built)."""
    from zoo.errors import ConfigError

    for key, (allowed, what) in VALUE_RULES.items():
        value = OmegaConf.select(cfg, key, default=_ABSENT, throw_on_missing=False)
        if value is _ABSENT:
            continue
        if isinstance(value, DictConfig | ListConfig):
            value = OmegaConf.to_container(value, resolve=True)
        if not allowed(value):
            raise ConfigError(f"{key}={value!r} is not allowed: {key} must be {what}")


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
