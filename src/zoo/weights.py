"""Trained weights shipped with zoo, torchvision's way, under the names users know:
`zoo.weights.CNN_Weights.MNIST`, `get_weights("cnn.mnist")`, `list_weights()`.

Nothing is defined here: each model's module declares its weights enum beside its class
(`zoo.models.cnn.CNN_Weights`), the records, their cards and the lookup live in
`zoo.models.weights`, the input transforms in `zoo.transforms`. zoo's own code imports them
from there; this module gathers them for users. Regenerating the files is build tooling,
outside the package: `scripts/make_weights.py`.

Loading needs torch and safetensors only: no Lightning, Hydra or matplotlib.
"""

from zoo.models import (
    WEIGHTS_DIR,
    CNN_Weights,
    GlobalRNN_Weights,
    Perceptron_Weights,
    SigmoidMLP_Weights,
    UnknownWeightsError,
    Weights,
    WeightsEnum,
    WeightsNotBuiltError,
    get_weights,
    list_weights,
    load_weights,
    weights_enums,
)
from zoo.models.cards import render_card, render_model_zoo
from zoo.transforms import DigitImages, PrimerFeatures, SeriesWindow

__all__ = [
    "CNN_Weights",
    "DigitImages",
    "Perceptron_Weights",
    "PrimerFeatures",
    "GlobalRNN_Weights",
    "SeriesWindow",
    "SigmoidMLP_Weights",
    "UnknownWeightsError",
    "WEIGHTS_DIR",
    "Weights",
    "WeightsEnum",
    "WeightsNotBuiltError",
    "get_weights",
    "list_weights",
    "load_weights",
    "render_card",
    "render_model_zoo",
    "weights_enums",
]
