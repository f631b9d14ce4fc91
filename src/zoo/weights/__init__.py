"""Trained weights shipped with zoo, torchvision's way: a `Weights` record per file, in an
enum per model (`CNN_Weights.MNIST`, `.DEFAULT`), found by name (`get_weights("cnn.mnist")`).

Each record pairs a safetensors file in `zoo/pretrained/` (no pickle: read with
`safetensors.torch.load_file`, never `torch.load`) with its card, `<file>.json` beside it:
the model's constructor arguments, parameter count, size, the recipe that trained it and
the test figures measured with the stored weights. The record states what does not change
from one regeneration to the next: the data, the recipe, the targets, the transform that
turns raw inputs into what the network reads, and the file's sha256 (checked on every load,
against the record and the card). `scripts/make_weights.py` writes both files.

- `record`: `Weights`, `WeightsEnum`, reading a card; `registry`: the entries and lookup;
- `transforms`: DigitImages, PrimerFeatures, SeriesWindow; `cards`: cards and the model-zoo
  page as markdown;
- `making`: a training run to a file and card, and measuring them (make_weights, tests).

Loading needs torch and safetensors only: no Lightning, Hydra or matplotlib.
"""

from zoo.weights.cards import render_card, render_model_zoo
from zoo.weights.record import (
    WEIGHTS_DIR,
    UnknownWeightsError,
    Weights,
    WeightsEnum,
    WeightsNotBuiltError,
)
from zoo.weights.registry import (
    WEIGHTS_ENUMS,
    CNN_Weights,
    Perceptron_Weights,
    RNNForecaster_Weights,
    SigmoidMLP_Weights,
    get_weights,
    list_weights,
    load_weights,
)
from zoo.weights.transforms import DigitImages, PrimerFeatures, SeriesWindow

__all__ = [
    "CNN_Weights",
    "DigitImages",
    "Perceptron_Weights",
    "PrimerFeatures",
    "RNNForecaster_Weights",
    "SeriesWindow",
    "SigmoidMLP_Weights",
    "UnknownWeightsError",
    "WEIGHTS_DIR",
    "WEIGHTS_ENUMS",
    "Weights",
    "WeightsEnum",
    "WeightsNotBuiltError",
    "get_weights",
    "list_weights",
    "load_weights",
    "render_card",
    "render_model_zoo",
]
