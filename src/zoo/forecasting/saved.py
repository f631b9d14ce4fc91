"""A saved Forecaster: a folder of plain files, written all at once and read back checked.

    forecaster.json          the settings: plain values only (JSON; no code, no callable)
    network-<i>.safetensors  each trained network's weights (no pickle)
    history.parquet          the series it was fitted on, when kept

`write_saved` makes a new folder holding every file or none (`zoo.files.new_folder`), so a
save never mixes with files already there. `read_saved` checks what it reads before
anything is built: no instruction for Hydra anywhere (`zoo.trust`), the settings' keys,
types and ranges, each network's name and arguments against its constructor and its
weights against their shapes (`check_model_arguments`), the frequency, the intervals, `h`
and the season length the settings state against each network's, and that the history is
Parquet. Every refusal is zoo's message naming the file.
"""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path

import pandas as pd
import torch

from zoo.errors import ConfigError, DataError
from zoo.files import new_folder
from zoo.models.registry import check_model_arguments
from zoo.signatures import MAX_SIZE
from zoo.timeseries.frequency import checked_frequency
from zoo.timeseries.intervals import ConformalIntervals, check_levels
from zoo.trust import refuse_instructions

SETTINGS = "forecaster.json"
HISTORY = "history.parquet"


def write_saved(
    folder: str | Path,
    settings: dict,
    weights: dict[str, dict[str, torch.Tensor]],
    history: pd.DataFrame | None,
) -> Path:
    """Write the new folder `folder`: `settings` as JSON (NaN and infinities as null), each
    of `weights` ({file name: state dict}) as safetensors and the `history` frame as
    Parquet, all or none. A `folder` that is a file or holds anything is refused with
    zoo's message; a full disk is zoo's message too, and leaves nothing."""
    from safetensors.torch import save

    files: dict[str, bytes | str] = {
        name: save({k: v.detach().cpu().contiguous() for k, v in state.items()})
        for name, state in weights.items()
    }
    if history is not None:
        files[HISTORY] = history.to_parquet(index=False)
    settings = {**settings, "history": history is not None}  # load reads what save wrote
    try:
        files[SETTINGS] = json.dumps(_finite(settings), indent=1, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"the settings cannot be saved as plain JSON: {error}") from None
    return new_folder(folder, files)


def _finite(value):
    """`value` with NaN and infinities as None (JSON has none; metrics.json does the same)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def read_saved(
    folder: str | Path,
) -> tuple[dict, dict[str, dict[str, torch.Tensor]], pd.DataFrame | None]:
    """(settings, {network alias: its weights}, the history frame or None) of a folder
    written by `write_saved`, each checked (see the module's docstring)."""
    folder = Path(folder)
    where = folder / SETTINGS
    try:
        settings = json.loads(where.read_text())
    except FileNotFoundError:
        raise DataError(f"no saved Forecaster at {folder} (no {SETTINGS})") from None
    except (json.JSONDecodeError, UnicodeDecodeError, IsADirectoryError) as error:
        raise DataError(f"{where} is not valid JSON: {error}") from None
    refuse_instructions(settings, str(where))
    if isinstance(settings, dict) and settings.get("overrides"):
        # training settings as Hydra overrides (written by zoo 0.1's save) could name any
        # callable: a saved Forecaster carries its models' plain settings only
        raise DataError(
            f"{where} carries training overrides; zoo no longer loads them (they could "
            "run code). Save it again with this zoo"
        )
    try:
        check_settings(settings)
    except DataError as error:
        raise DataError(f"{where}: {error}") from None
    weights = {}
    for alias, network in settings["networks"].items():
        file = folder / network["file"]
        weights[alias] = _read_weights(file)
        kwargs = check_model_arguments(
            network["name"], network["kwargs"], str(file), weights[alias]
        )
        for key, what in (("h", "horizon"), ("season_length", "season_length")):
            if what in kwargs and settings.get(key) is not None and settings[key] != kwargs[what]:
                raise DataError(
                    f"{where} states {key}={settings[key]}, but its network {alias!r} has "
                    f"{what}={kwargs[what]}; the file was changed: save the Forecaster again"
                )
        if network.get("intervals") is not None:
            intervals = ConformalIntervals.from_state(network["intervals"])
            intervals.check_horizon(kwargs.get("horizon", settings["h"]), str(where))
    kept = settings.get("history", (folder / HISTORY).exists())  # saved before the key: look
    history = _read_history(folder / HISTORY) if kept else None
    return settings, weights, history


def _whole(value, none: bool = False) -> bool:
    if value is None:
        return none
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SIZE


def _metrics(value) -> bool:
    return value is None or (
        isinstance(value, dict)
        and all(
            v is None
            or (isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v))
            for v in value.values()
        )
    )


def _file_name(value) -> bool:
    """A file in the saved folder itself, nowhere else."""
    return isinstance(value, str) and Path(value).name == value and value.endswith(".safetensors")


# key -> (is the value allowed, what is allowed); levels, freq and intervals are checked
# by their own modules below
RULES = {
    "models": (
        lambda v: isinstance(v, list) and bool(v) and all(isinstance(m, dict) for m in v),
        "a list of models' settings",
    ),
    "h": (_whole, f"a whole number from 1 to {MAX_SIZE:,}"),
    "freq": (lambda v: v is None or isinstance(v, str), "a pandas frequency or null"),
    "season_length": (lambda v: _whole(v, none=True), "a whole number >= 1 or null"),
    "levels": (lambda v: isinstance(v, list), "a list of levels"),
    "networks": (lambda v: isinstance(v, dict), "a mapping of aliases to networks"),
    "history": (lambda v: isinstance(v, bool), "true or false (whether history.parquet is)"),
}
NETWORK_RULES = {
    "name": (lambda v: isinstance(v, str), "a network's name"),
    "kwargs": (lambda v: isinstance(v, dict), "a mapping of its arguments"),
    "file": (_file_name, "the name of a .safetensors file in the saved folder"),
    "intervals": (lambda v: v is None or isinstance(v, dict), "stored intervals or null"),
    "metrics": (_metrics, "a mapping of names to numbers"),
}


def _check_keys(mapping, rules: dict, what: str, required=()) -> None:
    if not isinstance(mapping, dict):
        raise DataError(f"{what}: a {type(mapping).__name__}, not a mapping")
    unknown = sorted(set(mapping) - set(rules))
    if unknown:
        raise DataError(f"{what} has unknown keys: {', '.join(map(repr, unknown))}")
    missing = [key for key in required if key not in mapping]
    if missing:
        raise DataError(f"{what} has no {', '.join(missing)}")
    for key, value in mapping.items():
        allowed, rule = rules[key]
        if not allowed(value):
            shown = repr(value) if len(repr(value)) < 60 else repr(value)[:57] + "..."
            raise DataError(f"{what}: {key}={shown} is not allowed: {key} must be {rule}")


def check_settings(settings) -> None:
    """Refuse settings of the wrong shape, naming the key and what is allowed."""
    _check_keys(settings, RULES, "the settings", required=("models", "h", "networks"))
    try:
        check_levels(settings.get("levels") or ())
    except ConfigError as error:
        raise DataError(str(error)) from None
    checked_frequency(settings.get("freq"), "the settings")
    files = []
    for alias, network in settings["networks"].items():
        _check_keys(network, NETWORK_RULES, f"network {alias!r}", ("name", "kwargs", "file"))
        files.append(network["file"])
        if network.get("intervals") is not None:
            ConformalIntervals.from_state(network["intervals"])
    if len(set(files)) < len(files):
        raise DataError(f"two networks share one weights file: {files}")


def _read_weights(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(path)
    except (SafetensorError, OSError, ValueError) as error:
        raise DataError(f"{path} is not a readable safetensors file: {error}") from None


def _read_history(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise DataError(f"{path} is missing: the series saved with the Forecaster") from None
    except Exception as error:  # pyarrow's errors are many; the file is the point
        first = (str(error).splitlines() or [""])[0]
        raise DataError(f"{path} is not a Parquet file ({type(error).__name__}: {first})") from None
