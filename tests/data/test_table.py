"""zoo.data.table: your own tables (data=table), trained with the training rows'
statistics; every bad table refused with zoo's message before training."""

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

import zoo
from zoo.data import TableData

from ..conftest import table_frame, train


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
