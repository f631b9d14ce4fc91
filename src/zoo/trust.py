"""What zoo takes from a file it reads (a checkpoint's hyper-parameters, a saved Forecaster's
settings, a weights card, a run folder's config): values, never instructions. Hydra calls
whatever a `_target_` names, so a key of Hydra's own anywhere in such a file is refused
before anything is built or run."""

from collections.abc import Iterator

from zoo.errors import DataError

HYDRA_KEYS = frozenset({"_target_", "_partial_", "_args_", "_call_", "_recursive_", "_convert_"})


def nested_keys(value, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, key) of every key in nested dicts and lists, e.g. ("data.x[0].y", "y")."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path, str(key)
            yield from nested_keys(item, path)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from nested_keys(item, f"{prefix}[{i}]")


def refuse_instructions(value, source: str) -> None:
    """Raise DataError naming the first of Hydra's instruction keys (`_target_`, ...) in
    `value`, read from `source`."""
    for path, key in nested_keys(value):
        if key in HYDRA_KEYS:
            raise DataError(
                f"{source}: {path} names code to run; zoo reads values only from a file, so "
                "it was refused and nothing was run"
            )
