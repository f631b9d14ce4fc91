"""Panels, windows without leakage, metrics, bad input, the global RNN and the forecast script."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import zoo
from zoo.data import PanelDataModule
from zoo.tasks.forecasting import PanelForecastMetrics
from zoo.timeseries import Panel, forecast_frame, forecast_panel, panel_from_frame
from zoo.timeseries.baselines import in_panel_order, seasonal_naive
from zoo.timeseries.methods import StatisticalMethod
from zoo.timeseries.metrics import (
    mase,
    panel_means,
    seasonal_naive_scale,
    smape,
)
from zoo.timeseries.windows import PanelWindows, forecast_windows

from .conftest import ROOT


def write_panel(path, series: dict[str, np.ndarray], start="2000-01-01", freq="MS"):
    """A long-format CSV (unique_id, ds, y) of `series`, all starting at `start`."""
    rows = [
        pd.DataFrame(
            {"unique_id": name, "ds": pd.date_range(start, periods=len(v), freq=freq), "y": v}
        )
        for name, v in series.items()
    ]
    pd.concat(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def two_ramps(tmp_path):
    """Series 'a' = 0..29 and 'b' = 1000, 1010, ... (18 values): lengths and scales differ."""
    return write_panel(
        tmp_path / "ramps.csv", {"a": np.arange(30.0), "b": 1000 + 10 * np.arange(18.0)}
    )


def ramp_module(path, **kwargs) -> PanelDataModule:
    options = dict(
        source="csv", path=str(path), horizon=3, input_length=6, min_input_length=2, season_length=1
    )
    return PanelDataModule(**{**options, **kwargs})


def all_batches(dataset) -> dict[str, torch.Tensor]:
    return dataset.__getitems__(list(range(len(dataset))))


def test_panel_windows_have_exact_indices_and_stop_before_validation(two_ramps):
    data = ramp_module(two_ramps)
    data.setup("fit")
    # a: 30 values = 24 training | 3 validation | 3 test; b: 18 = 12 | 3 | 3
    train = all_batches(data.train_set)
    a = train["series"] == 0
    b = train["series"] == 1
    # cutoffs 2..21 for a (inputs 2..6 values, targets end by 24), 2..9 for b
    assert int(a.sum()) == 24 - 3 - 2 + 1 and int(b.sum()) == 12 - 3 - 2 + 1
    first_a = {k: v[a][0] for k, v in train.items()}
    assert first_a["x"].tolist() == [0, 0, 0, 0, 0, 1]  # padded on the left
    assert first_a["mask"].tolist() == [False] * 4 + [True] * 2
    assert first_a["y"].tolist() == [2, 3, 4]
    last_b = {k: v[b][-1] for k, v in train.items()}
    assert last_b["x"].tolist() == [1000 + 10 * i for i in range(3, 9)]
    assert last_b["y"].tolist() == [1090, 1100, 1110]  # b's 10th-12th values
    assert train["y"][a].max() == 23 and train["y"][b].max() == 1110  # never validation
    valid = all_batches(data.val_set)
    assert valid["y"].tolist() == [[24, 25, 26], [1120, 1130, 1140]]
    assert valid["x"][0].tolist() == list(range(18, 24))


def test_the_test_part_is_only_read_for_testing(two_ramps):
    data = ramp_module(two_ramps)
    data.setup("fit")
    seen = torch.cat(
        [b["y"].flatten() for b in (all_batches(data.train_set), all_batches(data.val_set))]
        + [b["x"][b["mask"]] for b in (all_batches(data.train_set), all_batches(data.val_set))]
    )
    test_values = {27.0, 28.0, 29.0, 1150.0, 1160.0, 1170.0}
    assert not test_values & set(seen.tolist())
    assert not hasattr(data, "test_set")
    data.setup("test")
    assert set(all_batches(data.test_set)["y"].flatten().tolist()) == test_values


def test_final_fit_trains_up_to_the_test_part_and_has_no_validation(two_ramps):
    data = ramp_module(two_ramps, final_fit=True)
    data.setup("fit")
    assert all_batches(data.train_set)["y"].max() == 1140 and data.val_dataloader() == []


def test_windows_are_an_index_not_copies():
    panel = Panel.from_arrays(["s"], [np.arange(1000.0)])
    windows = PanelWindows(panel, 24, 6, torch.tensor([1]), torch.tensor([994]))
    assert len(windows) == 994
    assert windows.panel.values.data_ptr() == panel.values.data_ptr()
    assert windows[993]["y"].tolist() == [994, 995, 996, 997, 998, 999]


def test_metrics_match_hand_computed_smape_and_mase():
    truth = torch.tensor([[10.0, 20.0], [1.0, 1.0]])
    forecast = torch.tensor([[12.0, 20.0], [0.0, 3.0]])
    # series 1: sMAPE = mean(200*2/22, 0) = 9.0909; series 2: mean(200*1/1, 200*2/4) = 150
    assert smape(forecast, truth).tolist() == pytest.approx([200 / 22, 150.0])
    # histories 1,3,5,7 (lag-1 scale 2) and 4,4,4 (scale 0: MASE NaN)
    panel = Panel.from_arrays(["s1", "s2"], [[1.0, 3.0, 5.0, 7.0], [4.0, 4.0, 4.0]])
    scale = seasonal_naive_scale(panel.values, panel.indptr, 1)
    assert scale.tolist() == [2.0, 0.0]
    per_series = mase(forecast, truth, scale)
    assert per_series[0] == pytest.approx(1 / 2) and math.isnan(per_series[1])
    means = panel_means(forecast, truth, scale)
    assert means["smape"] == pytest.approx((200 / 22 + 150) / 2, rel=1e-6)
    assert means["mase"] == pytest.approx(0.5)  # the NaN series is left out
    assert means["rmse"] == pytest.approx(math.sqrt((4 + 0 + 1 + 4) / 4))


def test_panel_metrics_do_not_depend_on_batching():
    generator = torch.Generator().manual_seed(0)
    truth = torch.rand(50, 6, generator=generator) + 0.5
    forecast = truth + 0.3 * torch.randn(50, 6, generator=generator)
    scale = torch.rand(50, generator=generator) + 0.1
    whole = panel_means(forecast, truth, scale)
    metric = PanelForecastMetrics()
    for rows in torch.arange(50).split([1, 7, 30, 12]):
        metric.update(forecast[rows], truth[rows], scale[rows])
    batched = {k: float(v) for k, v in metric.compute().items()}
    assert batched == pytest.approx(whole, rel=1e-6)


def test_seasonal_scale_of_a_series_shorter_than_a_season_is_nan():
    panel = Panel.from_arrays(["short", "long"], [np.arange(5.0), np.arange(30.0)])
    scale = seasonal_naive_scale(panel.values, panel.indptr, 12)
    assert math.isnan(scale[0]) and scale[1] == 12


def test_seasonal_naive_repeats_the_last_season_or_the_last_value():
    x = torch.tensor([[1.0, 2, 3, 4, 5, 6], [0, 0, 0, 0, 7, 8]])
    mask = torch.tensor([[True] * 6, [False] * 4 + [True] * 2])
    forecast = seasonal_naive(x, mask, horizon=5, season_length=3)
    assert forecast.tolist() == [[4, 5, 6, 4, 5], [8, 8, 8, 8, 8]]


def test_seasonal_naive_matches_statsforecast():
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    rng = np.random.default_rng(0)
    series = {f"s{i}": rng.random(20 + i) for i in range(4)}
    panel = Panel.from_arrays(list(series), list(series.values()))
    windows = forecast_windows(panel, 4)
    batch = all_batches(windows)
    ours = seasonal_naive(batch["x"], batch["mask"], 7, 4)
    frame = panel.to_frame()
    theirs = StatsForecast(models=[SeasonalNaive(4)], freq=1).forecast(df=frame, h=7)
    expected = in_panel_order(theirs, "SeasonalNaive", panel.ids, 7)
    assert np.allclose(ours.numpy(), expected, atol=1e-6)


BAD_INPUTS = {
    "duplicate": ("a,1,1\na,1,2\na,2,3\n", r"repeat a \(series, time\) pair, at data rows 1, 2"),
    "text": ("a,1,1\na,2,lots\na,3,3\n", r"column 'y' .* not numeric: data row 2 .*'lots'"),
    "blank": ("a,1,1\na,2,\na,3,3\n", r"1 missing values, at data row 2; .*data.fill"),
    "inf": ("a,1,1\na,2,inf\na,3,3\n", r"'y' .* is infinite at data row 2"),
    "gap": ("a,1,1\na,2,2\na,4,4\n", r"series 'a' skips a period before its value at data row 3"),
    "single": ("a,1,1\na,2,2\nb,1,5\n", r"1 series have a single value \('b'\)"),
    "bad time": (
        "a,1,1\na,two,2\n",
        r"time column 'ds' .* holds integers but not at data row 2 \(first: 'two'\)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_long_format_input_names_the_series_and_row(tmp_path, case):
    body, message = BAD_INPUTS[case]
    path = tmp_path / "bad.csv"
    path.write_text("unique_id,ds,y\n" + body)
    with pytest.raises(zoo.DataError, match=message):
        ramp_module(path).setup("fit")


def test_mixed_frequencies_and_missing_columns_are_refused(tmp_path):
    monthly = pd.DataFrame(
        {"unique_id": "m", "ds": pd.date_range("2000-01-01", periods=5, freq="MS"), "y": 1.0}
    )
    daily = pd.DataFrame(
        {"unique_id": "d", "ds": pd.date_range("2000-01-01", periods=5, freq="D"), "y": 1.0}
    )
    with pytest.raises(
        zoo.DataError, match=r"mixes frequencies: MS \(e.g. series 'm'\), D \(e.g. series 'd'\)"
    ):
        panel_from_frame(pd.concat([monthly, daily]))
    with pytest.raises(zoo.DataError, match=r"no value column 'sales'; its columns: unique_id"):
        panel_from_frame(monthly, value_col="sales")


def test_unsorted_rows_are_sorted_and_reported(tmp_path, caplog):
    path = tmp_path / "unsorted.csv"
    path.write_text("unique_id,ds,y\na,2,20\na,1,10\na,3,30\n")
    panel = panel_from_frame(pd.read_csv(path))
    assert panel.values.tolist() == [10, 20, 30]
    assert "data row 2" in caplog.text and "sorted by time" in caplog.text


def test_blank_lines_at_the_end_are_not_values_and_gaps_can_be_filled(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("unique_id,ds,y\na,1,1\na,2,\na,3,3\na,4,4\n\n\n")
    data = ramp_module(path, horizon=1, input_length=2, fill="interpolate")
    assert data.load_history().values.tolist() == [1, 2, 3]


def test_a_single_series_is_a_panel_of_one(tmp_path):
    path = tmp_path / "one.csv"
    dates = pd.date_range("2001-01-01", periods=40, freq="MS").strftime("%Y-%m")
    pd.DataFrame({"month": dates, "units": np.arange(40.0) + 1}).to_csv(path, index=False)
    data = ramp_module(path, id_column=None, time_column="month", value_column="units")
    history = data.load_history()
    assert len(history) == 1 and len(history.series(0)) == 37
    assert list(history.times(0, 37, 2)) == [pd.Timestamp("2004-02-01"), pd.Timestamp("2004-03-01")]


def test_series_too_short_for_a_window_are_counted_and_still_forecast(tmp_path, caplog):
    path = write_panel(
        tmp_path / "short.csv", {"long": np.arange(1.0, 41), "short": [5.0, 6, 7, 8, 9, 10, 11, 12]}
    )
    data = ramp_module(path, horizon=3, input_length=6, min_input_length=4)
    data.setup("fit")  # short: 8 = 2 | 3 | 3, fewer than 4 + 3 before validation
    assert data.series_without_windows == 1 and "1 of 2 series are too short" in caplog.text
    model = zoo.create_model("rnn", horizon=3, input_length=6, min_input_length=4)
    forecasts = forecast_panel(model.eval(), Panel.from_arrays(["tiny"], [[5.0, 6.0]]))
    assert forecasts.tolist() == [[6.0, 6.0, 6.0]]  # fewer than 4 values: seasonal naive


def sine_panel(path, count: int = 24, length: int = 120):
    """Sines of period 12 with different levels (1 to 1000), phases, trends and noise:
    seasonal naive misses the trend, which a model of the whole panel can learn. Twenty or
    more series, so that the conformal intervals have enough validation forecasts."""
    rng = np.random.default_rng(0)
    series = {}
    for i in range(count):
        level = 10 ** rng.uniform(0, 3)
        t = np.arange(length)
        shape = 1 + 0.3 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi))
        trend = np.exp(rng.choice([-1, 1]) * rng.uniform(0.005, 0.015) * t)
        noise = 1 + 0.005 * rng.standard_normal(length)
        series[f"s{i}"] = level * shape * trend * noise
    return write_panel(path, series)


def test_a_global_rnn_beats_seasonal_naive_on_a_panel_of_sines(config, tmp_path):
    path = sine_panel(tmp_path / "sines.csv")
    cfg = config(
        "model=rnn",
        "data=csv",
        f"data.path={path}",
        "data.horizon=12",
        "data.season_length=12",
        "data.input_length=24",
        "model.hidden_size=32",
        "model.num_layers=1",
        "trainer.max_epochs=15",
        "data.epoch_windows=null",  # the rnn_csv recipe's epoch size and ensemble: too slow
        "model.ensemble_size=1",
        "callbacks.early_stopping.patience=15",
        "data.batch_size=32",
        "task.lr=0.005",
    )
    metrics = zoo.train(cfg).metrics
    data = PanelDataModule(source="csv", path=str(path), horizon=12, season_length=12)
    history, truth = data.load_history(), data.load_test_part()
    windows = all_batches(forecast_windows(history, 12))
    naive = panel_means(
        seasonal_naive(windows["x"], windows["mask"], 12, 12),
        truth.values.view(-1, 12),
        seasonal_naive_scale(history.values, history.indptr, 12),
    )
    assert metrics["test/smape"] < 0.7 * naive["smape"], (metrics["test/smape"], naive)
    assert metrics["test/mase"] < 0.7 * naive["mase"]

    # TensorBoard: panel metrics per validation epoch, the test figures and forecast grid
    events = EventAccumulator(f"{cfg.output_dir}/tensorboard", size_guidance={"scalars": 0})
    events.Reload()
    scalars = events.Tags()["scalars"]
    assert len(events.Scalars("val/smape")) == 15 and len(events.Scalars("val/mase")) == 15
    assert {"test/smape", "test/mase", "test/coverage-80", "test/width-95"} <= set(scalars)
    assert "test/forecasts" in events.Tags()["images"]


def test_forecast_frame_is_long_format_after_each_series_end():
    panel = Panel.from_arrays(["a", "b"], [[1.0, 2, 3], [5.0, 6]], starts=[0, 10])
    frame = forecast_frame(panel, {"rnn": torch.tensor([[4.0, 5.0], [7.0, 8.0]])})
    assert frame.to_dict("list") == {
        "unique_id": ["a", "a", "b", "b"],
        "ds": [3, 4, 12, 13],
        "rnn": [4.0, 5.0, 7.0, 8.0],
    }


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_cell_type_learns_the_sine(config, cell):
    cfg = config(
        "model=rnn",
        "data=sine",
        f"model.cell={cell}",
        "model.hidden_size=16",
        "model.num_layers=1",
        "logger=none",
        "trainer.max_epochs=5",
        "data.batch_size=16",
        "task.lr=0.01",
        "test=false",
    )
    metrics = zoo.train(cfg).metrics
    data = PanelDataModule(source="sine", horizon=10, input_length=50, season_length=25)
    data.setup("fit")
    valid = all_batches(data.val_set)
    naive_mae = (valid["y"] - valid["x"][:, -1:]).abs().mean().item()  # the last value repeated
    assert metrics["val/mae"] < 0.5 * naive_mae, (metrics["val/mae"], naive_mae)


def test_forecast_script_writes_long_format_and_plots_without_overwriting(config, tmp_path):
    path = sine_panel(tmp_path / "sines.csv", count=4, length=60)
    cfg = config(
        "model=rnn",
        "data=csv",
        f"data.path={path}",
        "data.horizon=6",
        "data.season_length=12",
        "model.hidden_size=8",
        "model.num_layers=1",
        "trainer.max_epochs=1",
        "data.epoch_windows=null",
        "model.ensemble_size=1",
        "logger=none",
        "test=false",
    )
    zoo.train(cfg)
    out = tmp_path / "out" / "forecasts.csv"
    command = [
        sys.executable,
        str(ROOT / "scripts" / "forecast.py"),
        f"{cfg.output_dir}/checkpoints/last.ckpt",
        str(path),
        "--out",
        str(out),
        "--plot",
        "s1",
        "s3",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(out)
    # four series: too few validation forecasts, so the intervals come from rolling windows
    levels = ["rnn-lo-95", "rnn-lo-80", "rnn-hi-80", "rnn-hi-95"]
    assert list(written.columns) == ["unique_id", "ds", "rnn", *levels]
    assert len(written) == 4 * 6 and written["ds"].iloc[0] == "2005-01-01"
    assert out.with_suffix(".png").stat().st_size > 5_000
    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "exists" in again.stderr  # nothing overwritten

    hybrid_out = tmp_path / "hybrid.csv"
    command[command.index(str(out))] = str(hybrid_out)
    result = subprocess.run([*command, "--hybrid"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "RNN + Theta hybrid" in result.stdout, result.stderr
    panel = PanelDataModule(source="csv", path=str(path), horizon=6).load_panel()
    theta = StatisticalMethod("Theta", 12)(panel, 6).reshape(-1).numpy()
    hybrid = pd.read_csv(hybrid_out)
    assert list(hybrid.columns) == ["unique_id", "ds", "rnn", "rnn+Theta"]  # no intervals: --help
    assert np.allclose(hybrid["rnn+Theta"], (written.rnn + theta) / 2, rtol=1e-5, atol=1e-4)


def test_deseasonalising_reads_a_clear_season_and_leaves_noise_alone():
    from zoo.timeseries.scaling import seasonal_profile

    generator = torch.Generator().manual_seed(0)
    length, pattern = 48, torch.tensor([0.3, -0.2, 0.1, 0, 0, 0, 0, 0, 0, 0, 0, -0.2])
    steps = torch.arange(length)
    seasonal = pattern[(steps - length) % 12] + 0.01 * torch.randn(length, generator=generator)
    noise = 0.1 * torch.randn(length, generator=generator)
    observed = torch.ones(2, length, dtype=torch.bool)
    profile = seasonal_profile(torch.stack([seasonal, noise]), observed, 12)
    assert torch.allclose(profile[0], pattern - pattern.mean(), atol=0.02)  # phase 0 first
    assert (profile[1] == 0).all()  # no significant season: nothing removed


def test_small_panels_can_repeat_their_windows_per_epoch(two_ramps):
    data = ramp_module(two_ramps, epoch_windows=100)
    data.setup("fit")
    distinct = data.train_set.windows
    assert distinct == 20 + 8 and len(data.train_set) == round(100 / distinct) * distinct
    again = data.train_set.__getitems__([0, distinct])  # the same window twice
    assert torch.equal(again["x"][0], again["x"][1])
