"""Series windows without leakage, CSV checks, RNN learning and the forecast script."""

import subprocess
import sys

import pandas as pd
import pytest
import torch
from hydra.utils import instantiate

import zoo
from zoo.data import SeriesDataModule, read_csv_series, target_windows

from .conftest import ROOT


def test_windows_on_a_ramp_have_exact_indices():
    values = torch.arange(20.0)
    inputs, targets = target_windows(
        values, input_length=4, horizon=3, targets_from=10, targets_to=16
    )
    assert inputs.tolist() == [[6, 7, 8, 9], [7, 8, 9, 10], [8, 9, 10, 11], [9, 10, 11, 12]]
    assert targets.tolist() == [[10, 11, 12], [11, 12, 13], [12, 13, 14], [13, 14, 15]]


@pytest.fixture
def ramp_csv(tmp_path):
    path = tmp_path / "ramp.csv"
    dates = pd.date_range("2000-01-01", periods=100, freq="MS")
    pd.DataFrame({"month": dates.strftime("%Y-%m-%d"), "value": range(100)}).to_csv(
        path, index=False
    )
    return path


def test_split_windows_never_see_their_own_targets_and_scaler_is_train_only(ramp_csv):
    dm = SeriesDataModule(
        source="csv",
        path=str(ramp_csv),
        column="value",
        date_column="month",
        input_length=8,
        horizon=5,
        val_size=10,
        test_size=10,
    )
    dm.setup()
    train_end, val_end = 80, 90
    assert dm.boundaries == {"train": (0, 80), "val": (80, 90), "test": (90, 100)}
    assert dm.mean == pytest.approx(39.5)  # mean of 0..79: the training period only
    assert dm.std == pytest.approx(torch.arange(80.0).std().item())
    for name, dataset, (start, end) in [
        ("train", dm.train_set, (0, train_end)),
        ("val", dm.val_set, (train_end, val_end)),
        ("test", dm.test_set, (val_end, 100)),
    ]:
        x, y = dataset.tensors
        x_index = (x * dm.std + dm.mean).round()  # values of a ramp are their positions
        y_index = (y * dm.std + dm.mean).round()
        assert (x_index.max(dim=1).values < y_index.min(dim=1).values).all(), name
        assert y_index.min() >= start and y_index.max() < end, name
    assert len(dm.test_set) == 10 - 5 + 1


def test_csv_dates_are_parsed(ramp_csv):
    series = read_csv_series(ramp_csv, "value", date_column="month")
    assert isinstance(series.index, pd.DatetimeIndex) and series.index[1] == pd.Timestamp(
        "2000-02-01"
    )


def test_csv_gaps_are_reported_by_row_or_filled(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("day,value\n1,1.0\n2,2.0\n3,\n4,4.0\n5,\n6,6.0\n")
    with pytest.raises(zoo.DataError, match=r"2 missing values, at data rows 3, 5.*data.fill"):
        read_csv_series(path, "value")
    assert read_csv_series(path, "value", fill="interpolate").tolist() == [1, 2, 3, 4, 5, 6]


def test_csv_text_is_refused_with_column_and_row(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text("day,sales\n1,10\n2,eleven\n3,12\n")
    with pytest.raises(
        zoo.DataError, match=r"column 'sales' .* not numeric: data row 2 \(line 3\)"
    ):
        read_csv_series(path, "sales")
    with pytest.raises(zoo.DataError, match="no column 'units'; its columns: day, sales"):
        read_csv_series(path, "units")


def naive_mae(dm: SeriesDataModule) -> float:
    """MAE of repeating each test window's last value: the forecast to beat."""
    x, y = dm.test_set.tensors
    return ((y - x[:, -1:]).abs().mean() * dm.std).item()


def test_rnn_learns_a_noisy_sine_far_better_than_naive(config):
    cfg = config("model=rnn", "data=sine", "logger=none")
    metrics = zoo.train(cfg)
    dm = SeriesDataModule(
        source="sine",
        options=dict(cfg.data.options),
        input_length=cfg.data.input_length,
        horizon=cfg.data.horizon,
    )
    dm.setup()
    assert metrics["test/mae"] < 0.4 * naive_mae(dm), (metrics["test/mae"], naive_mae(dm))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_cell_type_trains(config, cell):
    cfg = config(
        "model=rnn",
        "data=sine",
        f"model.cell={cell}",
        "logger=none",
        "trainer.max_epochs=6",
        "model.hidden_size=16",
        "data.batch_size=8",
    )
    metrics = zoo.train(cfg)
    dm = instantiate(cfg.data)
    dm.setup()
    x, y = dm.val_set.tensors
    naive_mse = (y - x[:, -1:]).square().mean().item()  # where the network starts
    assert metrics["val/loss"] < 0.5 * naive_mse, (metrics["val/loss"], naive_mse)


def test_forecast_script_writes_horizon_rows_and_a_plot(config, tmp_path):
    cfg = config("model=rnn", "data=sine", "trainer.max_epochs=2", "logger=none")
    zoo.train(cfg)
    checkpoint = f"{cfg.output_dir}/checkpoints/last.ckpt"
    out = tmp_path / "out" / "sine_forecast.csv"
    command = [
        sys.executable,
        str(ROOT / "scripts" / "forecast.py"),
        checkpoint,
        "--series",
        "sine",
        "--out",
        str(out),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(out)
    assert len(written) == cfg.data.horizon and list(written.columns) == ["time", "forecast"]
    assert out.with_suffix(".png").stat().st_size > 5_000
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "exists" in again.stderr  # nothing overwritten
