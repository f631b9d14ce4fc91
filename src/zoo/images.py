"""Image files to tensors: any image as uint8 pixels of a chosen size and channel count
(`read_image`, for image folders), and digits as MNIST-like tensors (`load_digit`:
grayscale, white on black, 28x28, values in [0, 1])."""

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
GRAY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}


def image_header(path: Path) -> tuple[int, int, int]:
    """(channels, height, width) of an image file, read from its header without decoding
    the pixels: 1 for grayscale (a palette of grays included), 3 for colour. A file that is
    no image, or one over `MAX_PIXELS`, raises a DataError naming it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            channels = image_channels(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise DataError(f"{path} is not a readable image ({error})") from None
    if width * height > MAX_PIXELS:
        raise DataError(
            f"{path} is {width} x {height} pixels, more than {MAX_PIXELS:,}; scale it down first"
        )
    return channels, height, width


def image_channels(image) -> int:
    """1 for a grayscale PIL image (a palette of grays included), 3 for colour."""
    gray = image.mode in GRAY_MODES or (image.mode == "P" and _gray_palette(image))
    return 1 if gray else 3


def _gray_palette(image) -> bool:
    palette = np.asarray(image.getpalette() or [0, 0, 0]).reshape(-1, 3)
    return bool((palette == palette[:, :1]).all())


def read_image(
    path: Path, channels: int | None = None, size: tuple[int, int] | None = None
) -> np.ndarray:
    """An image file as (channels, height, width) uint8 pixels: grayscale for 1 channel,
    RGB for 3 (alpha dropped, as torchvision's loader does), the image's own (`None`: 1 if
    it is gray, else 3) otherwise; resized bilinearly to `size` (height, width) when it has
    another. A file that cannot be decoded, or one over `MAX_PIXELS`, raises a DataError
    naming it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DataError(f"{path} is {width} x {height} pixels, more than {MAX_PIXELS:,}")
            return image_pixels(image, channels or image_channels(image), size)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as error:
        raise DataError(f"{path} is not a readable image ({error})") from None


def image_pixels(image, channels: int, size: tuple[int, int] | None = None) -> np.ndarray:
    """A PIL image as (channels, height, width) uint8 pixels (see `read_image`)."""
    from PIL import Image

    mode = "L" if channels == 1 else "RGB"
    converted = image if image.mode == mode else image.convert(mode)
    if size is not None and converted.size != (size[1], size[0]):
        converted = converted.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    pixels = np.array(converted, dtype=np.uint8)  # a writable copy (torch.from_numpy's wish)
    return pixels[None] if channels == 1 else np.ascontiguousarray(pixels.transpose(2, 0, 1))


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
