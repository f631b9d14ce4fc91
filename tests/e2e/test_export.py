"""`zoo export` (scripts/export.py): both formats, checked, never over a file."""

import subprocess
import sys

import torch

import zoo

from ..conftest import ROOT


def test_export_script_writes_both_formats_checks_them_and_never_overwrites(xor_runs, tmp_path):
    command = [
        sys.executable,
        str(ROOT / "scripts" / "export.py"),
        str(xor_runs["perceptron"] / "checkpoints" / "last.ckpt"),
        "--out",
        str(tmp_path / "exported" / "perceptron"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for suffix in (".pt", ".onnx"):
        path = tmp_path / "exported" / f"perceptron{suffix}"
        assert path.stat().st_size > 0
        difference = next(line for line in result.stdout.splitlines() if str(path) in line)
        assert float(difference.split("difference| ")[1].rstrip(")")) <= 1e-5
    scripted = torch.jit.load(str(tmp_path / "exported" / "perceptron.pt"))
    x = torch.randn(6, 2)
    with torch.no_grad():
        assert torch.allclose(
            scripted(x), zoo.load_task(xor_runs["perceptron"] / "checkpoints" / "last.ckpt")(x)
        )
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode != 0 and "exists" in again.stderr and "Traceback" not in again.stderr
