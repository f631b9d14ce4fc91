"""benchmarks/gpu.py, checked where there is no GPU: it says it skipped, the trainings it
times are valid zoo commands, and its one call of the forecasting API still works."""

import importlib.util
import subprocess
import sys

import pytest
import torch

from zoo.configs import CONF_DIR, check_values, compose_config

from ..conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "gpu.py"


@pytest.fixture(scope="module")
def gpu_benchmark():
    """benchmarks/gpu.py as a module (it imports torch and zoo only when it runs)."""
    spec = importlib.util.spec_from_file_location("gpu_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")
def test_without_cuda_it_says_it_skipped_and_succeeds(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no CUDA device: skipped"
    assert not list(tmp_path.iterdir())  # nothing written


def test_its_trainings_are_valid_commands_of_the_recipes_they_name(gpu_benchmark, tmp_path):
    configs = {}
    for part, (overrides, limit, bounds) in gpu_benchmark.TRAININGS.items():
        cfg = compose_config(CONF_DIR, [*overrides, f"output_dir={tmp_path / part}"])
        check_values(cfg)  # what zoo train checks before any work
        assert 0 < limit < gpu_benchmark.BUDGET_S and bounds
        configs[part] = cfg
    assert configs["cnn"].presets.recipe == "cnn_mnist" and configs["cnn"].trainer.max_epochs == 15
    for part in ("fast", "ddp"):
        assert configs[part].presets.experiment == "fast"
    assert configs["ddp"].trainer.strategy == "ddp" and configs["ddp"].trainer.devices == 1
    rnn = configs["rnn"]
    assert rnn.presets.recipe == "rnn_m3" and rnn.data.group == "monthly"
    assert rnn.trainer.precision == "auto" and rnn.test is False


def test_its_forecast_part_reproduces_the_card_on_the_cpu(gpu_benchmark):
    """The one function that calls the forecasting API (to adapt when it changes)."""
    result = gpu_benchmark.forecast_m3("cpu")
    assert result["ok"] and result["device"] == "cpu" and result["series"] == 1428
    assert result["smape"] == pytest.approx(result["card_smape"], abs=0.01)
