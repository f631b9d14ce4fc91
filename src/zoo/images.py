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


MAX_PIXELS = 50_000_000  # larger images are refused before they are decoded


def load_digit(path: Path, size: int = 28, invert: bool | None = None) -> torch.Tensor:
    """One image as a (1, size, size) float tensor in [0, 1], MNIST's way round.

    MNIST digits are white on black. A picture that is mostly light (a dark digit on paper)
    is inverted, unless `invert` says otherwise. Other sizes are resized to size x size. A
    transparent background (PNG with alpha) becomes the background the ink is not: dark
    ink on transparency is read as dark ink on white.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DataError(
                    f"{path} is {width} x {height} pixels, too large to be a digit (at most "
                    f"{MAX_PIXELS:,} pixels); scale it down first"
                )
            gray = _on_background(image) if _has_alpha(image) else image.convert("L")
            if gray.size != (size, size):
                gray = gray.resize((size, size), Image.Resampling.BILINEAR)
            pixels = np.asarray(gray, dtype=np.float32) / 255
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise DataError(f"{path} is not a readable image ({error})") from None
    if invert if invert is not None else pixels.mean() > 0.5:
        pixels = 1 - pixels
    return torch.from_numpy(pixels.copy()).unsqueeze(0)


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _on_background(image):
    """The image composited on white if its visible ink is dark, else on black."""
    from PIL import Image

    rgba = image.convert("RGBA")
    alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255
    gray = np.asarray(rgba.convert("L"), dtype=np.float32) / 255
    ink = gray[alpha > 0.5]
    background = 1.0 if ink.size and ink.mean() < 0.5 else 0.0
    mixed = gray * alpha + background * (1 - alpha)
    return Image.fromarray((mixed * 255).round().astype(np.uint8), mode="L")


def load_digits(paths: list[str | Path], invert: bool | None = None):
    """(files, (N, 1, 28, 28) tensor, skipped) for image files and folders of them; a file
    that cannot be read is skipped, and `skipped` lists (file, why). None readable: refused."""
    files, images, skipped = [], [], []
    for path in image_files(paths):
        try:
            images.append(load_digit(path, invert=invert))
            files.append(path)
        except DataError as error:
            skipped.append((path, str(error)))
    if not images:
        raise DataError(f"no readable image among {len(skipped)}: {skipped[0][1]}")
    return files, torch.stack(images), skipped
