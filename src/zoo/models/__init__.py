"""Networks as plain `nn.Module`s, registered by name (the name of their `conf/model/` file)."""

from zoo.models.cnn import CNN
from zoo.models.mlp import SigmoidMLP
from zoo.models.perceptron import Perceptron
from zoo.models.registry import (
    UnknownModelError,
    create_model,
    get_model_builder,
    list_models,
    model_arguments,
    register_model,
)
from zoo.models.rnn import GlobalRNN

__all__ = [
    "CNN",
    "Perceptron",
    "GlobalRNN",
    "SigmoidMLP",
    "UnknownModelError",
    "create_model",
    "get_model_builder",
    "list_models",
    "model_arguments",
    "register_model",
]
