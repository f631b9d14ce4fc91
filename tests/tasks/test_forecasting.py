"""zoo.tasks.forecasting: panel metrics independent of batching, a global RNN that beats
seasonal naive and logs its figures, intervals calibrated inside training."""

import numpy as np
import pandas as pd
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import zoo
from zoo.data import PanelDataModule
from zoo.forecasting import Forecaster
from zoo.tasks.forecasting import PanelForecastMetrics
from zoo.timeseries.baselines import seasonal_naive
from zoo.timeseries.metrics import (
    panel_means,
    seasonal_naive_scale,
)
from zoo.timeseries.windows import forecast_windows

from ..conftest import all_batches, sine_panel, write_panel


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
    naive = seasonal_naive_figures(path, 12, 12)
    assert metrics["test/smape"] < 0.7 * naive["smape"], (metrics["test/smape"], naive)
    assert metrics["test/mase"] < 0.7 * naive["mase"]

    # TensorBoard: panel metrics per validation epoch, the test figures and forecast grid
    events = EventAccumulator(f"{cfg.output_dir}/tensorboard", size_guidance={"scalars": 0})
    events.Reload()
    scalars = events.Tags()["scalars"]
    assert len(events.Scalars("val/smape")) == 15 and len(events.Scalars("val/mase")) == 15
    assert {"test/smape", "test/mase", "test/coverage-80", "test/width-95"} <= set(scalars)
    assert "test/forecasts" in events.Tags()["images"]


def seasonal_naive_figures(path, horizon: int, season: int) -> dict:
    """Seasonal naive's test sMAPE and MASE on the panel in `path`, by zoo's metric code."""
    data = PanelDataModule(source="csv", path=str(path), horizon=horizon, season_length=season)
    history, truth = data.load_history(), data.load_test_part()
    windows = all_batches(forecast_windows(history, season))
    return panel_means(
        seasonal_naive(windows["x"], windows["mask"], horizon, season),
        truth.values.view(-1, horizon),
        seasonal_naive_scale(history.values, history.indptr, season),
    )


def test_the_single_series_recipe_beats_seasonal_naive_on_a_seasonal_series(config, tmp_path):
    t = np.arange(180)
    rng = np.random.default_rng(0)
    y = 100 + 0.3 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.standard_normal(180)
    path = write_panel(tmp_path / "one.csv", {"one": y})
    cfg = config(  # the recipe of data=co2 and the other three statsmodels series
        "model=rnn", "data=csv", f"data.path={path}", "data.horizon=12",
        "recipe=rnn_single_series", "logger=none", "task.interval_levels=[]",
    )  # fmt: skip
    assert cfg.trainer.max_epochs == 20 and cfg.test_checkpoint == "last" and cfg.model.linear
    metrics = zoo.train(cfg).metrics
    naive = seasonal_naive_figures(path, 12, 12)  # the trend: a season's rise, every step
    assert metrics["test/mase"] < 0.7 * naive["mase"], (metrics, naive)


def test_a_network_trained_on_every_value_calibrates_on_its_shortest_series_too(config, tmp_path):
    """data.final_fit=true: a refitted network calibrates the intervals; every series with a
    training window before the calibration windows adds scores, the short ones too (they
    err differently: leaving them out narrows the intervals)."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(24):  # 12 series of 34 values, 12 of 60 (the last 6 of each: its test part)
        length = 34 if i < 12 else 60
        values = 10 + i + np.sin(np.arange(length) * np.pi / 6) + rng.normal(0, 0.1, length)
        rows += [(f"s{i}", t, v) for t, v in enumerate(values)]
    path = tmp_path / "panel.csv"
    pd.DataFrame(rows, columns=["unique_id", "ds", "y"]).to_csv(path, index=False)
    cfg = config(
        "model=rnn", "data=csv", f"data.path={path}", "data.horizon=6",
        "data.season_length=12", "data.input_length=24", "data.final_fit=true",
        "data.epoch_windows=null", "model.hidden_size=8", "model.ensemble_size=1",
        "trainer.max_epochs=1", "callbacks=none", "logger=none", "test=false",
    )  # fmt: skip
    intervals = zoo.train(cfg).task.intervals
    # three windows a series (50 scores a step over 24 series): a short series has 28 values
    # before its test part, 12 + 6 for a training window and 6 + 2 for the windows
    assert intervals is not None and intervals.calibration_size == 24 * 3


@pytest.mark.parametrize("final_fit", [False, True])
def test_the_calibrating_refit_trains_on_nothing_from_its_first_window_on(
    config, monkeypatch, final_fit
):
    """The refit that calibrates one series' intervals is given the values before its first
    rolling window only (no leakage): it trains on all of them (`data.final_fit=true`), or
    holds out their last horizon as its validation part, as the run does."""
    from zoo.runs import training

    seen, real_train, real_calibrate = {}, training.train, training.calibrate

    def spy_train(cfg, datamodule=None, **kwargs):
        if datamodule is not None and str(cfg.output_dir).endswith("calibration"):
            seen["panel"], seen["final_fit"] = datamodule.load_history(), datamodule.final_fit
        return real_train(cfg, datamodule=datamodule, **kwargs)

    def spy_calibrate(method, history, horizon, season_length, n_windows, **kwargs):
        seen["history"], seen["k"] = history, n_windows
        return real_calibrate(method, history, horizon, season_length, n_windows, **kwargs)

    monkeypatch.setattr(training, "train", spy_train)
    monkeypatch.setattr(training, "calibrate", spy_calibrate)
    cfg = config(
        "model=rnn", "data=sine", "model.hidden_size=8", "model.ensemble_size=1",
        "trainer.max_epochs=1", "logger=none", "test=false", "test_checkpoint=last",
        f"data.final_fit={str(final_fit).lower()}",
    )  # fmt: skip
    assert zoo.train(cfg).task.intervals.calibration_size == 50
    history, k, refit_panel = seen["history"], seen["k"], seen["panel"]
    first_window = int(history.lengths[0]) - (10 + k - 1)  # the first calibration cutoff
    assert (k, int(refit_panel.lengths[0])) == (50, first_window)
    assert torch.equal(refit_panel.values, history.values[:first_window])
    assert seen["final_fit"] is final_fit  # False: its last horizon is its validation part


def test_a_single_series_gets_intervals_from_rolling_windows_in_every_checkpoint(config):
    cfg = config(
        "model=rnn", "data=sine", "model.hidden_size=8", "trainer.max_epochs=2", "logger=none"
    )
    run = zoo.train(cfg)
    assert run.task.intervals is not None and run.task.intervals.calibration_size == 50
    for checkpoint in (run.output_dir / "checkpoints").glob("*.ckpt"):  # written once, with them
        intervals = Forecaster.from_checkpoint(checkpoint).networks_["rnn"].intervals
        assert intervals.calibration_size == 50 and intervals.space == "scaled"  # crosses zero
    assert run.metrics["test/coverage-95"] >= run.metrics["test/coverage-80"]
