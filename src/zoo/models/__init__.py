"""Networks as plain `nn.Module`s, registered by name (the name of their `conf/model/` file),
each with the enum of its shipped weights declared beside it (`CNN_Weights`), torchvision's
way; `build` rebuilds any saved network (checkpoint, shipped weights, saved Forecaster).

- `registry`: names -> constructors and weights enums, `create_model`, `build`;
- `weights`: the `Weights` record, `WeightsEnum`, reading cards, finding weights by name;
- `cards`: a card as markdown; `perceptron`, `mlp`, `cnn`, `rnn` (+ `ensemble_gru`): the
  networks and their weights.
"""

from zoo.models.cnn import CNN, CNN_Weights
from zoo.models.mlp import SigmoidMLP, SigmoidMLP_Weights
from zoo.models.perceptron import Perceptron, Perceptron_Weights
from zoo.models.registry import (
    UnknownModelError,
    build,
    create_model,
    get_model_builder,
    list_models,
    model_arguments,
    register_model,
    weights_enums,
)
from zoo.models.rnn import GlobalRNN, GlobalRNN_Weights
from zoo.models.weights import (
    WEIGHTS_DIR,
    UnknownWeightsError,
    Weights,
    WeightsEnum,
    WeightsNotBuiltError,
    get_weights,
    list_weights,
    load_weights,
)

__all__ = [
    "CNN",
    "CNN_Weights",
    "Perceptron",
    "Perceptron_Weights",
    "GlobalRNN",
    "GlobalRNN_Weights",
    "SigmoidMLP",
    "SigmoidMLP_Weights",
    "UnknownModelError",
    "UnknownWeightsError",
    "WEIGHTS_DIR",
    "Weights",
    "WeightsEnum",
    "WeightsNotBuiltError",
    "build",
    "create_model",
    "get_model_builder",
    "get_weights",
    "list_models",
    "list_weights",
    "load_weights",
    "model_arguments",
    "register_model",
    "weights_enums",
]
