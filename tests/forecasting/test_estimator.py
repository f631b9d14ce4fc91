"""The Python forecasting API: `zoo.forecasting.Forecaster`, DataFrames in and out."""

import subprocess
import sys
from functools import partial

import numpy as np
import pandas as pd
import pytest

import zoo
from zoo.forecasting import RNN, AutoETS, Forecaster, SeasonalNaive, Theta
from zoo.timeseries import season_length_for

from ..conftest import shipped

TINY = {"max_epochs": 2, "epoch_windows": 256, "hidden_size": 8, "ensemble_size": 1}
TINY_OVERRIDES = [  # the same, on the command line
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
    return Forecaster([RNN(**TINY)], h=6).fit(seasonal_panel())


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
        Forecaster([SeasonalNaive()], h=3).fit(integer)
    fc = Forecaster([SeasonalNaive()], h=3, season_length=12).fit(integer)
    assert fc.freq_ is None and fc.season_length_ == 12


def test_the_constructor_stores_and_fit_learns_so_refitting_on_other_data_works():
    """scikit-learn's conventions: fit(monthly).fit(weekly) starts over; what fit learnt
    ends in `_`; the constructor's own arguments never change."""
    fc = Forecaster([SeasonalNaive(), Theta()], h=3)
    assert not hasattr(fc, "freq_")
    monthly = fc.fit(seasonal_panel(2)).predict()
    assert (fc.freq_, fc.season_length_) == ("MS", 12) and fc.freq is None
    weekly = fc.fit(seasonal_panel(2, 120, "W-SUN")).predict()
    assert (fc.freq_, fc.season_length_) == ("W-SUN", 52) and fc.season_length is None
    assert (
        list(monthly.columns)
        == list(weekly.columns)
        == ["unique_id", "ds", "SeasonalNaive", "Theta"]
    )
    assert (weekly.ds.dt.dayofweek == 6).all() and (monthly.ds.dt.day == 1).all()


def test_a_fit_leaves_nothing_on_disk_unless_asked(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    fc = Forecaster([RNN(**TINY)], h=6).fit(seasonal_panel(count=2, length=48))
    left = [p.name for p in scratch.iterdir() if p.name != "torchinductor_root"]  # torch's cache
    assert left == [] and fc.networks_["rnn"].run_dir is None
    assert fc.predict().rnn.notna().all()  # the network it trained stayed in memory
    kept = Forecaster([RNN(**TINY, output_dir=tmp_path / "run")], h=6)
    kept.fit(seasonal_panel(count=2, length=48))
    assert (tmp_path / "run" / "checkpoints" / "last.ckpt").is_file()
    assert kept.networks_["rnn"].run_dir == tmp_path / "run"


def test_round_trip_fit_predict_new_series_cross_validation_save_and_load(fitted, tmp_path):
    assert fitted.freq_ == "MS" and fitted.season_length_ == 12
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
        "forecaster.json", "history.parquet", "network-0.safetensors",
    ]  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fc"]  # no staging folder left
    loaded = Forecaster.load(tmp_path / "fc")
    assert loaded.models[0].get_params() == fitted.models[0].get_params()
    pd.testing.assert_frame_equal(loaded.predict(level=[80, 95]), forecast)
    pd.testing.assert_frame_equal(loaded.predict(other), new)
    with pytest.raises(zoo.ConfigError, match="already exists"):
        fitted.save(tmp_path / "fc")


def test_several_models_one_frame_as_statsforecast_writes_it(fitted):
    df = seasonal_panel()
    both = Forecaster.fitted_with(fitted.networks_["rnn"], "MS", "rnn", [Theta(), AutoETS()])
    frame = both.predict(df, level=[80])
    assert list(frame.columns) == [
        "unique_id", "ds", "rnn", "rnn-lo-80", "rnn-hi-80",
        "Theta", "Theta-lo-80", "Theta-hi-80", "AutoETS", "AutoETS-lo-80", "AutoETS-hi-80",
    ]  # fmt: skip
    pd.testing.assert_series_equal(frame.rnn, fitted.predict(df).rnn)
    hybrid = both.predict(df, hybrid=True)
    assert np.allclose(hybrid["rnn+Theta"], (hybrid.rnn + hybrid.Theta) / 2, rtol=1e-5)


def test_utilsforecast_evaluates_and_plots_zoos_frames_as_they_are(fitted):
    from utilsforecast.evaluation import evaluate
    from utilsforecast.losses import mase, smape
    from utilsforecast.plotting import plot_series

    df = seasonal_panel()
    both = Forecaster.fitted_with(fitted.networks_["rnn"], "MS", "rnn", [Theta()])
    cv = both.cross_validation(df, n_windows=2, step_size=6, level=[80, 95])
    scores = evaluate(
        cv.drop(columns="cutoff"),
        metrics=[smape, partial(mase, seasonality=12)],
        train_df=df,
    )
    assert {"rnn", "Theta"} <= set(scores.columns) and scores[["rnn", "Theta"]].notna().all().all()
    figure = plot_series(df, fitted.predict(level=[80]), level=[80], engine="matplotlib")
    assert figure is not None


def test_the_api_trains_as_the_command_line_does(config, tmp_path):
    """Same seed, same panel: `Forecaster.fit` and `zoo train model=rnn data=csv` give the
    same validation figures (the CLI's file holds a test part the API's frame leaves out)."""
    df = seasonal_panel(count=4, length=60)
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    cfg = config(
        "model=rnn", "data=csv", f"data.path={path}", "data.horizon=6", *TINY_OVERRIDES,
        "test=false",
    )  # fmt: skip
    cli = zoo.train(cfg).metrics
    history = df.groupby("unique_id").head(60 - 6)  # the CLI's training part
    api = Forecaster([RNN(**TINY)], h=6).fit(history).networks_["rnn"].metrics
    for name in ("val/smape", "val/mase", "val/loss"):
        assert api[name] == pytest.approx(cli[name], rel=1e-5), name


def test_the_m3_recipe_trains_forking_windows_and_learns_what_seasonal_naive_misses(tmp_path):
    """RNN("rnn_m3"): the recipe's forking windows (four origins a window) over a recurrence
    of 16 of 108 values, through the Forecaster, on monthly series with a trend and a season:
    its forecasts of the held-out year's first months beat seasonal naive's, which repeat
    last year's values and so miss a year of trend."""
    df = seasonal_panel(count=8, length=78)
    df["y"] += 0.1 * df.groupby("unique_id").cumcount()  # a trend of 1.2 a year
    history, future = df.groupby("unique_id").head(72), df.groupby("unique_id").tail(6)
    rnn = RNN("rnn_m3", hidden_size=16, ensemble_size=1, max_epochs=8, epoch_windows=2048)
    cfg = rnn.config(horizon=6, season_length=12, levels=[], output_dir=tmp_path / "run")
    assert (cfg.data.origins, cfg.model.recurrent_length, cfg.data.input_length) == (4, 16, 108)
    assert cfg.data.recent_horizons == 4  # each series' latest 24 origins here
    mine = RNN("rnn_m3", recent_horizons=2).config(6, 12, [], tmp_path / "mine")
    assert mine.data.recent_horizons == 2
    unlimited = RNN("rnn_m3", recent_horizons="all", recurrent_length="all", epoch_windows="all")
    every = unlimited.config(6, 12, [], tmp_path / "every")  # "all": no limit, not the recipe's
    assert (every.data.recent_horizons, every.model.recurrent_length) == (None, None)
    assert every.data.epoch_windows is None
    assert RNN(epoch_windows="all").config(6, 12, [], tmp_path / "csv").data.epoch_windows is None
    assert RNN().config(6, 12, [], tmp_path / "csv").data.epoch_windows == 20000
    fc = Forecaster([rnn, SeasonalNaive()], h=6).fit(history)
    assert fc.networks_["rnn"].network.recurrent_length == 16
    forecast = fc.predict().merge(future, on=["unique_id", "ds"])
    rnn_error = (forecast["rnn"] - forecast["y"]).abs().mean()
    naive_error = (forecast["SeasonalNaive"] - forecast["y"]).abs().mean()
    assert naive_error > 1.0  # the year of trend it misses
    assert rnn_error < 0.6 * naive_error


def test_baselines_forecast_with_intervals_in_the_same_shape():
    df = seasonal_panel(count=3)
    naive = Forecaster([SeasonalNaive()], h=12).fit(df).predict(level=[80])
    assert list(naive.columns) == ["unique_id", "ds", "SeasonalNaive", "SeasonalNaive-lo-80",
                                   "SeasonalNaive-hi-80"]  # fmt: skip
    last_season = df.groupby("unique_id").tail(12).y.to_numpy()
    assert np.allclose(naive.SeasonalNaive, last_season, rtol=1e-6)
    theta = Forecaster([Theta(alias="theta")], h=6).fit(df).predict()
    assert list(theta.columns) == ["unique_id", "ds", "theta"]


def test_bad_input_gets_zoos_message_naming_the_fix():
    df = seasonal_panel(1)
    with pytest.raises(zoo.ConfigError, match="'lstm' is not a zoo model"):
        Forecaster(["lstm"], h=3).fit(df)
    with pytest.raises(zoo.ConfigError, match="h .* must be a whole number"):
        Forecaster([Theta()], h=0).fit(df)
    with pytest.raises(zoo.ConfigError, match="own alias; repeated: \\['Theta'\\]"):
        Forecaster([Theta(), Theta()], h=3).fit(df)
    with pytest.raises(zoo.DataError, match="no value column 'sales'.*target_col='NAME'"):
        Forecaster([Theta()], h=3).fit(df, target_col="sales")
    with pytest.raises(zoo.ConfigError, match="not fitted"):
        Forecaster([RNN()], h=3).predict()
    with pytest.raises(zoo.ConfigError, match="fit the networks first"):
        Forecaster([RNN()], h=3).cross_validation(df)
    with pytest.raises(zoo.DataError, match="expected a DataFrame"):
        Forecaster([Theta()], h=3).fit([1, 2, 3])


def test_the_shipped_forecaster_refuses_what_it_cannot_serve(tmp_path):
    shipped("rnn.m3-monthly")
    fc = zoo.Forecaster.from_weights("rnn-m3-monthly")
    months = pd.date_range("2000-01-01", periods=40, freq="MS")
    ok = pd.DataFrame({"unique_id": "ok", "ds": months, "y": 50 + np.arange(40.0)})
    zero = ok.assign(unique_id="has_zero", y=np.r_[np.ones(39), 0.0])
    with pytest.raises(zoo.DataError, match=r"1 series have values <= 0 \('has_zero'\)"):
        fc.predict(pd.concat([ok, zero]))
    weeks = ok.assign(ds=pd.date_range("2000-01-02", periods=40, freq="W-SUN"))
    with pytest.raises(zoo.ConfigError, match=r"trained on month data .* week"):
        fc.predict(weeks)
    forced = fc.predict(weeks, force_freq=True)
    assert len(forced) == 18 and forced.ds.iloc[1] - forced.ds.iloc[0] == pd.Timedelta("7D")


def test_a_refit_network_is_built_like_the_trained_one_linear_part_included(tmp_path):
    """`RNN.like` (what `cross_validation(refit=True)` retrains from a checkpoint or weights)
    keeps the network's shape, the linear part of the single-series recipe and the M3
    yearly network's drift included."""
    arguments = {"cell": "lstm", "hidden_size": 8, "recurrent_length": 4, "linear": True}
    arguments |= {"baseline": "drift"}
    rnn = RNN.like(arguments | {"input_length": 24, "horizon": 6})
    cfg = rnn.config(horizon=6, season_length=12, levels=[], output_dir=tmp_path / "run")
    model = cfg.model
    assert (model.cell, model.hidden_size, model.recurrent_length, model.linear) == (
        "lstm", 8, 4, True,
    )  # fmt: skip
    assert model.baseline == "drift"
    assert cfg.data.input_length == 24
    single = RNN("rnn_single_series").config(6, 12, [], tmp_path / "single")
    panel = RNN().config(6, 12, [], tmp_path / "panel")
    assert single.model.linear is True and panel.model.linear is False
