"""zoo: the four classic networks (perceptron, sigmoid MLP, CNN, RNN) as PyTorch modules,
trained with Lightning and configured with Hydra.

`import zoo` is cheap: the functions below import what they need when first used, so
building or loading a network (`create_model`, `load_model`, shipped weights included)
never imports Lightning, Hydra or matplotlib, and a script's `--help` does not wait for torch.
"""

import importlib
from typing import TYPE_CHECKING

from zoo.errors import ConfigError, DataError, ZooError

__version__ = "0.1.0"

_LAZY = {  # name -> the module that defines it
    "Forecaster": "zoo.forecasting.estimator",
    "create_model": "zoo.models",
    "list_models": "zoo.models",
    "register_model": "zoo.models",
    "load_model": "zoo.runs.checkpoints",
    "load_task": "zoo.runs.checkpoints",
    "load_transforms": "zoo.prediction",
    "train": "zoo.runs.training",
    "get_weights": "zoo.models",
    "list_weights": "zoo.models",
}
_SUBMODULES = {
    "commands",
    "compatibility",
    "configs",
    "data",
    "devices",
    "forecasting",
    "inputs",
    "models",
    "prediction",
    "runs",
    "tasks",
    "transforms",
    "weights",
}

if TYPE_CHECKING:
    from zoo.forecasting.estimator import Forecaster
    from zoo.models import create_model, get_weights, list_models, list_weights, register_model
    from zoo.prediction import load_transforms
    from zoo.runs.checkpoints import load_model, load_task
    from zoo.runs.training import train


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"zoo.{name}")
    else:
        raise AttributeError(f"module 'zoo' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY, *_SUBMODULES])


__all__ = [
    "Forecaster",
    "ConfigError",
    "DataError",
    "ZooError",
    "create_model",
    "get_weights",
    "list_models",
    "list_weights",
    "load_model",
    "load_task",
    "load_transforms",
    "register_model",
    "train",
]
