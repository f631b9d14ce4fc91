"""Convolutional network for small images such as MNIST digits."""

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from zoo.constraints import Interval, ListOf
from zoo.models.registry import register_model
from zoo.models.weights import DIGIT_OUTPUT, MNIST_DATA, Weights, WeightsEnum
from zoo.transforms import DigitImages


def averaging_matrix(size_in: int, size_out: int) -> torch.Tensor:
    """(size_out, size_in): row i averages the inputs adaptive pooling gives output i,
    [floor(i * in / out), ceil((i + 1) * in / out))."""
    i = torch.arange(size_out).unsqueeze(1)
    start, end = i * size_in // size_out, -(-(i + 1) * size_in // size_out)
    j = torch.arange(size_in)
    return ((j >= start) & (j < end)) / (end - start)


class AdaptiveAvgPool(nn.Module):
    """`nn.AdaptiveAvgPool2d(size)`, from operations with deterministic CUDA backward passes.

    AdaptiveAvgPool2d's CUDA backward has none, so `trainer.deterministic=true` would raise
    on a GPU. The same averages come from a mean (size 1), average pooling (when the input
    divides evenly) or, for overlapping windows, products with averaging matrices.
    """

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W) -> (B, C, s, s)
        s, (h, w) = self.size, x.shape[-2:]
        if s == 1:
            return x.mean(dim=(-2, -1), keepdim=True)
        if h % s == 0 and w % s == 0:
            return F.avg_pool2d(x, (h // s, w // s))
        rows = averaging_matrix(h, s).to(x.device, x.dtype)  # (s, H)
        cols = averaging_matrix(w, s).to(x.device, x.dtype)  # (s, W)
        return rows @ x @ cols.T

    def extra_repr(self) -> str:
        return f"size={self.size}"


def conv_block(in_channels: int, out_channels: int, pool: bool = False) -> nn.Sequential:
    """3x3 convolution -> (2x2 max pooling) -> batch norm -> ReLU.

    Pooling comes straight after the convolution: max pooling commutes with ReLU, and batch
    norm and ReLU, which are memory-bound and cost more than the convolutions on a CPU,
    then touch a quarter of the values (training steps 1.7x faster, measured). The bias is
    redundant before batch norm.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.MaxPool2d(2) if pool else nn.Identity(),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class CNN_Weights(WeightsEnum):  # torchvision's naming: <Model>_Weights.<DATA>
    MNIST = Weights(
        model="cnn",
        name="mnist",
        title="CNN 32-64-128 on MNIST (the default recipe)",
        data=MNIST_DATA + ". Training images randomly shifted and rotated (augment=true)",
        recipe=("model=cnn",),
        transform=DigitImages,
        output=DIGIT_OUTPUT,
        evaluation="mnist",
        targets={"test/acc": (">=", 0.996)},
        tolerance={"test/acc": 0.002},
        sha256="0ab9ab76f1ee8e6103a2f95847ccdf68961d986d469d09b0dcdbbbfe87fc1fe6",
    )
    DEFAULT = MNIST  # an alias: the best weights of this model, as torchvision's


@register_model("cnn", weights=CNN_Weights)
class CNN(nn.Module):
    """Stages of `convs_per_stage` conv blocks, each stage halving the resolution.

    More stages or convs per stage trade CPU time for accuracy. The last feature map is
    average-pooled to `pool_size` x `pool_size` (1: global pooling; more keeps the layout of
    the strokes, which digits need) and feeds, through dropout, a linear classifier, so
    any input size works.

    Args:
        in_channels: Channels of the input images (1 for MNIST).
        num_classes: Classes to tell apart.
        channels: Output channels of each stage; each stage halves the resolution.
        convs_per_stage: 3x3 conv blocks (convolution, batch norm, ReLU) per stage.
        dropout: Dropout before the linear classifier.
        pool_size: Side of the average-pooled last feature map (1: global pooling).
    """

    input_layout = ("C", "H", "W")  # of one example: images only
    parameter_constraints = {  # its settings (zoo.constraints); the data gives the sizes
        "channels": ListOf(Interval(int, 1, None), min_length=1),
        "convs_per_stage": Interval(int, 1, None),
        "dropout": Interval(float, 0, 1, closed="left"),
        "pool_size": Interval(int, 1, None),
    }

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        channels: Sequence[int] = (32, 64),
        convs_per_stage: int = 1,
        dropout: float = 0.1,
        pool_size: int = 1,
    ) -> None:
        super().__init__()
        self.num_classes = num_classes
        stages: list[nn.Module] = []
        width = in_channels
        for out_channels in channels:
            for i in range(convs_per_stage):
                stages.append(conv_block(width, out_channels, pool=i == convs_per_stage - 1))
                width = out_channels
        self.features = nn.Sequential(*stages)
        self.classifier = nn.Sequential(
            AdaptiveAvgPool(pool_size),
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(width * pool_size**2, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores of normalised images.

        Args:
            x: (B, in_channels, H, W) images, normalised as in training
                (`weights.transforms()` does it for the shipped weights).

        Returns:
            (B, num_classes) logits.
        """
        return self.classifier(self.features(x))
