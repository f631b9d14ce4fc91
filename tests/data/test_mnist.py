"""MNIST data module on a small MNIST the test writes itself; the CNN on synthetic digits."""

import subprocess
import sys
from types import SimpleNamespace

import lightning as L
import pytest
import torch

import zoo
from zoo.data import MNISTDataModule
from zoo.data.mnist import mnist_test_set
from zoo.data.tensors import EpochShuffle
from zoo.tasks import ClassificationTask

from ..conftest import write_small_mnist


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
    code = (  # another process, another start: the seed alone decides the split
        "from zoo.data import MNISTDataModule\n"
        f"dm = MNISTDataModule(root={str(small_mnist)!r}, val_size=100, seed=0, download=False)\n"
        "dm.setup(); print(dm.val_set.tensors[1].tolist())"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert other.returncode == 0, other.stderr
    assert other.stdout.strip() == str(val_labels(0).tolist())


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


class RecordBatches(L.Callback):
    """Inputs as the task receives them, and a test batch converted mid-training as the MNIST
    benchmark does (from `on_train_epoch_end`, while the trainer is training)."""

    def __init__(self) -> None:
        self.train: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.val: list[torch.Tensor] = []
        self.test_mid_training: list[torch.Tensor] = []

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:
        self.train.append((batch[0].clone(), batch[1].clone()))

    def on_validation_batch_start(self, trainer, module, batch, batch_idx, dataloader_idx=0):
        self.val.append(batch[0].clone())

    def on_train_epoch_end(self, trainer, module) -> None:
        images, labels = next(iter(trainer.datamodule.test_dataloader()))
        x, _ = trainer.datamodule.on_after_batch_transfer([images, labels], 0)
        self.test_mid_training.append(x)


def as_floats(images: torch.Tensor) -> torch.Tensor:
    return images.unsqueeze(1).float() / 255


def test_augmentation_changes_training_images_each_epoch_and_never_evaluation_ones(small_mnist):
    dm = MNISTDataModule(
        root=str(small_mnist), val_size=100, batch_size=500, augment=True, download=False
    )  # one batch per epoch holds every training image
    record = RecordBatches()
    trainer = L.Trainer(
        max_epochs=2,
        limit_val_batches=1,
        num_sanity_val_steps=0,
        logger=False,
        callbacks=[record],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(ClassificationTask("cnn", {"channels": [4]}), datamodule=dm)

    images, labels = dm.train_set.tensors
    augmented = []
    for epoch, (x, y) in enumerate(record.train):
        order = EpochShuffle(dm.train_set, dm.seed)
        order.set_epoch(epoch)
        index = torch.tensor(list(order))
        assert x.shape == (500, 1, 28, 28) and x.dtype == torch.float32
        assert 0 <= x.min() and x.max() <= 1
        assert torch.equal(y, labels[index])  # labels unchanged
        in_image_order = torch.empty_like(x)
        in_image_order[index] = x
        augmented.append(in_image_order)
    plain = as_floats(images)
    for x in augmented:
        moved = (x - plain).abs().flatten(1).amax(1) > 0.05
        assert moved.float().mean() > 0.9  # nearly every image shifted or rotated
    differs = (augmented[0] - augmented[1]).abs().flatten(1).amax(1) > 0.05
    assert differs.float().mean() > 0.9  # a new shift and rotation every epoch

    val_images = dm.val_set.tensors[0]
    assert all(torch.equal(x, as_floats(val_images[: len(x)])) for x in record.val)
    test_images = dm.test_set.tensors[0]
    for x in record.test_mid_training:
        assert torch.equal(x, as_floats(test_images[: len(x)]))


def test_mnist_is_held_on_the_training_device(small_mnist):
    dm = MNISTDataModule(root=str(small_mnist), val_size=100, batch_size=32, download=False)
    dm.trainer = SimpleNamespace(strategy=SimpleNamespace(root_device=torch.device("cpu")))
    dm.setup("fit")
    assert dm.train_set.tensors[0].device.type == "cpu"
    # an accelerator, faked by the meta device: the sets move once, batches are cut there
    dm.trainer = SimpleNamespace(strategy=SimpleNamespace(root_device=torch.device("meta")))
    dm.setup("fit")
    for dataset in (dm.train_set, dm.val_set, dm.test_set):
        assert all(t.device.type == "meta" for t in dataset.tensors)
    for loader in (dm.train_dataloader(), dm.test_dataloader()):
        images, labels = next(iter(loader))
        assert images.device.type == "meta" and images.shape == (32, 28, 28)


def test_the_mnist_test_set_is_the_data_modules_test_set(tmp_path):
    root = write_small_mnist(tmp_path)
    images, labels = mnist_test_set(root)
    dm = MNISTDataModule(root=str(root), val_size=100, download=False)
    dm.setup()
    assert images.shape == (200, 28, 28) and labels.dtype == dm.test_set.tensors[1].dtype
    assert all(a.equal(b) for a, b in zip((images, labels), dm.test_set.tensors, strict=True))
    (root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(zoo.DataError, match="missing MNIST file .*t10k-labels"):
        mnist_test_set(root)
