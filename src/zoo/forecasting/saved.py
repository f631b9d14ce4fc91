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
from pathlib import Path

import pandas as pd
import torch

from zoo.constraints import Constraint, Described, Interval, ListOf, allows, violation
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


class SavedFile(Constraint):
    """The name of a .safetensors file in the saved folder itself, nowhere else."""

    def allows(self, value) -> bool:
        return (
            isinstance(value, str) and Path(value).name == value and value.endswith(".safetensors")
        )

    def __str__(self) -> str:
        return "the name of a .safetensors file in the saved folder"


class Metrics(Constraint):
    """A mapping of names to finite numbers (or null: NaN as JSON writes it)."""

    def allows(self, value) -> bool:
        return isinstance(value, dict) and all(
            v is None or allows(float, v) for v in value.values()
        )

    def __str__(self) -> str:
        return "a mapping of names to numbers"


# what each key of forecaster.json allows, declared with zoo.constraints' rules (the same
# ones a model's constructor declares); levels, freq and intervals are then checked again by
# their own modules in check_settings
SETTINGS_CONSTRAINTS = {
    "models": Described(ListOf(dict, min_length=1), "a list of models' settings"),
    "h": Described(Interval(int, 1, MAX_SIZE), f"a whole number from 1 to {MAX_SIZE:,}"),
    "freq": Described((str, None), "a pandas frequency or null"),
    "season_length": (Interval(int, 1, MAX_SIZE), None),
    "levels": Described(list, "a list of levels"),
    "networks": Described(dict, "a mapping of aliases to networks"),
    "history": Described(bool, "true or false (whether history.parquet is)"),
}
NETWORK_CONSTRAINTS = {
    "name": Described(str, "a network's name"),
    "kwargs": Described(dict, "a mapping of its arguments"),
    "file": SavedFile(),
    "intervals": Described((dict, None), "stored intervals or null"),
    "metrics": (Metrics(), None),
}


def _check_keys(mapping, constraints: dict, what: str, required=()) -> None:
    if not isinstance(mapping, dict):
        raise DataError(f"{what}: a {type(mapping).__name__}, not a mapping")
    unknown = sorted(set(mapping) - set(constraints))
    if unknown:
        raise DataError(f"{what} has unknown keys: {', '.join(map(repr, unknown))}")
    missing = [key for key in required if key not in mapping]
    if missing:
        raise DataError(f"{what} has no {', '.join(missing)}")
    for key, value in mapping.items():
        refusal = violation(key, value, constraints[key])
        if refusal:
            raise DataError(f"{what}: {refusal}")


def check_settings(settings) -> None:
    """Refuse settings of the wrong shape, naming the key and what is allowed."""
    _check_keys(
        settings, SETTINGS_CONSTRAINTS, "the settings", required=("models", "h", "networks")
    )
    try:
        check_levels(settings.get("levels") or ())
    except ConfigError as error:
        raise DataError(str(error)) from None
    checked_frequency(settings.get("freq"), "the settings")
    files = []
    for alias, network in settings["networks"].items():
        _check_keys(network, NETWORK_CONSTRAINTS, f"network {alias!r}", ("name", "kwargs", "file"))
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
