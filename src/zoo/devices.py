"""What the machine can do: the device a run lands on and the precision it trains in.

`trainer.precision=auto` resolves here: bf16 autocast where the hardware computes in bf16
(CUDA GPUs of compute capability 8.0 or newer; CPUs with AVX-512 bf16 or AMX), fp16
autocast on older GPUs with tensor cores (7.x), fp32 otherwise.
"""

import logging

import torch

from zoo.errors import ConfigError

log = logging.getLogger(__name__)

MIXED_OR_HALF = ("bf16-mixed", "bf16-true", "16-mixed", "16-true")
SHORT_NAMES = {"32": "32-true", "64": "64-true", "16": "16-mixed", "bf16": "bf16-mixed"}


def device_type(accelerator: str) -> str:
    """Where Lightning's `accelerator` setting puts the run: "cuda", "mps" or "cpu"."""
    if accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available()):
        if accelerator == "gpu" and not torch.cuda.is_available() and _mps_available():
            return "mps"
        if not torch.cuda.is_available():
            raise ConfigError(
                f"accelerator={accelerator}, but torch finds no CUDA GPU here; use "
                "accelerator=auto (the GPU when there is one) or accelerator=cpu"
            )
        return "cuda"
    if accelerator == "mps" or (accelerator == "auto" and _mps_available()):
        return "mps"
    return "cpu"


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def cpu_has_bf16() -> bool:
    """AVX-512 bf16 or AMX tiles: the CPU computes bf16 matmuls and convolutions natively
    (without them bf16 is emulated, slower than fp32)."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return torch.backends.mkldnn.is_available() and any(
        getattr(torch.cpu, name, lambda: False)() for name in checks
    )


def cuda_capability() -> tuple[int, int]:
    return tuple(torch.cuda.get_device_capability())


def cuda_has_bf16() -> bool:
    return torch.cuda.is_bf16_supported(including_emulation=False)


def auto_precision(device: str) -> tuple[str, str]:
    """The precision `device` ("cuda", "cpu", ...) trains fastest in without harm, and why."""
    if device == "cuda":
        major, minor = cuda_capability()
        gpu = f"a GPU of compute capability {major}.{minor}"
        if cuda_has_bf16():
            return "bf16-mixed", f"{gpu}, which computes in bf16"
        if major >= 7:
            return "16-mixed", f"{gpu}: fp16 tensor cores, no bf16"
        return "32-true", f"{gpu}: neither bf16 nor fp16 tensor cores"
    if device == "cpu":
        if cpu_has_bf16():
            return "bf16-mixed", "a CPU with AVX-512 bf16 or AMX"
        return "32-true", "a CPU without AVX-512 bf16 or AMX (bf16 would be emulated)"
    return "32-true", f"the {device} device"


def runs_well(precision: str, device: str) -> bool:
    """Whether `device` computes in `precision` natively (not emulated, not refused)."""
    if precision.startswith("bf16"):
        return cuda_has_bf16() if device == "cuda" else device == "cpu" and cpu_has_bf16()
    if precision.startswith("16"):
        return device == "cuda"
    return True


def resolve_precision(
    precision: str, accelerator: str, required: str | None = None, unsupported: str = "refuse"
) -> tuple[str, str]:
    """The one place a precision is decided, and why: `precision` as configured, or the
    device's choice for "auto". `required` is a precision the task must have (the
    perceptron rule: fp32). A precision the device does not compute in natively is refused
    (`unsupported="refuse"`, training; bf16 on a CPU without it only warns: emulated,
    slow) or replaced by the device's choice (`"auto"`: evaluating a GPU run on a CPU)."""
    device = device_type(accelerator)
    precision = SHORT_NAMES.get(str(precision), str(precision))
    if required is not None:
        if precision not in ("auto", required):
            raise ConfigError(
                f"trainer.precision={precision}: this task trains in {required} only; "
                f"set trainer.precision=auto or {required}"
            )
        return required, "the task's own precision"
    if precision == "auto":
        chosen, why = auto_precision(device)
        return chosen, f"auto: {why}"
    if precision in MIXED_OR_HALF and not runs_well(precision, device):
        suggestion, why = auto_precision(device)
        if unsupported == "auto":
            return suggestion, f"{precision} does not run natively here; auto: {why}"
        if device == "cpu" and precision.startswith("bf16"):  # emulated: works, slowly
            log.warning(
                "trainer.precision=%s on %s is slow; trainer.precision=auto picks %s here",
                precision,
                why.split(" (")[0],
                suggestion,
            )
            return precision, "as configured (emulated on this CPU)"
        raise ConfigError(
            f"trainer.precision={precision} does not run on this {device} device; use "
            f"trainer.precision=auto (here {suggestion}) or {suggestion}"
        )
    return precision, "as configured"
