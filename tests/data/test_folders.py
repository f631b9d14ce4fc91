"""zoo.data.folders: your own image folders (data=images), written by the tests, trained
for a step or two; every bad folder refused with zoo's message before training."""

from pathlib import Path

import lightning as L
import numpy as np
import pytest
import torch
import yaml
from PIL import Image

import zoo
from zoo.data import ImageFolderData
from zoo.data.tensors import TrainingBatch
from zoo.models import model_arguments
from zoo.tasks import ClassificationTask

from ..conftest import CLASSES, train, write_images


def write_split_images(root: Path, rgb=False) -> Path:
    for part, count in (("train", 10), ("val", 3), ("test", 4)):
        write_images(root / part, count, ((12, 10),), rgb, seed=len(part))
    return root


def test_a_gray_split_layout_trains_the_mlp_and_the_perceptron(config, tmp_path):
    root = write_split_images(tmp_path / "parts")
    for model in ("mlp", "perceptron"):
        metrics, run = train(config, f"model={model}", "data=images", f"data.root={root}",
                             "trainer.max_epochs=1")  # fmt: skip
        assert metrics["train/acc"] > 0
        dataset = yaml.safe_load((run / "config.yaml").read_text())["dataset"]
        assert dataset["images"] == {"train": 30, "val": 9, "test": 12}  # the folders' own
        assert dataset["input_shape"] == [1, 12, 10] and dataset["layout"].startswith("class")
        hparams = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
        assert hparams["hyper_parameters"]["model_kwargs"]["in_features"] == 120


def test_a_train_folder_alone_gets_validation_and_test_parts_split_off_by_seed(tmp_path):
    write_images(tmp_path / "only" / "train", per_class=10)
    data = ImageFolderData(str(tmp_path / "only"), val_fraction=0.2, test_fraction=0.1, seed=3)
    data.setup()
    assert (len(data.train_set), len(data.val_set), len(data.test_set)) == (21, 6, 3)
    again = ImageFolderData(str(tmp_path / "only"), val_fraction=0.2, test_fraction=0.1, seed=3)
    again.setup()
    assert torch.equal(data.val_set.tensors[0], again.val_set.tensors[0])  # the seed decides
    assert torch.bincount(data.val_set.tensors[1]).tolist() == [2, 2, 2]  # stratified


def test_image_folder_data_from_python_trains_in_a_trainer_and_augments_training_only(tmp_path):
    root = write_images(tmp_path / "shapes", per_class=8, rgb=False)
    data = ImageFolderData(str(root), image_size=[10, 12], batch_size=8, augment=True)
    assert data.dims == {"in_features": 120, "num_classes": 3, "in_channels": 1}
    sizes = {k: v for k, v in data.dims.items() if k in model_arguments("cnn")}
    task = ClassificationTask("cnn", {**sizes, "channels": [4]}, **data.task_kwargs)
    trainer = L.Trainer(max_steps=2, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)  # fmt: skip
    trainer.fit(task, datamodule=data)
    assert trainer.global_step == 2
    images, labels = data.val_set.tensors
    plain = data.on_after_batch_transfer((images, labels), 0)[0]
    assert torch.equal(plain, images.float() / 255)  # validation and test: never augmented
    moved = data.on_after_batch_transfer(TrainingBatch((images, labels)), 0)[0]
    assert not torch.equal(moved, plain)


def test_an_image_folder_over_the_memory_limit_is_streamed_from_its_files(config, tmp_path):
    root = write_images(tmp_path / "shapes", per_class=6)
    data = ImageFolderData(str(root), memory_limit_mb=0.001, num_workers=1)
    data.setup()
    assert data.streamed and data.num_workers == 1 and "streamed" in data.found["held"]
    images, labels = next(iter(data.train_dataloader()))
    assert images.dtype == torch.uint8 and images.shape[1:] == (3, 16, 16)
    assert isinstance(next(iter(data.train_dataloader())), TrainingBatch)
    metrics, _ = train(config, "model=cnn", "data=images", f"data.root={root}",
                       "data.memory_limit_mb=0.001", "data.num_workers=0",
                       "model.channels=[4]", "trainer.max_epochs=1")  # fmt: skip
    assert np.isfinite(metrics["test/loss"])


def make_folder(tmp_path, case: str) -> Path:
    root = tmp_path / case.replace(" ", "_")
    if case == "empty class":
        write_images(root, per_class=2)
        (root / "zebra").mkdir()
    elif case == "single class":
        write_images(root, per_class=2)
        for name in CLASSES[1:]:
            for file in (root / name).iterdir():
                file.unlink()
            (root / name).rmdir()
    elif case == "loose images":
        write_images(root, per_class=2)
        Image.new("L", (8, 8)).save(root / "stray.png")
    elif case in ("non-image refused", "unreadable refused"):
        write_images(root, per_class=2)
        if case == "non-image refused":
            (root / "bar" / "notes.txt").write_text("not a picture")
        else:
            (root / "box" / "cut.png").write_bytes(b"\x89PNG broken")
    elif case == "no train":
        write_images(root / "val", per_class=2)
    elif case == "class unknown to train":
        write_images(root / "train", per_class=2)
        write_images(root / "test", per_class=2)
        (root / "test" / "zebra").mkdir()
        Image.new("L", (16, 16)).save(root / "test" / "zebra" / "z.png")
    elif case == "missing root":
        pass
    return root


@pytest.mark.parametrize(
    ("case", "extra", "message"),
    [
        ("empty class", [], r"class folder \S+zebra holds no images .*remove the folder"),
        ("single class", [], r"holds only the class 'bar': a classifier needs two classes"),
        ("loose images", [], r"stray.png lies directly in \S+, outside any class folder"),
        ("non-image refused", ["data.bad_files=refuse"],
         r"1 file in \S+ is not an image \(by its suffix\): \S+notes.txt\. Remove them"),
        ("unreadable refused", ["data.bad_files=refuse"],
         r"1 file in \S+ is not a readable image: \S+cut.png is not a readable image"),
        ("no train", [], r"has val/ but no train/"),
        ("class unknown to train", [], r"zebra is a class that \S+train does not have"),
        ("missing root", [], r"no image folder at \S+missing_root"),
    ],
)  # fmt: skip
def test_a_bad_image_folder_is_refused_before_training(config, tmp_path, case, extra, message):
    root = make_folder(tmp_path, case)
    with pytest.raises(zoo.DataError, match=message):
        train(config, "model=cnn", "data=images", f"data.root={root}", *extra)


def test_unreadable_and_non_image_files_are_skipped_with_a_count_by_default(tmp_path, caplog):
    root = write_images(tmp_path / "shapes", per_class=4)
    (root / "bar" / "notes.txt").write_text("not a picture")
    (root / "box" / "cut.png").write_bytes(b"\x89PNG broken")
    (root / "dot" / ".DS_Store").write_bytes(b"\0")  # hidden files: not even mentioned
    data = ImageFolderData(str(root), val_fraction=0.25, test_fraction=0.25)
    data.setup()
    assert sum(len(s) for s in (data.train_set, data.val_set, data.test_set)) == 12
    assert "skipped 1 file in" in caplog.text and "notes.txt" in caplog.text
    assert "cut.png is not a readable image" in caplog.text and "DS_Store" not in caplog.text
