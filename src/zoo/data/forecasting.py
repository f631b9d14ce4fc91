"""The Lightning data module of a forecasting panel: a thin wrapper over `zoo.forecasting`.

Every source becomes a panel: M3 (thousands of series), a long-format CSV or Parquet file
(`unique_id, ds, y`), a panel given in Python (`Forecaster.fit`), and a single series
(statsmodels' four, the synthetic ones) as a panel of one. Each series is split at its end:

    | training windows ...          | validation (horizon) | test (horizon) |
    |<------ the training part: everything a model may see ->|

The test part is the last `horizon` values of each series (M3: its official test part;
none with `test_part=False`, where every value is history), read only in `setup("test")`.
Validation is the last `horizon` values of each training part; training windows end
before it, unless `final_fit` retrains on the whole training part once settings have
been chosen on validation.
"""

import logging
import math

import torch
from omegaconf import DictConfig, OmegaConf

from zoo.constraints import Interval, Options
from zoo.data.tensors import InMemoryDataModule
from zoo.errors import ConfigError, DataError
from zoo.timeseries.frequency import season_length_for
from zoo.timeseries.metrics import seasonal_naive_scale
from zoo.timeseries.panel import Panel, panel_from_frame, read_long_frame
from zoo.timeseries.scaling import scaling_for
from zoo.timeseries.sources import M3_FREQS, M3_GROUPS, SOURCES, m3_group, m3_panel
from zoo.timeseries.windows import PanelWindows, last_windows

log = logging.getLogger(__name__)
FILE_SOURCES = ("csv", "parquet")


class PanelDataModule(InMemoryDataModule):
    """A panel of series, one window per series for validation and test.

    `source`: "m3" (with `group`), "csv" or "parquet" (`path`; `id_column`, `time_column`
    and `value_column` name the long format's columns; `id_column=None` reads one series,
    `time_column=None` takes rows in file order), or a built-in series (see `SOURCES`).
    `panel` gives the series in place of a file (the Python API). `season_length=None`
    is inferred from the dates (monthly 12, weekly 52, ...; `zoo.timeseries.frequency`).

    Training windows of series i have cutoffs from `min_input_length` to the start of
    its validation part (with `recent_horizons`, only its latest ones): series shorter
    than `input_length` are padded and masked, not dropped. A series with fewer than
    `min_input_length` values before its forecast origin gets the seasonal-naive forecast
    instead (the model's fallback), and is counted.
    `epoch_windows` makes an epoch that many windows on any panel, a fresh random draw each
    epoch (a small panel's windows repeated to enough of them first): so an epoch count is a
    budget of training steps whatever the panel's size (under DDP the processes share each
    epoch's draw: an epoch is that many windows over all of them, each process taking its
    share of the steps).

    Args:
        source: `"m3"`, `"csv"`, `"parquet"` or a built-in series.
        horizon: Values forecast at once (M3: its group's).
        input_length: Values a window reads; default six seasons or four horizons,
            whichever is longer.
        season_length: Periods per season; default from the dates (M3: its group's).
        min_input_length: Observed values a training window needs; default a season.
        group: The M3 group: `"monthly"`, `"quarterly"`, `"yearly"` or `"other"`.
        path: The long-format file (`csv`, `parquet`).
        id_column: The series column (None: one series).
        time_column: The time column (None: rows in file order).
        value_column: The value column.
        fill: Fill missing values: `"interpolate"` or `"ffill"` (None: refuse them).
        options: Options for a built-in source.
        final_fit: Train on every value but the test part, with no validation part.
        test_part: Keep each series' last `horizon` values as its test part.
        epoch_windows: Training windows per epoch, a random draw each epoch (a small
            panel's windows repeated first; None: every window once).
        origins: Forecast origins per training window (forking sequences: one pass of the
            network trains this many consecutive cutoffs; `zoo.timeseries.windows`).
        recent_horizons: Train each series on its latest `recent_horizons * horizon`
            cutoffs only, each with a whole horizon of targets (N-BEATS's history limit
            L_H: no series then gives more than that many, and its distant past none;
            None: every cutoff).
        batch_size: Windows per batch.
        seed: Seeds the batch order.
        num_workers: DataLoader worker processes.
        panel: The series themselves, in place of a file (the forecasting API).

    Raises:
        zoo.ConfigError: For an unknown source, a file source without `path`, or a
            horizon or minimum input length out of range.
    """

    kind = "forecasting"
    parameter_constraints = {  # beside its bases' (zoo.constraints); sizes null: see Args
        "source": str,
        "horizon": (Interval(int, 1, None), None),
        "input_length": (Interval(int, 1, None), None),
        "season_length": (Interval(int, 1, None), None),
        "min_input_length": (Interval(int, 1, None), None),
        "group": Options(*M3_GROUPS),
        "path": (str, None),
        "id_column": (str, None),
        "time_column": (str, None),
        "value_column": str,
        "fill": (Options("interpolate", "ffill"), None),
        "options": (dict, None),
        "final_fit": bool,
        "test_part": bool,
        "epoch_windows": (Interval(int, 1, None), None),
        "origins": Interval(int, 1, None),
        "recent_horizons": (Interval(int, 1, None), None),
    }

    def __init__(
        self,
        source: str,
        horizon: int | None = None,
        input_length: int | None = None,
        season_length: int | None = None,
        min_input_length: int | None = None,
        group: str = "monthly",
        path: str | None = None,
        id_column: str | None = "unique_id",
        time_column: str | None = "ds",
        value_column: str = "y",
        fill: str | None = None,
        options: dict | None = None,
        final_fit: bool = False,
        test_part: bool = True,
        epoch_windows: int | None = None,
        origins: int = 1,
        recent_horizons: int | None = None,
        batch_size: int = 256,
        seed: int = 0,
        num_workers: int = 0,
        panel: Panel | None = None,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed, num_workers=num_workers)
        known = ("m3", *FILE_SOURCES, *SOURCES)
        if source not in known:
            raise ConfigError(
                f"unknown series source {source!r}; choose one of: {', '.join(known)}"
            )
        self.source = source
        self.group = group
        self.file = {
            "path": path,
            "id_col": id_column,
            "time_col": time_column,
            "value_col": value_column,
            "fill": fill,
        }
        self.options = dict(options or {})
        self._full: Panel | None = panel  # file, built-in and given sources: all values
        if source == "m3":
            m3_horizon, m3_season = m3_group(group)
            horizon = horizon or m3_horizon
            season_length = season_length or m3_season
        elif source in FILE_SOURCES and not path and panel is None:
            raise ConfigError(f"data={source} needs data.path=FILE")
        if not horizon or horizon < 1:
            raise ConfigError("data.horizon must be a positive number of steps")
        if season_length is None:
            season_length = season_length_for(self.load_panel().step, None, self.name)
        self.horizon = horizon
        self.season_length = season_length_for(None, season_length)
        # six seasons or four horizons: the 72 months chosen on M3 monthly's validation part
        self.input_length = input_length or max(6 * self.season_length, 4 * horizon)
        self.min_input_length = min_input_length or min(
            self.input_length, max(2, self.season_length)
        )
        if not 1 <= self.min_input_length <= self.input_length:
            raise ConfigError(
                f"data.min_input_length={self.min_input_length} must lie in 1..input_length "
                f"({self.input_length})"
            )
        self.final_fit = final_fit
        self.test_part = test_part
        self.epoch_windows = epoch_windows
        self.origins = origins
        self.recent_horizons = recent_horizons
        self.history: Panel | None = None

    @classmethod
    def from_config(cls, data: DictConfig, panel: Panel | None = None) -> "PanelDataModule":
        """The module a `data=csv`-style config describes, holding `panel` when given."""
        settings = OmegaConf.to_container(data, resolve=True)
        settings.pop("_target_", None)
        return cls(**settings, panel=panel)

    @property
    def has_validation(self) -> bool:
        return not self.final_fit

    @property
    def name(self) -> str:
        if self.source == "m3":
            return f"m3 {self.group}"
        if self.source in FILE_SOURCES:
            return str(self.file["path"] or "the frame")
        return self.source

    @property
    def freq(self) -> str | None:
        """The pandas frequency of the series (M3: its group's period); None for integer
        times. Recorded in checkpoints: a network forecasts series of its own frequency."""
        if self.source == "m3":
            return M3_FREQS[self.group]
        return self.load_panel().freq

    # -- what the panel is: loading and splitting ------------------------------------------

    def load_panel(self) -> Panel:
        """Every value there is to forecast the future from: the whole file or series (M3:
        the training parts; its test parts are for scoring only), or the panel given."""
        if self._full is not None:
            return self._full
        if self.source == "m3":
            return m3_panel(self.group, "train")
        if self.source in FILE_SOURCES:
            options = {k: v for k, v in self.file.items() if k != "path"}
            frame = read_long_frame(self.file["path"])
            self._full = panel_from_frame(frame, source=str(self.file["path"]), **options)
        else:
            series = SOURCES[self.source](**self.options)
            self._full = Panel.from_series(series, self.source)
        return self._full

    def load_history(self) -> Panel:
        """Each series' training part: everything before its test part."""
        if self.source == "m3" or not self.test_part:
            return self.load_panel()
        return self._split(self.load_panel(), "test")[0]

    def load_test_part(self) -> Panel:
        """Each series' test part: its last `horizon` values (M3: the official test part)."""
        if self.source == "m3":
            test = m3_panel(self.group, "test")
            if (test.lengths != self.horizon).any():
                raise ConfigError(f"M3 {self.group} has a test part of {test.lengths[0]} values")
            return test
        if not self.test_part:
            raise ConfigError(f"{self.name}: data.test_part=false, so there is nothing to test")
        return self._split(self.load_panel(), "test")[1]

    def _split(self, panel: Panel, part: str) -> tuple[Panel, Panel]:
        try:
            return panel.split_last(self.horizon)
        except DataError as error:
            hint = "; or train on everything with data.final_fit=true" if part != "test" else ""
            raise DataError(
                f"{self.name}: too short for a {part} part of {self.horizon}: {error}{hint}"
            ) from None

    # -- what a model needs from it ---------------------------------------------------------

    @property
    def dims(self) -> dict:
        return {
            "horizon": self.horizon,
            "input_length": self.input_length,
            "season_length": self.season_length,
            "min_input_length": self.min_input_length,
            "scaling": scaling_for(self._history().values),
        }

    @property
    def task_kwargs(self) -> dict:
        return {"series_ids_shown": self.shown_series(), "freq": self.freq}

    def shown_series(self, count: int = 6) -> list[str]:
        """Ids of a few series spread over the panel, drawn in TensorBoard's forecast grid."""
        history = self._history()
        n = len(history)
        picks = sorted({round(i * (n - 1) / max(count - 1, 1)) for i in range(min(count, n))})
        return [str(history.ids[i]) for i in picks]

    def _history(self) -> Panel:
        if self.history is None:
            self.history = self.load_history()
        return self.history

    # -- windows -------------------------------------------------------------------------------

    def setup(self, stage: str | None = None) -> None:
        history = self._history()
        if stage in (None, "fit", "validate") and not hasattr(self, "train_set"):
            fit_part = history if self.final_fit else self._split(history, "validation")[0]
            self.train_set = self._training_windows(fit_part)
            self.val_set = None if self.final_fit else self._last_windows(history, fit_part)
        if stage in (None, "test") and not hasattr(self, "test_set"):
            self.report_fallbacks("test")
            self.test_set = self._last_windows(history.concat(self.load_test_part()), history)

    def _training_windows(self, fit_part: Panel) -> PanelWindows:
        H = self.horizon
        last_cutoff = fit_part.lengths - H
        first_cutoff = torch.full_like(fit_part.lengths, self.min_input_length)
        if self.recent_horizons:  # the last recent_horizons * H cutoffs of each series
            first_cutoff = first_cutoff.maximum(last_cutoff - self.recent_horizons * H + 1)
        windows = PanelWindows(
            fit_part,
            self.input_length,
            H,
            first_cutoff=first_cutoff,
            last_cutoff=last_cutoff,
            origins=self.origins,
        )
        if self.epoch_windows and windows.windows:  # exactly that many windows an epoch:
            # a small panel's repeated (each at most ceil(E / W) times), a large one's drawn
            windows.repeat = math.ceil(self.epoch_windows / windows.windows)
            self.epoch_draws = self.epoch_windows
        without = int((windows.windows_per_series() == 0).sum())
        self.series_without_windows = without
        if without:
            log.warning(
                "%s: %d of %d series are too short for a training window (fewer than "
                "min_input_length + horizon = %d values%s); they are still forecast",
                self.name,
                without,
                len(fit_part),
                self.min_input_length + H,
                "" if self.final_fit else " before validation",
            )
        if len(windows) == 0:
            raise ConfigError(
                f"{self.name}: no series is long enough for one training window "
                f"(min_input_length {self.min_input_length} + horizon {H}"
                f"{'' if self.final_fit else ' + a validation part of ' + str(H)} values)"
            )
        return windows

    def _last_windows(self, panel: Panel, before: Panel) -> PanelWindows:
        """The window of each series of `panel` whose targets are its last `horizon` values,
        with the MASE scale of `before` (the values a forecast of them may read)."""
        scale = seasonal_naive_scale(before.values, before.indptr, self.season_length)
        missing = int(scale.isnan().sum() + (scale == 0).sum())
        if missing:
            log.warning(
                "%s: %d series have no MASE scale (constant, or no longer than one season "
                "of %d); their MASE is NaN and left out of the panel mean",
                self.name,
                missing,
                self.season_length,
            )
        return last_windows(panel, self.input_length, self.horizon, scale)

    def report_fallbacks(self, part: str) -> int:
        """Log (and return) how many series are too short for the network at the forecast
        origin of `part`: the model gives them the seasonal-naive forecast."""
        count = int((self._history().lengths < self.min_input_length).sum())
        if count:
            log.warning(
                "%s: %d series have fewer than min_input_length = %d values before the %s "
                "part: they get the seasonal-naive forecast",
                self.name,
                count,
                self.min_input_length,
                part,
            )
        return count

    def settings(self) -> dict:
        """The constructor arguments that rebuild this module (for another panel)."""
        return {
            "source": self.source,
            "horizon": self.horizon,
            "input_length": self.input_length,
            "season_length": self.season_length,
            "min_input_length": self.min_input_length,
            "group": self.group,
            "path": self.file["path"],
            "id_column": self.file["id_col"],
            "time_column": self.file["time_col"],
            "value_column": self.file["value_col"],
            "fill": self.file["fill"],
            "options": self.options,
            "final_fit": self.final_fit,
            "test_part": self.test_part,
            "epoch_windows": self.epoch_windows,
            "origins": self.origins,
            "recent_horizons": self.recent_horizons,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "num_workers": self.num_workers,
        }

    def val_dataloader(self):
        return [] if self.val_set is None else self._loader(self.val_set)
