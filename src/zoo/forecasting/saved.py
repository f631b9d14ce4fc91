"""A saved forecaster: a folder of plain files, written all at once and read back checked.

    forecaster.json      the settings: plain values only (JSON; no code, no callable)
    network.safetensors  the network's weights, when it has one (no pickle)
    history.parquet      the series it was fitted on, when kept

`write_saved` makes a new folder holding every file or none (`zoo.files.new_folder`), so a
save never mixes with files already there. `read_saved` checks what it reads before
anything is built: the settings' types and ranges, the network's name and arguments
against its constructor (`check_model_arguments`) and its weights against their shapes,
the frequency, the intervals, the horizon the JSON states against the network's, and that
the history is Parquet. Every refusal is zoo's message naming the file.
"""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path

import pandas as pd
import torch

from zoo.errors import ConfigError, DataError, ZooError
from zoo.files import new_folder
from zoo.forecasting.frequency import checked_frequency
from zoo.forecasting.intervals import ConformalIntervals, check_levels
from zoo.signatures import MAX_SIZE

SETTINGS = "forecaster.json"
NETWORK = "network.safetensors"
HISTORY = "history.parquet"


def write_saved(
    folder: str | Path,
    settings: dict,
    network_state: dict[str, torch.Tensor] | None,
    history: pd.DataFrame | None,
) -> Path:
    """Write a new folder `folder` holding `settings` (plain values, as JSON), the network's
    weights and the history frame, all or none; `folder` must not exist or be empty (a
    file, or a folder holding anything, is refused with zoo's message)."""
    from safetensors.torch import save

    if (Path(folder) / SETTINGS).exists():
        raise ConfigError(
            f"{folder} already holds a saved Forecaster; choose another path (nothing was "
            "overwritten)"
        )
    files: dict[str, bytes | str] = {}
    if network_state is not None:
        files[NETWORK] = save({k: v.detach().cpu().contiguous() for k, v in network_state.items()})
    if history is not None:
        files[HISTORY] = history.to_parquet(index=False)
    settings = {**_finite(settings), "files": sorted(files)}  # what load reads, nothing else
    try:
        files[SETTINGS] = json.dumps(settings, indent=1, allow_nan=False)
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
) -> tuple[dict, dict[str, torch.Tensor] | None, pd.DataFrame | None]:
    """(settings, the network's weights or None, the history frame or None) of a folder
    written by `write_saved`, each checked (see the module's docstring)."""
    folder = Path(folder)
    path = folder / SETTINGS
    if not path.is_file():
        raise DataError(f"no saved Forecaster at {folder} (no {SETTINGS})")
    try:
        settings = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"{path} is not valid JSON: {error}") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror}") from None
    try:
        check_settings(settings)
    except ZooError as error:
        raise DataError(f"{path}: {error}") from None
    files = settings.get("files")
    if files is None:  # written before the list existed: the files that are there
        files = [name for name in (NETWORK, HISTORY) if (folder / name).is_file()]
    state = history = None
    network = settings.get("network")
    if network is not None:
        from zoo.models.registry import check_model_arguments

        if NETWORK not in files:
            raise DataError(f"{path} names a network, but no {NETWORK} was saved with it")
        state = _read_weights(folder / NETWORK)
        check_model_arguments(network["name"], network["kwargs"], str(folder), state=state)
        kwargs = network["kwargs"]
        for key, what in (
            ("horizon", "forecasts {} steps"),
            ("season_length", "has seasons of {}"),
        ):
            if key in kwargs and key in settings and settings[key] != kwargs[key]:
                raise DataError(
                    f"{path} states {key} {settings[key]!r}, but its network "
                    f"{what.format(kwargs[key])}; the file was changed: save the Forecaster again"
                )
        horizon = kwargs.get("horizon")
        if settings.get("intervals") is not None:
            intervals = ConformalIntervals.from_state(settings["intervals"])
            intervals.check_horizon(horizon or settings["horizon"], str(path))
    if HISTORY in files:
        history = _read_history(folder / HISTORY)
    return settings, state, history


def _whole(value, none: bool = False) -> bool:
    if value is None:
        return none
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SIZE


def _number_or_none(value) -> bool:
    if value is None:
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# key -> (is the value allowed, what is allowed); levels, freq, intervals and the network
# have checks of their own below
RULES = {
    "model": (lambda v: isinstance(v, str), "a forecaster's name"),
    "horizon": (_whole, f"a whole number from 1 to {MAX_SIZE:,}"),
    "season_length": (lambda v: _whole(v, none=True), "a whole number >= 1, or null"),
    "alias": (lambda v: v is None or isinstance(v, str), "a string"),
    "metrics": (
        lambda v: (
            v is None or (isinstance(v, dict) and all(_number_or_none(x) for x in v.values()))
        ),
        "a mapping of names to numbers",
    ),
    "overrides": (_strings, "a list of strings"),
    "files": (lambda v: _strings(v) and set(v) <= {NETWORK, HISTORY}, f"[{NETWORK}, {HISTORY}]"),
    "levels": (lambda v: isinstance(v, list), "a list of levels"),
    "freq": (lambda v: v is None or isinstance(v, str), "a pandas frequency"),
    "intervals": (lambda v: v is None or isinstance(v, dict), "stored intervals or null"),
    "network": (lambda v: v is None or isinstance(v, dict), "a network's name and kwargs"),
}
REQUIRED = ("model", "horizon")


def check_settings(settings) -> None:
    """Refuse settings of the wrong shape, naming the key and what is allowed."""
    if not isinstance(settings, dict):
        raise DataError(f"the settings are a {type(settings).__name__}, not a mapping")
    unknown = sorted(set(settings) - set(RULES))
    if unknown:
        raise DataError(f"unknown setting {', '.join(map(repr, unknown))}")
    missing = [key for key in REQUIRED if key not in settings]
    if missing:
        raise DataError(f"no {', '.join(missing)}")
    for key, value in settings.items():
        allowed, what = RULES[key]
        if not allowed(value):
            shown = repr(value) if len(repr(value)) < 60 else repr(value)[:57] + "..."
            raise DataError(f"{key}={shown} is not allowed: {key} must be {what}")
    try:
        check_levels(settings.get("levels") or ())
    except ConfigError as error:
        raise DataError(str(error)) from None
    checked_frequency(settings.get("freq"), "the settings")
    network = settings.get("network")
    if network is not None:
        if set(network) != {"name", "kwargs"} or not isinstance(network["kwargs"], dict):
            raise DataError('network must be {"name": NAME, "kwargs": {...}}')
        if not isinstance(network["name"], str):
            raise DataError(f"network name {network['name']!r} is not a name")
    if settings.get("intervals") is not None:
        ConformalIntervals.from_state(settings["intervals"])


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
        raise DataError(f"{path} is missing: the saved series went with it") from None
    except Exception as error:  # pyarrow's errors for a file that is not Parquet
        first = (str(error).splitlines() or [""])[0]
        raise DataError(f"{path} is not a Parquet file ({type(error).__name__}: {first})") from None
