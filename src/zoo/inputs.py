"""The one input contract of zoo's classifiers: raw inputs -> (x - mean) / std -> network.

Training data measure the mean and standard deviation of their raw inputs
(`ClassificationDataModule.normalization`); tasks record them in their checkpoints
(`input_mean`, `input_std`); and everything that feeds a network raw inputs normalises
through `normalise` here: a task's `forward` (so `zoo.load_task(ckpt)(raw)` works), the
shipped weights' transforms (`weights.transforms()(raw)`) and exported networks.
`zoo.load_model(ckpt)` returns the bare network, which reads normalised inputs.
Forecasters have no such step: they scale each window themselves (`zoo.timeseries.scaling`).
"""

import torch


def normalise(x: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """Raw inputs as the network reads them: (x - mean) / std."""
    return (x - mean) / std


def predicted_classes(scores: torch.Tensor) -> torch.Tensor:
    """(B,) classes of a classifier's (B, outputs) scores: the sign of a single output (two
    classes), else the arg max."""
    if scores.shape[1] == 1:
        return (scores[:, 0] > 0).long()
    return scores.argmax(dim=1)
