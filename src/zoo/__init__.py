"""zoo: the four classic networks (perceptron, sigmoid MLP, CNN, RNN) as PyTorch modules,
trained with Lightning and configured with Hydra."""

from zoo.checkpoints import load_model, load_task
from zoo.errors import ConfigError, DataError, ZooError
from zoo.models import create_model, list_models, register_model

__version__ = "0.1.0"


def train(cfg):
    """Train as a composed Hydra config says; returns the final metrics (see zoo.training)."""
    from zoo.training import train as _train

    return _train(cfg)


__all__ = [
    "ConfigError",
    "DataError",
    "ZooError",
    "create_model",
    "list_models",
    "load_model",
    "load_task",
    "register_model",
    "train",
]
