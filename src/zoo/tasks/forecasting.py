"""Multi-step forecasting: loss on standardised values, metrics in the series' own units."""

from typing import Literal

import torch
import torch.nn.functional as F

from zoo.models import create_model
from zoo.tasks.base import ZooTask
from zoo.tasks.summaries import log_figure

LOSSES = {"mse": F.mse_loss, "mae": F.l1_loss, "huber": F.smooth_l1_loss}


def forecast_errors(forecast: torch.Tensor, truth: torch.Tensor, mase_scale: float) -> dict:
    """MAE, RMSE, sMAPE (%) and MASE of forecasts against the truth, both (N, horizon)."""
    error = forecast - truth
    mae = error.abs().mean()
    return {
        "mae": mae,
        "rmse": error.square().mean().sqrt(),
        "smape": 200 * (error.abs() / (forecast.abs() + truth.abs()).clamp_min(1e-8)).mean(),
        "mase": mae / mase_scale,
    }


class ForecastingTask(ZooTask):
    """Trains a registered forecaster on windows of a standardised series.

    The series' training mean and standard deviation, its season length and the MASE
    denominator are hyperparameters, saved in the checkpoint, so `forecast` works on raw
    values without the data module.
    """

    data_kind = "forecasting"

    def __init__(
        self,
        model_name: str,
        model_kwargs: dict,
        loss: Literal["mse", "mae", "huber"] = "mse",
        optimizer: Literal["sgd", "adam", "adamw"] = "adamw",
        lr: float = 3e-3,
        weight_decay: float = 0.0,
        scheduler: Literal["onecycle", "cosine"] | None = "cosine",
        series_mean: float = 0.0,
        series_std: float = 1.0,
        season_length: int = 1,
        mase_scale: float = 1.0,
    ) -> None:
        super().__init__()
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of: {', '.join(LOSSES)}")
        self.save_hyperparameters()
        self.model = create_model(model_name, **model_kwargs)
        self._test_example: tuple[torch.Tensor, ...] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, input_length) standardised values -> (B, horizon) standardised forecasts."""
        return self.model(x)

    def unscale(self, values: torch.Tensor) -> torch.Tensor:
        return values * self.hparams.series_std + self.hparams.series_mean

    @torch.no_grad()
    def forecast(self, history: torch.Tensor) -> torch.Tensor:
        """The next `horizon` values after `history` (raw units, last input_length used)."""
        length = self.hparams.model_kwargs.get("input_length") or len(history)
        x = (history[-length:].float() - self.hparams.series_mean) / self.hparams.series_std
        return self.unscale(self(x.unsqueeze(0).to(self.device)))[0].cpu()

    def _step(self, batch, stage: str):
        x, y = batch
        prediction = self(x)
        loss = LOSSES[self.hparams.loss](prediction, y)
        self.log_loss(stage, loss)
        if stage != "train":
            errors = forecast_errors(
                self.unscale(prediction), self.unscale(y), self.hparams.mase_scale
            )
            for name, value in errors.items():
                self.log(
                    f"{stage}/{name}", value, on_epoch=True, prog_bar=name == "mase", sync_dist=True
                )
        return loss, prediction

    def test_step(self, batch, batch_idx):
        x, y = batch
        _, prediction = self._step(batch, "test")
        # the latest test window: the forecast from the end of the known series
        self._test_example = tuple(self.unscale(t[-1]).cpu() for t in (x, y, prediction))

    def predict_step(self, batch, batch_idx):
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self.unscale(self(x))

    def on_test_epoch_end(self) -> None:
        from zoo.plots import forecast_figure

        if self._test_example is not None:
            history, truth, forecast = self._test_example
            log_figure(self, "test/forecast", forecast_figure(history, forecast, truth))
