"""The models a `Forecaster` fits, in statsforecast's and neuralforecast's shape: each carries
its own settings and `alias` (its column in every frame the Forecaster returns).

- `RNN`: zoo's global recurrent network, one network trained on every series of the frame.
- `SeasonalNaive`, `Theta`, `AutoETS`: fitted to each series of whatever history they are
  given (statsforecast's for Theta and AutoETS), so they need no fitting beforehand.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from torch import nn

from zoo.errors import ConfigError
from zoo.timeseries.intervals import ConformalIntervals, check_levels
from zoo.timeseries.methods import NetworkMethod, SeasonalNaiveMethod, StatisticalMethod
from zoo.timeseries.panel import Panel

log = logging.getLogger(__name__)


@dataclass
class TrainedNetwork:
    """A network an `RNN` trained (or one read from a checkpoint, shipped weights or a saved
    Forecaster): the network in eval mode, its constructor's arguments, its conformal
    intervals (None: too few forecasts to calibrate them), the run's final metrics and its
    run folder (None: nothing kept on disk)."""

    network: nn.Module
    arguments: dict
    intervals: ConformalIntervals | None = None
    metrics: dict | None = None
    run_dir: Path | None = None


class SeasonalNaive:
    """Each series' last season repeated (its last value where it has no whole season)."""

    def __init__(self, alias: str = "SeasonalNaive") -> None:
        self.alias = alias

    def method(self, season_length: int):
        return SeasonalNaiveMethod(season_length)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self.alias!r})"


class Theta(SeasonalNaive):
    """statsforecast's Theta (the M3 competition's best method), fitted to each series."""

    def __init__(self, alias: str = "Theta") -> None:
        super().__init__(alias)

    def method(self, season_length: int):
        return StatisticalMethod("Theta", season_length)


class AutoETS(SeasonalNaive):
    """statsforecast's AutoETS (exponential smoothing, its form chosen by AICc per series)."""

    def __init__(self, alias: str = "AutoETS") -> None:
        super().__init__(alias)

    def method(self, season_length: int):
        return StatisticalMethod("AutoETS", season_length)


# conf/recipe/: a user's panel, M3's twelve epochs of forking windows, or one series' 20 epochs
# of a GRU with a linear part
RECIPES = ("rnn_csv", "rnn_m3", "rnn_single_series")


class RNN:
    """zoo's global recurrent network (`zoo.models.GlobalRNN`), trained by `zoo.train` on
    every series of the frame, as `zoo train model=rnn data=csv` trains on a file.

    Args:
        recipe: the settings it starts from: `"rnn_csv"` (conf/recipe/rnn_csv.yaml: three
            GRUs, epochs of 20,000 windows on any panel, at most 22, early stopping, the best
            epoch's weights kept), `"rnn_m3"` (the M3 recipe: windows of 108 values whose
            last 16 the GRUs read, four forecast origins a training window, each series'
            latest 4 x h origins only, twelve epochs, the last weights kept) or
            `"rnn_single_series"` (one series: a GRU with a linear autoregression beside it,
            20 epochs of its windows, the last weights kept; the recipe of `zoo train
            model=rnn data=co2`).
        cell: the recurrent cell, rnn, lstm or gru (`zoo.models.GlobalRNN`'s default:
            gru); None, here and below, keeps the recipe's value.
        hidden_size: each network's hidden units.
        num_layers: recurrent layers.
        dropout: dropout between recurrent layers.
        ensemble_size: networks trained side by side (the forecast is their median).
        recurrent_length: the last values of each window the cell reads, at most
            `input_length` (`"all"`: the whole window; the scale and season still come from
            the whole window).
        baseline: what the network corrects: `"none"` (each window's level), `"last"`,
            `"seasonal"` or `"drift"` (the level plus half the window's slope a step:
            `zoo.models.GlobalRNN`'s `baseline`; `"rnn_m3"` on M3 yearly: drift).
        linear: add a linear autoregression on each window's scaled values to each
            network's forecast (LSTNet's highway: `zoo.models.GlobalRNN`'s `linear`).
        input_length: values each forecast reads (None: the data decides).
        loss: the training loss: mae, mse or huber in each window's scaled space, mase
            or smape in the series' units (`zoo.tasks.ForecastingTask`).
        lr: the learning rate.
        max_epochs: the most epochs trained.
        epoch_windows: windows an epoch draws (`"all"`: every window once; `"rnn_csv"`:
            20,000).
        recent_horizons: train each series on its latest `recent_horizons * h` forecast
            origins only (N-BEATS's history limit; `"rnn_m3"`: 4; `"all"`: every origin,
            the other recipes' way).
        batch_size: windows per step.
        precision: the trainer's precision (e.g. "32-true", "auto").
        seed: the run's seed.
        output_dir: a folder to keep the run in (checkpoints, TensorBoard); None keeps
            nothing on disk: the trained network stays in memory.
        quiet: no progress bar or report.
        alias: the model's column name.

    Raises:
        ConfigError: at `Forecaster.fit`, for a setting of the wrong type or range.
    """

    SETTINGS = {  # parameter -> the config key it sets (None: the recipe's value stays)
        "cell": "model.cell",
        "hidden_size": "model.hidden_size",
        "num_layers": "model.num_layers",
        "dropout": "model.dropout",
        "ensemble_size": "model.ensemble_size",
        "recurrent_length": "model.recurrent_length",
        "baseline": "model.baseline",
        "linear": "model.linear",
        "input_length": "data.input_length",
        "loss": "task.loss",
        "lr": "task.lr",
        "max_epochs": "trainer.max_epochs",
        "epoch_windows": "data.epoch_windows",
        "recent_horizons": "data.recent_horizons",
        "batch_size": "data.batch_size",
        "precision": "trainer.precision",
        "seed": "seed",
    }
    NO_LIMIT = "all"  # for the settings below: the config's None (no limit), not the recipe's
    LIMITS = ("recurrent_length", "epoch_windows", "recent_horizons")
    NETWORK_SETTINGS = (
        "cell",
        "hidden_size",
        "num_layers",
        "dropout",
        "ensemble_size",
        "recurrent_length",
        "baseline",
        "linear",
    )

    def __init__(
        self,
        recipe: str = "rnn_csv",
        *,
        cell: str | None = None,
        hidden_size: int | None = None,
        num_layers: int | None = None,
        dropout: float | None = None,
        ensemble_size: int | None = None,
        recurrent_length: int | Literal["all"] | None = None,
        baseline: Literal["none", "last", "seasonal", "drift"] | None = None,
        linear: bool | None = None,
        input_length: int | None = None,
        loss: str | None = None,
        lr: float | None = None,
        max_epochs: int | None = None,
        epoch_windows: int | Literal["all"] | None = None,
        recent_horizons: int | Literal["all"] | None = None,
        batch_size: int | None = None,
        precision: str | None = None,
        seed: int = 0,
        output_dir: str | Path | None = None,
        quiet: bool = True,
        alias: str = "rnn",
    ) -> None:
        self.recipe = recipe
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.dropout, self.ensemble_size, self.input_length = dropout, ensemble_size, input_length
        self.recurrent_length, self.baseline, self.linear = recurrent_length, baseline, linear
        self.loss, self.lr, self.max_epochs = loss, lr, max_epochs
        self.epoch_windows, self.batch_size, self.precision = epoch_windows, batch_size, precision
        self.recent_horizons = recent_horizons
        self.seed, self.output_dir, self.quiet, self.alias = seed, output_dir, quiet, alias

    def get_params(self) -> dict:
        """The constructor's arguments, as scikit-learn's estimators give them."""
        names = ("recipe", *self.SETTINGS, "output_dir", "quiet", "alias")
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        given = {k: v for k, v in self.get_params().items() if v is not None}
        return f"RNN({', '.join(f'{k}={v!r}' for k, v in given.items())})"

    @classmethod
    def like(cls, arguments: dict, alias: str = "rnn") -> RNN:
        """An RNN that trains a network like the one built with `arguments` (a checkpoint's
        or weights' constructor arguments; the data decides horizon, scaling and season)."""
        settings = {k: arguments[k] for k in cls.NETWORK_SETTINGS if k in arguments}
        return cls(**settings, input_length=arguments.get("input_length"), alias=alias)

    def config(self, horizon: int, season_length: int, levels, output_dir: Path):
        """The training config: the recipe's, with this model's settings set as typed
        values (no override strings) and the frame's horizon and season."""
        # Hydra loads when a network trains, not for forecasting from a trained one
        from omegaconf import OmegaConf

        from zoo.configs import CONF_DIR, compose_config

        if self.recipe not in RECIPES:
            raise ConfigError(f"RNN recipe must be one of {RECIPES}, not {self.recipe!r}")
        cfg = compose_config(CONF_DIR, ["model=rnn", "data=csv", f"recipe={self.recipe}"])
        values = {key: getattr(self, name) for name, key in self.SETTINGS.items()}
        limits = {self.SETTINGS[name] for name in self.LIMITS}
        values |= {
            "data.horizon": horizon,
            "data.season_length": season_length,
            "data.test_part": False,
            "test": False,
            "quiet": bool(self.quiet),
            "task.interval_levels": list(check_levels(levels)),
            "output_dir": str(output_dir),
        }
        if self.output_dir is None:
            values["logger"] = None  # nothing is kept, so no TensorBoard files either
        for key, value in values.items():
            if key in limits and value == self.NO_LIMIT:
                value = None  # no limit: the config's None
            elif value is None and key != "logger":
                continue  # the recipe's value stays
            OmegaConf.update(cfg, key, value, merge=False)
        return cfg

    def fit(self, panel: Panel, horizon: int, season_length: int, levels) -> TrainedNetwork:
        """Train on `panel`'s series: the last `horizon` values of each validate, unless the
        recipe trains on every value (`data.final_fit`: the M3 recipe)."""
        if self.output_dir is not None:
            return self._train(panel, horizon, season_length, levels, Path(self.output_dir))
        with tempfile.TemporaryDirectory(prefix="zoo-fit-") as folder:
            return self._train(panel, horizon, season_length, levels, Path(folder) / "run")

    def _train(self, panel, horizon, season_length, levels, output_dir) -> TrainedNetwork:
        # Lightning loads when a network trains, not for forecasting from a trained one
        from zoo.data import PanelDataModule
        from zoo.runs.training import train

        cfg = self.config(horizon, season_length, levels, output_dir)
        run = train(cfg, datamodule=PanelDataModule.from_config(cfg.data, panel=panel))
        kept = self.output_dir is not None
        return TrainedNetwork(
            run.network,
            dict(run.task.hparams.model_kwargs),
            run.task.intervals,
            run.metrics,
            run.output_dir if kept else None,
        )


MODELS = {"rnn": RNN, "SeasonalNaive": SeasonalNaive, "Theta": Theta, "AutoETS": AutoETS}
BASELINES = (SeasonalNaive, Theta, AutoETS)


def network_method(trained: TrainedNetwork, alias: str) -> NetworkMethod:
    return NetworkMethod(trained.network, f"the {alias} network")
