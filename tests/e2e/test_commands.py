"""Every command refuses a damaged checkpoint in one line naming it (issue 28)."""

import shutil

import numpy as np
import pandas as pd

from ..conftest import run_script, tampered


def negative_horizon(checkpoint) -> None:
    checkpoint["hyper_parameters"]["model_kwargs"]["horizon"] = -5


def test_every_command_refuses_a_damaged_checkpoint_in_one_line(rnn_checkpoint, tmp_path):
    run = tmp_path / "run"  # eval reads the run's config.yaml beside the checkpoint
    shutil.copytree(rnn_checkpoint.parents[1], run)
    path = tampered(rnn_checkpoint, run / "checkpoints", negative_horizon)
    dates = pd.date_range("2000-01-01", periods=40, freq="MS")
    data = tmp_path / "sales.csv"
    pd.DataFrame({"unique_id": "a", "ds": dates, "y": 10 + np.arange(40.0)}).to_csv(data)
    (tmp_path / "digit.png").write_bytes(b"")
    runs = {
        "eval": run_script("eval", f"ckpt_path={path}", f"hydra.run.dir={tmp_path / 'e'}"),
        "predict": run_script("predict", path, tmp_path / "digit.png"),
        "export": run_script("export", path, "--out", tmp_path / "x", "--format", "torchscript"),
        "forecast": run_script("forecast", path, data, "--out", tmp_path / "f.csv"),
        "backtest": run_script("backtest", path, data, "--out", tmp_path / "b.csv"),
    }
    for command, result in runs.items():
        assert result.returncode != 0, command
        assert "Traceback" not in result.stderr, (command, result.stderr[-2000:])
        assert "horizon=-5 is not allowed" in result.stderr.strip().splitlines()[-1], command
