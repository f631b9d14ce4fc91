"""Your own data: image folders (data=images) and tables (data=table) that the tests write
themselves, trained for real for a step or two, round-tripped through checkpoints into
`zoo predict`, and every bad input refused with zoo's message before training."""

import subprocess
import sys
from pathlib import Path

import lightning as L
import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from PIL import Image

import zoo
from zoo.commands import predict
from zoo.data import ImageFolderData, TableData
from zoo.data.tensors import TrainingBatch
from zoo.models import model_arguments
from zoo.runs.export import ExportedNetwork
from zoo.tasks import ClassificationTask

from .conftest import CLASSES, ROOT, table_frame, write_images


def write_split_images(root: Path, rgb=False) -> Path:
    for part, count in (("train", 10), ("val", 3), ("test", 4)):
        write_images(root / part, count, ((12, 10),), rgb, seed=len(part))
    return root


def train(config, *overrides):
    """zoo.train on `overrides` (quiet, no logger): (metrics, run folder)."""
    cfg = config(*overrides, "logger=none")
    return zoo.train(cfg), Path(cfg.output_dir)


# -- image folders ------------------------------------------------------------------------------


def test_an_rgb_folder_of_two_sizes_trains_the_cnn_and_its_checkpoint_predicts(
    config, tmp_path, caplog
):
    root = write_images(tmp_path / "shapes", sizes=((16, 16), (20, 24)))
    metrics, run = train(config, "model=cnn", "data=images", f"data.root={root}",
                         "model.channels=[8,16]", "trainer.max_epochs=2")  # fmt: skip
    assert 0 <= metrics["test/acc"] <= 1 and np.isfinite(metrics["val/loss"])
    assert "2 sizes (16x16: 18, 20x24: 18); all are resized to 16x16" in caplog.text
    dataset = yaml.safe_load((run / "config.yaml").read_text())["dataset"]
    assert dataset["class_names"] == list(CLASSES) and dataset["input_shape"] == [3, 16, 16]
    assert dataset["images"] == {"train": 28, "val": 4, "test": 4}
    checkpoint = run / "checkpoints" / "last.ckpt"
    hparams = torch.load(checkpoint, weights_only=True)["hyper_parameters"]
    assert hparams["class_names"] == list(CLASSES) and len(hparams["input_mean"]) == 3
    assert hparams["input_format"] == {"kind": "images", "channels": 3, "size": [16, 16]}

    files = sorted((root / "box").glob("*.png"))[:5]
    out = tmp_path / "predictions.csv"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "predict.py"), str(checkpoint), *map(str, files),
         "--csv", str(out)], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(out)
    assert list(written.columns) == ["file", "prediction", "p_bar", "p_box", "p_dot"]
    assert np.allclose(written[["p_bar", "p_box", "p_dot"]].sum(axis=1), 1, atol=1e-3)
    task = zoo.load_task(checkpoint)
    transform = zoo.load_transforms(checkpoint)
    raw = transform.raw([str(f) for f in files])  # read as training read them
    with torch.no_grad():
        expected = task.probabilities(task(raw))
        net = zoo.load_model(checkpoint)(transform([str(f) for f in files]))
    assert torch.allclose(zoo.inputs.class_probabilities(net), expected, atol=1e-5)
    names = [CLASSES[i] for i in expected.argmax(1).tolist()]
    assert written["prediction"].tolist() == names
    assert np.allclose(written["p_box"], expected[:, 1].numpy(), atol=1e-4)
    assert result.stdout.splitlines()[0].startswith(f"{files[0]}: {names[0]} (")


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


def test_the_train_command_prints_zoos_message_for_a_bad_folder_and_no_traceback(tmp_path):
    root = make_folder(tmp_path, "empty class")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "model=cnn", "data=images",
         f"data.root={root}", f"hydra.run.dir={tmp_path / 'run'}", "logger=none"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "error: class folder" in result.stderr and "zebra holds no images" in result.stderr


# -- tables -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def table_runs(tmp_path_factory):
    """{model: (metrics, run folder)} for the MLP and the perceptron on a written CSV."""
    from .conftest import compose_config

    folder = tmp_path_factory.mktemp("table")
    table_frame().to_csv(folder / "items.csv", index=False)
    runs = {}
    for model in ("mlp", "perceptron"):
        out = folder / model
        cfg = compose_config(f"model={model}", "data=table", f"data.path={folder / 'items.csv'}",
                             "data.target=kind", "data.drop=[id]", "trainer.max_epochs=3",
                             "logger=none",
                             output_dir=out)  # fmt: skip
        runs[model] = (zoo.train(cfg), out)
    return folder, runs


def test_a_table_trains_the_mlp_and_the_perceptron_with_the_training_rows_statistics(
    table_runs,
):
    folder, runs = table_runs
    frame = table_frame()
    for model, (metrics, run) in runs.items():
        assert metrics["train/acc"] > 0.6, model
        dataset = yaml.safe_load((run / "config.yaml").read_text())["dataset"]
        assert dataset["class_names"] == ["large", "small"]
        assert dataset["features"] == [
            "size_cm", "weight_g", "colour=blue", "colour=green", "colour=red"
        ]  # fmt: skip
        assert dataset["rows"] == {"train": 84, "val": 18, "test": 18}
        hparams = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
        hparams = hparams["hyper_parameters"]
        data = TableData(frame=frame, target="kind", drop=["id"])
        data.setup()
        train_rows = data.train_set.tensors[0]
        assert np.allclose(hparams["input_mean"][:2], train_rows[:, :2].double().mean(0))
        assert hparams["input_mean"][2:] == [0.0] * 3 and hparams["input_std"][2:] == [1.0] * 3
        assert abs(hparams["input_mean"][0] - frame.size_cm.mean()) > 1e-6  # not all rows'


def test_table_rows_round_trip_through_a_checkpoint_into_predict(table_runs, tmp_path):
    folder, runs = table_runs
    checkpoint = runs["mlp"][1] / "checkpoints" / "last.ckpt"
    new = table_frame(6, seed=5).drop(columns=["kind"])
    new.to_parquet(tmp_path / "new.parquet")
    out = tmp_path / "predicted.csv"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "predict.py"), str(checkpoint),
         str(tmp_path / "new.parquet"), "--csv", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(out)
    assert list(written.columns) == [*new.columns, "prediction", "p_large", "p_small"]
    task = zoo.load_task(checkpoint)
    rows = zoo.load_transforms(checkpoint).raw(new)
    with torch.no_grad():
        expected = task.probabilities(task(rows))
    assert np.allclose(written["p_small"], expected[:, 1].numpy(), atol=1e-4)
    assert written["prediction"].tolist() == [["large", "small"][i] for i in expected.argmax(1)]
    assert f"{tmp_path / 'new.parquet'} row 1: " in result.stdout

    perceptron = runs["perceptron"][1] / "checkpoints" / "last.ckpt"
    assert predict.main([str(perceptron), str(tmp_path / "new.parquet")]) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(colour=["purple", *f.colour[1:]]),
         r"row 1, column 'colour' is 'purple', a category training never saw \(it saw: blue, "
         r"green, red\)"),
        (lambda f: f.drop(columns=["weight_g"]),
         r"has no column 'weight_g'; the network reads the columns size_cm, weight_g, colour"),
        (lambda f: f.assign(size_cm=[1.0, None, *f.size_cm[2:]]),
         r"row 2, column 'size_cm' is missing"),
        (lambda f: f.assign(size_cm=["tall", *f.size_cm[1:]]),
         r"row 1, column 'size_cm' is 'tall', not a number"),
    ],
)  # fmt: skip
def test_predict_names_the_rows_it_cannot_read(table_runs, tmp_path, capsys, change, message):
    _, runs = table_runs
    checkpoint = runs["mlp"][1] / "checkpoints" / "last.ckpt"
    change(table_frame(4, seed=7)).to_csv(tmp_path / "rows.csv", index=False)
    with pytest.raises(SystemExit, match=message):
        predict.main([str(checkpoint), str(tmp_path / "rows.csv")])


def test_predict_refuses_a_network_of_plain_tensors_and_an_image_for_a_table(table_runs, tmp_path):
    _, runs = table_runs
    Image.new("L", (8, 8)).save(tmp_path / "d.png")
    checkpoint = runs["mlp"][1] / "checkpoints" / "last.ckpt"
    with pytest.raises(SystemExit, match=r"d.png is not a table \(.csv, .parquet, .pq\)"):
        predict.main([str(checkpoint), str(tmp_path / "d.png")])


def test_a_table_from_python_and_its_exported_network_take_the_same_rows(table_runs):
    _, runs = table_runs
    task = zoo.load_task(runs["mlp"][1] / "checkpoints" / "last.ckpt")
    x = zoo.load_transforms(runs["mlp"][1] / "checkpoints" / "last.ckpt").raw(table_frame(5, 9))
    with torch.no_grad():
        assert torch.allclose(ExportedNetwork(task).eval()(x), task(x), atol=1e-6)


def bad_table(case: str) -> tuple[pd.DataFrame, list[str]]:
    frame = table_frame(60)
    if case == "no target column":
        return frame.drop(columns=["kind"]), ["data.drop=[id]"]
    if case == "identifier text":
        return frame, []
    if case == "text among numbers":
        frame["weight_g"] = frame.weight_g.astype(object)
        frame.loc[6, "weight_g"] = "5 kg"
        return frame, ["data.drop=[id]"]
    if case == "missing value":
        frame.loc[9, "colour"] = None
        return frame, ["data.drop=[id]"]
    if case == "missing class":
        frame.loc[3, "kind"] = None
        return frame, ["data.drop=[id]"]
    if case == "single class":
        return frame.assign(kind="large"), ["data.drop=[id]"]
    if case == "one row per class":
        return frame.assign(kind=frame.id), ["data.drop=[id]"]
    if case == "dates":
        return frame.assign(id=pd.date_range("2020-01-01", periods=60)), []
    raise ValueError(case)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no target column", r"has no column 'kind' \(data.target\); its columns: size_cm,"),
        ("identifier text", r"column 'id' holds text with 60 different values in 60 rows "
                            r"\('item0', 'item1', 'item2', ...\): an identifier or free text"),
        ("text among numbers", r"column 'weight_g' holds numbers, but row 7 is '5 kg'"),
        ("missing value", r"1 missing values, the first in row 10, column 'colour'; fill them"),
        ("missing class", r"row 4, column 'kind'; every row needs its class"),
        ("single class", r"data.target=kind holds a single class \('large'\)"),
        ("one row per class", r"60 classes in 60 rows, most with a single row: an identifier"),
        ("dates", r"column 'id' holds dates"),
    ],
)  # fmt: skip
def test_a_bad_table_is_refused_before_training(config, tmp_path, case, message):
    frame, extra = bad_table(case)
    if case == "dates":  # Parquet keeps them dates
        path = tmp_path / "table.parquet"
        frame.to_parquet(path)
    else:
        path = tmp_path / "table.csv"
        frame.to_csv(path, index=False)
    with pytest.raises(zoo.DataError, match=message):
        train(config, "model=mlp", "data=table", f"data.path={path}", "data.target=kind", *extra)


def test_missing_values_are_filled_with_the_training_rows_figures_or_their_rows_dropped(tmp_path):
    frame = table_frame(100)
    frame.loc[[2, 50], "size_cm"] = None
    frame.loc[7, "colour"] = None
    filled = TableData(frame=frame, target="kind", drop=["id"], fill="median")
    filled.setup()
    columns = {c["name"]: c for c in filled.input_format["columns"]}
    train_rows = frame.drop(index=[2, 50, 7]).size_cm  # about: the training part's median
    assert abs(columns["size_cm"]["fill"] - train_rows.median()) < 5
    assert columns["colour"]["fill"] in ("red", "green", "blue")
    assert sum(map(len, (filled.train_set, filled.val_set, filled.test_set))) == 100
    dropped = TableData(frame=frame, target="kind", drop=["id"], fill="drop")
    dropped.setup()
    assert sum(map(len, (dropped.train_set, dropped.val_set, dropped.test_set))) == 97
