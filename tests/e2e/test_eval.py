"""`zoo eval` (scripts/eval.py) on a GPU run's checkpoint, on this machine."""

import subprocess
import sys

from ..conftest import ROOT


def test_eval_script(cnn_run, gpu_run, tmp_path):
    _, metrics, _ = cnn_run
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "eval.py"),
            f"ckpt_path={gpu_run}",  # a GPU run, evaluated on the CPU (or a GPU, if there)
            f"hydra.run.dir={tmp_path / 'eval'}",
            "quiet=true",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"test/acc: {metrics['test/acc']:.4f}" in result.stdout
