"""The Python forecasting API: `zoo.forecasting.Forecaster`, DataFrames in and out."""

import subprocess
import sys
from functools import partial

import numpy as np
import pandas as pd
import pytest

import zoo
from zoo.forecasting import Forecaster, season_length_for

TINY = [
    "trainer.max_epochs=2",
    "data.epoch_windows=256",
    "model.hidden_size=8",
    "model.ensemble_size=1",
    "logger=none",
]


def seasonal_panel(count=5, length=72, freq="MS", seed=0, start="2000-01-01"):
    """Positive monthly series: a level, a season of 12 and noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=length, freq=freq)
    t = np.arange(length)
    return pd.concat(
        pd.DataFrame(
            {
                "unique_id": f"s{i}",
                "ds": dates,
                "y": 20 + 2 * i + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, length),
            }
        )
        for i in range(count)
    )


@pytest.fixture(scope="module")
def fitted():
    return Forecaster("rnn", horizon=6, overrides=TINY).fit(seasonal_panel())


def test_import_and_forecasts_from_shipped_weights_load_no_lightning_hydra_or_matplotlib():
    code = (
        "import sys, pandas as pd, numpy as np\n"
        "import zoo.forecasting as f\n"
        "df = pd.DataFrame({'unique_id': 'a', 'ds': pd.date_range('2000-01-01', periods=40,"
        " freq='MS'), 'y': 10 + np.arange(40.0)})\n"
        "out = f.Forecaster.from_weights('rnn-m3-monthly').predict(df, level=[80])\n"
        "assert list(out.columns) == ['unique_id', 'ds', 'rnn', 'rnn-lo-80', 'rnn-hi-80']\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in"
        " ('lightning', 'pytorch_lightning', 'hydra', 'matplotlib', 'torchmetrics')]\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_frequency_and_season_are_inferred_and_integer_times_must_state_them():
    assert season_length_for("MS") == 12 and season_length_for("QS-JAN") == 4
    assert season_length_for("W-SUN") == 52 and season_length_for("D") == 7
    assert season_length_for("h") == 24 and season_length_for(1, given=5) == 5
    with pytest.raises(zoo.ConfigError, match="integer times.*season_length=12"):
        season_length_for(1)
    integer = seasonal_panel(count=2).assign(ds=lambda d: d.groupby("unique_id").cumcount())
    with pytest.raises(zoo.ConfigError, match="integer times"):
        Forecaster("SeasonalNaive", horizon=3).fit(integer)
    fc = Forecaster("SeasonalNaive", horizon=3, season_length=12).fit(integer)
    assert fc.freq is None and fc.season_length == 12
    weekly = Forecaster("SeasonalNaive", horizon=3).fit(seasonal_panel(2, 120, "W-SUN"))
    assert (weekly.freq, weekly.season_length) == ("W-SUN", 52)


def test_round_trip_fit_predict_new_series_cross_validation_save_and_load(fitted, tmp_path):
    assert fitted.freq == "MS" and fitted.season_length == 12
    forecast = fitted.predict(level=[80, 95])
    assert list(forecast.columns) == [
        "unique_id", "ds", "rnn", "rnn-lo-95", "rnn-lo-80", "rnn-hi-80", "rnn-hi-95",
    ]  # fmt: skip
    assert len(forecast) == 5 * 6 and forecast.ds.iloc[0] == pd.Timestamp("2006-01-01")
    assert (forecast["rnn-lo-95"] <= forecast["rnn-lo-80"]).all()
    assert (forecast["rnn-lo-80"] <= forecast.rnn).all() and (
        forecast.rnn <= forecast["rnn-hi-80"]
    ).all()
    assert (forecast["rnn-lo-95"] > 0).all()  # positive series: bands in log space

    other = seasonal_panel(count=2, length=40, seed=7, start="2010-01-01")
    other["unique_id"] = other["unique_id"].map({"s0": "new0", "s1": "new1"})
    new = fitted.predict(other)
    assert new.unique_id.unique().tolist() == ["new0", "new1"] and list(new.columns)[2] == "rnn"
    assert new.ds.iloc[0] == pd.Timestamp("2013-05-01")

    cv = fitted.cross_validation(seasonal_panel(), n_windows=2, step_size=3, level=[80])
    assert list(cv.columns) == ["unique_id", "ds", "cutoff", "y", "rnn", "rnn-lo-80", "rnn-hi-80"]
    assert len(cv) == 5 * 2 * 6 and (cv.ds > cv.cutoff).all()

    with pytest.raises(zoo.ConfigError, match="calibrated at 80, 95"):
        fitted.predict(level=[90])

    fitted.save(tmp_path / "fc")
    assert sorted(p.name for p in (tmp_path / "fc").iterdir()) == [
        "forecaster.json", "history.parquet", "network.safetensors",
    ]  # fmt: skip
    loaded = Forecaster.load(tmp_path / "fc")
    pd.testing.assert_frame_equal(loaded.predict(level=[80, 95]), forecast)
    pd.testing.assert_frame_equal(loaded.predict(other), new)
    with pytest.raises(zoo.ConfigError, match="already holds a saved Forecaster"):
        fitted.save(tmp_path / "fc")


def test_utilsforecast_evaluates_and_plots_zoos_frames_as_they_are(fitted):
    from utilsforecast.evaluation import evaluate
    from utilsforecast.losses import mase, smape
    from utilsforecast.plotting import plot_series

    df = seasonal_panel()
    cv = fitted.cross_validation(df, n_windows=2, step_size=6, level=[80, 95])
    theta = Forecaster("Theta", horizon=6).cross_validation(df, n_windows=2, step_size=6)
    both = cv.merge(theta, on=["unique_id", "ds", "cutoff", "y"])
    scores = evaluate(
        both.drop(columns="cutoff"),
        metrics=[smape, partial(mase, seasonality=12)],
        train_df=df,
    )
    assert {"rnn", "Theta"} <= set(scores.columns) and scores[["rnn", "Theta"]].notna().all().all()
    figure = plot_series(df, fitted.predict(level=[80]), level=[80], engine="matplotlib")
    assert figure is not None


def test_the_api_trains_as_the_command_line_does(config, tmp_path):
    """Same seed, same panel: `Forecaster.fit` and `train.py model=rnn data=csv` give the
    same validation figures (the CLI's file holds a test part the API's frame leaves out)."""
    df = seasonal_panel(count=4, length=60)
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    cfg = config(
        "model=rnn", "data=csv", f"data.path={path}", "data.horizon=6", *TINY, "test=false"
    )
    cli = zoo.train(cfg)
    history = df.groupby("unique_id").head(60 - 6)  # the CLI's training part
    api = Forecaster("rnn", horizon=6, overrides=TINY).fit(history)
    for name in ("val/smape", "val/mase", "val/loss"):
        assert api.metrics[name] == pytest.approx(cli[name], rel=1e-5), name


def test_a_single_series_gets_intervals_from_rolling_windows(config):
    cfg = config(
        "model=rnn", "data=sine", "model.hidden_size=8", "trainer.max_epochs=2", "logger=none"
    )
    metrics = zoo.train(cfg)
    fc = Forecaster.from_checkpoint(f"{cfg.output_dir}/checkpoints/last.ckpt")
    assert fc.intervals is not None and fc.intervals.calibration_size == 50
    assert fc.intervals.space == "scaled"  # the sine crosses zero: standard scaling
    assert metrics["test/coverage-95"] >= metrics["test/coverage-80"]


def test_baselines_forecast_with_intervals_in_the_same_shape():
    df = seasonal_panel(count=3)
    naive = Forecaster("SeasonalNaive", horizon=12).fit(df).predict(level=[80])
    assert list(naive.columns) == ["unique_id", "ds", "SeasonalNaive", "SeasonalNaive-lo-80",
                                   "SeasonalNaive-hi-80"]  # fmt: skip
    last_season = df.groupby("unique_id").tail(12).y.to_numpy()
    assert np.allclose(naive.SeasonalNaive, last_season, rtol=1e-6)
    theta = Forecaster("Theta", horizon=6, alias="theta").fit(df).predict()
    assert list(theta.columns) == ["unique_id", "ds", "theta"]


def test_bad_input_gets_zoos_message_naming_the_fix():
    with pytest.raises(zoo.ConfigError, match="unknown forecaster 'lstm'"):
        Forecaster("lstm", horizon=3)
    with pytest.raises(zoo.ConfigError, match="horizon must be a whole number"):
        Forecaster("rnn", horizon=0)
    with pytest.raises(zoo.DataError, match="no value column 'sales'.*target_col='NAME'"):
        Forecaster("Theta", horizon=3).fit(seasonal_panel(1), target_col="sales")
    with pytest.raises(zoo.ConfigError, match="not fitted"):
        Forecaster("rnn", horizon=3).predict()
    with pytest.raises(zoo.DataError, match="expected a DataFrame"):
        Forecaster("Theta", horizon=3).fit([1, 2, 3])
