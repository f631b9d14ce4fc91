"""Transforms: raw inputs -> what a shipped network reads, torchvision's way (each a callable
class whose arguments the weights' card records; `Weights.transforms()` builds it).

Below the networks: the weights records in `zoo.models` name these classes, and they use only
the input contract (`zoo.inputs`) and the forecasting core (windows, the log scaling's domain).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from zoo.inputs import normalise
from zoo.timeseries.scaling import nonpositive_series
from zoo.timeseries.windows import latest_inputs


class DigitImages:
    """MNIST-style digits -> normalised float tensors: (1, size, size) for one image,
    (B, 1, size, size) for a batch.

    Takes a PIL image (converted to grayscale, resized to `size` x `size` bilinearly), a
    uint8 tensor (0-255) or a float tensor in [0, 1], shaped (H, W), (1, H, W), (B, H, W)
    or (B, 1, H, W); other sizes are resized. Digits must be white on black, as in MNIST
    (invert dark-on-light pictures first). The result is `(pixels - mean) / std`, the
    normalisation the weights were trained with.

    Args:
        size: The side the network reads, in pixels.
        mean: The training pixels' mean, after scaling to [0, 1].
        std: Their standard deviation.
    """

    def __init__(self, size: int = 28, mean: float = 0.0, std: float = 1.0) -> None:
        self.size, self.mean, self.std = size, float(mean), float(std)

    def __call__(self, image) -> torch.Tensor:
        """Normalised pixels of one image or a batch.

        Args:
            image: A PIL image, or a uint8 or float tensor of one image or a batch.

        Returns:
            (1, size, size) for one image, (B, 1, size, size) for a batch.

        Raises:
            ValueError: If a tensor is not grayscale images of those shapes.
            TypeError: If `image` is neither a PIL image nor a tensor.
        """
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
        x = normalise(x, self.mean, self.std)
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
        """What the transform expects, in words (the model cards quote it)."""
        return (
            f"grayscale {self.size}x{self.size} digits, white on black as in MNIST, pixels "
            f"scaled to [0, 1] then normalised with mean {self.mean:g} and std {self.std:g}"
        )

    def __repr__(self) -> str:
        return f"DigitImages(size={self.size}, mean={self.mean:g}, std={self.std:g})"


class PrimerFeatures:
    """The primer's people -> network inputs: (weight in lb, height in inches) pairs, shape
    (2,) or (B, 2), become (weight - 135, height - 66), normalised as in training; (B, 2).

    Args:
        shift: What is subtracted from (weight, height): the primer's 135 lb and 66 in.
        mean: The training inputs' mean after the shift.
        std: Their standard deviation.
    """

    def __init__(
        self, shift: Sequence[float] = (135.0, 66.0), mean: float = 0.0, std: float = 1.0
    ) -> None:
        self.shift, self.mean, self.std = tuple(map(float, shift)), float(mean), float(std)

    def __call__(self, people) -> torch.Tensor:
        """Network inputs of people.

        Args:
            people: One (weight lb, height in) pair, or (B, 2) of them.

        Returns:
            (B, 2) inputs.

        Raises:
            ValueError: If the input is not such pairs.
        """
        x = torch.as_tensor(people, dtype=torch.float32)
        x = x.unsqueeze(0) if x.dim() == 1 else x
        if x.dim() != 2 or x.shape[1] != 2:
            raise ValueError(f"expected (weight lb, height in) pairs, got shape {tuple(x.shape)}")
        return normalise(x - torch.tensor(self.shift), self.mean, self.std)

    def describe(self) -> str:
        """What the transform expects, in words (the model cards quote it)."""
        return (
            "(weight in lb, height in inches) of a person, shifted by "
            f"({self.shift[0]:g}, {self.shift[1]:g}) as in the primer"
        )

    def __repr__(self) -> str:
        return f"PrimerFeatures(shift={self.shift}, mean={self.mean:g}, std={self.std:g})"


class SeriesWindow:
    """Raw series -> the forecasting network's `(x, mask)`, each (B, input_length): the last
    `input_length` values of each series, latest last; shorter series are left-padded with
    zeros that `mask` marks False. One series (1-D tensor, array, list or pandas Series)
    gives a batch of one; a list of series or a 2-D tensor (one series per row) a batch.

    No scaling here: the network scales each window itself. Weights trained with log
    scaling (`positive=True`) need positive values and refuse others.

    Args:
        input_length: Values the network reads.
        positive: Refuse values <= 0 (for weights trained with log scaling).
    """

    def __init__(self, input_length: int, positive: bool = False) -> None:
        self.input_length, self.positive = int(input_length), bool(positive)

    def __call__(self, series) -> tuple[torch.Tensor, torch.Tensor]:
        """The network's inputs for one series or several.

        Args:
            series: One series (1-D tensor, array, list or pandas Series), a list of them,
                or a 2-D tensor with one series per row.

        Returns:
            `(x, mask)`, each (B, input_length): values, and True where a value is real.

        Raises:
            ValueError: If a series is empty, holds NaN or infinity, or (with `positive`)
                a value <= 0.
        """
        if isinstance(series, torch.Tensor) and series.dim() == 2:
            rows = list(series)
        elif _is_one_series(series):
            rows = [series]
        else:
            rows = list(series)
        windows = []  # the last input_length values of each series: all the network reads
        for i, row in enumerate(rows):
            values = torch.as_tensor(_values(row), dtype=torch.float32).flatten()
            values = values[-self.input_length :]
            if len(values) == 0 or not torch.isfinite(values).all():
                raise ValueError(f"series {i} is empty or holds NaN/infinite values: fill them")
            windows.append(values)
        lengths = torch.tensor([len(w) for w in windows], dtype=torch.int64)
        values = torch.cat(windows) if windows else torch.zeros(0)
        bad = nonpositive_series(values, lengths) if self.positive else []
        if len(bad):
            raise ValueError(
                f"series {int(bad[0])} has values <= 0; these weights were trained on positive "
                "series (log scaling) and cannot forecast it"
            )
        indptr = torch.cat([torch.zeros(1, dtype=torch.int64), torch.cumsum(lengths, 0)])
        return latest_inputs(values, indptr, self.input_length)

    def describe(self) -> str:
        """What the transform expects, in words (the model cards quote it)."""
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
