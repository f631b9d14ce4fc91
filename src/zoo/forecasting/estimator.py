"""`Forecaster`: zoo's forecasters in the shape of statsforecast and neuralforecast.

    fc = Forecaster("rnn", horizon=18).fit(train_df)      # unique_id, ds, y
    fc.predict(level=[80, 95])                            # unique_id, ds, rnn, rnn-lo-95, ...
    fc.cross_validation(df, n_windows=3, step_size=6)     # unique_id, ds, cutoff, y, rnn, ...
    fc.save("fc/"); Forecaster.load("fc/")
    Forecaster.from_weights("rnn-m3-monthly").predict(df)

The estimator is a thin object over the code the command line runs: `fit` composes the
same Hydra config as `scripts/train.py model=rnn data=csv` (recipe included; `overrides`
as on the command line) and calls the same `zoo.train`, with the frame's panel in place of
a file. Frequency and season length come from `ds` unless given. Lightning and Hydra are
imported by `fit` only: forecasting from a saved or shipped network needs neither.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import pandas as pd
import torch

from zoo.errors import ConfigError, DataError
from zoo.forecasting.backtest import backtest, backtest_cutoffs, calibrate, calibration_windows
from zoo.forecasting.forecasters import (
    BASELINES,
    HybridForecaster,
    NetworkForecaster,
    RefitForecaster,
    baseline_forecaster,
)
from zoo.forecasting.frequency import check_frequency, season_length_for
from zoo.forecasting.intervals import DEFAULT_LEVELS, ConformalIntervals, check_levels
from zoo.forecasting.metrics import seasonal_naive_scale
from zoo.forecasting.output import forecast_frame
from zoo.forecasting.panel import PYTHON_OPTIONS, Panel, panel_from_frame
from zoo.models import build, get_weights

log = logging.getLogger(__name__)
NETWORKS = ("rnn",)
SAVED_SETTINGS = "forecaster.json"
SAVED_NETWORK = "network.safetensors"
SAVED_HISTORY = "history.parquet"


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
    """One forecasting model over a panel: the global `"rnn"`, or a baseline
    (`"SeasonalNaive"`, `"Theta"`, `"AutoETS"`, fitted per series by statsforecast or zoo).

    `horizon` is the number of periods forecast; `freq` (a pandas frequency) and
    `season_length` are inferred from the dates of the frame given to `fit` when left out
    (integer times need `season_length`). `levels` are the prediction intervals' levels
    (%); the network's are calibrated when it trains (conformal, from forecasts of periods
    it did not train on), a baseline's by a backtest on the series it forecasts.
    `overrides` are Hydra overrides for the network's training, as for `scripts/train.py`
    (`["trainer.max_epochs=6", "model.hidden_size=64"]`); `output_dir` keeps its run folder
    (checkpoints, TensorBoard), a temporary one otherwise. `alias` names the output column
    (default: the model's name).
    """

    def __init__(
        self,
        model: str = "rnn",
        horizon: int | None = None,
        *,
        freq: str | None = None,
        season_length: int | None = None,
        levels=DEFAULT_LEVELS,
        overrides: list[str] | tuple[str, ...] = (),
        output_dir: str | Path | None = None,
        alias: str | None = None,
        quiet: bool = True,
    ) -> None:
        if model not in (*NETWORKS, *BASELINES):
            raise ConfigError(
                f"unknown forecaster {model!r}; choose one of: {', '.join((*NETWORKS, *BASELINES))}"
            )
        if horizon is not None and (
            isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1
        ):
            raise ConfigError(f"horizon must be a whole number >= 1, not {horizon!r}")
        self.model = model
        self.horizon = horizon
        self.freq = freq
        self.season_length = season_length
        self.levels = check_levels(levels)
        self.overrides = list(overrides)
        self.output_dir = None if output_dir is None else Path(output_dir)
        self.alias = alias or model
        self.quiet = quiet
        self.network: torch.nn.Module | None = None
        self.network_kwargs: dict | None = None  # its constructor's, to rebuild it
        self.intervals: ConformalIntervals | None = None
        self.history: Panel | None = None
        self.metrics: dict[str, float] = {}
        self.run_dir: Path | None = None

    def __repr__(self) -> str:
        state = "fitted" if self.history is not None or self.network is not None else "unfitted"
        return (
            f"Forecaster({self.model!r}, horizon={self.horizon}, freq={self.freq!r}, "
            f"season_length={self.season_length}, {state})"
        )

    # -- fitting --------------------------------------------------------------------------------

    def fit(self, df, id_col="unique_id", time_col="ds", target_col="y", fill=None) -> Forecaster:
        """Learn from every value of the frame's series (the last `horizon` of each are the
        network's validation part); returns self."""
        panel = read_frame(df, id_col, time_col, target_col, fill)
        self._settle_time(panel)
        if self.model in NETWORKS:
            self.network, self.intervals, self.metrics, self.run_dir = self._train(panel)
        self.history = panel
        return self

    def _settle_time(self, panel: Panel) -> None:
        if self.horizon is None:
            raise ConfigError("Forecaster needs horizon=N, the number of periods to forecast")
        if self.freq is not None and panel.freq is not None:
            check_frequency(self.freq, panel.freq, "this Forecaster")
        self.freq = self.freq or panel.freq
        self.season_length = season_length_for(panel.step, self.season_length, "the frame")
        log.info("frequency %s, season length %d", self.freq or "integer times", self.season_length)

    def _train(self, panel: Panel, output_dir: Path | None = None):
        """Train the network on `panel` as `scripts/train.py model=rnn data=csv` would."""
        from zoo.configs import CONF_DIR, compose_config
        from zoo.data import PanelDataModule
        from zoo.runs.training import train

        output_dir = output_dir or self.output_dir or Path(tempfile.mkdtemp(prefix="zoo-fc-"))
        overrides = [
            "model=rnn",
            "data=csv",
            f"data.horizon={self.horizon}",
            f"data.season_length={self.season_length}",
            "data.test_part=false",
            "test=false",
            f"quiet={str(self.quiet).lower()}",
            f"task.interval_levels=[{','.join(f'{x:g}' for x in self.levels)}]",
            *self.overrides,
            f"output_dir={output_dir}",
        ]
        cfg = compose_config(CONF_DIR, overrides)
        datamodule = PanelDataModule.from_config(cfg.data, panel=panel)
        metrics = train(cfg, datamodule=datamodule)
        checkpoints = output_dir / "checkpoints"
        best = sorted(checkpoints.glob("best-*.ckpt"))
        path = (
            best[-1] if best and cfg.get("test_checkpoint") == "best" else checkpoints / "last.ckpt"
        )
        network, self.network_kwargs, intervals, _ = _read_forecaster_checkpoint(path)
        return network, intervals, metrics, output_dir

    # -- forecasting ----------------------------------------------------------------------------

    def predict(
        self,
        df=None,
        level=None,
        *,
        id_col="unique_id",
        time_col="ds",
        target_col="y",
        fill=None,
        hybrid: bool = False,
        force_freq: bool = False,
    ) -> pd.DataFrame:
        """The next `horizon` periods of every series: of the fitted frame, or of `df` (other
        series, or the same ones with newer values: the network reads their last values).

        Returns `unique_id, ds, <alias>` and, at each of `level`, `<alias>-lo-<level>` and
        `<alias>-hi-<level>`. `hybrid=True` (the network only) returns the RNN + Theta
        hybrid in a column `<alias>+Theta`, without intervals. Series of another frequency
        than the network's are refused unless `force_freq`.
        """
        panel = self._panel_to_forecast(df, id_col, time_col, target_col, fill, force_freq)
        levels = check_levels(level or ())
        forecaster = self._forecaster()
        if hybrid:
            if self.network is None:
                raise ConfigError(
                    "hybrid=True averages a network with Theta: use Forecaster('rnn')"
                )
            forecast = HybridForecaster(forecaster, self.season_length)(panel, self.horizon)
            return forecast_frame(panel, {f"{self.alias}+Theta": forecast})
        forecast = forecaster(panel, self.horizon)
        bounds = {}
        if levels:
            intervals = self._intervals(forecaster, panel, levels)
            scale = seasonal_naive_scale(panel.values, panel.indptr, self.season_length)
            bounds = {self.alias: intervals.bounds(forecast, scale)}
        return forecast_frame(panel, {self.alias: forecast}, bounds)

    def _panel_to_forecast(self, df, id_col, time_col, target_col, fill, force_freq) -> Panel:
        if self.network is None and self.history is None:
            raise ConfigError("this Forecaster is not fitted: call fit(df) first")
        if df is None:
            if self.history is None:
                raise ConfigError("give the series to forecast: predict(df)")
            return self.history
        panel = read_frame(df, id_col, time_col, target_col, fill)
        if self.network is not None:
            check_frequency(self.freq, panel.freq, f"the {self.alias} network", force_freq)
        if self.season_length is None:
            self.season_length = season_length_for(panel.step, None, "the frame")
        return panel

    def forecaster(self, refit: bool = False):
        """This model as a panel forecaster (`zoo.forecasting.forecasters`): the fitted
        network reused, or with `refit` trained anew on each history it is given."""
        if refit and self.model in NETWORKS:
            folder = Path(tempfile.mkdtemp(prefix="zoo-refit-"))
            runs = iter(range(10**6))
            return RefitForecaster(
                lambda history: self._train(history, folder / f"fit{next(runs)}")[0]
            )
        return self._forecaster()

    def _forecaster(self):
        if self.network is not None:
            return NetworkForecaster(self.network, f"the {self.alias} network")
        return baseline_forecaster(self.model, self.season_length)

    def _intervals(self, forecaster, panel: Panel, levels) -> ConformalIntervals:
        """The intervals at `levels`: the network's stored ones, or a baseline's calibrated
        on `panel` (values it has not forecast yet)."""
        if self.network is not None:
            if self.intervals is None:
                raise ConfigError(
                    f"the {self.alias} network has no prediction intervals (too few forecasts "
                    "to calibrate them when it trained); predict without level"
                )
            return self.intervals.select(levels)
        # a baseline: conformal scores of its own backtest on the series it forecasts
        windows = max(2, calibration_windows(len(panel), self.horizon))
        return calibrate(
            forecaster, panel, self.horizon, self.season_length, windows, step=1, levels=levels
        )

    def cross_validation(
        self,
        df,
        n_windows: int = 3,
        step_size: int | None = None,
        level=None,
        refit: bool = False,
        *,
        id_col="unique_id",
        time_col="ds",
        target_col="y",
        fill=None,
    ) -> pd.DataFrame:
        """Rolling-origin forecasts of `df`: `unique_id, ds, cutoff, y, <alias>` and the
        interval columns, as statsforecast and neuralforecast write them.

        The network is reused as fitted unless `refit` (trained anew on each cutoff's
        history, a whole training per cutoff): cutoffs inside the data it trained on are
        in-sample for a reused network. Its intervals are those it was fitted with; a
        baseline's are calibrated on the values before the first cutoff.
        """
        panel = read_frame(df, id_col, time_col, target_col, fill)
        if self.network is None and self.model in NETWORKS and not refit:
            raise ConfigError("fit the network first, or pass refit=True")
        if self.horizon is None or self.season_length is None:
            self._settle_time(panel)
        levels = check_levels(level or ())
        step = step_size or self.horizon
        forecaster = self.forecaster(refit)
        intervals = {}
        if levels:
            if self.model in NETWORKS:
                if self.intervals is None:
                    raise ConfigError(f"the {self.alias} network has no prediction intervals")
                intervals[self.alias] = self.intervals.select(levels)
            else:
                first = backtest_cutoffs(panel.lengths, self.horizon, n_windows, step)[:, 0]
                before = panel.split_at(first)[0]
                intervals[self.alias] = self._intervals(forecaster, before, levels)
        result = backtest(
            panel,
            {self.alias: forecaster},
            self.horizon,
            self.season_length,
            n_windows,
            step,
            intervals,
        )
        return result.frame

    # -- files ----------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the fitted forecaster to folder `path` (settings as JSON, the network as
        safetensors, the fitted series as Parquet: no pickle); refuses to overwrite."""
        from safetensors.torch import save_file

        if self.network is None and self.history is None:
            raise ConfigError("nothing to save: fit the Forecaster first")
        folder = Path(path)
        if (folder / SAVED_SETTINGS).exists():
            raise ConfigError(
                f"{folder} already holds a saved Forecaster; choose another path "
                "(nothing was overwritten)"
            )
        folder.mkdir(parents=True, exist_ok=True)
        settings = {
            "model": self.model,
            "horizon": self.horizon,
            "freq": self.freq,
            "season_length": self.season_length,
            "levels": list(self.levels),
            "overrides": self.overrides,
            "alias": self.alias,
            "metrics": self.metrics,
            "intervals": None if self.intervals is None else self.intervals.to_state(),
            "network": None,
        }
        if self.network is not None:
            settings["network"] = {"name": "rnn", "kwargs": self.network_kwargs}
            state = {k: v.contiguous() for k, v in self.network.state_dict().items()}
            save_file(state, folder / SAVED_NETWORK)
        if self.history is not None:
            self.history.to_frame().to_parquet(folder / SAVED_HISTORY)
        (folder / SAVED_SETTINGS).write_text(json.dumps(settings, indent=1))
        return folder

    @classmethod
    def load(cls, path: str | Path) -> Forecaster:
        """A Forecaster saved by `save`: plain JSON, safetensors and Parquet are read; the
        network is rebuilt from zoo's registry by name, never from code in the files."""
        folder = Path(path)
        try:
            settings = json.loads((folder / SAVED_SETTINGS).read_text())
        except FileNotFoundError:
            raise DataError(f"no saved Forecaster at {folder} (no {SAVED_SETTINGS})") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise DataError(f"{folder / SAVED_SETTINGS} is not valid JSON: {error}") from None
        try:
            fc = cls(
                settings["model"],
                settings["horizon"],
                freq=settings["freq"],
                season_length=settings["season_length"],
                levels=settings["levels"],
                overrides=settings["overrides"],
                alias=settings["alias"],
            )
            fc.metrics = dict(settings.get("metrics") or {})
            if settings.get("intervals"):
                fc.intervals = ConformalIntervals.from_state(settings["intervals"])
            network = settings.get("network")
            if network is not None:
                if network.get("name") not in NETWORKS or not isinstance(
                    network.get("kwargs"), dict
                ):
                    raise DataError(
                        f"{folder / SAVED_SETTINGS}: unknown network {network.get('name')!r}"
                    )
                fc.network_kwargs = network["kwargs"]
                fc.network = _load_network(
                    network["name"], network["kwargs"], folder / SAVED_NETWORK
                )
        except (KeyError, TypeError, ValueError) as error:
            raise DataError(
                f"{folder / SAVED_SETTINGS} is not a saved Forecaster: {error}"
            ) from None
        if (folder / SAVED_HISTORY).exists():
            fc.history = read_frame(
                pd.read_parquet(folder / SAVED_HISTORY), source=str(folder / SAVED_HISTORY)
            )
        return fc

    @classmethod
    def from_weights(cls, name: str = "rnn-m3-monthly", alias: str | None = None) -> Forecaster:
        """The forecaster shipped with zoo (`zoo.list_weights("rnn")`), ready to predict:
        no training. Its card records the frequency and the values it can serve."""
        weights = get_weights(name, model="rnn")
        network, intervals = weights.build(), weights.intervals()
        fc = cls(
            "rnn",
            network.horizon,
            freq=weights.meta.get("freq"),
            season_length=network.season_length,
            levels=intervals.levels if intervals else DEFAULT_LEVELS,
            alias=alias,
        )
        fc.network, fc.intervals = network, intervals
        fc.network_kwargs = dict(weights.meta["model_kwargs"])
        fc.overrides = network_overrides(fc.network_kwargs)
        return fc

    @classmethod
    def from_checkpoint(cls, path: str | Path, alias: str | None = None) -> Forecaster:
        """The network of a checkpoint written by `scripts/train.py model=rnn ...`, with the
        intervals and frequency it recorded (read safely: tensors and plain values only)."""
        network, kwargs, intervals, freq = _read_forecaster_checkpoint(path)
        fc = cls(
            "rnn",
            network.horizon,
            freq=freq,
            season_length=network.season_length,
            levels=intervals.levels if intervals else DEFAULT_LEVELS,
            alias=alias,
        )
        fc.network, fc.network_kwargs, fc.intervals = network, kwargs, intervals
        fc.overrides = network_overrides(fc.network_kwargs)
        return fc


DATA_SIZES = ("input_length", "min_input_length")  # the data module's keys for them
DERIVED = ("horizon", "season_length", "scaling")  # set by fit from the frame


def network_overrides(kwargs: dict) -> list[str]:
    """Hydra overrides that train a network like the one of `kwargs` (a refit), from plain
    values only: nothing read from a run folder's config is instantiated."""
    overrides = []
    for key, value in kwargs.items():
        if key in DERIVED:
            continue
        group = "data" if key in DATA_SIZES else "model"
        text = str(value).lower() if isinstance(value, bool) else str(value)
        overrides.append(f"{group}.{key}={text}")
    return overrides


def _read_forecaster_checkpoint(path):
    """(network, its constructor's arguments, intervals or None, frequency or None) of a
    forecaster's checkpoint, read once."""
    from zoo.runs.checkpoints import network_of, read_checkpoint

    checkpoint = read_checkpoint(path)
    network = network_of(checkpoint, source=str(path))
    if not hasattr(network, "horizon"):
        raise ConfigError(f"{path} holds a {type(network).__name__}, not a forecaster")
    hparams = checkpoint["hyper_parameters"]
    state = checkpoint.get("zoo_intervals")
    intervals = None if state is None else ConformalIntervals.from_state(state)
    return network, dict(hparams["model_kwargs"]), intervals, hparams.get("freq")


def _load_network(name: str, arguments: dict, path: Path) -> torch.nn.Module:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        state = load_file(path)
    except (FileNotFoundError, SafetensorError, OSError) as error:
        raise DataError(f"{path} is not a readable safetensors file: {error}") from None
    return build(name, arguments, state, source=str(path))
