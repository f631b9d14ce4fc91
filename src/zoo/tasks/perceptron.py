"""Training by Rosenblatt's perceptron rule rather than by gradients of a loss."""

import torch
from torchmetrics.classification import MulticlassAccuracy

from zoo.models import Perceptron, create_model
from zoo.tasks.base import ZooTask


@torch.no_grad()
def perceptron_rule(model: Perceptron, x: torch.Tensor, y: torch.Tensor, lr: float = 1.0) -> int:
    """Rosenblatt's rule, one example at a time; returns the number of mistakes.

    Only a mistake changes anything. Two classes (targets t = +1 / -1 for labels 1 / 0):
    w += lr * t * x and b += lr * t. More classes: the true class's unit moves towards x,
    the wrongly winning unit away from it.
    """
    w, b = model.linear.weight, model.linear.bias  # (units, D), (units,)
    mistakes = 0
    for xi, yi in zip(x.flatten(1).to(w.dtype), y.tolist(), strict=True):
        if model.num_classes == 2:
            t = 1.0 if yi == 1 else -1.0
            if t * (w[0] @ xi + b[0]) <= 0:  # wrong side of the line, or on it
                w[0] += lr * t * xi
                b[0] += lr * t
                mistakes += 1
        else:
            guess = int((w @ xi + b).argmax())
            if guess != yi:
                w[yi] += lr * xi
                b[yi] += lr
                w[guess] -= lr * xi
                b[guess] -= lr
                mistakes += 1
    return mistakes


def perceptron_criterion(scores: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """The loss whose stochastic gradient step is the perceptron rule (0 when all correct)."""
    if num_classes == 2:
        t = y.float() * 2 - 1
        return torch.relu(-t * scores[:, 0]).mean()
    true_score = scores.gather(1, y.unsqueeze(1)).squeeze(1)
    return (scores.max(dim=1).values - true_score).mean()


class PerceptronTask(ZooTask):
    """Fits a `Perceptron` with the perceptron rule; logs its criterion as the loss."""

    data_kind = "classification"

    def __init__(
        self,
        model_name: str,
        model_kwargs: dict,
        lr: float = 1.0,
        input_mean: float = 0.0,
        input_std: float = 1.0,
        class_names: list[str] | None = None,
        input_shape: list[int] | None = None,  # of one raw example, e.g. [1, 28, 28]
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.automatic_optimization = False  # no optimizer: the rule updates the weights
        self.model = create_model(model_name, **model_kwargs)
        if not isinstance(self.model, Perceptron):
            raise TypeError(f"the perceptron rule trains a Perceptron, not {model_name!r}")
        self.num_classes = self.model.num_classes
        self.train_acc, self.val_acc, self.test_acc = (
            MulticlassAccuracy(self.num_classes, average="micro") for _ in range(3)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model((x - self.hparams.input_mean) / self.hparams.input_std)

    def predict_classes(self, scores: torch.Tensor) -> torch.Tensor:
        if self.num_classes == 2:
            return (scores[:, 0] > 0).long()
        return scores.argmax(dim=1)

    def _step(self, batch, stage: str):
        x, y = batch
        scores = self(x)
        loss = perceptron_criterion(scores, y, self.num_classes)
        predictions = self.predict_classes(scores)
        self.log_loss(stage, loss)
        self.log_accuracy(stage, predictions, y)
        return loss, predictions

    def training_step(self, batch, batch_idx):
        x, y = batch
        self._step(batch, "train")  # before the update: what the rule is correcting
        normalised = (x - self.hparams.input_mean) / self.hparams.input_std
        mistakes = perceptron_rule(self.model, normalised, y, self.hparams.lr)
        self.log("train/mistakes", float(mistakes), on_step=False, on_epoch=True, reduce_fx="sum")

    def test_step(self, batch, batch_idx):
        self._step(batch, "test")

    def predict_step(self, batch, batch_idx):
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        return self.predict_classes(self(x))

    def configure_optimizers(self):
        return None  # the perceptron rule needs no optimizer
