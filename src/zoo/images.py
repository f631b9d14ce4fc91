"""Image files to MNIST-like tensors: grayscale, white digit on black, 28x28, values in [0, 1]."""

from pathlib import Path

import numpy as np
import torch

from zoo.errors import DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def image_files(paths: list[str | Path]) -> list[Path]:
    """The files named, and the image files inside any folder named, sorted per folder."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"no image file or folder at {path}")
    if not files:
        raise DataError(
            f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {', '.join(map(str, paths))}"
        )
    return files


def load_digit(path: Path, size: int = 28, invert: bool | None = None) -> torch.Tensor:
    """One image as a (1, size, size) float tensor in [0, 1], MNIST's way round.

    MNIST digits are white on black. A picture that is mostly light (a dark digit on paper)
    is inverted, unless `invert` says otherwise. Other sizes are resized to size x size.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            gray = image.convert("L")
            if gray.size != (size, size):
                gray = gray.resize((size, size), Image.Resampling.BILINEAR)
            pixels = np.asarray(gray, dtype=np.float32) / 255
    except (UnidentifiedImageError, OSError) as error:
        raise DataError(f"{path} is not a readable image ({error})") from None
    if invert if invert is not None else pixels.mean() > 0.5:
        pixels = 1 - pixels
    return torch.from_numpy(pixels.copy()).unsqueeze(0)


def load_digits(paths: list[str | Path], invert: bool | None = None):
    """(files, (N, 1, 28, 28) tensor) for image files and folders of them."""
    files = image_files(paths)
    return files, torch.stack([load_digit(f, invert=invert) for f in files])
