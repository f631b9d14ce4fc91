"""Exporting a trained task's network to TorchScript and ONNX, preprocessing included.

The exported graph takes what the task's `forward` takes from a user: raw pixels in [0, 1]
for classifiers (normalisation built in), raw series values for forecasters (scaling in,
unscaling out); classifiers return logits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    import lightning as L


class ExportedNetwork(nn.Module):
    """Network plus the affine pre- and post-processing its task applies."""

    def __init__(self, task: L.LightningModule) -> None:
        super().__init__()
        self.network = task.model
        hp = task.hparams
        forecaster = "series_mean" in hp
        self.in_mean = float(hp.series_mean if forecaster else hp.input_mean)
        self.in_std = float(hp.series_std if forecaster else hp.input_std)
        self.out_mean, self.out_std = (self.in_mean, self.in_std) if forecaster else (0.0, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.network((x - self.in_mean) / self.in_std)
        return out * self.out_std + self.out_mean


def example_input(task: L.LightningModule, batch: int = 2) -> torch.Tensor:
    """A random batch of the shape the task's checkpoint says its inputs have."""
    hp = task.hparams
    if "series_mean" in hp:
        return torch.randn(batch, hp.model_kwargs["input_length"]) * hp.series_std + hp.series_mean
    return torch.rand(batch, *hp.input_shape)


def export_torchscript(task: L.LightningModule, path: str | Path) -> nn.Module:
    network = ExportedNetwork(task).eval()
    scripted = torch.jit.trace(network, example_input(task))
    scripted.save(str(path))
    return scripted


def export_onnx(task: L.LightningModule, path: str | Path) -> None:
    """ONNX with a dynamic batch dimension (input "input", output "output")."""
    network = ExportedNetwork(task).eval()
    batch = torch.export.Dim("batch", min=1)
    torch.onnx.export(
        network,
        (example_input(task),),
        str(path),
        dynamo=True,
        input_names=["input"],
        output_names=["output"],
        dynamic_shapes=({0: batch},),
    )
