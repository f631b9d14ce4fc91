"""What a run's log says of its training budget and of its best validation loss."""

import logging
import math

import lightning as L
from lightning.pytorch.callbacks import EarlyStopping

log = logging.getLogger(__name__)


def counted(number: int, noun: str) -> str:
    """A count and its noun, singular or plural: "1 step", "1,738 steps"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


class BudgetLog(L.Callback):
    """A Lightning callback that logs the budget of training steps when training starts
    (the epochs allowed times the steps an epoch, or `max_steps` when fewer) and, when it
    ends, the epoch of the best validation loss among those run. With `warn_first` (the
    run keeps the best epoch's network) it warns when that was the first of three or more:
    the later epochs did not improve on it, so the network kept is not trained well (a
    learning rate too high for the data, or epochs too long for it). Epochs count from 0, as
    the checkpoints' names do."""

    def __init__(self, monitor: str = "val/loss", warn_first: bool = True) -> None:
        self.monitor, self.warn_first = monitor, warn_first
        self.losses: list[tuple[int, int, float]] = []  # (epoch, step, loss) per validation

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.losses = []
        per_epoch, epochs, steps = (
            trainer.num_training_batches,
            trainer.max_epochs,
            trainer.max_steps,
        )
        if not trainer.is_global_zero or not math.isfinite(per_epoch):
            return
        by_epochs = per_epoch * epochs if epochs is not None and epochs >= 0 else math.inf
        each = f"of {counted(per_epoch, 'step')}"
        if steps is not None and 0 <= steps < by_epochs:
            budget = f"{counted(steps, 'step')} (max_steps; epochs {each})"
        elif math.isinf(by_epochs):
            budget = f"no limit (epochs {each})"
        else:
            budget = f"{counted(by_epochs, 'step')} ({counted(epochs, 'epoch')} {each})"
        if any(isinstance(c, EarlyStopping) for c in trainer.callbacks):
            budget += "; early stopping may end it sooner"
        log.info("training budget: %s", budget)

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        loss = trainer.callback_metrics.get(self.monitor)
        if trainer.sanity_checking or loss is None:
            return
        self.losses.append((trainer.current_epoch, trainer.global_step, float(loss)))

    def on_train_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if not self.losses or not trainer.is_global_zero:
            return
        finite = [entry for entry in self.losses if math.isfinite(entry[2])]
        if not finite:
            return
        epoch, step, loss = min(finite, key=lambda entry: entry[2])
        last_epoch, last_step, _ = self.losses[-1]
        log.info(
            "best %s %.6g at epoch %d (step %d); training ended at epoch %d (step %d)",
            self.monitor,
            loss,
            epoch,
            step,
            last_epoch,
            last_step,
        )
        first = (epoch, step) == self.losses[0][:2]
        if self.warn_first and first and len(self.losses) >= 3:
            log.warning(
                "the best %s came at the first validation (epoch %d) and no later epoch "
                "improved on it: the network is not trained well; try a smaller learning "
                "rate (task.lr=..., or RNN(lr=...))",
                self.monitor,
                epoch,
            )
