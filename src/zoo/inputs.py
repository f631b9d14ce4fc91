"""The one input contract of zoo's classifiers: raw inputs -> (x - mean) / std -> network.

Training data measure the mean and standard deviation of their raw inputs
(`ClassificationDataModule.normalization`); tasks record them in their checkpoints
(`input_mean`, `input_std`); and everything that feeds a network raw inputs normalises
through `normalise` here: a task's `forward` (so `zoo.load_task(ckpt)(raw)` works), the
shipped weights' transforms (`weights.transforms()(raw)`), a checkpoint's transforms
(`zoo.load_transforms(ckpt)(raw)`) and exported networks.
`zoo.load_model(ckpt)` returns the bare network, which reads normalised inputs.
The statistics are one number each (MNIST's pixels) or one per channel of an image or per
feature of a table row (the second dimension of a batch).
Forecasting networks have no such step: they scale each window themselves
(`zoo.timeseries.scaling`).
"""

from collections.abc import Sequence

import torch

Statistic = float | Sequence[float] | torch.Tensor


def normalise(x: torch.Tensor, mean: Statistic, std: Statistic) -> torch.Tensor:
    """Raw inputs as the network reads them: (x - mean) / std. A sequence of statistics
    holds one per entry of dimension 1 of the batch `x` (a channel, or a table's feature)."""
    if isinstance(mean, int | float) and isinstance(std, int | float):
        return (x - mean) / std
    shape = (-1,) + (1,) * (x.dim() - 2)  # (C,) -> (C, 1, 1) for (B, C, H, W) images
    mean = torch.as_tensor(mean, dtype=x.dtype, device=x.device).reshape(shape)
    std = torch.as_tensor(std, dtype=x.dtype, device=x.device).reshape(shape)
    return (x - mean) / std


def predicted_classes(scores: torch.Tensor) -> torch.Tensor:
    """(B,) classes of a classifier's (B, outputs) scores: the sign of a single output (two
    classes), else the arg max."""
    if scores.shape[1] == 1:
        return (scores[:, 0] > 0).long()
    return scores.argmax(dim=1)


def class_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """(B, classes) probabilities of a classifier's (B, outputs) logits: the sigmoid of a
    single output (two classes: [1 - p, p]), else the softmax."""
    if logits.shape[1] == 1:
        p = torch.sigmoid(logits[:, 0])
        return torch.stack([1 - p, p], dim=1)
    return logits.softmax(dim=1)
