"""Forecasting data: a panel of series split in time, windowed without look-ahead.

Every source becomes a panel: M3 (thousands of series), a long-format CSV or Parquet file
(`unique_id, ds, y`), and a single series (statsmodels' four, the synthetic ones, a
one-column CSV) as a panel of one. Each series is split at its end:

    | training windows ...          | validation (horizon) | test (horizon) |
    |<------ the training part: everything a model may see ->|

The test part is the last `horizon` values of each series (M3: its official test part),
read only in `setup("test")`: no training or validation loader ever returns it.
Validation is the last `horizon` values of each training part; training windows end
before it, unless `final_fit` retrains on the whole training part once settings have
been chosen on validation.
"""

import logging

import torch
from torch.utils.data import DataLoader

from zoo.data.panel import Panel, panel_from_frame, read_long_frame
from zoo.data.series_sources import M3_GROUPS, SOURCES, m3_panel
from zoo.data.tensors import InMemoryDataModule
from zoo.data.windows import PanelWindows, forecast_windows, last_windows
from zoo.errors import ConfigError, DataError
from zoo.metrics import seasonal_naive_scale

log = logging.getLogger(__name__)
FILE_SOURCES = ("csv", "parquet")


class PanelDataModule(InMemoryDataModule):
    """A panel of series, one window per series for validation and test.

    `source`: "m3" (with `group`), "csv" or "parquet" (`path`; `id_column`, `time_column`
    and `value_column` name the long format's columns; `id_column=None` reads one series,
    `time_column=None` takes rows in file order), or a built-in series (see `SOURCES`).

    Training windows of series i have cutoffs from `min_input_length` to the start of
    its validation part: series shorter than `input_length` are padded and masked, not
    dropped. A series with fewer than `min_input_length` values before its forecast origin
    gets the seasonal-naive forecast instead (the model's fallback), and is counted.
    `epoch_windows` repeats a small panel's windows to about that many per epoch, so that
    the same epoch count means about the same number of training steps on any panel.
    """

    kind = "forecasting"

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
        epoch_windows: int | None = None,
        batch_size: int = 256,
        seed: int = 0,
        num_workers: int = 0,
    ) -> None:
        super().__init__(batch_size=batch_size, seed=seed, num_workers=num_workers)
        known = ("m3", *FILE_SOURCES, *SOURCES)
        if source not in known:
            raise ConfigError(
                f"unknown series source {source!r}; choose one of: {', '.join(known)}"
            )
        if source == "m3":
            m3_horizon, m3_season = M3_GROUPS.get(group, (None, None))
            if m3_horizon is None:
                raise ConfigError(
                    f"unknown M3 group {group!r}; choose one of: {', '.join(M3_GROUPS)}"
                )
            horizon = horizon or m3_horizon
            season_length = season_length or m3_season
        if source in FILE_SOURCES and not path:
            raise ConfigError(f"data={source} needs data.path=FILE")
        if not horizon or horizon < 1:
            raise ConfigError("data.horizon must be a positive number of steps")
        self.source = source
        self.horizon = horizon
        self.season_length = season_length or 1
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
        self.group = group
        self.file = {
            "path": path,
            "id_col": id_column,
            "time_col": time_column,
            "value_col": value_column,
            "fill": fill,
        }
        self.options = dict(options or {})
        self.final_fit = final_fit
        self.epoch_windows = epoch_windows
        self.history: Panel | None = None
        self._full: Panel | None = None  # file and built-in sources: history + test part

    @property
    def has_validation(self) -> bool:
        return not self.final_fit

    @property
    def name(self) -> str:
        return f"m3 {self.group}" if self.source == "m3" else self.source

    # -- what the panel is: loading and splitting ------------------------------------------

    def load_panel(self) -> Panel:
        """Every value there is to forecast the future from: the whole file or series (M3:
        the training parts; its test parts are for scoring only)."""
        if self.source == "m3":
            return m3_panel(self.group, "train")
        if self._full is None:
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
        if self.source == "m3":
            return self.load_panel()
        return self._split(self.load_panel())[0]

    def load_test_part(self) -> Panel:
        """Each series' test part: its last `horizon` values (M3: the official test part)."""
        if self.source == "m3":
            test = m3_panel(self.group, "test")
            if (test.lengths != self.horizon).any():
                raise ConfigError(f"M3 {self.group} has a test part of {test.lengths[0]} values")
            return test
        return self._split(self.load_panel())[1]

    def _split(self, panel: Panel) -> tuple[Panel, Panel]:
        try:
            return panel.split_last(self.horizon)
        except DataError as error:
            raise DataError(
                f"{self.name}: too short for a test part of {self.horizon}: {error}"
            ) from None

    # -- what a model needs from it ---------------------------------------------------------

    @property
    def dims(self) -> dict:
        self._ensure_history()
        return {
            "horizon": self.horizon,
            "input_length": self.input_length,
            "season_length": self.season_length,
            "min_input_length": self.min_input_length,
            "scaling": "log" if bool((self.history.values > 0).all()) else "standard",
        }

    @property
    def task_kwargs(self) -> dict:
        return {"series_ids_shown": self.shown_series()}

    def shown_series(self, count: int = 6) -> list[str]:
        """Ids of a few series spread over the panel, drawn in TensorBoard's forecast grid."""
        self._ensure_history()
        n = len(self.history)
        picks = sorted({round(i * (n - 1) / max(count - 1, 1)) for i in range(min(count, n))})
        return [str(self.history.ids[i]) for i in picks]

    def _ensure_history(self) -> None:
        if self.history is None:
            self.history = self.load_history()

    # -- windows -------------------------------------------------------------------------------

    def setup(self, stage: str | None = None) -> None:
        self._ensure_history()
        H, L = self.horizon, self.input_length
        if stage in (None, "fit", "validate") and not hasattr(self, "train_set"):
            fit_part, _ = (self.history, None) if self.final_fit else self._validation_split()
            fit_lengths = fit_part.lengths
            self.train_set = PanelWindows(
                fit_part,
                L,
                H,
                first_cutoff=torch.full_like(fit_lengths, self.min_input_length),
                last_cutoff=fit_lengths - H,
            )
            if self.epoch_windows:
                self.train_set.repeat = max(
                    1, round(self.epoch_windows / max(len(self.train_set), 1))
                )
            windows = self.train_set.windows_per_series()
            self.series_without_windows = int((windows == 0).sum())
            if self.series_without_windows:
                log.warning(
                    "%s: %d of %d series are too short for a training window (fewer than "
                    "min_input_length + horizon = %d values%s); they are still forecast",
                    self.name,
                    self.series_without_windows,
                    len(fit_part),
                    self.min_input_length + H,
                    "" if self.final_fit else " before validation",
                )
            if len(self.train_set) == 0:
                raise ConfigError(
                    f"{self.name}: no series is long enough for one training window "
                    f"(min_input_length {self.min_input_length} + horizon {H}"
                    f"{'' if self.final_fit else ' + a validation part of ' + str(H)} values)"
                )
            if self.final_fit:
                self.val_set = None
            else:
                scale = seasonal_naive_scale(fit_part.values, fit_part.indptr, self.season_length)
                self._warn_unscaled(scale, "validation")
                self.val_set = last_windows(self.history, L, H, scale)
        if stage in (None, "test") and not hasattr(self, "test_set"):
            scale = seasonal_naive_scale(
                self.history.values, self.history.indptr, self.season_length
            )
            self._warn_unscaled(scale, "test")
            self.fallback_series = self.report_fallbacks("test")
            self.test_set = last_windows(self.history.concat(self.load_test_part()), L, H, scale)
        if stage == "predict" and not hasattr(self, "predict_set"):
            self.predict_set = forecast_windows(self.history, L)

    def _validation_split(self) -> tuple[Panel, Panel]:
        try:
            return self.history.split_last(self.horizon)
        except DataError as error:
            raise DataError(
                f"{self.name}: too short for a validation part of {self.horizon}: {error}; "
                "or train on everything with data.final_fit=true"
            ) from None

    def _warn_unscaled(self, scale: torch.Tensor, part: str) -> None:
        missing = int(scale.isnan().sum() + (scale == 0).sum())
        if missing:
            log.warning(
                "%s: %d series have no MASE scale for the %s part (constant, or no longer "
                "than one season of %d); their MASE is NaN and left out of the panel mean",
                self.name,
                missing,
                part,
                self.season_length,
            )

    def report_fallbacks(self, part: str) -> int:
        """Log (and return) how many series are too short for the network at the forecast
        origin of `part`: the model gives them the seasonal-naive forecast."""
        count = int((self.history.lengths < self.min_input_length).sum())
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

    def val_dataloader(self):
        return [] if self.val_set is None else self._loader(self.val_set)

    def predict_dataloader(self) -> DataLoader:
        return self._loader(self.predict_set)
