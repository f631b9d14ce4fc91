"""Precision and device choices, with the hardware's capabilities faked: no GPU is needed."""

import logging
from pathlib import Path

import pytest
import torch
import yaml

import zoo
from zoo.devices import resolve_precision
from zoo.runs.training import train  # imports Lightning (and torch._dynamo) before any faking


@pytest.fixture
def gpu(monkeypatch):
    """gpu(capability, bf16): pretend a CUDA GPU of that compute capability is there."""

    def fake(capability: tuple[int, int], bf16: bool) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: bf16)

    return fake


@pytest.fixture
def cpu(monkeypatch):
    """cpu(avx512_bf16, amx): pretend there is no GPU and a CPU with these features."""

    def fake(avx512_bf16: bool, amx: bool = False) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)

    return fake


@pytest.mark.parametrize(
    ("capability", "bf16", "expected"),
    [
        ((9, 0), True, "bf16-mixed"),  # Hopper
        ((8, 0), True, "bf16-mixed"),  # Ampere
        ((7, 5), False, "16-mixed"),  # Turing: fp16 tensor cores
        ((7, 0), False, "16-mixed"),  # Volta
        ((6, 1), False, "32-true"),  # Pascal
    ],
)
@pytest.mark.parametrize("accelerator", ["auto", "gpu"])
def test_auto_precision_on_gpus(gpu, capability, bf16, expected, accelerator):
    gpu(capability, bf16)
    precision, reason = resolve_precision("auto", accelerator)
    assert precision == expected
    assert f"{capability[0]}.{capability[1]}" in reason


@pytest.mark.parametrize(
    ("avx512_bf16", "amx", "expected"),
    [(True, False, "bf16-mixed"), (False, True, "bf16-mixed"), (False, False, "32-true")],
)
def test_auto_precision_on_cpus(cpu, avx512_bf16, amx, expected):
    cpu(avx512_bf16, amx)
    assert resolve_precision("auto", "auto")[0] == expected
    assert resolve_precision("auto", "cpu")[0] == expected


def test_explicit_precisions_the_device_cannot_run_are_refused_or_flagged(gpu, cpu, caplog):
    gpu((7, 0), bf16=False)
    with pytest.raises(zoo.ConfigError, match="trainer.precision=auto \\(here 16-mixed\\)"):
        resolve_precision("bf16-mixed", "gpu")
    assert resolve_precision("16", "gpu") == ("16-mixed", "as configured")
    cpu(avx512_bf16=False)
    with pytest.raises(zoo.ConfigError, match="here 32-true"):
        resolve_precision("16-mixed", "cpu")  # Lightning would quietly switch to bf16
    with caplog.at_level(logging.WARNING, logger="zoo.devices"):
        assert resolve_precision("bf16-mixed", "auto")[0] == "bf16-mixed"  # emulated: slow
    assert "slow" in caplog.text and "auto picks 32-true" in caplog.text
    assert resolve_precision("32", "cpu")[0] == "32-true"


def test_asking_for_a_gpu_where_there_is_none_is_a_clear_error(cpu):
    cpu(avx512_bf16=True)
    with pytest.raises(zoo.ConfigError, match="no CUDA GPU here; use accelerator=auto"):
        resolve_precision("auto", "gpu")


def test_the_perceptron_rule_trains_in_fp32_only(gpu):
    gpu((8, 0), bf16=True)
    assert resolve_precision("auto", "auto", required="32-true")[0] == "32-true"
    with pytest.raises(zoo.ConfigError, match="32-true only"):
        resolve_precision("bf16-mixed", "auto", required="32-true")


@pytest.mark.parametrize(("avx512_bf16", "expected"), [(True, "bf16-mixed"), (False, "32-true")])
def test_a_run_states_and_records_the_precision_it_chose(
    config, cpu, caplog, avx512_bf16, expected
):
    cpu(avx512_bf16)
    cfg = config(
        "model=mlp", "data=xor", "trainer.precision=auto", "trainer.max_epochs=1", "logger=none"
    )
    with caplog.at_level(logging.INFO, logger="zoo.runs.training"):
        train(cfg)
    assert f"precision {expected} (auto: a CPU with" in caplog.text
    written = yaml.safe_load(Path(cfg.output_dir, "config.yaml").read_text())
    assert written["trainer"]["precision"] == expected
