"""The hardware's limit the benchmarks measure beside their figures, in the same run.

`matmul_flops`: FLOP/s of the best of a few large (4096 x 4096) matrix products, the most a
device's matrix units give; `timed` and `synchronize` time work done, not work launched.
"""

import time

import torch


def synchronize(device: torch.device | str) -> None:
    """Wait for the GPU's queued work, so the clock times work done, not work launched."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def timed(work, device: torch.device | str) -> float:
    start = time.perf_counter()
    work()
    synchronize(device)
    return time.perf_counter() - start


def matmul_flops(
    dtype: torch.dtype, device: str | None = None, size: int = 4096, repeats: int = 5
) -> float:
    """FLOP/s of the best of `repeats` (size x size) @ (size x size) products in `dtype` on
    `device` (default: the GPU when there is one, as training would use, else the CPU)."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    a, b = (torch.randn(size, size, dtype=dtype, device=device) for _ in range(2))
    a @ b  # warm-up
    best = min(timed(lambda: a @ b, device) for _ in range(repeats))
    return 2 * size**3 / best
