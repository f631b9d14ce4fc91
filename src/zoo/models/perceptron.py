"""Rosenblatt's perceptron: one layer of threshold units."""

import torch
from torch import nn

from zoo.models.registry import register_model
from zoo.models.weights import MNIST_DATA, Weights, WeightsEnum
from zoo.transforms import DigitImages


class Perceptron_Weights(WeightsEnum):
    MNIST = Weights(
        model="perceptron",
        name="mnist",
        title="Perceptron on MNIST: one threshold unit per digit, the perceptron rule",
        data=MNIST_DATA,
        recipe=("model=perceptron", "data=mnist"),
        transform=DigitImages,
        output="(B, 10) scores w.x + b, one unit per digit; the largest wins (not probabilities)",
        output_kind="scores",
        storage="float32",  # 31 KiB: nothing worth saving; float16 moved 1 of 10,000 answers
        evaluation="mnist",
        targets={"test/acc": (">=", 0.87)},
        tolerance={"test/acc": 0.003},
        sha256="59693ce30c670e3992e7e350b317092be22eeb913198d609e4c20699fe6faf2f",
    )
    DEFAULT = MNIST  # an alias: the best weights of this model, as torchvision's


@register_model("perceptron", weights=Perceptron_Weights)
class Perceptron(nn.Module):
    """A single layer of linear threshold units.

    Two classes use one unit (fires -> class 1); more classes use one unit per class and the
    strongest one wins. `forward` returns the units' net input w.x + b (the scores);
    `predict` applies the threshold. Training is the perceptron rule, see
    `zoo.tasks.perceptron_rule`, not back-propagation.

    Args:
        in_features: Inputs per example (784 for a flattened 28x28 digit).
        num_classes: Classes to tell apart, at least 2.

    Raises:
        ValueError: If `num_classes` is below 2.
    """

    def __init__(self, in_features: int, num_classes: int = 2) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        self.num_classes = num_classes
        self.flatten = nn.Flatten()
        self.linear = nn.Linear(in_features, 1 if num_classes == 2 else num_classes)
        nn.init.zeros_(self.linear.weight)  # the rule's classic start: w = 0, b = 0
        nn.init.zeros_(self.linear.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The units' net input w.x + b.

        Args:
            x: (B, ...) examples, flattened to (B, in_features).

        Returns:
            (B, 1) scores for two classes, else (B, num_classes).
        """
        return self.linear(self.flatten(x))

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The classes the threshold units give.

        Args:
            x: (B, ...) examples.

        Returns:
            (B,) classes: 1 where the unit's score is above zero (two classes), else the
            strongest unit.
        """
        scores = self(x)
        if self.num_classes == 2:
            return (scores.squeeze(-1) > 0).long()  # Heaviside step at zero
        return scores.argmax(dim=-1)
