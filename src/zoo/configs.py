"""Hydra configs outside a Hydra app: composing one from a config folder (for tests,
benchmarks and library code), and checking command-line overrides before Hydra runs.

Hydra already lists the options of an unknown group choice (`model=foo`); for an unknown
key (`model.hiden_sizes=3`) it only says the key is not in the config, so
`unknown_key_message` names the valid ones.
"""

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

_ABSENT = object()
CONF_DIR = Path(__file__).resolve().parent / "conf"  # shipped with the package


def compose_config(
    config_dir: str | Path, overrides: list[str], config_name: str = "train"
) -> DictConfig:
    """The config `config_name` of `config_dir` with `overrides`, as Hydra's scripts see it."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
        return compose(config_name, overrides=list(overrides))


def unknown_key_message(config_dir: Path, config_name: str, overrides: list[str]) -> str | None:
    """A message for the first override that changes a key the config does not have."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType

    parsed = OverridesParser.create().parse_overrides(
        [o for o in overrides if "=" in o and not o.startswith("-")]
    )
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
        if OmegaConf.select(cfg, key, default=_ABSENT) is _ABSENT:
            parent_key, _, leaf = key.rpartition(".")
            parent = OmegaConf.select(cfg, parent_key, default=None) if parent_key else cfg
            if isinstance(parent, DictConfig):
                where = f"'{parent_key}'" if parent_key else "the top level"
                return (
                    f"unknown key '{key}': {where} has {', '.join(map(str, parent.keys()))}. "
                    f"To add a new key on purpose, write +{key}=..."
                )
            return f"unknown key '{key}': '{parent_key}' is not a section of the config"
    return None
