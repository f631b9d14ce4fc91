"""Classification: loss, accuracy, optimizer and TensorBoard summaries around any classifier."""

from typing import Literal

import torch
import torch.nn.functional as F
from torchmetrics.classification import MulticlassAccuracy, MulticlassConfusionMatrix

from zoo.constraints import Interval, Options
from zoo.inputs import class_probabilities, normalise
from zoo.models import Perceptron, create_model
from zoo.tasks.base import ZooTask
from zoo.tasks.summaries import log_figure, log_what_it_learned

MISCLASSIFIED_SHOWN = 64


class ClassificationTask(ZooTask):
    """Trains a registered network to classify.

    The network is built from its registry name and keyword arguments, which are saved in
    the checkpoint's hyperparameters, so a checkpoint rebuilds its model on its own.
    Networks with two classes have a single output unit (as the primer's).
    `loss="mse"` is the primer's mean squared error between the sigmoid outputs and the
    (one-hot) targets; `"cross_entropy"` is the usual choice for anything bigger.
    Inputs are normalised here, `(x - input_mean) / input_std`, so callers feed raw values.
    `channels_last` keeps images and convolution weights in NHWC layout (a speed choice).

    Args:
        model_name: The network's registry name.
        model_kwargs: Its constructor's arguments.
        loss: `"cross_entropy"` or the primer's `"mse"`.
        optimizer: `"sgd"`, `"adam"` or `"adamw"`.
        lr: The (peak) learning rate.
        momentum: SGD's momentum.
        weight_decay: Weight decay.
        scheduler: `"onecycle"`, `"cosine"` or None (a constant rate).
        cycle_momentum: With `"onecycle"`, also cycle the momentum (0.95 to 0.85).
        label_smoothing: Cross-entropy's label smoothing.
        input_mean: Subtracted from raw inputs.
        input_std: Raw inputs are divided by it, after the mean.
        class_names: The classes' labels, for figures and checkpoints.
        input_shape: One raw example's shape, such as `[1, 28, 28]`.
        channels_last: Keep images in NHWC layout.

    Raises:
        ValueError: For an unknown loss.
    """

    data_kind = "classification"
    parameter_constraints = {  # beside ZooTask's optimizer settings (zoo.constraints)
        "loss": Options("cross_entropy", "mse"),
        "label_smoothing": Interval(float, 0, 1, closed="left"),
        "channels_last": bool,
    }

    @classmethod
    def refuses(cls, builder) -> str | None:
        if isinstance(builder, type) and issubclass(builder, Perceptron):
            return (
                "the perceptron learns by the perceptron rule, not by gradient descent: "
                "use task=perceptron (model=perceptron's default)"
            )
        return None

    def __init__(
        self,
        model_name: str,
        model_kwargs: dict,
        loss: Literal["cross_entropy", "mse"] = "cross_entropy",
        optimizer: Literal["sgd", "adam", "adamw"] = "sgd",
        lr: float = 0.1,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        scheduler: Literal["onecycle", "cosine"] | None = None,
        cycle_momentum: bool = False,
        label_smoothing: float = 0.0,
        input_mean: float | list[float] = 0.0,  # one, or one per channel or feature
        input_std: float | list[float] = 1.0,
        class_names: list[str] | None = None,
        input_shape: list[int] | None = None,  # of one raw example, e.g. [1, 28, 28]
        input_format: dict | None = None,  # what raw records are (zoo.prediction)
        channels_last: bool = False,
    ) -> None:
        super().__init__()
        if loss not in ("cross_entropy", "mse"):
            raise ValueError(f"unknown loss {loss!r}; choose one of: cross_entropy, mse")
        self.save_hyperparameters()
        self.model = create_model(model_name, **model_kwargs)
        if channels_last:  # NHWC: faster convolutions on CPUs (oneDNN) and tensor cores
            self.model.to(memory_format=torch.channels_last)
        self.num_classes = self.model.num_classes
        self.train_acc, self.val_acc, self.test_acc = (
            MulticlassAccuracy(self.num_classes, average="micro") for _ in range(3)
        )
        self.test_confusion = MulticlassConfusionMatrix(self.num_classes)
        self._misclassified: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
        self._example: torch.Tensor | None = None  # a test digit, for the feature maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of raw inputs (normalised here).

        Args:
            x: (B, ...) raw inputs, such as images with pixels in [0, 1].

        Returns:
            (B, 1) logits for two classes, else (B, num_classes).
        """
        x = normalise(x, self.hparams.input_mean, self.hparams.input_std)
        if self.hparams.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return self.model(x)

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """Class probabilities of logits (`zoo.inputs.class_probabilities`).

        Args:
            logits: What `forward` returned.

        Returns:
            (B, num_classes) probabilities (two columns for two classes too).
        """
        return class_probabilities(logits)

    def loss(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        # one output unit for two classes (the MLP's); a CNN has one per class, even two
        binary = logits.shape[1] == 1
        if self.hparams.loss == "mse":
            target = y.float().unsqueeze(1) if binary else F.one_hot(y, self.num_classes).float()
            return F.mse_loss(torch.sigmoid(logits.float()), target)
        if binary:
            return F.binary_cross_entropy_with_logits(logits[:, 0].float(), y.float())
        return F.cross_entropy(logits.float(), y, label_smoothing=self.hparams.label_smoothing)

    def test_step(self, batch, batch_idx):
        x, y = batch
        _, preds = self._step(batch, "test")
        self.test_confusion(preds, y)
        if x.dim() == 4 and self._example is None:
            self._example = x[0].cpu()  # a digit for the feature-map picture
        wrong = preds != y
        if x.dim() == 4 and len(self._misclassified) < MISCLASSIFIED_SHOWN and wrong.any():
            self._misclassified += list(
                zip(x[wrong].cpu(), preds[wrong].cpu(), y[wrong].cpu(), strict=True)
            )

    def on_test_epoch_start(self) -> None:
        self._misclassified = []
        self._example = None

    def on_test_epoch_end(self) -> None:
        from zoo.plots import confusion_matrix_figure, misclassified_figure

        names = self.hparams.class_names or [str(i) for i in range(self.num_classes)]
        matrix = self.test_confusion.compute().cpu()
        self.test_confusion.reset()
        log_figure(self, "test/confusion_matrix", confusion_matrix_figure(matrix, names))
        if self._misclassified:
            shown = self._misclassified[:MISCLASSIFIED_SHOWN]
            log_figure(self, "test/misclassified", misclassified_figure(shown, names))
        log_what_it_learned(self, self._example)
