"""What every zoo task shares: metric names, checkpoint tagging, optimizer from hparams."""

import lightning as L
import torch

from zoo.constraints import FromData, Interval, ListOf, Options
from zoo.inputs import predicted_classes
from zoo.tasks.optim import OPTIMIZERS, SCHEDULERS, configure_optimization
from zoo.tasks.summaries import log_decision_boundary

ABOVE_ZERO = Interval(float, 0, None, closed="neither")


class ZooTask(L.LightningModule):
    """Base of the tasks: logs `{stage}/loss` (per step and epoch when training, epoch
    otherwise, averaged over DDP processes) and `train/lr`, tags checkpoints with the task
    class for `zoo.load_task`, and builds the optimizer its hyperparameters name."""

    data_kind: str  # the `kind` of data module the task trains on
    required_precision: str | None = None  # a trainer precision the task must have, if any
    # the optimizer's settings, for the tasks that take them (zoo.constraints), and the
    # normalisation the data gives: a divisor, so above 0
    parameter_constraints = {
        "optimizer": Options(*OPTIMIZERS),
        "lr": Interval(float, 0, None, closed="neither"),
        "momentum": Interval(float, 0, 1, closed="left"),
        "weight_decay": Interval(float, 0, None),
        "scheduler": (Options(*(s for s in SCHEDULERS if s)), None),
        "cycle_momentum": bool,
        "input_std": FromData((ABOVE_ZERO, ListOf(ABOVE_ZERO))),
    }

    @classmethod
    def refuses(cls, builder) -> str | None:
        """Why this task cannot train the networks `builder` builds (naming what can), or
        None if it can."""
        return None

    def loss(self, scores: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The loss of (B, outputs) `scores` against (B,) labels: each classifier's own."""
        raise NotImplementedError

    def _step(self, batch, stage: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Loss and predicted classes of a batch `(x, y)`, logged under `stage` with the
        accuracy: the classifiers' step, their `loss` aside (forecasting has its own)."""
        x, y = batch
        scores = self(x)
        loss = self.loss(scores, y)
        predictions = self.predict_classes(scores)
        self.log_loss(stage, loss)
        self.log_accuracy(stage, predictions, y)
        return loss, predictions

    def training_step(self, batch, batch_idx: int):
        return self._step(batch, "train")[0]

    def validation_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "val")

    def log_loss(self, stage: str, loss: torch.Tensor) -> None:
        training = stage == "train"
        self.log(
            f"{stage}/loss",
            loss,
            on_step=training,
            on_epoch=True,
            prog_bar=True,
            sync_dist=not training,
        )

    def class_one_probability(self, x: torch.Tensor) -> torch.Tensor:
        """(B,) the probability of class 1 for raw inputs (0 or 1 for the perceptron, which
        has no probabilities): what a decision-boundary picture shades."""
        scores = self(x)
        if hasattr(self, "probabilities"):
            return self.probabilities(scores)[:, 1]
        return self.predict_classes(scores).float()

    def on_train_epoch_end(self) -> None:
        if self.data_kind == "classification":
            log_decision_boundary(self)

    def predict_classes(self, scores: torch.Tensor) -> torch.Tensor:
        """(B,) classes of (B, outputs) scores (`zoo.inputs.predicted_classes`)."""
        return predicted_classes(scores)

    def log_accuracy(self, stage: str, predictions: torch.Tensor, y: torch.Tensor) -> None:
        accuracy = getattr(self, f"{stage}_acc")  # a torchmetrics Accuracy per stage
        accuracy(predictions, y)
        self.log(f"{stage}/acc", accuracy, on_step=False, on_epoch=True, prog_bar=True)

    def on_train_batch_start(self, batch, batch_idx: int) -> None:
        if self.automatic_optimization:  # the perceptron rule has no learning-rate schedule
            lr = self.optimizers().param_groups[0]["lr"]
            self.log("train/lr", lr, on_step=True, on_epoch=False)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["zoo_task"] = type(self).__name__  # zoo.load_task rebuilds this class
        # dropout and augmentation draw from torch's generators: a resumed run continues them
        checkpoint["zoo_rng_state"] = {
            "cpu": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else [],
        }

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        state = checkpoint.get("zoo_rng_state")
        if state is None or self._trainer is None:  # load_from_checkpoint: leave them alone
            return
        torch.set_rng_state(state["cpu"].cpu())
        if state["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(
                [s.cpu() for s in state["cuda"]][: torch.cuda.device_count()]
            )

    def configure_optimizers(self):
        hp = self.hparams
        return configure_optimization(
            self.parameters(),
            total_steps=self.trainer.estimated_stepping_batches,
            optimizer=hp.optimizer,
            lr=hp.lr,
            momentum=hp.get("momentum", 0.0),
            weight_decay=hp.weight_decay,
            scheduler=hp.scheduler,
            cycle_momentum=hp.get("cycle_momentum", False),
        )
