"""zoo.commands.predict, in this process: rows and names it cannot read are refused with
zoo's message."""

import numpy as np
import pytest
from PIL import Image

from zoo.commands import predict

from ..conftest import run_in_process, table_frame


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


def test_predict_refuses_a_wrong_name_both_sources_and_non_digit_weights(
    tmp_path, monkeypatch, capsys
):
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(tmp_path / "blank.png")
    blank = str(tmp_path / "blank.png")

    def predict(*args):
        return run_in_process("predict.py", *args, monkeypatch=monkeypatch, capsys=capsys)

    code, _, err = predict("--weights", "cnn-imagenet", blank)
    assert code == 1 and "choose one of: cnn.mnist" in err
    code, _, err = predict("--weights", "cnn-mnist", "run.ckpt", blank)
    assert code == 2 and "not both" in err
    code, _, err = predict("--weights", "mlp-primer", blank)
    assert code == 1 and "do not read digit images" in err
