"""Multi-step forecasting of a panel: loss in each window's own scale, metrics in the series'
own units, as the M competitions count them."""

from typing import Literal

import torch
import torch.nn.functional as F
from torchmetrics import Metric

from zoo.constraints import Interval, ListOf, Options
from zoo.errors import ConfigError
from zoo.models import create_model
from zoo.tasks.base import ZooTask
from zoo.tasks.summaries import log_figure
from zoo.timeseries.intervals import (
    DEFAULT_LEVELS,
    MIN_CALIBRATION,
    ConformalIntervals,
    check_levels,
    coverage_and_width,
)
from zoo.timeseries.metrics import (
    TOTALS,
    absolute_ratios,
    panel_figures,
    panel_totals,
    window_seasonal_scale,
)

SCALED_LOSSES = {"mae": F.l1_loss, "mse": F.mse_loss, "huber": F.smooth_l1_loss}
LOSSES = (*SCALED_LOSSES, "mase", "smape")
SHOWN_AT_TEST = 6
PERCENT = Interval(float, 0, 100, closed="neither")


class ForecastingTask(ZooTask):
    """Trains a registered forecasting network (such as `rnn`) on windows drawn from every series.

    Batches are dicts from `zoo.data.PanelDataModule`: inputs `x`, their `mask`, targets
    `y`, the `series` number and, for validation and test, each series' MASE `scale`. The
    loss compares forecasts and targets in the network's scaled space (for log scaling, an
    L1 loss there is a relative error, like sMAPE). Validation and test log the panel means
    of sMAPE, MASE and MAPE, and MAE and RMSE over all values (`zoo.timeseries.metrics`).

    Every validation pass also calibrates conformal prediction intervals at
    `interval_levels` (`zoo.timeseries.intervals`) from the validation forecasts, which the network
    made for periods it never trained on; they are saved in the checkpoint, and the test
    logs their coverage and mean width.

    Args:
        model_name: The network's registry name (`"rnn"`).
        model_kwargs: Its constructor's arguments.
        loss: `"mae"`, `"mse"` or `"huber"` in the scaled space; `"mase"` (each window's
            error over its inputs' mean seasonal change, what MASE weighs) or `"smape"` in
            the series' units.
        optimizer: `"sgd"`, `"adam"` or `"adamw"`.
        lr: The (peak) learning rate.
        weight_decay: Weight decay.
        scheduler: `"onecycle"`, `"cosine"` or None.
        series_ids_shown: The series drawn in TensorBoard's test figure.
        interval_levels: The prediction intervals' levels, in percent.
        freq: The series' frequency (pandas alias), recorded in checkpoints.

    Raises:
        ValueError: For an unknown loss.
        zoo.ConfigError: For an interval level outside (0, 100).
    """

    data_kind = "forecasting"
    parameter_constraints = {  # beside ZooTask's optimizer settings (zoo.constraints)
        "loss": Options(*LOSSES),
        "interval_levels": (ListOf(PERCENT), PERCENT),  # levels in %, or one level
    }

    def __init__(
        self,
        model_name: str,
        model_kwargs: dict,
        loss: Literal["mae", "mse", "huber", "mase", "smape"] = "mae",
        optimizer: Literal["sgd", "adam", "adamw"] = "adamw",
        lr: float = 0.003,
        weight_decay: float = 0.0,
        scheduler: Literal["onecycle", "cosine"] | None = "cosine",
        series_ids_shown: list[str] | None = None,
        interval_levels: list[float] = DEFAULT_LEVELS,
        freq: str | None = None,
    ) -> None:
        super().__init__()
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of: {', '.join(LOSSES)}")
        check_levels(interval_levels)
        self.save_hyperparameters()
        self.model = create_model(model_name, **model_kwargs)
        self.val_metrics = PanelForecastMetrics()
        self.test_metrics = PanelForecastMetrics()
        self.intervals: ConformalIntervals | None = None
        self.calibrated = False  # True: intervals set before fitting, not from validation
        self._calibration: list[tuple[torch.Tensor, ...]] = []
        self._coverage: list[tuple[torch.Tensor, ...]] = []
        self._shown: list[tuple] = []

    def needs_rolling_calibration(self, series: int, has_validation: bool) -> bool:
        """True when intervals are wanted but a validation part of `series` windows (one per
        series) cannot give the forecasts to calibrate them: training then calibrates them
        on rolling windows before it fits (`zoo.runs.training.calibrate_by_refit`)."""
        wanted = bool(self.hparams.interval_levels)
        return wanted and (not has_validation or series < MIN_CALIBRATION)

    @property
    def interval_space(self) -> str:
        """Where intervals are calibrated: in log space for log-scaled networks."""
        return "log" if self.model.scaling == "log" else "scaled"

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Raw forecasts of raw windows (the network's `forward`).

        Args:
            x: (B, input_length) raw values, latest last.
            mask: (B, input_length) True where a value is observed; default all.

        Returns:
            (B, horizon) forecasts.
        """
        return self.model(x, mask)

    def _step(self, batch, stage: str):
        x, mask, y = batch["x"], batch["mask"], batch["y"]
        if "origin_mask" in batch:  # forking sequences: several origins a window (training)
            loss = self.forking_loss(batch)
            self.log_loss(stage, loss)
            return loss, None
        z, scale = self.model.scaled_forward(x, mask)  # (members, B, horizon)
        loss = self.loss(z.float(), scale, batch)  # the members' mean loss
        self.log_loss(stage, loss)
        if stage == "train":
            return loss, None
        forecast = self.model(x, mask).float()
        getattr(self, f"{stage}_metrics").update(forecast, y.float(), batch["scale"])
        if stage == "val" and self.hparams.interval_levels:
            self._calibration.append((forecast, y.float(), batch["scale"].float()))
        if stage == "test" and self.intervals is not None:
            self._coverage.append((forecast, y.float(), batch["scale"].float()))
        return loss, forecast

    def loss(self, z: torch.Tensor, scale: tuple, batch: dict) -> torch.Tensor:
        """The training loss of (members, B, horizon) scaled forecasts: the mean of
        `errors`."""
        return self.errors(z, scale, batch["y"], batch["x"], batch["mask"]).mean()

    def errors(
        self, z: torch.Tensor, scale: tuple, y: torch.Tensor, x: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Each forecast value's loss, (members, B, ...) as `z`, the scaled forecasts.

        mae/mse/huber compare them with the targets `y` (B, ...) in the scaled space;
        "mase" compares forecasts and targets in the series' units, each window's error
        divided by the mean seasonal change of its inputs `x` (B, input_length) with their
        `mask` (what MASE weighs: a smooth series' error counts more than a noisy one's);
        "smape" is the symmetric percentage error (0-2). `scale` is the (level, spread)
        pair of each window, each (B, 1).
        """
        name = self.hparams.loss
        extra = (1,) * (z.dim() - 3)  # the origins' dimension, if any
        scale = tuple(s.float().view(-1, 1, *extra) for s in scale)
        if name in SCALED_LOSSES:
            target = self.model.scale_targets(y.float(), scale).expand_as(z)
            return SCALED_LOSSES[name](z.float(), target, reduction="none")
        forecast = self.model.unscale_values(z.float(), *scale)
        y = y.float().expand_as(forecast)
        if name == "smape":
            return 2 * absolute_ratios(forecast, y)
        denominator = window_seasonal_scale(x.float(), mask, self.model.season_length)
        return (forecast - y).abs() / denominator.view(1, -1, 1, *extra)

    def forking_loss(self, batch: dict) -> torch.Tensor:
        """The loss of every origin of forking-sequence windows (`PanelWindows` with
        `origins` > 1), over the origins within each series' range. A window's scale and
        its "mase" denominator come from its first `input_length` values, known at every
        origin."""
        valid = batch["origin_mask"]  # (B, origins)
        x, mask = batch["x"], batch["mask"]
        z, scale = self.model.forecast_origins(x, mask, valid.shape[1])
        known = self.model.input_length
        errors = self.errors(z, scale, batch["y"], x[:, :known], mask[:, :known])
        weights = valid.to(errors.dtype).unsqueeze(-1).expand_as(errors)
        return (errors * weights).sum() / weights.sum().clamp_min(1)

    def _log_panel_metrics(self, stage: str) -> None:
        metrics = getattr(self, f"{stage}_metrics")
        for name, value in metrics.compute().items():
            self.log(  # computed over every process already; the same value on each
                f"{stage}/{name}", value, prog_bar=name in ("smape", "mase"), sync_dist=True
            )
        metrics.reset()

    def on_validation_epoch_end(self) -> None:
        self._log_panel_metrics("val")
        if self._calibration and not self.trainer.sanity_checking and not self.calibrated:
            forecast, truth, scale = (
                self.all_gather(torch.cat(parts)).reshape(-1, *torch.cat(parts).shape[1:])
                for parts in zip(*self._calibration, strict=True)
            )
            try:
                self.intervals = ConformalIntervals.calibrate(
                    forecast, truth, scale, self.hparams.interval_levels, self.interval_space
                )
            except ConfigError:  # too few series: training calibrates on rolling windows
                self.intervals = None
        self._calibration = []

    def test_step(self, batch, batch_idx):
        _, forecast = self._step(batch, "test")
        wanted = self._shown_series()
        for row in (torch.isin(batch["series"], wanted)).nonzero().flatten().tolist():
            if len(self._shown) < SHOWN_AT_TEST:
                self._shown.append(
                    tuple(
                        t[row].float().cpu()
                        for t in (
                            *(batch[k] for k in ("series", "x", "mask", "y")),
                            forecast,
                            batch["scale"],
                        )
                    )
                )

    def _bands(self, forecast: torch.Tensor, scale: torch.Tensor) -> dict:
        """{level: (lower, upper)} of one forecast, when the task has intervals."""
        if self.intervals is None:
            return {}
        bounds = self.intervals.bounds(forecast.unsqueeze(0), scale.view(1))
        return {level: (lo[0], hi[0]) for level, (lo, hi) in bounds.items()}

    def _shown_series(self) -> torch.Tensor:
        datamodule = getattr(self.trainer, "datamodule", None)
        ids = self.hparams.series_ids_shown or []
        if datamodule is None or not ids or getattr(datamodule, "history", None) is None:
            return torch.empty(0, dtype=torch.long, device=self.device)
        position = {str(name): i for i, name in enumerate(datamodule.history.ids)}
        return torch.tensor([position[i] for i in ids if i in position], device=self.device)

    def on_test_epoch_start(self) -> None:
        self._shown = []
        self._coverage = []

    def on_test_epoch_end(self) -> None:
        self._log_panel_metrics("test")
        if self._coverage:
            forecast, truth, scale = (
                torch.cat(parts) for parts in zip(*self._coverage, strict=True)
            )
            figures = coverage_and_width(self.intervals.bounds(forecast, scale), truth)
            for name, value in figures.items():
                self.log(f"test/{name}", value, sync_dist=True)
        if self._shown:
            from zoo.plots import forecast_grid

            ids = self.trainer.datamodule.history.ids
            panels = [
                (str(ids[int(series)]), x[mask.bool()], forecast, y, self._bands(forecast, scale))
                for series, x, mask, y, forecast, scale in self._shown
            ]
            log_figure(self, "test/forecasts", forecast_grid(panels))

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        super().on_save_checkpoint(checkpoint)
        if self.intervals is not None:
            checkpoint["zoo_intervals"] = self.intervals.to_state()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        super().on_load_checkpoint(checkpoint)
        if "zoo_intervals" in checkpoint:
            self.intervals = ConformalIntervals.from_state(checkpoint["zoo_intervals"])


class PanelForecastMetrics(Metric):
    """Panel means of sMAPE, MASE and MAPE, plus MAE and RMSE over all forecast values
    (`zoo.timeseries.metrics.panel_totals`), reduced by summing across batches and DDP
    processes: the exact panel figure whatever the batching."""

    full_state_update = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        for name in TOTALS:
            zero = torch.tensor(0.0, dtype=torch.float64)
            self.add_state(name, default=zero, dist_reduce_fx="sum")

    def update(self, forecast: torch.Tensor, truth: torch.Tensor, scale: torch.Tensor) -> None:
        for name, value in panel_totals(forecast, truth, scale).items():
            setattr(self, name, getattr(self, name) + value.to(self.device))

    def compute(self) -> dict[str, torch.Tensor]:
        return panel_figures({name: getattr(self, name) for name in TOTALS})
