"""Multilayer perceptron of sigmoid neurons, as in the classic neural-network primer."""

from collections.abc import Sequence

import torch
from torch import nn

from zoo.models.registry import register_model


@register_model("mlp")
class SigmoidMLP(nn.Module):
    """Fully connected layers of sigmoid units.

    `hidden_sizes=[2]`, `in_features=2`, `num_classes=2` is the primer's network: two inputs,
    two sigmoid hidden neurons and one output neuron. Two classes use a single output unit;
    `forward` returns pre-activation outputs (logits) so the task chooses the loss
    (MSE on sigmoid outputs, as in the primer, or cross-entropy).

    Args:
        in_features: Inputs per example (2 for the primer, 784 for a flattened digit).
        num_classes: Classes; 2 uses one output unit.
        hidden_sizes: The width of each hidden layer of sigmoid units, in order.
        dropout: Dropout after each hidden layer (0: none).
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int = 2,
        hidden_sizes: Sequence[int] = (2,),
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.num_classes = num_classes
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.Sigmoid()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, 1 if num_classes == 2 else num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The output layer's sums.

        Args:
            x: (B, ...) examples, flattened to (B, in_features).

        Returns:
            (B, 1) logits for two classes (the sigmoid of it is the output neuron's value),
            else (B, num_classes).
        """
        return self.layers(x)
