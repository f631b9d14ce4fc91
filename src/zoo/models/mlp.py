"""Multilayer perceptron of sigmoid neurons, as in the classic neural-network primer."""

from collections.abc import Sequence

import torch
from torch import nn

from zoo.constraints import Interval, ListOf
from zoo.models.registry import register_model
from zoo.models.weights import DIGIT_OUTPUT, MNIST_DATA, Weights, WeightsEnum
from zoo.transforms import DigitImages, PrimerFeatures


class SigmoidMLP_Weights(WeightsEnum):
    MNIST = Weights(
        model="mlp",
        name="mnist",
        title="Sigmoid MLP 784-512-256-10 on MNIST",
        data=MNIST_DATA,
        recipe=("model=mlp",),
        transform=DigitImages,
        output=DIGIT_OUTPUT,
        evaluation="mnist",
        targets={"test/acc": (">=", 0.983)},
        tolerance={"test/acc": 0.002},
        sha256="e477c49d9f0e994486b34debb57bc0a09d7f6dcc527460934b0079def7da0b9c",
    )
    PRIMER = Weights(
        model="mlp",
        name="primer",
        title="The primer's 2-2-1 sigmoid network (MSE, SGD)",
        data=(
            "the primer's four people (Alice, Bob, Charlie, Diana: weight, height, 1 = "
            "female) for training, 1,000 epochs; Emily and Frank, never trained on, as the "
            "test pair"
        ),
        recipe=("model=mlp", "data=primer"),
        transform=PrimerFeatures,
        output="(B, 1) logit of 'female'; its sigmoid is the primer's output neuron",
        evaluation="primer",
        checkpoint="last",
        storage="float32",  # nine parameters: nothing to save
        targets={"test/acc": (">=", 1.0)},
        tolerance={"test/acc": 0.0},
        notes=(
            "The recipe's validation pair is its test pair (Emily and Frank), so the shipped "
            "weights are those of the last epoch, not the checkpoint with the lowest "
            "validation loss: nothing was chosen on the test pair."
        ),
        sha256="93b9b5be3944233c68c3bc8e26409dc981eb87b405e57d23797068ce079fcce4",
    )
    DEFAULT = MNIST  # an alias: the best weights of this model, as torchvision's


@register_model("mlp", weights=SigmoidMLP_Weights)
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

    parameter_constraints = {  # its settings (zoo.constraints); the data gives the sizes
        "hidden_sizes": ListOf(Interval(int, 1, None)),
        "dropout": Interval(float, 0, 1, closed="left"),
    }

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
