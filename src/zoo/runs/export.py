"""Exporting a trained task's network to TorchScript and ONNX, preprocessing included.

The exported graph takes what the task's `forward` takes from a user: raw pixels in [0, 1]
for image classifiers, a table's encoded rows (`zoo.tables`) for table classifiers
(normalisation built in), raw series values for forecasting networks (scaling in,
unscaling out, inside the network); classifiers return logits. An exported forecasting network
reads a full window of `input_length` observed values.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from zoo.files import write_file
from zoo.inputs import normalise

if TYPE_CHECKING:
    import lightning as L


class ExportedNetwork(nn.Module):
    """Network plus the affine pre- and post-processing its task applies."""

    def __init__(self, task: L.LightningModule) -> None:
        super().__init__()
        self.network = task.model
        hp = task.hparams
        # one number, or one per channel or feature; forecasting networks scale inside the network
        self.register_buffer("in_mean", torch.tensor(hp.get("input_mean", 0.0)))
        self.register_buffer("in_std", torch.tensor(hp.get("input_std", 1.0)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(normalise(x, self.in_mean, self.in_std))


def example_input(task: L.LightningModule, batch: int = 2) -> torch.Tensor:
    """A random batch of the shape the task's checkpoint says its inputs have."""
    hp = task.hparams
    if task.data_kind == "forecasting":  # a full window of positive raw values
        return torch.rand(batch, hp.model_kwargs["input_length"]) * 100 + 50
    return torch.rand(batch, *hp.input_shape)


def export_torchscript(task: L.LightningModule, path: str | Path) -> nn.Module:
    """TorchScript, written as a new file (an existing one is refused, never replaced)."""
    network = ExportedNetwork(task).eval()
    scripted = torch.jit.trace(network, example_input(task))
    buffer = io.BytesIO()
    torch.jit.save(scripted, buffer)
    write_file(path, buffer.getbuffer())
    return scripted


def export_onnx(task: L.LightningModule, path: str | Path) -> None:
    """ONNX with a dynamic batch dimension (input "input", output "output"), written as a
    new file."""
    network = ExportedNetwork(task).eval()
    batch = torch.export.Dim("batch", min=1)
    program = torch.onnx.export(
        network,
        (example_input(task),),
        dynamo=True,
        input_names=["input"],
        output_names=["output"],
        dynamic_shapes=({0: batch},),
    )
    write_file(path, program.model_proto.SerializeToString())
