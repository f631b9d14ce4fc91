"""zoo.runs.export: TorchScript and ONNX give what PyTorch gives, from raw inputs."""

import numpy as np
import pytest
import torch

import zoo
from zoo.runs.export import ExportedNetwork, example_input, export_onnx, export_torchscript

from ..conftest import compose_config, table_frame


def test_a_table_from_python_and_its_exported_network_take_the_same_rows(table_runs):
    _, runs = table_runs
    task = zoo.load_task(runs["mlp"][1] / "checkpoints" / "last.ckpt")
    x = zoo.load_transforms(runs["mlp"][1] / "checkpoints" / "last.ckpt").raw(table_frame(5, 9))
    with torch.no_grad():
        assert torch.allclose(ExportedNetwork(task).eval()(x), task(x), atol=1e-6)


@pytest.fixture(scope="module")
def lstm_checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("rnn_run")
    cfg = compose_config(
        "model=rnn",
        "data=sine",
        "trainer.max_epochs=2",
        "logger=none",
        "model.cell=lstm",
        output_dir=out,
    )
    zoo.train(cfg)
    return out / "checkpoints" / "last.ckpt"


@pytest.mark.parametrize("which", ["cnn", "rnn", "mlp", "perceptron"])
def test_torchscript_and_onnx_match_pytorch(which, cnn_run, lstm_checkpoint, xor_runs, tmp_path):
    import onnxruntime

    xor = {model: run / "checkpoints" / "last.ckpt" for model, run in xor_runs.items()}
    checkpoint = {"cnn": cnn_run[2], "rnn": lstm_checkpoint, **xor}[which]
    task = zoo.load_task(checkpoint)
    x = example_input(task, batch=7)  # another batch size than the export's example
    with torch.no_grad():
        expected = ExportedNetwork(task).eval()(x)
        assert torch.allclose(expected, task(x), atol=1e-5)  # raw inputs, as the task takes
    scripted = export_torchscript(task, tmp_path / "model.pt")
    assert (torch.jit.load(str(tmp_path / "model.pt"))(x) - expected).abs().max() <= 1e-4
    assert (scripted(x) - expected).abs().max() <= 1e-4
    export_onnx(task, tmp_path / "model.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "model.onnx"))
    (output,) = session.run(None, {"input": x.numpy()})
    assert np.abs(output - expected.numpy()).max() <= 1e-4
