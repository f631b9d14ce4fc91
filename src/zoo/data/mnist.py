"""MNIST held in memory as uint8 tensors; batches are converted and augmented on the device."""

import math
import os
from pathlib import Path

import torch

from zoo.constraints import Interval
from zoo.data.pixels import PixelImageDataModule
from zoo.data.tensors import TensorSet
from zoo.errors import DataError

DATA_ROOT_ENV = "ZOO_DATA_ROOT"
MNIST_FILES = {  # file -> shape of one item
    "train-images-idx3-ubyte": (28, 28),
    "train-labels-idx1-ubyte": (),
    "t10k-images-idx3-ubyte": (28, 28),
    "t10k-labels-idx1-ubyte": (),
}
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # of the training pixels scaled to [0, 1]


def default_data_root() -> Path:
    """Where MNIST is read (and downloaded) when no root is given.

    Returns:
        `$ZOO_DATA_ROOT`, else `$XDG_CACHE_HOME/zoo/data` (`~/.cache/zoo/data`): never
        wherever the command happens to run.
    """
    if os.environ.get(DATA_ROOT_ENV):
        return Path(os.environ[DATA_ROOT_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "zoo" / "data"


def check_idx_file(path: Path, item_shape: tuple[int, ...]) -> int:
    """Raise a DataError unless `path` is a complete IDX file of uint8 items; return the count."""
    if not path.is_file():
        raise DataError(f"missing MNIST file {path}")
    header_size = 4 + 4 * (1 + len(item_shape))
    with path.open("rb") as f:
        header = f.read(header_size)
    dims = [int.from_bytes(header[i : i + 4], "big") for i in range(4, len(header), 4)]
    magic = bytes([0, 0, 0x08, 1 + len(item_shape)])  # uint8 data, 1 + item dims
    size = path.stat().st_size
    items = dims[0] if dims else 0
    expected = header_size + items * math.prod(item_shape)
    if header[:4] != magic or dims[1:] != list(item_shape) or size != expected:
        found = f"its header promises {expected:,}" if header[:4] == magic else "no IDX header"
        raise DataError(
            f"MNIST file {path} is corrupt or truncated ({size:,} bytes, {found}); "
            "delete it so it is downloaded again, or replace it with a good copy"
        )
    return items


def missing_mnist_message(raw: Path, cause: Exception | None) -> str:
    files = "\n".join(f"  {raw / name}" for name in MNIST_FILES)
    return (
        f"MNIST is not in {raw} and could not be downloaded"
        + (f" ({type(cause).__name__}: {cause})" if cause else "")
        + f".\nExpected the four uncompressed IDX files:\n{files}\n"
        f"Point zoo at a folder holding MNIST/raw/ with data.root=/path/to/folder or "
        f"{DATA_ROOT_ENV}=/path/to/folder, or go online once so torchvision can download it."
    )


class MNISTDataModule(PixelImageDataModule):
    """MNIST: 55,000/5,000 seeded train/validation split of the training set; official test set.

    Images stay uint8 in memory (47 MB), on the accelerator when training runs on one
    (copied once, in `setup`, rather than batch by batch); each batch becomes float in
    [0, 1] with shape (B, 1, 28, 28) on the device, and training batches (only they,
    whoever converts them) are optionally augmented there with small random shifts and
    rotations. Normalisation is the task's job (`normalization`).

    Args:
        root: The folder holding `MNIST/raw/` (torchvision's layout); default
            `default_data_root()`.
        batch_size: Images per batch.
        val_size: Training images held out for validation (seeded).
        augment: Shift and rotate training images at random.
        max_shift: The largest shift, as a fraction of the image's side.
        max_degrees: The largest rotation, in degrees.
        download: Let torchvision download the files when they are missing.
        seed: Seeds the split and the batch order.
        num_workers: DataLoader worker processes.

    Raises:
        zoo.DataError: From `prepare_data`, when the files are missing (and cannot be
            downloaded) or damaged; the message names the folder and the four files.
    """

    input_shape = (1, 28, 28)
    num_classes = 10
    class_names = [str(i) for i in range(10)]
    normalization = (MNIST_MEAN, MNIST_STD)
    parameter_constraints = {  # beside its bases' (zoo.constraints)
        "root": (str, None),
        "val_size": Interval(int, 1, None),
        "download": bool,
    }

    def __init__(
        self,
        root: str | None = None,
        batch_size: int = 128,
        val_size: int = 5_000,
        augment: bool = False,
        max_shift: float = 0.1,
        max_degrees: float = 10.0,
        download: bool = True,
        seed: int = 0,
        num_workers: int = 0,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed, num_workers=num_workers)
        self.root = Path(root).expanduser() if root else default_data_root()
        self.val_size = val_size
        self.augment = augment
        self.max_shift = max_shift
        self.max_degrees = max_degrees
        self.download = download

    @property
    def raw_folder(self) -> Path:
        return self.root / "MNIST" / "raw"  # torchvision's layout

    def prepare_data(self) -> None:
        if all((self.raw_folder / name).is_file() for name in MNIST_FILES):
            return
        cause = None
        if self.download:
            from torchvision.datasets import MNIST

            try:
                MNIST(str(self.root), download=True)
                return
            except Exception as error:  # offline, mirror down, disk full...
                cause = error
        raise DataError(missing_mnist_message(self.raw_folder, cause))

    def _load(self) -> None:
        images, labels = read_mnist(self.raw_folder, "train")
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(self.seed))
        val, train = order[: self.val_size], order[self.val_size :]
        self.train_set = TensorSet(images[train], labels[train])
        self.val_set = TensorSet(images[val], labels[val])
        self.test_set = TensorSet(*read_mnist(self.raw_folder, "t10k"))


def read_mnist(raw: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The images (uint8, (N, 28, 28)) and labels (int64) of the MNIST `split` ("train" or
    "t10k") in the folder `raw` (MNIST/raw/), its two files checked first."""
    from torchvision.datasets.mnist import read_image_file, read_label_file  # slow to import

    if not raw.is_dir():
        raise DataError(missing_mnist_message(raw, None))
    images_file, labels_file = (
        raw / f"{split}-images-idx3-ubyte",
        raw / f"{split}-labels-idx1-ubyte",
    )
    images = check_idx_file(images_file, MNIST_FILES[images_file.name])
    labels = check_idx_file(labels_file, MNIST_FILES[labels_file.name])
    if images != labels:
        raise DataError(
            f"MNIST in {raw}: {images} {split} images but {labels} labels; replace the files "
            "with a good copy"
        )
    return read_image_file(str(images_file)), read_label_file(str(labels_file)).long()


def mnist_test_set(root: str | Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The official 10,000 MNIST test images (uint8, (N, 28, 28)) and labels under `root`
    (a folder holding MNIST/raw/), as the data module's test set holds them."""
    return read_mnist(Path(root).expanduser() / "MNIST" / "raw", "t10k")
