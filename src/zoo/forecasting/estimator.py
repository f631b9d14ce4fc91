"""`Forecaster`: zoo's models over a panel, in statsforecast's and neuralforecast's shape.

    fc = Forecaster(models=[RNN(), Theta(), AutoETS(), SeasonalNaive()], h=18)
    fc.fit(train_df)                                   # unique_id, ds, y
    fc.predict(level=[80, 95])                         # unique_id, ds, rnn, rnn-lo-95, ...
    fc.cross_validation(df, n_windows=3, step_size=6)  # unique_id, ds, cutoff, y, rnn, ...
    fc.save("fc/"); Forecaster.load("fc/")
    Forecaster.from_weights("rnn-m3-monthly").predict(df)

scikit-learn's conventions: the constructor stores its arguments; `fit` reads the frame and
sets what it learned in attributes ending in `_` (`freq_`, `season_length_`, `networks_`,
`history_`); fitting again, on other data, starts over. The network trains through the same
`zoo.train` as `zoo train model=rnn data=csv`; the baselines fit each series when they
forecast. Lightning and Hydra load only when a network trains.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from zoo.errors import ConfigError, DataError
from zoo.forecasting.models import (
    MODELS,
    RNN,
    SeasonalNaive,
    TrainedNetwork,
    network_method,
)
from zoo.forecasting.saved import HISTORY as SAVED_HISTORY
from zoo.forecasting.saved import SETTINGS as SAVED_SETTINGS
from zoo.forecasting.saved import read_saved, write_saved
from zoo.timeseries.backtest import (
    Backtest,
    backtest,
    backtest_cutoffs,
    calibrate,
    calibration_windows,
)
from zoo.timeseries.frequency import check_frequency, season_length_for
from zoo.timeseries.intervals import DEFAULT_LEVELS, ConformalIntervals, check_levels
from zoo.timeseries.methods import HybridMethod, RefitMethod
from zoo.timeseries.metrics import seasonal_naive_scale
from zoo.timeseries.output import forecast_frame
from zoo.timeseries.panel import PYTHON_OPTIONS, Panel, panel_from_frame

log = logging.getLogger(__name__)
PLAIN = (str, int, float, bool, type(None))


def read_frame(
    df,
    id_col: str | None = "unique_id",
    time_col: str | None = "ds",
    target_col: str = "y",
    fill: str | None = None,
    source: str = "the frame",
) -> Panel:
    """The checked panel of a long-format frame (pandas, or anything with `to_pandas`, such
    as polars); a `Panel` passes as it is. Problems name the series and rows."""
    if isinstance(df, Panel):
        return df
    if hasattr(df, "to_pandas") and not isinstance(df, pd.DataFrame):
        df = df.to_pandas()
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a DataFrame (unique_id, ds, y), got {type(df).__name__}")
    return panel_from_frame(
        df, id_col, time_col, target_col, source, fill=fill, options=PYTHON_OPTIONS
    )


class Forecaster:
    """Several forecasting models over one panel; every frame it returns has a column per
    model (its `alias`) and, at each interval level, `<alias>-lo-<level>` and
    `<alias>-hi-<level>`.

    Args:
        models: `RNN(...)`, `SeasonalNaive()`, `Theta()`, `AutoETS()` (zoo.forecasting),
            each alias once.
        h: the number of periods forecast.
        freq: the series' pandas frequency; None infers it from `ds` at `fit`.
        season_length: None takes the frequency's usual one (monthly 12, quarterly 4, ...);
            integer times need it.
        levels: the levels (%) the networks' conformal intervals are calibrated at when they
            train (from forecasts of periods they did not train on).

    Raises:
        ConfigError: at `fit` (or a method that needs no fit), for a model or setting zoo
            cannot use, naming it.
    """

    def __init__(
        self,
        models: list,
        h: int | None = None,
        *,
        freq: str | None = None,
        season_length: int | None = None,
        levels: tuple | list = DEFAULT_LEVELS,
    ) -> None:
        self.models = models
        self.h = h
        self.freq = freq
        self.season_length = season_length
        self.levels = levels

    def __repr__(self) -> str:
        fitted = "fitted" if hasattr(self, "freq_") else "unfitted"
        return f"Forecaster(models={self.models!r}, h={self.h}, freq={self.freq!r}, {fitted})"

    # -- checks ---------------------------------------------------------------------------------

    def _check_params(self) -> None:
        models = list(self.models) if isinstance(self.models, list | tuple) else None
        if not models:
            raise ConfigError(
                "models must be a non-empty list such as [RNN(), Theta()] "
                f"(zoo.forecasting), not {self.models!r}"
            )
        for model in models:
            if not isinstance(model, RNN | SeasonalNaive):
                raise ConfigError(
                    f"{model!r} is not a zoo model; use RNN(), SeasonalNaive(), Theta() or "
                    "AutoETS() from zoo.forecasting"
                )
        aliases = [m.alias for m in models]
        repeated = sorted({a for a in aliases if aliases.count(a) > 1})
        if repeated:
            raise ConfigError(f"each model needs its own alias; repeated: {repeated}")
        if isinstance(self.h, bool) or not isinstance(self.h, int) or self.h < 1:
            raise ConfigError(
                f"h (periods to forecast) must be a whole number >= 1, not {self.h!r}"
            )
        check_levels(self.levels)

    def _check_fitted(self) -> None:
        if not hasattr(self, "freq_"):
            raise ConfigError("this Forecaster is not fitted: call fit(df) first")

    @property
    def _networks(self) -> list[RNN]:
        return [m for m in self.models if isinstance(m, RNN)]

    # -- fitting --------------------------------------------------------------------------------

    def fit(self, df, id_col="unique_id", time_col="ds", target_col="y", fill=None) -> Forecaster:
        """Learn from every value of the frame's series (the last `h` of each are the
        networks' validation part); returns self. Fitting again starts over."""
        self._check_params()
        panel = read_frame(df, id_col, time_col, target_col, fill)
        self._settle_time(panel)
        self.networks_ = {
            m.alias: m.fit(panel, self.h, self.season_length_, self.levels) for m in self._networks
        }
        self.history_ = panel
        return self

    def _settle_time(self, panel: Panel) -> None:
        """`freq_` and `season_length_` of `panel` (the constructor's when given)."""
        if self.freq is not None and panel.freq is not None:
            check_frequency(self.freq, panel.freq, "this Forecaster")
        panel.check_horizon(self.h)  # dates pandas can hold, before any training
        self.freq_ = self.freq or panel.freq
        self.season_length_ = season_length_for(panel.step, self.season_length, "the frame")
        log.info(
            "frequency %s, season length %d", self.freq_ or "integer times", self.season_length_
        )

    # -- forecasting ----------------------------------------------------------------------------

    def predict(
        self,
        df: pd.DataFrame | None = None,
        level: list | None = None,
        *,
        hybrid: bool = False,
        force_freq: bool = False,
        id_col="unique_id",
        time_col="ds",
        target_col="y",
        fill=None,
    ) -> pd.DataFrame:
        """The next `h` periods of every series: of the fitted frame, or of `df` (other
        series, or the same ones with newer values: a network reads their last values).

        Args:
            df: the series to forecast (unique_id, ds, y); None: the fitted frame.
            level: interval levels (%) to return, e.g. [80, 95]; a network's must be among
                those it was calibrated at, a baseline's are calibrated on `df`'s series.
            hybrid: add `<rnn alias>+Theta`, the mean of the network's and Theta's forecasts
                (no intervals).
            force_freq: forecast series of another frequency than the networks trained on.

        Returns:
            unique_id, ds, a column per model and its interval bounds.

        Raises:
            ConfigError: unfitted, a network without intervals asked for them, or a frame
                of another frequency.
            DataError: a frame zoo cannot read (named rows and series).
        """
        self._check_fitted()
        panel = self._panel_to_forecast(df, id_col, time_col, target_col, fill, force_freq)
        levels = check_levels(() if level is None else level)
        methods = self._methods()
        forecasts, bounds = {}, {}
        scale = seasonal_naive_scale(panel.values, panel.indptr, self.season_length_)
        for alias, method in methods.items():
            forecasts[alias] = method(panel, self.h)
            if levels:
                intervals = self._intervals(alias, method, panel, levels)
                bounds[alias] = intervals.bounds(forecasts[alias], scale)
        if hybrid:
            alias = self._hybrid_network()
            hybrid_method = HybridMethod(methods[alias], self.season_length_)
            forecasts[f"{alias}+Theta"] = hybrid_method(panel, self.h)
        return forecast_frame(panel, forecasts, bounds)

    def _panel_to_forecast(self, df, id_col, time_col, target_col, fill, force_freq) -> Panel:
        if df is None:
            if getattr(self, "history_", None) is None:
                raise ConfigError("give the series to forecast: predict(df)")
            return self.history_
        panel = read_frame(df, id_col, time_col, target_col, fill)
        for alias in self.networks_:
            check_frequency(self.freq_, panel.freq, f"the {alias} network", force_freq)
        return panel

    def _methods(self, refit: bool = False) -> dict:
        """{alias: forecasting method}: a network reused as fitted (or, with `refit`, trained
        anew on each history it is given), a baseline fitted to each history."""
        methods = {}
        for model in self.models:
            if not isinstance(model, RNN):
                methods[model.alias] = model.method(self.season_length_)
            elif refit:
                methods[model.alias] = RefitMethod(
                    lambda history, m=model: (
                        m.fit(history, self.h, self.season_length_, self.levels).network
                    )
                )
            else:
                methods[model.alias] = network_method(self.networks_[model.alias], model.alias)
        return methods

    def _hybrid_network(self) -> str:
        networks = [m.alias for m in self._networks]
        if len(networks) != 1:
            raise ConfigError(
                f"hybrid=True averages one network with Theta; this Forecaster has {networks}"
            )
        return networks[0]

    def _intervals(self, alias: str, method, panel: Panel, levels) -> ConformalIntervals:
        """The intervals at `levels`: a network's stored ones, or a baseline's calibrated on
        `panel` (values it has not forecast yet)."""
        if alias in self.networks_:
            intervals = self.networks_[alias].intervals
            if intervals is None:
                raise ConfigError(
                    f"the {alias} network has no prediction intervals (too few forecasts "
                    "to calibrate them when it trained); predict without level"
                )
            return intervals.select(levels)
        windows = max(2, calibration_windows(len(panel), self.h))
        return calibrate(method, panel, self.h, self.season_length_, windows, step=1, levels=levels)

    # -- backtests ------------------------------------------------------------------------------

    def cross_validation(
        self,
        df,
        n_windows: int = 3,
        step_size: int | None = None,
        level=None,
        refit: bool = False,
        *,
        hybrid: bool = False,
        id_col="unique_id",
        time_col="ds",
        target_col="y",
        fill=None,
    ) -> pd.DataFrame:
        """Rolling-origin forecasts of `df`: `unique_id, ds, cutoff, y`, a column per model
        and the interval columns, as statsforecast and neuralforecast write them. The frame
        of `backtest`, which says more."""
        return self.backtest(
            df, n_windows, step_size, level, refit, hybrid=hybrid, id_col=id_col,
            time_col=time_col, target_col=target_col, fill=fill,
        ).frame  # fmt: skip

    def backtest(
        self,
        df,
        n_windows: int = 3,
        step_size: int | None = None,
        level=None,
        refit: bool = False,
        *,
        hybrid: bool = False,
        progress: bool = False,
        id_col="unique_id",
        time_col="ds",
        target_col="y",
        fill=None,
    ) -> Backtest:
        """The rolling-origin backtest behind `cross_validation` and `zoo backtest`: its
        frame and a summary per model (sMAPE, MASE, each level's coverage and width).

        `n_windows` cutoffs `step_size` apart (default: h), the last ending h periods before
        each series' end; every model forecasts each series from the values before the
        cutoff alone. Networks are reused as fitted unless `refit` (a whole training per
        cutoff): cutoffs inside the data a network trained on are in-sample for it.
        Intervals, the policy: a reused network's are those it carries (none if it has
        none); a refitted network's, a baseline's and the hybrid's (with `refit` only) are
        calibrated by their own backtest on the values before the first cutoff. A model that
        cannot have intervals gets none, with a warning saying why.
        """
        panel = read_frame(df, id_col, time_col, target_col, fill)
        if not hasattr(self, "freq_"):
            if self._networks and not refit:
                raise ConfigError("fit the networks first, or pass refit=True")
            self._check_params()
            self._settle_time(panel)
            self.networks_, self.history_ = {}, None
        if step_size is not None and (
            isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1
        ):
            raise ConfigError(f"step_size must be a whole number >= 1, not {step_size!r}")
        levels = check_levels(() if level is None else level)
        step = step_size or self.h
        methods = self._methods(refit)
        if hybrid:
            alias = self._hybrid_network()
            methods[f"{alias}+Theta"] = HybridMethod(methods[alias], self.season_length_)
        intervals = {}
        if levels:
            first = backtest_cutoffs(panel.lengths, self.h, n_windows, step)[:, 0]
            before = panel.split_at(first)[0]
            for alias, method in methods.items():
                if found := self._backtest_intervals(alias, method, before, levels, refit, step):
                    intervals[alias] = found
        return backtest(
            panel, methods, self.h, self.season_length_, n_windows, step, intervals, progress
        )

    def _backtest_intervals(self, alias, method, before, levels, refit, step):
        if not refit and alias.endswith("+Theta"):
            log.warning(
                "no intervals for %s without refit: the reused network has trained on the "
                "calibration windows, so they would be too narrow",
                alias,
            )
            return None
        if not refit and alias in self.networks_:
            stored = self.networks_[alias].intervals
            if stored is None:
                log.warning("the %s network carries no intervals: none for it", alias)
                return None
            return stored.select([lv for lv in levels if lv in stored.levels] or stored.levels)
        try:
            return calibrate(method, before, self.h, self.season_length_, step=step, levels=levels)
        except ConfigError as error:
            log.warning("no intervals for %s: %s", alias, error)
            return None

    # -- files ----------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the fitted Forecaster into the new folder `path`: settings as JSON, each
        network as safetensors, the fitted series as Parquet (no pickle). All of it or
        nothing (`zoo.forecasting.saved`): a `path` that is a file or a folder holding
        anything is refused (nothing is overwritten)."""
        self._check_fitted()
        settings = {
            "models": [model_state(m) for m in self.models],
            "h": self.h,
            "freq": self.freq_,
            "season_length": self.season_length_,
            "levels": list(check_levels(self.levels)),
            "networks": {},
        }
        weights = {}
        for i, (alias, trained) in enumerate(self.networks_.items()):
            file = f"network-{i}.safetensors"
            weights[file] = trained.network.state_dict()
            settings["networks"][alias] = {
                "name": "rnn",
                "kwargs": trained.arguments,
                "file": file,
                "intervals": None if trained.intervals is None else trained.intervals.to_state(),
                "metrics": trained.metrics or {},
            }
        history = None if self.history_ is None else self.history_.to_frame()
        return write_saved(path, settings, weights, history)

    @classmethod
    def load(cls, path: str | Path) -> Forecaster:
        """A Forecaster saved by `save`: plain JSON, safetensors and Parquet are read and
        checked before anything is built (`zoo.forecasting.saved.read_saved`); every
        network is rebuilt from zoo's registry by name, never from code in the files.

        Raises:
            DataError: no saved Forecaster there, or one that is damaged or names code.
        """
        from zoo.models import build

        folder = Path(path)
        where = folder / SAVED_SETTINGS
        settings, weights, history = read_saved(folder)
        try:
            fc = cls(
                [model_from_state(m, where) for m in settings["models"]],
                settings["h"],
                freq=settings.get("freq"),
                season_length=settings.get("season_length"),
                levels=settings.get("levels") or DEFAULT_LEVELS,
            )
            fc._check_params()
        except (TypeError, ValueError) as error:
            raise DataError(f"{where} is not a saved Forecaster: {error!r}") from None
        except ConfigError as error:
            raise DataError(f"{where}: {error}") from None
        fc.freq_, fc.season_length_ = settings.get("freq"), settings.get("season_length")
        fc.networks_ = {}
        for alias, state in settings["networks"].items():
            source = str(folder / state["file"])
            network = build(state["name"], state["kwargs"], weights[alias], source=source)
            intervals = state.get("intervals")
            fc.networks_[alias] = TrainedNetwork(
                network,
                state["kwargs"],
                None if intervals is None else ConformalIntervals.from_state(intervals),
                dict(state.get("metrics") or {}),
            )
        missing = [m.alias for m in fc._networks if m.alias not in fc.networks_]
        if missing:
            raise DataError(f"{where}: no saved network for {missing}")
        fc.history_ = None
        if history is not None:
            fc.history_ = read_frame(history, source=str(folder / SAVED_HISTORY))
        return fc

    @classmethod
    def from_weights(
        cls, name: str = "rnn-m3-monthly", alias: str = "rnn", models: list | tuple = ()
    ) -> Forecaster:
        """The network shipped with zoo (`zoo.list_weights("rnn")`), ready to predict (no
        training), beside the baseline `models` if given; its card records the frequency
        and the values it can serve."""
        from zoo.models import get_weights

        weights = get_weights(name, model="rnn")
        network = weights.build()
        trained = TrainedNetwork(network, dict(weights.meta["model_kwargs"]), weights.intervals())
        return cls.fitted_with(trained, weights.meta.get("freq"), alias, models)

    @classmethod
    def from_checkpoint(
        cls, path: str | Path, alias: str = "rnn", models: list | tuple = ()
    ) -> Forecaster:
        """The network of a checkpoint written by `zoo train model=rnn ...`, with the
        intervals and frequency it recorded (read safely: tensors and plain values only),
        beside the baseline `models` if given."""
        from zoo.runs.checkpoints import network_of, read_checkpoint

        checkpoint = read_checkpoint(path)
        network = network_of(checkpoint)
        if not hasattr(network, "horizon"):
            raise ConfigError(f"{path} holds a {type(network).__name__}, not a forecasting network")
        hparams = checkpoint["hyper_parameters"]
        state = checkpoint.get("zoo_intervals")
        intervals = None if state is None else ConformalIntervals.from_state(state)
        trained = TrainedNetwork(network, dict(hparams["model_kwargs"]), intervals)
        return cls.fitted_with(trained, hparams.get("freq"), alias, models)

    @classmethod
    def fitted_with(
        cls, trained: TrainedNetwork, freq: str | None, alias: str, models: list | tuple = ()
    ) -> Forecaster:
        """A Forecaster of the trained network (as an `RNN` that would train a network like
        it again: `cross_validation(refit=True)`) and the baseline `models`."""
        if any(isinstance(m, RNN) for m in models):
            raise ConfigError("models beside a trained network are baselines: no RNN()")
        network = trained.network
        levels = trained.intervals.levels if trained.intervals else DEFAULT_LEVELS
        fc = cls([RNN.like(trained.arguments, alias), *models], network.horizon, freq=freq,
                 season_length=network.season_length, levels=levels)  # fmt: skip
        fc._check_params()
        fc.freq_, fc.season_length_ = freq, network.season_length
        fc.networks_, fc.history_ = {alias: trained}, None
        return fc


def model_state(model) -> dict:
    """A model's plain settings, as `save` writes them."""
    if isinstance(model, RNN):
        params = model.get_params() | {"output_dir": None}
        return {"model": "rnn", **{k: v for k, v in params.items() if v is not None}}
    return {"model": type(model).__name__, "alias": model.alias}


def model_from_state(state: dict, where: Path):
    """The model of `model_state`'s dict: zoo's model classes by name, plain values only."""
    state = dict(state)
    kind = state.pop("model", None)
    if kind not in MODELS:
        raise DataError(f"{where}: unknown model {kind!r}; zoo's are {', '.join(MODELS)}")
    bad = {k: v for k, v in state.items() if not isinstance(v, PLAIN)}
    if bad:
        raise DataError(f"{where}: model {kind} settings must be plain values, not {bad}")
    return MODELS[kind](**state)
