"""Your own images, in torchvision's `ImageFolder` layout: one subfolder per class.

    photos/cat/*.jpg  photos/dog/*.jpg                    split by seed (val_, test_fraction)
    photos/train/cat/...  photos/val/...  photos/test/...   the parts as given

Class names are the folder names, sorted. Every file is checked before anything trains:
an empty class folder, a single class and images lying outside class folders are refused;
unreadable files and files that are not images are skipped with a count and their names
(`bad_files="skip"`), or refused (`"refuse"`). Channels (gray or RGB) and size come from
the data; `image_size` resizes, and so does a mix of sizes (to the most common one, and
the log says so). The images are decoded once and held in memory as uint8, when they fit
in `memory_limit_mb`; otherwise they are streamed from the files by DataLoader workers.
"""

import logging
import os
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from zoo.constraints import Interval, ListOf, Options
from zoo.data.pixels import PixelImageDataModule
from zoo.data.tensors import ReadOnFirstUse, TensorSet, stratified_split
from zoo.errors import ConfigError, DataError
from zoo.images import IMAGE_SUFFIXES, image_header, image_pixels, read_image

log = logging.getLogger(__name__)

PART_FOLDERS = {"train": ("train",), "val": ("val", "valid", "validation"), "test": ("test",)}
LAYOUT_HINT = (
    "one subfolder per class (DIR/cat/*.jpg, DIR/dog/*.jpg), or DIR/train, DIR/val and "
    "DIR/test each holding class subfolders"
)
NAMED = 5  # files named in a message; the rest are counted
STATISTICS_SAMPLE = 1_000  # streamed images decoded to measure the mean and std


class ImageFiles(Dataset):
    """Image files read one at a time (by DataLoader workers) as uint8 (C, H, W) tensors."""

    def __init__(self, files: list[Path], labels: torch.Tensor, channels: int, size) -> None:
        self.files, self.labels, self.channels, self.size = files, labels, channels, size

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        pixels = read_image(self.files[index], self.channels, self.size)
        return torch.from_numpy(pixels), self.labels[index]


class ImageFolderData(ReadOnFirstUse, PixelImageDataModule):
    """Images in class folders under `root` (see the module's docstring for the layouts).

    `image_size`: an int (square) or [height, width] every image is resized to; None keeps
    the data's size (the most common one when sizes differ). `channels`: 1 (grayscale) or 3
    (RGB); None: 3 if any image has colour, else 1. Parts missing from a split layout are
    split off `train/` (stratified by class, seeded). Normalisation statistics are per
    channel, from the training images. Augmentation (`augment`) as for MNIST: training
    batches only.
    """

    parameter_constraints = {  # beside its bases' (zoo.constraints)
        "root": (str, None),  # null in a config: not given yet (the module refuses it)
        "image_size": (Interval(int, 1, None), ListOf(Interval(int, 1, None), length=2), None),
        "channels": (Options(1, 3), None),
        "bad_files": Options("skip", "refuse"),
        "memory_limit_mb": Interval(float, 0, None, closed="neither"),
        "num_workers": (Interval(int, 0, None), None),
    }

    def __init__(
        self,
        root: str,
        image_size: int | list[int] | None = None,
        channels: int | None = None,
        val_fraction: float = 0.1,
        test_fraction: float = 0.1,
        batch_size: int = 64,
        augment: bool = False,
        max_shift: float = 0.1,
        max_degrees: float = 10.0,
        bad_files: str = "skip",
        memory_limit_mb: float = 4096,
        num_workers: int | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed, num_workers=num_workers or 0)
        if not root:
            raise ConfigError(f"data=images needs data.root=DIR: {LAYOUT_HINT}")
        if bad_files not in ("skip", "refuse"):
            raise ConfigError(f"data.bad_files={bad_files!r}: choose skip or refuse")
        if channels not in (None, 1, 3):
            raise ConfigError(f"data.channels={channels!r}: choose 1 (gray), 3 (RGB) or null")
        self.root = Path(root).expanduser()
        self.image_size = _size_pair(image_size)
        self.channels = channels
        self.val_fraction, self.test_fraction = val_fraction, test_fraction
        self.augment, self.max_shift, self.max_degrees = augment, max_shift, max_degrees
        self.bad_files = bad_files
        self.memory_limit_mb = memory_limit_mb
        self.workers_asked = num_workers
        self.streamed = False
        self.found: dict = {}  # what the folder turned out to hold (the run's config.yaml)

    # -- reading the folder (ReadOnFirstUse: when a model first needs its sizes) ----------

    def _load(self) -> None:
        parts, classes, layout = self._scan()
        self.class_names, self.num_classes = classes, len(classes)
        files = [f for part in parts.values() for f, _ in part]
        megabytes = len(files) * self._sample_bytes(files) / 2**20  # an estimate
        self.streamed = megabytes > self.memory_limit_mb
        if self.streamed:  # headers only: the files are read as batches are drawn
            shapes = self._headers(files)
        else:  # decoded once, each as it is (its own channels and size)
            pixels = self._decode(files)
            shapes = {f: a.shape for f, a in pixels.items()}
        parts = {name: [(f, c) for f, c in part if f in shapes] for name, part in parts.items()}
        self._refuse_emptied_classes(parts, classes)
        channels = self.channels or max(c for c, _, _ in shapes.values())
        size = self.image_size or self._common_size(shapes)
        self.input_shape = (channels, *size)
        self.input_format = {"kind": "images", "channels": channels, "size": list(size)}
        split = self._split(parts, layout)
        megabytes = sum(len(f) for f, _ in split.values()) * channels * size[0] * size[1] / 2**20
        if self.streamed:
            self._stream(split, channels, size, megabytes)
        else:
            self._hold(split, pixels, channels, size, megabytes)
        held = "streamed from the files" if self.streamed else f"in memory, {megabytes:.1f} MB"
        self.found = {
            "root": str(self.root),
            "layout": layout,
            "class_names": classes,
            "input_shape": list(self.input_shape),
            "images": {name: len(files) for name, (files, _) in split.items()},
            "held": held,
        }

    def _sample_bytes(self, files: list[Path], count: int = 256) -> float:
        """Bytes of one image as uint8, from the headers of up to `count` files drawn by
        seed (the channels and size asked for, where asked)."""
        generator = torch.Generator().manual_seed(self.seed)
        picks = torch.randperm(len(files), generator=generator)[:count].tolist()
        shapes = [r for r in (_header_or_error(files[i]) for i in picks) if not isinstance(r, str)]
        if not shapes:
            return 0.0
        channels = self.channels or max(c for c, _, _ in shapes)
        if self.image_size:
            return channels * self.image_size[0] * self.image_size[1]
        return channels * sum(h * w for _, h, w in shapes) / len(shapes)

    def _scan(self) -> tuple[dict[str, list[tuple[Path, int]]], list[str], str]:
        """{part: [(file, class index)]} for the parts the folders give, the class names and
        the layout's description; every problem of the layout is refused here."""
        if not self.root.is_dir():
            raise DataError(f"no image folder at {self.root}: data.root=DIR holds {LAYOUT_HINT}")
        given = {
            part: self.root / name
            for part, names in PART_FOLDERS.items()
            for name in names
            if (self.root / name).is_dir()
        }
        if not given:
            folders = {"all": self.root}
        elif "train" in given:
            folders = given
        else:
            raise DataError(
                f"{self.root} has {', '.join(p.name + '/' for p in given.values())} but no "
                f"train/: the split layout needs train/ (val/ and test/ are optional)"
            )
        found = {part: self._class_folders(folder) for part, folder in folders.items()}
        first = "train" if "train" in found else "all"
        classes = sorted(found[first])
        if len(classes) < 2:
            only = f"only the class {classes[0]!r}" if classes else "no class folders"
            raise DataError(
                f"{folders[first]} holds {only}: a classifier needs two classes or more, "
                f"each a subfolder of images ({LAYOUT_HINT})"
            )
        for part, by_class in found.items():
            unknown = sorted(set(by_class) - set(classes))
            if unknown:
                raise DataError(
                    f"{folders[part] / unknown[0]} is a class that {folders[first]} does not "
                    f"have (its classes: {', '.join(classes)}); every part needs the same class "
                    "folders"
                )
        parts = {
            part: [(f, classes.index(c)) for c in sorted(by_class) for f in by_class[c]]
            for part, by_class in found.items()
        }
        layout = (
            f"class folders in {', '.join(p.name + '/' for p in folders.values())}"
            if first == "train"
            else "class folders, split by seed"
        )
        return parts, classes, layout

    def _class_folders(self, folder: Path) -> dict[str, list[Path]]:
        """{class: its image files, sorted} for the subfolders of `folder` (searched to any
        depth, as torchvision does); files that are not images are skipped or refused."""
        by_class: dict[str, list[Path]] = {}
        others: list[Path] = []
        loose = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
        if any(p.suffix.lower() in IMAGE_SUFFIXES for p in loose):
            example = next(p for p in loose if p.suffix.lower() in IMAGE_SUFFIXES)
            raise DataError(
                f"{example} lies directly in {folder}, outside any class folder: put the "
                f"images in {LAYOUT_HINT}"
            )
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            if sub.name.startswith(".") or (folder == self.root and sub.name in _part_names()):
                continue
            files = []
            for top, dirs, names in os.walk(sub, followlinks=True):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith("."):
                        continue  # .DS_Store and the like
                    path = Path(top) / name
                    (files if path.suffix.lower() in IMAGE_SUFFIXES else others).append(path)
            if not files:
                raise DataError(
                    f"class folder {sub} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}): "
                    "add some, or remove the folder"
                )
            by_class[sub.name] = files
        if others:
            self._bad(
                others,
                [],
                "not an image (by its suffix)"
                if len(others) == 1
                else "not images (by their suffix)",
            )
        return by_class

    def _headers(self, files: list[Path]) -> dict[Path, tuple[int, int, int]]:
        """(channels, height, width) of every readable file; the rest skipped or refused."""
        results = [_header_or_error(f) for f in files]  # threads were slower (the GIL)
        return self._readable(files, results)

    def _decode(self, files: list[Path]) -> dict[Path, np.ndarray]:
        """Every readable file's uint8 (C, H, W) pixels: the channels asked for (else its
        own), at `image_size` (else its own); the rest skipped or refused."""
        results = [_pixels_or_error(f, self.channels, self.image_size) for f in files]
        return self._readable(files, results)

    def _readable(self, files: list[Path], results: list) -> dict:
        """{file: result} of the files whose result is not an error message; those that
        are, skipped (logged) or refused as `bad_files` says."""
        bad = [(f, r) for f, r in zip(files, results, strict=True) if isinstance(r, str)]
        if bad:
            what = "not a readable image" if len(bad) == 1 else "not readable images"
            self._bad([f for f, _ in bad], [why for _, why in bad], what)
        return {f: r for f, r in zip(files, results, strict=True) if not isinstance(r, str)}

    def _bad(self, files: list[Path], reasons: list[str], what: str) -> None:
        """Refuse `files` (bad_files="refuse") or log that they are skipped, naming a few."""
        named = "; ".join(reasons[:NAMED] or map(str, files[:NAMED]))
        more = f" and {len(files) - NAMED} more" if len(files) > NAMED else ""
        count = f"{len(files)} file{'s' if len(files) > 1 else ''}"
        if self.bad_files == "refuse":
            raise DataError(
                f"{count} in {self.root} {'are' if len(files) > 1 else 'is'} {what}: "
                f"{named}{more}. Remove them, or skip them with data.bad_files=skip"
            )
        log.warning(
            "skipped %s in %s, %s: %s%s (data.bad_files=refuse stops instead)",
            count,
            self.root,
            what,
            named,
            more,
        )

    def _refuse_emptied_classes(self, parts: dict, classes: list[str]) -> None:
        """A class left without a readable image (every file skipped) is refused."""
        for name, part in parts.items():
            if name in ("all", "train"):
                held = {c for _, c in part}
                for index, cls in enumerate(classes):
                    if index not in held:
                        raise DataError(
                            f"class {cls!r} in {self.root} has no readable image left; add "
                            "some, or remove its folder"
                        )

    def _common_size(self, headers: dict) -> tuple[int, int]:
        sizes = Counter((h, w) for _, h, w in headers.values())
        if len(sizes) == 1:
            return next(iter(sizes))
        # the most common size; of equally common ones, the smallest
        size = min(sizes, key=lambda s: (-sizes[s], s[0] * s[1]))
        listed = ", ".join(f"{h}x{w}: {n}" for (h, w), n in sizes.most_common(4))
        log.warning(
            "images in %s have %d sizes (%s%s); all are resized to %dx%d, the most common "
            "(the smallest, if tied; data.image_size=N or [H,W] chooses another)",
            self.root,
            len(sizes),
            listed,
            ", ..." if len(sizes) > 4 else "",
            *size,
        )
        return size

    def _split(self, parts: dict, layout: str) -> dict[str, tuple[list[Path], torch.Tensor]]:
        """{train, val, test: (files, labels)}: the given parts, and the missing ones split
        off the training images (stratified by class, seeded)."""
        base = parts.get("train", parts.get("all"))
        missing = [p for p in ("val", "test") if p not in parts]
        fractions = {"val": self.val_fraction, "test": self.test_fraction}
        for part in missing:
            if not 0 < fractions[part] < 1:
                raise ConfigError(
                    f"data.{part}_fraction={fractions[part]!r}: a number between 0 and 1 "
                    f"(there is no {part}/ folder to take the {part} images from)"
                )
        taken = [fractions[p] for p in missing]
        if sum(taken) >= 1:
            raise ConfigError(
                f"data.val_fraction + data.test_fraction = {sum(taken):g} leaves no training "
                "images; make them smaller"
            )
        labels = torch.tensor([c for _, c in base])
        pieces = stratified_split(labels, (1 - sum(taken), *taken), self.seed)
        split = {"train": pieces[0], **dict(zip(missing, pieces[1:], strict=True))}
        result = {}
        for part in ("train", "val", "test"):
            if part in split:
                chosen = [base[i] for i in split[part].tolist()]
            else:
                chosen = parts[part]
            if not chosen:
                raise DataError(
                    f"{self.root}: {len(base)} images leave none for the {part} part "
                    f"(data.{part}_fraction={fractions.get(part)}); add images or raise it"
                )
            result[part] = ([f for f, _ in chosen], torch.tensor([c for _, c in chosen]))
        if missing:
            log.info(
                "%s: %s split off the training images (%s), stratified by class, seed %d",
                self.root,
                " and ".join(missing),
                ", ".join(f"{p}_fraction {fractions[p]:g}" for p in missing),
                self.seed,
            )
        return result

    def _hold(self, split: dict, pixels: dict, channels: int, size, megabytes: float) -> None:
        """The decoded images as uint8 tensors, each at the data's channels and size."""
        sets = {}
        for part, (files, labels) in split.items():
            images = torch.empty((len(files), channels, *size), dtype=torch.uint8)
            for i, path in enumerate(files):
                images[i] = torch.from_numpy(conform(pixels.pop(path), channels, size))
            sets[part] = TensorSet(images, labels)
        self.train_set, self.val_set, self.test_set = sets["train"], sets["val"], sets["test"]
        self.normalization = channel_statistics(self.train_set.tensors[0])
        log.info(
            "%s: %s images (train %d, val %d, test %d) in %d classes, %s, held in memory as "
            "uint8: %.1f MB",
            self.root,
            f"{sum(len(s) for s in sets.values()):,}",
            len(sets["train"]),
            len(sets["val"]),
            len(sets["test"]),
            self.num_classes,
            "x".join(map(str, self.input_shape)),
            megabytes,
        )

    def _stream(self, split: dict, channels: int, size, megabytes: float) -> None:
        """Read the images from their files as batches are drawn, by DataLoader workers."""
        sets = {part: ImageFiles(files, labels, channels, size) for part, (files, labels)
                in split.items()}  # fmt: skip
        self.train_set, self.val_set, self.test_set = sets["train"], sets["val"], sets["test"]
        if self.workers_asked is None:
            self.num_workers = min(4, os.cpu_count() or 1)
        generator = torch.Generator().manual_seed(self.seed)
        sample = torch.randperm(len(self.train_set), generator=generator)[:STATISTICS_SAMPLE]
        pixels = torch.stack([self.train_set[i][0] for i in sample.tolist()])
        self.normalization = channel_statistics(pixels)
        log.info(
            "%s: %.1f MB of images as uint8, over data.memory_limit_mb=%g: streamed from the "
            "files by %d DataLoader workers (data.num_workers); mean and std measured on %d "
            "training images",
            self.root,
            megabytes,
            self.memory_limit_mb,
            self.num_workers,
            len(pixels),
        )


def _part_names() -> set[str]:
    return {name for names in PART_FOLDERS.values() for name in names}


def _header_or_error(path: Path) -> tuple[int, int, int] | str:
    try:
        return image_header(path)
    except DataError as error:
        return str(error)


def _pixels_or_error(path: Path, channels, size) -> np.ndarray | str:
    try:
        return read_image(path, channels, size)
    except DataError as error:
        return str(error)


def conform(pixels: np.ndarray, channels: int, size: tuple[int, int]) -> np.ndarray:
    """Decoded (C, H, W) pixels at `channels` (gray repeated into RGB, exactly as Pillow
    converts) and `size` (resized bilinearly by Pillow, as `read_image` does)."""
    if tuple(pixels.shape[1:]) != tuple(size):
        from PIL import Image

        picture = Image.fromarray(pixels[0] if len(pixels) == 1 else pixels.transpose(1, 2, 0))
        pixels = image_pixels(picture, len(pixels), size)
    if len(pixels) == 1 and channels == 3:
        pixels = np.repeat(pixels, 3, axis=0)
    return pixels


def _size_pair(size) -> tuple[int, int] | None:
    """`image_size` as (height, width): an int is a square."""
    if size is None:
        return None
    pair = [size, size] if isinstance(size, int) else list(size)
    if len(pair) != 2 or not all(isinstance(s, int) and s >= 1 for s in pair):
        raise ConfigError(
            f"data.image_size={size!r}: a whole number >= 1 (square), [height, width], or null"
        )
    return pair[0], pair[1]


def channel_statistics(images: torch.Tensor, chunk: int = 4096) -> tuple[list[float], list[float]]:
    """Per-channel mean and std of uint8 images (N, C, H, W), scaled to [0, 1]."""
    channels = images.shape[1]
    total = torch.zeros(channels, dtype=torch.float64)
    squares = torch.zeros(channels, dtype=torch.float64)
    for part in images.split(chunk):
        x = part.double().div_(255).transpose(0, 1).reshape(channels, -1)
        total += x.sum(1)
        squares += (x * x).sum(1)
    count = images.numel() / channels
    mean = total / count
    std = (squares / count - mean**2).clamp_min(0).sqrt().clamp_min(1e-6)
    return mean.tolist(), std.tolist()
