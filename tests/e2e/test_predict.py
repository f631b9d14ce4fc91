"""`zoo predict` (scripts/predict.py) as a user runs it: digits, image folders, tables and
shipped weights, each matching the network run in this process."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import torch
import yaml
from PIL import Image

import zoo
from zoo.commands import predict
from zoo.weights import (
    get_weights,
)

from ..conftest import (
    CLASSES,
    NO_MNIST_HERE,
    ROOT,
    digit,
    digit_like_images,
    run_script,
    shipped,
    table_frame,
    train,
    write_images,
)


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


def test_predict_refuses_a_checkpoint_that_does_not_read_digits(xor_runs, tmp_path):
    Image.fromarray(digit()).save(tmp_path / "d.png")
    result = run_script(
        "predict", xor_runs["mlp"] / "checkpoints" / "last.ckpt", tmp_path / "d.png"
    )
    assert result.returncode != 0 and "not 28x28 digit images" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_predict_classifies_a_folder_in_batches_and_reports_skipped_files(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(300):
        Image.fromarray(digit()).save(folder / f"d{i:03d}.png")
    (folder / "zz.png").write_bytes(b"")
    result = run_script("predict", "--weights", "cnn-mnist", folder, "--csv", tmp_path / "p.csv")
    assert result.returncode == 0, result.stderr
    assert "skipped" in result.stderr and "zz.png" in result.stderr
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert len(rows) == 301 and len({r.split(",")[1] for r in rows[1:]}) == 1
    assert os.path.getsize(tmp_path / "p.csv") > 0


def expected_of(task, image) -> int:
    with torch.no_grad():
        x = torch.tensor(image / 255, dtype=torch.float32).view(1, 1, 28, 28)
        return int(task.predict_classes(task(x)))


def test_predict_on_png_files_matches_the_model_on_tensors(cnn_run, small_mnist_root, tmp_path):
    _, _, best = cnn_run
    images, _ = digit_like_images(200, 1)  # the test split's images
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(images[:12]):
        Image.fromarray(image.astype(np.uint8)).save(folder / f"digit{i:02d}.png")
    Image.fromarray(255 - images[12].astype(np.uint8)).resize((100, 100)).save(
        tmp_path / "paper.jpg", quality=100
    )  # dark ink on white, another size
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "predict.py"),
            str(best),
            str(folder),
            "--csv",
            str(tmp_path / "predictions.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    task = zoo.load_task(best)
    with torch.no_grad():
        expected = task(torch.tensor(images[:12] / 255, dtype=torch.float32).unsqueeze(1))
    expected = task.predict_classes(expected).tolist()
    rows = (tmp_path / "predictions.csv").read_text().splitlines()[1:]
    assert [int(row.split(",")[1]) for row in rows] == expected
    single = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "predict.py"),
            str(best),
            str(tmp_path / "paper.jpg"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert single.returncode == 0, single.stderr  # inverted and resized, classified
    from zoo.images import load_digit

    with torch.no_grad():  # the light picture, inverted and resized, is read as the digit is
        paper = task.predict_classes(task(load_digit(tmp_path / "paper.jpg").unsqueeze(0)))
    assert single.stdout.startswith(f"{tmp_path / 'paper.jpg'}: {int(paper)} (")
    assert int(paper) == expected_of(task, images[12])


def test_predict_with_weights_needs_no_checkpoint_and_no_data(tmp_path):
    weights = shipped("cnn.mnist")
    images, _ = digit_like_images(5, seed=2)
    for i, image in enumerate(images):
        Image.fromarray(image.astype(np.uint8)).save(tmp_path / f"digit{i}.png")
    result = run_script(
        "predict",
        "--weights",
        "cnn-mnist",
        tmp_path,
        "--csv",
        tmp_path / "p.csv",
        env=NO_MNIST_HERE,
    )
    assert result.returncode == 0, result.stderr
    model, transform = weights.build(), weights.transforms()
    with torch.no_grad():
        expected = model(transform(torch.tensor(images, dtype=torch.uint8))).argmax(1).tolist()
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert rows[0].startswith("file,prediction,p_0,")
    assert [int(row.split(",")[1]) for row in rows[1:]] == expected

    perceptron = run_script("predict", "--weights", "perceptron-mnist", tmp_path, env=NO_MNIST_HERE)
    if get_weights("perceptron.mnist").available:
        assert perceptron.returncode == 0 and "(score " in perceptron.stdout, perceptron.stderr
