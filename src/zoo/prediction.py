"""Raw records -> class names and probabilities, through a classifier checkpoint.

A checkpoint records what its raw inputs are (the task's `input_format`, from the data it
trained on): images of a folder (channels and size), table rows (`zoo.tables`: columns,
categories, fills) or, without a record, tensors (MNIST's digits: 28x28 images). From it:

- `load_transforms(checkpoint)`: raw records -> what `zoo.load_model(checkpoint)`'s bare
  network reads (normalised as in training), torchvision's `weights.transforms()` way:
  image files or PIL images, a DataFrame or table file, or tensors.
- `CheckpointClassifier`: the same records -> probabilities (scores for a perceptron) and
  class names; `zoo predict` prints and writes them.

Torch, NumPy, Pillow and pandas only: no Lightning (`load_task` brings it, where needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F

from zoo.errors import ConfigError, DataError
from zoo.inputs import class_probabilities, normalise, predicted_classes
from zoo.tables import TableEncoding

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def input_kind(hparams: dict) -> str:
    """What a classifier checkpoint reads: "images" (an image folder's), "table", "digits"
    (28x28 grayscale, as MNIST) or "tensors" (anything else: 2-D points...)."""
    record = hparams.get("input_format") or {}
    if record.get("kind") in ("images", "table"):
        return record["kind"]
    shape = list(hparams.get("input_shape") or [])
    return "digits" if shape in ([1, 28, 28], [784]) else "tensors"


class ImageTransform:
    """Images -> the normalised floats of a network trained on an image folder: one image
    gives (C, H, W), a list or a batch (B, C, H, W).

    Takes image files (read as training read them: `channels` gray or RGB, resized to
    `size`), PIL images, uint8 tensors (0-255) or float tensors in [0, 1] of shape
    (C, H, W) or (B, C, H, W) (resized when another size).
    """

    def __init__(self, channels: int, size: Sequence[int], mean, std) -> None:
        self.channels, self.size, self.mean, self.std = channels, tuple(size), mean, std

    def pixels(self, image) -> torch.Tensor:
        """One image (file or PIL image) as uint8 (C, H, W), as training decoded it."""
        from zoo.images import image_pixels, read_image

        if isinstance(image, str | Path):
            return torch.from_numpy(read_image(Path(image), self.channels, self.size))
        if hasattr(image, "convert"):  # a PIL image
            return torch.from_numpy(image_pixels(image, self.channels, self.size))
        raise TypeError(f"expected an image file, a PIL image or a tensor, not {type(image)}")

    def raw(self, images) -> torch.Tensor:
        """(B, C, H, W) floats in [0, 1]: the task's raw inputs."""
        if isinstance(images, torch.Tensor):
            x = images.float() / 255 if images.dtype == torch.uint8 else images.float()
            x = x.unsqueeze(0) if x.dim() == 3 else x
            if x.dim() != 4 or x.shape[1] != self.channels:
                raise ValueError(
                    f"expected images of {self.channels} channels, (C, H, W) or (B, C, H, W); "
                    f"got shape {tuple(images.shape)}"
                )
            if tuple(x.shape[-2:]) != self.size:
                x = F.interpolate(x, size=self.size, mode="bilinear", antialias=True)
            return x
        items = images if isinstance(images, list | tuple) else [images]
        return torch.stack([self.pixels(item) for item in items]).float() / 255

    def __call__(self, images) -> torch.Tensor:
        single = not isinstance(images, list | tuple) and not (
            isinstance(images, torch.Tensor) and images.dim() == 4
        )
        x = normalise(self.raw(images), self.mean, self.std)
        return x[0] if single else x

    def __repr__(self) -> str:
        return f"ImageTransform(channels={self.channels}, size={list(self.size)})"


class TableTransform:
    """Table rows (a DataFrame, or a CSV or Parquet file) -> (rows, features) normalised
    floats, encoded as in training (`zoo.tables.TableEncoding`); what it cannot encode (a
    missing column, an unseen category, a missing value) is refused by row and column."""

    def __init__(self, encoding: TableEncoding, mean, std) -> None:
        self.encoding, self.mean, self.std = encoding, mean, std

    def raw(self, rows, source: str | None = None) -> torch.Tensor:
        """(rows, features) encoded rows: the task's raw inputs."""
        if isinstance(rows, str | Path):
            rows, source = read_table(Path(rows)), str(rows)
        return self.encoding.encode(rows, source or "the rows")

    def __call__(self, rows) -> torch.Tensor:
        return normalise(self.raw(rows), self.mean, self.std)

    def __repr__(self) -> str:
        return f"TableTransform(columns={[c.name for c in self.encoding.columns]})"


class TensorTransform:
    """Raw tensors -> normalised ones, for checkpoints whose inputs are plain tensors."""

    def __init__(self, mean, std) -> None:
        self.mean, self.std = mean, std

    def __call__(self, x) -> torch.Tensor:
        return normalise(torch.as_tensor(x, dtype=torch.float32), self.mean, self.std)

    def raw(self, x) -> torch.Tensor:
        return torch.as_tensor(x, dtype=torch.float32)


def read_table(path: Path):
    """A CSV or Parquet file of rows to classify, or zoo's message."""
    if not path.is_file():
        raise DataError(f"no table file at {path}")
    from zoo.timeseries.panel import read_long_frame  # CSV or Parquet, with zoo's errors

    return read_long_frame(path)


def transforms_of(hparams: dict):
    """The transform of a checkpoint's hyperparameters (`load_transforms`)."""
    mean, std = hparams.get("input_mean", 0.0), hparams.get("input_std", 1.0)
    kind = input_kind(hparams)
    record = hparams.get("input_format") or {}
    if kind == "images":
        return ImageTransform(record["channels"], record["size"], mean, std)
    if kind == "table":
        return TableTransform(TableEncoding.from_state(record), mean, std)
    if kind == "digits" and list(hparams.get("input_shape") or []) == [1, 28, 28]:
        from zoo.transforms import DigitImages

        return DigitImages(28, mean, std)
    return TensorTransform(mean, std)


def load_transforms(checkpoint: str | Path):
    """What `zoo.load_model(checkpoint)`'s network reads, from raw records: image files or
    PIL images for an image folder's network, a DataFrame (or table file) for a table's,
    digits or tensors otherwise; normalised as in training.

        model = zoo.load_model(ckpt)
        probabilities = zoo.inputs.class_probabilities(model(zoo.load_transforms(ckpt)(frame)))
    """
    from zoo.runs.checkpoints import read_checkpoint

    return transforms_of(read_checkpoint(checkpoint)["hyper_parameters"])


class CheckpointClassifier:
    """A classifier checkpoint ready for raw records: `classify(raw)` gives (values,
    predicted classes), values being probabilities ("p") or, for a perceptron, its scores
    ("score"); `names` are the class names, `kind` what it reads (`input_kind`)."""

    def __init__(self, checkpoint: str | Path) -> None:
        from zoo.runs.checkpoints import network_of, read_checkpoint

        contents = read_checkpoint(checkpoint)
        hparams = contents["hyper_parameters"]
        if contents["zoo_task"] not in ("ClassificationTask", "PerceptronTask"):
            raise ConfigError(f"{checkpoint} is not a classifier checkpoint")
        self.network = network_of(contents)
        self.kind = input_kind(hparams)
        self.input_shape = list(hparams.get("input_shape") or [])
        self.transform = transforms_of(hparams)
        self.mean, self.std = hparams.get("input_mean", 0.0), hparams.get("input_std", 1.0)
        classes = self.network.num_classes
        self.names = list(hparams.get("class_names") or [str(i) for i in range(classes)])
        self.value_kind = "score" if contents["zoo_task"] == "PerceptronTask" else "p"

    @property
    def value_names(self) -> list[str]:
        """Column names of `classify`'s values: one per class, or a perceptron's single
        score for two classes (positive: the second class)."""
        if self.value_kind == "score" and self.network.num_classes == 2:
            return ["score"]
        return [f"{self.value_kind}_{name}" for name in self.names]

    @torch.no_grad()
    def classify(self, raw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(values, classes) of raw inputs (pixels in [0, 1], encoded rows, tensors)."""
        scores = self.network(normalise(raw.float(), self.mean, self.std).float())
        values = scores if self.value_kind == "score" else class_probabilities(scores)
        return values, predicted_classes(scores)

    def shown(self, values: torch.Tensor, best: int) -> str:
        """How one prediction reads: "91.3%" or "score 2.41"."""
        if self.value_kind == "p":
            return f"{values[best]:.1%}"
        return f"score {values[0 if len(values) == 1 else best]:.2f}"
