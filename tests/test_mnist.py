"""MNIST data module on a small MNIST the test writes itself; the CNN on synthetic digits."""

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import zoo
from zoo.data import MNISTDataModule


def write_idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def digit_like_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """28x28 images whose class is drawn as a bar at one of 10 places, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 60, (n, 28, 28))
    for image, label in zip(images, labels, strict=True):
        row, col = 4 + 4 * (label // 5) * 2, 3 + 5 * (label % 5)
        dy, dx = rng.integers(-1, 2, 2)  # a little jitter so it must generalise
        image[row + dy : row + dy + 8, col + dx : col + dx + 3] = 255
    return images, labels


def write_small_mnist(root):
    """Make `root` hold MNIST/raw with 600 training and 200 test digit-like images."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for split, n, seed in [("train", 600, 0), ("t10k", 200, 1)]:
        images, labels = digit_like_images(n, seed)
        write_idx(raw / f"{split}-images-idx3-ubyte", images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
    return root


@pytest.fixture
def small_mnist(tmp_path):
    return write_small_mnist(tmp_path)


def test_data_module_shapes_types_and_split(small_mnist):
    dm = MNISTDataModule(root=str(small_mnist), val_size=100, batch_size=32, download=False)
    dm.prepare_data()
    dm.setup()
    assert (len(dm.train_set), len(dm.val_set), len(dm.test_set)) == (500, 100, 200)
    images, labels = next(iter(dm.train_dataloader()))
    assert images.shape == (32, 28, 28) and images.dtype == torch.uint8
    assert labels.dtype == torch.int64 and labels.max() < 10
    x, y = dm.on_after_batch_transfer((images, labels), 0)
    assert x.shape == (32, 1, 28, 28) and x.dtype == torch.float32 and 0 <= x.min() <= x.max() <= 1


def test_split_is_deterministic_under_a_seed(small_mnist):
    def val_labels(seed):
        dm = MNISTDataModule(root=str(small_mnist), val_size=100, seed=seed, download=False)
        dm.setup()
        return dm.val_set.tensors[1]

    assert torch.equal(val_labels(0), val_labels(0))
    assert not torch.equal(val_labels(0), val_labels(1))


def test_missing_files_name_the_folder_the_files_and_the_fix(tmp_path):
    dm = MNISTDataModule(root=str(tmp_path), download=False)
    with pytest.raises(zoo.DataError) as error:
        dm.prepare_data()
    message = str(error.value)
    assert str(tmp_path / "MNIST" / "raw") in message
    for name in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        assert name in message
    assert "ZOO_DATA_ROOT" in message and "data.root=" in message


def test_truncated_file_is_reported_as_such(small_mnist):
    path = small_mnist / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-1000])
    with pytest.raises(zoo.DataError, match="corrupt or truncated"):
        MNISTDataModule(root=str(small_mnist), download=False).setup()


def test_data_root_from_the_environment(monkeypatch, small_mnist):
    monkeypatch.setenv("ZOO_DATA_ROOT", str(small_mnist))
    assert MNISTDataModule().root == small_mnist


def test_cnn_learns_synthetic_digits_and_logs_figures(config, small_mnist):
    # every tenth test label is wrong, so there are always misclassified digits to show
    _, labels = digit_like_images(200, 1)
    labels[::10] = (labels[::10] + 1) % 10
    write_idx(small_mnist / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", labels)
    cfg = config(
        "model=cnn",
        f"data.root={small_mnist}",
        "data.val_size=100",
        "data.batch_size=50",
        "model.channels=[8,16]",
        "trainer.max_epochs=6",
        "data.augment=false",
        "task.lr=0.05",
    )
    metrics = zoo.train(cfg)
    assert 0.7 <= metrics["test/acc"] <= 0.9  # chance is 0.1; at most 90% labels are right
    events = EventAccumulator(f"{cfg.output_dir}/tensorboard").Reload()
    images = events.Tags()["images"]
    assert "test/confusion_matrix" in images and "test/misclassified" in images, images
    for tag in ("train/acc", "val/acc", "test/acc", "train/loss_step", "val/loss"):
        assert tag in events.Tags()["scalars"], tag
