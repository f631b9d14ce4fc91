"""zoo.runs.evaluation: a checkpoint's test metrics reproduced, from a GPU run on a CPU too,
and a run folder's config read as values, never code."""

import json
import shutil

import numpy as np
import pytest
import torch
import yaml

import zoo
from zoo.runs.evaluation import evaluate


def test_eval_reproduces_the_runs_test_metrics(cnn_run, tmp_path):
    _, metrics, best = cnn_run
    again = evaluate(best, output_dir=tmp_path / "eval", quiet=True)
    assert again["test/acc"] == pytest.approx(metrics["test/acc"], abs=1e-6)
    assert again["test/loss"] == pytest.approx(metrics["test/loss"], rel=1e-4)
    assert list((tmp_path / "eval" / "tensorboard").glob("events.out.tfevents.*"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")
def test_a_gpu_run_loads_and_evaluates_on_a_cpu_only_machine(cnn_run, gpu_run):
    _, metrics, best = cnn_run
    with pytest.raises(RuntimeError, match="CUDA"):  # the fake holds: plain loading fails
        torch.load(gpu_run, weights_only=True)
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        expected = zoo.load_task(best)(x)
        assert torch.equal(zoo.load_task(gpu_run)(x), expected)
        hp = zoo.load_task(best).hparams
        assert torch.allclose(
            zoo.load_model(gpu_run)((x - hp.input_mean) / hp.input_std), expected, atol=1e-6
        )
    again = evaluate(gpu_run, quiet=True)  # on the CPU, in a precision it computes in
    assert again["test/acc"] == pytest.approx(metrics["test/acc"], abs=1e-6)


@pytest.mark.parametrize(
    "data",
    [
        {"_target_": "shutil.copyfile", "_args_": ["/dev/null", "VICTIM"]},
        {"_target_": "zoo.data.XOR", "n_samples": {"_target_": "shutil.copyfile"}},
        {"_target_": "zoo.data.XOR", "_partial_": True},
    ],
)
def test_a_run_folders_config_cannot_name_a_callable(xor_runs, tmp_path, data):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    run = tmp_path / "run"
    shutil.copytree(xor_runs["mlp"], run)
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["data"] = json.loads(json.dumps(data).replace("VICTIM", str(victim)))
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(zoo.ConfigError, match=r"config.yaml: data\.(_target_|\S*_\w+)"):
        evaluate(run / "checkpoints" / "last.ckpt", quiet=True)
    assert victim.read_text() == "precious"  # nothing was called


def test_a_run_folders_own_config_still_evaluates(xor_runs):
    metrics = evaluate(xor_runs["mlp"] / "checkpoints" / "last.ckpt", quiet=True)
    assert 0.4 < metrics["test/acc"] <= 1.0 and np.isfinite(metrics["test/loss"])
