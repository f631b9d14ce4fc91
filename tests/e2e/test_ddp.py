"""Distributed training on two CPU processes (gloo): both ranks end with the same weights
and metrics."""

import json
import os
import subprocess
import sys

import torch

from ..conftest import ROOT

DDP_SCRIPT = """
import json, os, sys
import lightning as L, torch
sys.path.insert(0, {root!r})
from tests.conftest import compose_config
import zoo

class SaveWeights(L.Callback):
    def on_fit_end(self, trainer, module):
        path = os.path.join({out!r}, f"weights_rank{{trainer.global_rank}}.pt")
        torch.save(module.state_dict(), path)

cfg = compose_config("model=mlp", "data=xor", "trainer=ddp", "trainer.accelerator=cpu",
                     "trainer.devices=2", "trainer.max_epochs=8", "logger=none",
                     output_dir={out!r})
metrics = zoo.train(cfg, extra_callbacks=[SaveWeights()]).metrics
rank = os.environ.get("LOCAL_RANK", "0")
with open(os.path.join({out!r}, f"metrics_rank{{rank}}.json"), "w") as f:
    json.dump(metrics, f)
"""


def test_two_process_cpu_ddp_trains_and_agrees(tmp_path):
    script = tmp_path / "ddp_run.py"
    script.write_text(DDP_SCRIPT.format(root=str(ROOT), out=str(tmp_path / "run")))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [json.loads((tmp_path / "run" / f"metrics_rank{r}.json").read_text()) for r in (0, 1)]
    for key in ("val/loss", "val/acc", "test/acc", "test/loss"):
        assert ranks[0][key] == ranks[1][key], key
    assert ranks[0]["val/acc"] > 0.8  # it learned (chance is 0.5; 4 epochs were too few to tell)
    # the metrics are synchronised anyway; the weights agree only if the gradients were
    weights = [
        torch.load(tmp_path / "run" / f"weights_rank{r}.pt", weights_only=True) for r in (0, 1)
    ]
    assert weights[0].keys() == weights[1].keys()
    for name in weights[0]:
        assert torch.equal(weights[0][name], weights[1][name]), name
