"""Trained weights shipped with zoo, torchvision's way (its `models/_api.py`): a `Weights`
record per file, in an enum per model that the model's module declares beside its class
(`CNN_Weights.MNIST`, `.DEFAULT`) and registers with it (`register_model`), found by name
(`get_weights("cnn.mnist")`, `list_weights`) and loaded (`load_weights`).

Each record pairs a safetensors file in `zoo/pretrained/` (no pickle: read with
`safetensors.torch.load_file`, never `torch.load`) with its card, `<file>.json` beside it:
the model's constructor arguments, parameter count, size, the recipe that trained it and
the test figures measured with the stored weights. The record states what does not change
from one regeneration to the next: the data, the recipe, the targets, the transform that
turns raw inputs into what the network reads (`zoo.transforms`), and the file's sha256
(checked on every load, against the record and the card). `scripts/make_weights.py` writes
both files; the network is rebuilt by `zoo.models.build`, as checkpoints' are.

Loading needs torch and safetensors only: no Lightning, Hydra or matplotlib.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from safetensors.torch import load_file
from torch import nn

from zoo.errors import ConfigError, DataError, ZooError
from zoo.models.cards import render_card
from zoo.models.registry import build, create_model, list_models, weights_enums
from zoo.timeseries.intervals import ConformalIntervals
from zoo.trust import refuse_instructions

if TYPE_CHECKING:
    from zoo.timeseries.intervals import ConformalIntervals
    from zoo.transforms import DigitImages, PrimerFeatures, SeriesWindow

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "pretrained"
MNIST_ROOT_HINT = "DATA"  # in recipes: a folder holding MNIST/raw/
# what the records of the digit classifiers (cnn, mlp, perceptron) say alike
MNIST_DATA = (
    "MNIST: 55,000 of the 60,000 training images (5,000 held out for validation, split with "
    "seed 0); scored on the official 10,000 test images"
)
DIGIT_OUTPUT = "(B, 10) logits, one per digit 0-9; softmax gives class probabilities"


class UnknownWeightsError(ZooError, KeyError):
    """A weights name that is not registered; the message lists the valid ones."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class WeightsNotBuiltError(DataError):
    """A registered weights entry whose file is not in the package (yet)."""


@dataclass(frozen=True, eq=False)
class Weights:
    """One shipped weight file: what stays fixed here, what was measured in its card (`meta`).

    `recipe` holds the `scripts/train.py` arguments that train it (`data.root` added for
    MNIST); `checkpoint` which checkpoint of that run ships ("tested": the one the run
    tests, lowest validation loss; "last": the end of training); `storage` the dtype tried
    for the file, kept only where the test figures hold (`scripts/make_weights.py`);
    `targets` metric -> (">=" or "<=", value) that a regeneration must reach.

    Attributes:
        model: The model's registry name (`"cnn"`).
        name: The weights' name for that model (`"mnist"`); the id is `model.name`.
        title: One line saying what the network is and what it learnt.
        data: What it was trained and scored on.
        recipe: The `zoo train` overrides that train it.
        transform: The class of `zoo.transforms` that prepares its inputs.
        output: What its `forward` returns.
        evaluation: How it is measured: `"mnist"`, `"primer"` or `"m3-monthly"`.
        output_kind: `"logits"`, or `"scores"` for the perceptron (no probabilities).
        checkpoint: Which checkpoint of the run ships: `"tested"` or `"last"`.
        storage: The dtype the file is stored in, where the figures hold.
        targets: Metric -> (">=" or "<=", value) that a regeneration must reach.
        tolerance: Metric -> how far a regeneration may land from the card.
        notes: Anything else a user should know.
        sha256: The file's digest, checked on every load.
    """

    model: str
    name: str
    title: str
    data: str
    recipe: tuple[str, ...]
    transform: type  # a class of zoo.transforms; its arguments are in the card
    output: str  # what forward returns, for users
    evaluation: str  # how make_weights and the tests measure it: mnist, primer, m3-monthly
    output_kind: str = "logits"  # or "scores" (the perceptron's): no probabilities
    checkpoint: str = "tested"
    storage: str = "float16"
    targets: dict[str, tuple[str, float]] = field(default_factory=dict)
    tolerance: dict[str, float] = field(default_factory=dict)  # regeneration vs the card
    notes: str = ""
    # the shipped file's digest, here in the code and not only in the card beside it, so a
    # file swapped together with its card is still refused (torchvision keeps it in the
    # file name); make_weights prints the new one to write here after a regeneration
    sha256: str = ""

    @property
    def id(self) -> str:
        """`model.name`, such as `"cnn.mnist"`."""
        return f"{self.model}.{self.name}"

    @property
    def stem(self) -> str:
        """The files' name without suffix, such as `"cnn-mnist"`."""
        return f"{self.model}-{self.name}"

    @property
    def path(self) -> Path:
        """The safetensors file in the package."""
        return WEIGHTS_DIR / f"{self.stem}.safetensors"

    @property
    def card_path(self) -> Path:
        """The card (JSON) beside the file."""
        return WEIGHTS_DIR / f"{self.stem}.json"

    @property
    def available(self) -> bool:
        """Whether the file and its card are in the package."""
        return self.path.is_file() and self.card_path.is_file()

    @property
    def command(self) -> str:
        """The training command of the recipe."""
        root = [f"data.root={MNIST_ROOT_HINT}"] if self.evaluation == "mnist" else []
        return " ".join(["python scripts/train.py", *self.recipe, *root])

    @property
    def regenerate(self) -> str:
        """The command that retrains, measures and rewrites the file and its card."""
        root = f" --data-root {MNIST_ROOT_HINT}" if self.evaluation == "mnist" else ""
        return f"python scripts/make_weights.py {self.id}{root}"

    def _card(self) -> dict:
        """The card file as written by make_weights, read once (and again if it changes)."""
        if not self.available:
            raise WeightsNotBuiltError(
                f"weights {self.id} are registered but not built: {self.path.name} and its "
                f"card are not in {WEIGHTS_DIR}. Make them with: {self.regenerate}"
            )
        return _read_card(str(self.card_path), self.card_path.stat().st_mtime_ns, self.regenerate)

    @property
    def meta(self) -> dict:
        """The card: constructor arguments, sha256, sizes, measured metrics, recipe, data.

        Raises:
            WeightsNotBuiltError: If the file or its card is not in the package.
            zoo.DataError: If the card is damaged.
        """
        return {
            **self._card(),
            "title": self.title,
            "data": self.data,
            "recipe": self.command,
            "regenerate": self.regenerate,
            "output": self.output,
            "targets": {k: list(v) for k, v in self.targets.items()},
            "preprocessing": self.transforms().describe(),
            "notes": self.notes,
        }

    def transforms(self) -> DigitImages | PrimerFeatures | SeriesWindow:
        """A fresh transform mapping raw inputs to what the network reads.

        Returns:
            A `DigitImages`, `PrimerFeatures` or `SeriesWindow`, set up as in training.
        """
        return self.transform(**self._card()["transform"])

    def intervals(self) -> ConformalIntervals | None:
        """The conformal prediction intervals of a forecasting network's weights, calibrated on its
        validation forecasts or a refitted network's (`zoo.timeseries.intervals`); None for
        other networks."""
        state = self._card().get("intervals")
        return None if state is None else ConformalIntervals.from_state(state)

    def state_dict(self, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
        """The stored tensors, after checking the file's sha256 against the card."""
        data = self.path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        for expected, where in (
            (self.sha256, "zoo's record"),
            (self._card()["sha256"], "its card"),
        ):
            if expected and digest != expected:
                raise DataError(
                    f"{self.path} does not match the sha256 in {where} (changed or damaged); "
                    f"reinstall zoo or regenerate it: {self.regenerate}"
                )
        return load_file(self.path, device=str(device))

    def build(self, map_location: str | torch.device = "cpu", **kwargs: Any) -> nn.Module:
        """The network with these weights, in eval mode, its parameters in float32.

        Keyword arguments may repeat the weights' constructor arguments; one that differs
        (say `num_classes=5` for digit weights) raises rather than load half a network.

        Args:
            map_location: The device to load onto.
            **kwargs: Constructor arguments, which must agree with the weights'.

        Returns:
            The network.

        Raises:
            zoo.ConfigError: If an argument contradicts the weights.
            zoo.DataError: If the file does not match its sha256 or its network.
        """
        trained = self._card()["model_kwargs"]
        unknown = sorted(set(kwargs) - set(trained))
        conflicts = sorted(k for k in set(kwargs) & set(trained) if _plain(kwargs[k]) != trained[k])
        if unknown or conflicts:
            given = ", ".join(f"{k}={kwargs[k]!r}" for k in [*conflicts, *unknown])
            raise ConfigError(
                f"weights {self.id} were trained as {self.model}("
                + ", ".join(f"{k}={v!r}" for k, v in trained.items())
                + f"); {given} does not fit them. Leave it out, or build a fresh model "
                f'with weights=None (zoo.create_model("{self.model}", ...))'
            )
        model = build(
            self.model,
            trained,
            self.state_dict(),  # copied into the float32 parameters
            source=self.path.name,
            fix=f"regenerate it: {self.regenerate}",
        )
        return model.to(map_location)

    def card(self) -> str:
        """The model card as markdown."""
        return render_card(self)

    def __repr__(self) -> str:
        return f"Weights({self.id!r})"


@functools.lru_cache(maxsize=32)
def _read_card(path: str, mtime_ns: int, regenerate: str) -> dict:
    try:
        card = json.loads(Path(path).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(
            f"the weights card {path} is damaged ({error}); reinstall zoo or regenerate it: "
            f"{regenerate}"
        ) from None
    refuse_instructions(card, f"the weights card {path}")
    if not isinstance(card, dict) or "sha256" not in card or "model_kwargs" not in card:
        raise DataError(
            f"the weights card {path} is not a zoo card; reinstall zoo or: {regenerate}"
        )
    return card


def _plain(value):
    """Tuples as lists, as JSON holds them."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


class WeightsEnum(Enum):
    """Base of the per-model enums; each member's value is a `Weights` record, whose
    properties and methods the member passes on."""

    @property
    def id(self) -> str:
        """The record's id, such as `"cnn.mnist"`."""
        return self.value.id

    @property
    def meta(self) -> dict:
        """The record's card (`Weights.meta`)."""
        return self.value.meta

    @property
    def available(self) -> bool:
        """Whether the file and its card are in the package."""
        return self.value.available

    def transforms(self) -> DigitImages | PrimerFeatures | SeriesWindow:
        """The record's input transform (`Weights.transforms`)."""
        return self.value.transforms()

    def card(self) -> str:
        """The record's model card as markdown."""
        return self.value.card()

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


# -- finding and loading them by name ---------------------------------------------------------


def _registry() -> dict[str, Weights]:
    return {m.value.id: m.value for enum in weights_enums().values() for m in enum}


def list_weights(model: str | None = None, available_only: bool = False) -> list[str]:
    """Sorted weights ids ("cnn.mnist", ...), of one model if `model` is given;
    `available_only` leaves out registered weights whose file is not built yet."""
    return sorted(
        id
        for id, w in _registry().items()
        if (model is None or w.model == model) and (w.available or not available_only)
    )


def get_weights(weights, model: str | None = None) -> Weights:
    """The `Weights` record of `weights`: an id ("cnn.mnist", "cnn-mnist", ("cnn", "mnist"),
    "CNN_Weights.MNIST"), an enum member or a record; with `model`, a bare name ("mnist")
    or "DEFAULT" (the model's best, `CNN_Weights.DEFAULT`)."""
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
    enums = weights_enums()
    if key.upper() == "DEFAULT" and model in enums:  # weights="DEFAULT"
        return enums[model].DEFAULT.value
    for enum in enums.values():  # torchvision's "ResNet50_Weights.IMAGENET1K_V1"
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


def load_weights(model: str, weights, map_location="cpu", **kwargs) -> nn.Module:
    """`model` with trained `weights` (in eval mode), or a fresh one when `weights` is None."""
    if weights is None:
        return create_model(model, **kwargs).to(map_location)
    return get_weights(weights, model=model).build(map_location=map_location, **kwargs)
