"""Loading zoo checkpoints safely (`weights_only`: no pickled code runs) and on any device.

Only `load_task` imports Lightning: `load_model` needs nothing but torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from zoo.errors import ConfigError, DataError
from zoo.models import build, list_models, load_weights
from zoo.models.registry import check_model_arguments
from zoo.signatures import check_arguments
from zoo.trust import refuse_instructions

PREFIX = "model."  # a task's network, in its state_dict

if TYPE_CHECKING:
    import lightning as L

    from zoo.weights import Weights, WeightsEnum


def read_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """The checkpoint's contents, loaded with `weights_only=True` (tensors and plain data)."""
    path = Path(path)
    if not path.is_file():
        bare_name = not path.suffix and len(path.parts) == 1  # a mistyped model name?
        hint = f" (models: {', '.join(list_models())})" if bare_name else ""
        raise DataError(f"no checkpoint at {path}{hint}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:
        raise DataError(
            f"{path} is not a readable zoo checkpoint ({type(error).__name__}: "
            f"{(str(error).splitlines() or ['empty or truncated'])[0]})"
        ) from None
    if not isinstance(checkpoint, dict) or "zoo_task" not in checkpoint:
        raise DataError(f"{path} is a checkpoint, but not one written by a zoo task")
    refuse_instructions(checkpoint.get("hyper_parameters"), str(path))
    check_contents(checkpoint, str(path))
    return checkpoint


def check_contents(checkpoint: dict, source: str) -> None:
    """Refuse a checkpoint whose contents zoo would not have written, before anything is
    built from them: the network's name and arguments against its constructor's signature
    and every weight against the network they build (`check_model_arguments`), nothing
    beside the network's weights, the stored intervals (for the network's horizon) and
    frequency. Each refusal names `source`, the file."""
    from zoo.timeseries.frequency import checked_frequency
    from zoo.timeseries.intervals import ConformalIntervals

    if not isinstance(checkpoint["zoo_task"], str):
        raise DataError(f"{source}: its task is {checkpoint['zoo_task']!r}, not a task's name")
    hparams = checkpoint.get("hyper_parameters")
    if not isinstance(hparams, dict):
        held = "none" if hparams is None else f"a {type(hparams).__name__}"
        raise DataError(
            f"{source} holds {held} as hyper_parameters, where a zoo task keeps its network's "
            "name and settings; it cannot be rebuilt"
        )
    state = checkpoint.get("state_dict")
    if not isinstance(state, dict):
        raise DataError(f"{source} holds no state_dict (the network's weights)")
    network = {k[len(PREFIX) :]: v for k, v in state.items() if str(k).startswith(PREFIX)}
    kwargs = check_model_arguments(
        hparams.get("model_name"), hparams.get("model_kwargs"), source, state=network
    )
    others = sorted(set(state) - {PREFIX + k for k in network})
    if others:
        raise DataError(f"{source}: weights outside the network: {', '.join(others[:5])}")
    try:
        checked_frequency(hparams.get("freq"), source)
        if checkpoint.get("zoo_intervals") is not None:
            intervals = ConformalIntervals.from_state(checkpoint["zoo_intervals"])
            if "horizon" in kwargs:
                intervals.check_horizon(kwargs["horizon"], source)
    except DataError as error:
        message = str(error)
        raise DataError(message if message.startswith(source) else f"{source}: {message}") from None


def check_resumable(path: str | Path, task: L.LightningModule) -> None:
    """Raise unless `path` is a zoo checkpoint of `task`'s class and network settings: a run
    resumes only what it would have written itself (read safely, before Lightning reads it)."""
    checkpoint = read_checkpoint(path)
    hparams = checkpoint.get("hyper_parameters", {})
    written = (checkpoint["zoo_task"], hparams.get("model_name"), hparams.get("model_kwargs"))
    wanted = (type(task).__name__, task.hparams.model_name, dict(task.hparams.model_kwargs))
    if written != wanted:
        raise ConfigError(
            f"{path} was written by model {written[1]!r} {written[2]} ({written[0]}); this "
            f"run builds model {wanted[1]!r} {wanted[2]} ({wanted[0]}). Resume with the same "
            "model and model settings as that run (see its config.yaml)"
        )


def load_task(path: str | Path, map_location: str | torch.device = "cpu") -> L.LightningModule:
    """The Lightning task a zoo checkpoint holds, network included, in eval mode, on the
    device `map_location` names (whatever device wrote the checkpoint).

    The task takes raw inputs (it normalises them as in training), and offers what the
    bare network does not: `probabilities`, `predict_classes`, `class_one_probability`.
    The file is read with `torch.load(weights_only=True)`: no pickled code runs.

    Args:
        path: A checkpoint written by `zoo train` (`.../checkpoints/last.ckpt`).
        map_location: The device to load onto.

    Returns:
        The task (a `ClassificationTask`, `PerceptronTask` or `ForecastingTask`).

    Raises:
        zoo.DataError: If the file is missing, unreadable, not written by a zoo task, names
            code to run, or holds what zoo would not have written (settings of the wrong
            type or range for its task or network, weights that do not fit it).
    """
    from zoo.tasks import TASKS  # Lightning: imported by load_task only, not load_model

    checkpoint = read_checkpoint(path, map_location)
    name = checkpoint["zoo_task"]
    if name not in TASKS:
        raise DataError(
            f"{path} was written by a task zoo does not have ({name!r}; zoo's: "
            f"{', '.join(sorted(TASKS))})"
        )
    hparams = check_arguments(TASKS[name], checkpoint["hyper_parameters"], name, str(path))
    try:
        task = TASKS[name](**hparams)
    except (TypeError, ValueError, ConfigError) as error:
        raise DataError(f"{path}: {name} cannot be built from what it holds: {error}") from None
    task.load_state_dict(checkpoint["state_dict"])
    task.on_load_checkpoint(checkpoint)  # what the task keeps beside its weights
    return task.to(map_location).eval()  # load_state_dict copies into the CPU-built task


def load_model(
    source: str | Path,
    weights: str | tuple[str, str] | WeightsEnum | Weights | None = None,
    map_location: str | torch.device = "cpu",
    **kwargs: Any,
) -> nn.Module:
    """A network: trained weights shipped with zoo, a fresh model, or a checkpoint's network.

    - `load_model("cnn", weights="mnist")`: model `cnn` with the shipped weights `cnn.mnist`
      (a name, an id such as "cnn.mnist", `zoo.weights.CNN_Weights.MNIST` or a record), in
      eval mode; `weights.transforms()` prepares its inputs (`zoo.get_weights`).
    - `load_model("cnn")` (weights=None): a fresh, untrained `cnn` built with `kwargs`.
    - `load_model("outputs/.../last.ckpt")`: the network saved in a zoo checkpoint, in eval
      mode. It expects inputs normalised as in training; `load_task` returns the task,
      whose `forward` takes raw inputs.

    A string naming a registered model is a model name, anything else a path (pass a
    `Path` for a checkpoint file that happens to be called like a model). The network is
    returned on `map_location` ("cpu", "cuda"...), whatever device trained it.

    Args:
        source: A registered model name (`zoo.list_models()`) or a checkpoint's path.
        weights: With a model name: the shipped weights (`"mnist"`, `"DEFAULT"`,
            `"cnn.mnist"`, an enum member or a `Weights` record), or None for a fresh
            model. Not allowed with a checkpoint.
        map_location: The device to load onto.
        **kwargs: With a model name: constructor arguments (they must agree with the
            weights' own, if any).

    Returns:
        The `nn.Module`: in eval mode with weights or from a checkpoint, untrained
        otherwise.

    Raises:
        zoo.models.UnknownWeightsError: If the weights name is not registered.
        zoo.ConfigError: If an argument contradicts the weights, or weights or arguments
            come with a checkpoint.
        zoo.DataError: If a checkpoint is missing, unreadable, not zoo's or does not fit
            its network, or a weight file does not match its recorded sha256.
    """
    if isinstance(source, str) and source in list_models():
        return load_weights(source, weights, map_location=map_location, **kwargs)
    if weights is not None or kwargs:
        given = "weights" if weights is not None else ", ".join(kwargs)
        raise ConfigError(
            f"{given} given, but {str(source)!r} is not a model name ({', '.join(list_models())}); "
            "a checkpoint rebuilds its own network"
        )
    return network_of(read_checkpoint(source, map_location), source=str(source)).to(map_location)


def network_parts(checkpoint: dict) -> tuple[str, dict, dict[str, torch.Tensor]]:
    """(model name, constructor arguments, the network's state dict) of a checkpoint's
    contents (`read_checkpoint`): the task's `model.` entries, the prefix taken off."""
    hparams = checkpoint["hyper_parameters"]  # checked by read_checkpoint, weights included
    state = {
        k[len(PREFIX) :]: v for k, v in checkpoint["state_dict"].items() if k.startswith(PREFIX)
    }
    return hparams["model_name"], dict(hparams["model_kwargs"]), state


def network_of(checkpoint: dict, source: str = "the checkpoint") -> nn.Module:
    """The network a checkpoint's contents (`read_checkpoint`) hold, rebuilt from zoo's
    registry by its name and keyword arguments (`zoo.models.build`), in eval mode; `source`
    names the checkpoint in the error raised when its network does not fit."""
    return build(*network_parts(checkpoint), source=source)
