"""Training by Rosenblatt's perceptron rule rather than by gradients of a loss."""

import torch
from torchmetrics.classification import MulticlassAccuracy

from zoo.errors import ConfigError
from zoo.inputs import normalise
from zoo.models import Perceptron, create_model
from zoo.tasks.base import ZooTask
from zoo.tasks.summaries import log_what_it_learned


@torch.no_grad()
def perceptron_rule(model: Perceptron, x: torch.Tensor, y: torch.Tensor, lr: float = 1.0) -> int:
    """Rosenblatt's rule, one example at a time; returns the number of mistakes.

    Only a mistake changes anything. Two classes (targets t = +1 / -1 for labels 1 / 0):
    w += lr * t * x and b += lr * t. More classes: the true class's unit moves towards x,
    the wrongly winning unit away from it.

    The examples are checked a batch at a time: the scores of all those not yet visited
    come from one matrix product with the current weights, the first mistake among them is
    corrected, and checking resumes after it. That is exactly the one-at-a-time rule, but
    the host waits for the device once per mistake, not once per example. It runs in fp32,
    under autocast too: a threshold decision must not depend on bf16 rounding.

    Args:
        model: The perceptron, updated in place.
        x: (B, ...) inputs, as the model reads them (normalised).
        y: (B,) labels.
        lr: The learning rate: how much of an input a mistake adds or subtracts.

    Returns:
        The number of mistakes (0: every example was already right).
    """
    w, b = model.linear.weight, model.linear.bias  # (units, D), (units,)
    x = x.flatten(1).to(w.dtype)
    y = y.to(x.device)
    mistakes, start = 0, 0
    with torch.autocast(x.device.type, enabled=False):
        while start < len(x):
            scores = x[start:] @ w.T + b  # (N - start, units)
            if model.num_classes == 2:
                guesses = (scores[:, 0] > 0).long()
                wrong = (y[start:] * 2 - 1) * scores[:, 0] <= 0  # wrong side of the line, or on it
            else:
                guesses = scores.argmax(dim=1)
                wrong = guesses != y[start:]
            first = wrong.to(torch.uint8).argmax()  # the first mistake, if there is one
            found, offset, label, guess = torch.stack(
                [wrong[first].long(), first, y[start + first], guesses[first]]
            ).tolist()  # the one read of this pass
            if not found:
                break
            i = start + offset
            if model.num_classes == 2:
                t = 1.0 if label == 1 else -1.0
                w[0] += lr * t * x[i]
                b[0] += lr * t
            else:
                w[label] += lr * x[i]
                b[label] += lr
                w[guess] -= lr * x[i]
                b[guess] -= lr
            mistakes += 1
            start = i + 1
    return mistakes


class PerceptronRule(torch.optim.Optimizer):
    """The perceptron rule as an optimizer, so that Lightning counts its updates as training
    steps (checkpoints, `max_steps`, logging intervals): `step(x=..., y=...)` applies the
    rule to one batch of normalised inputs and returns the number of mistakes."""

    def __init__(self, model: Perceptron, lr: float = 1.0) -> None:
        super().__init__(model.parameters(), {"lr": lr})
        self.model = model

    def step(self, closure=None, *, x: torch.Tensor, y: torch.Tensor) -> int:
        if closure is not None:
            closure()
        return perceptron_rule(self.model, x, y, self.param_groups[0]["lr"])


def perceptron_criterion(scores: torch.Tensor, y: torch.Tensor, num_classes: int) -> torch.Tensor:
    """The loss whose stochastic gradient step is the perceptron rule; what the perceptron
    task logs as its loss.

    Args:
        scores: (B, 1) or (B, num_classes) scores of a `Perceptron`.
        y: (B,) labels.
        num_classes: The perceptron's classes.

    Returns:
        The mean criterion, 0 when every example is right.
    """
    if num_classes == 2:
        t = y.float() * 2 - 1
        return torch.relu(-t * scores[:, 0]).mean()
    true_score = scores.gather(1, y.unsqueeze(1)).squeeze(1)
    return (scores.max(dim=1).values - true_score).mean()


class PerceptronTask(ZooTask):
    """Fits a `Perceptron` with the perceptron rule; logs its criterion as the loss.

    Scores and updates are computed in fp32 whatever the trainer's precision.

    Args:
        model_name: The network's registry name (`"perceptron"`).
        model_kwargs: Its constructor's arguments.
        lr: The rule's learning rate.
        input_mean: Subtracted from raw inputs.
        input_std: Raw inputs are divided by it, after the mean.
        class_names: The classes' labels.
        input_shape: One raw example's shape.

    Raises:
        zoo.ConfigError: If the model is not a perceptron.
    """

    data_kind = "classification"
    required_precision = "32-true"  # the rule gains nothing from mixed precision

    @classmethod
    def refuses(cls, builder) -> str | None:
        if isinstance(builder, type) and issubclass(builder, Perceptron):
            return None
        return (
            "the perceptron rule trains model=perceptron only; other classifiers learn "
            "by gradient descent with task=classification (their default)"
        )

    def __init__(
        self,
        model_name: str,
        model_kwargs: dict,
        lr: float = 1.0,
        input_mean: float | list[float] = 0.0,  # one, or one per channel or feature
        input_std: float | list[float] = 1.0,
        class_names: list[str] | None = None,
        input_shape: list[int] | None = None,  # of one raw example, e.g. [1, 28, 28]
        input_format: dict | None = None,  # what raw records are (zoo.prediction)
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.automatic_optimization = False  # the rule updates the weights, not gradients
        self.model = create_model(model_name, **model_kwargs)
        if refusal := self.refuses(type(self.model)):
            raise ConfigError(refusal)
        self.num_classes = self.model.num_classes
        self.train_acc, self.val_acc, self.test_acc = (
            MulticlassAccuracy(self.num_classes, average="micro") for _ in range(3)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(x.device.type, enabled=False):  # thresholds decide in fp32
            return self.model(normalise(x, self.hparams.input_mean, self.hparams.input_std).float())

    def loss(self, scores: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return perceptron_criterion(scores, y, self.num_classes)

    def training_step(self, batch, batch_idx):
        x, y = batch
        self._step(batch, "train")  # before the update: what the rule is correcting
        normalised = normalise(x, self.hparams.input_mean, self.hparams.input_std)
        mistakes = self.optimizers().step(x=normalised, y=y)
        self.log("train/mistakes", float(mistakes), on_step=False, on_epoch=True, reduce_fx="sum")

    def test_step(self, batch, batch_idx):
        self._step(batch, "test")

    def on_test_epoch_end(self) -> None:
        log_what_it_learned(self)  # on MNIST: the ten weight templates

    def configure_optimizers(self):
        if getattr(self.trainer.precision_plugin, "scaler", None) is not None:
            raise ConfigError(
                "the perceptron rule runs in fp32 and has no gradients to scale: train it "
                "with trainer.precision=32-true, not 16-mixed"
            )
        return PerceptronRule(self.model, self.hparams.lr)
