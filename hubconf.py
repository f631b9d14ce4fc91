"""torch.hub entry points: the zoo's networks, with its shipped weights or fresh.

    torch.hub.load("OWNER/zoo", "cnn", weights="mnist")            # from GitHub
    torch.hub.load("path/to/zoo", "cnn", weights="mnist", source="local")
    torch.hub.load("path/to/zoo", "mlp", weights=None, in_features=2)   # fresh

Each entry point takes `weights` (a name of `zoo.list_weights()`, e.g. "mnist"; None for
an untrained network) and the model's keyword arguments. Only torch and safetensors are
imported: no Lightning or Hydra.
"""

import sys
from pathlib import Path

dependencies = ["torch", "safetensors"]

_SRC = str(Path(__file__).resolve().parent / "src")
if _SRC not in sys.path:  # this repository's zoo (src layout), when it is not installed
    sys.path.insert(0, _SRC)

from zoo.weights import load_weights  # noqa: E402


def cnn(weights=None, **kwargs):
    """Convolutional network (zoo.models.CNN). weights="mnist": 32-64-128 channels,
    trained on MNIST; inputs via `zoo.get_weights("cnn.mnist").transforms()`."""
    return load_weights("cnn", weights, **kwargs)


def mlp(weights=None, **kwargs):
    """Sigmoid MLP (zoo.models.SigmoidMLP). weights="mnist": 784-512-256-10 on MNIST;
    weights="primer": the primer's 2-2-1 network. Fresh ones need in_features=..."""
    return load_weights("mlp", weights, **kwargs)


def perceptron(weights=None, **kwargs):
    """Rosenblatt's perceptron (zoo.models.Perceptron). weights="mnist": one threshold unit
    per digit. Fresh ones need in_features=..."""
    return load_weights("perceptron", weights, **kwargs)


def rnn(weights=None, **kwargs):
    """Recurrent forecaster (zoo.models.GlobalRNN). weights="m3-monthly": three GRUs
    (their median) for the 1,428 M3 monthly series, 18 months ahead from raw values. Fresh ones need
    horizon=... and input_length=..."""
    return load_weights("rnn", weights, **kwargs)
