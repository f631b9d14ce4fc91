"""The record of one shipped weight file (`Weights`), the enum base its model's entries
share (`WeightsEnum`), and reading its card (once, checked)."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from zoo.errors import ConfigError, DataError, ZooError
from zoo.models import create_model

if TYPE_CHECKING:
    from zoo.forecasting.intervals import ConformalIntervals
    from zoo.weights.transforms import DigitImages, PrimerFeatures, SeriesWindow

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "pretrained"
MNIST_ROOT_HINT = "DATA"  # in recipes: a folder holding MNIST/raw/


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
        transform: The class of `zoo.weights.transforms` that prepares its inputs.
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
    transform: type  # a class of zoo.weights.transforms; its arguments are in the card
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
        """The conformal prediction intervals of a forecaster's weights, calibrated on its
        validation forecasts (`zoo.forecasting.intervals`); None for other networks."""
        from zoo.forecasting.intervals import ConformalIntervals

        state = self._card().get("intervals")
        return None if state is None else ConformalIntervals.from_state(state)

    def state_dict(self, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
        """The stored tensors, after checking the file's sha256.

        Args:
            device: Where to put them.

        Returns:
            Parameter name -> tensor, in the storage dtype.

        Raises:
            zoo.DataError: If the file does not match the sha256 in zoo's record or card.
        """
        from safetensors.torch import load_file

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
        model = create_model(self.model, **trained)
        state = self.state_dict()
        missing, unexpected = _key_differences(model, state)
        if missing or unexpected:
            raise DataError(
                f"{self.path.name} does not fit {type(model).__name__}: missing {missing}, "
                f"unexpected {unexpected}; regenerate it: {self.regenerate}"
            )
        model.load_state_dict(state)  # copies into the float32 parameters
        return model.to(map_location).eval()

    def card(self) -> str:
        """The model card as markdown."""
        from zoo.weights.cards import render_card

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


def _key_differences(model: nn.Module, state: dict) -> tuple[list[str], list[str]]:
    expected = set(model.state_dict())
    return sorted(expected - set(state)), sorted(set(state) - expected)


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
