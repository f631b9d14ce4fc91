"""The RNN's training step on the CPU: each member's nn.GRU against zoo's ensemble kernel.

    python benchmarks/rnn_step.py [--hidden 128,64] [--batch 256] [--members 3] [--steps 10]

In one run, float32, the earlier M3 recipe's shapes (windows of 72 months, features (z, observed)),
for each hidden size:
1. The reference: the training step (forward and backward) of `GlobalRNN`'s members,
   each `nn.GRU` run after the other (what a GPU, autocast and evaluation still use).
2. zoo.models.ensemble_gru, the members stepping together with a written-out backward.
3. The hardware's limit for this step: its matrix-product FLOPs (forward 2BH x 3H per
   step and member, backward twice that) at the FLOP/s of a large fp32 matmul measured
   here; the GRU's elementwise gates are not counted, so no step can reach it.
Medians of `--steps` steps after two warm-ups; ratios against the reference.
"""

import argparse
import statistics
import time

import torch
from limits import matmul_flops  # benchmarks/ is the script's folder: on sys.path
from torch import nn

from zoo.models.ensemble_gru import ensemble_gru

LENGTH, INPUTS = 72, 2


def median_seconds(step, repeats: int) -> float:
    for _ in range(2):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hidden", default="128,64", help="hidden sizes, comma-separated")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    torch.manual_seed(0)
    peak = matmul_flops(torch.float32, "cpu")  # the kernel serves the CPU only
    batch, members = args.batch, args.members
    features = torch.randn(batch, LENGTH, INPUTS)
    print(
        f"{torch.get_num_threads()} threads, float32; batch {batch}, {members} members, "
        f"windows of {LENGTH}; large fp32 matmul {peak / 1e9:,.0f} GFLOP/s"
    )
    print("| hidden | nn.GRU x members ms | ensemble kernel ms | speed-up | matmul limit ms |")
    print("|---|---|---|---|---|")
    for hidden in (int(h) for h in args.hidden.split(",")):
        grus = [nn.GRU(INPUTS, hidden, batch_first=True) for _ in range(members)]

        def reference(grus=grus):
            torch.stack([g(features)[0][:, -1] for g in grus]).square().sum().backward()

        def kernel(grus=grus):
            ensemble_gru(features, grus)[:, 0].square().sum().backward()

        ref, fused = (median_seconds(step, args.steps) for step in (reference, kernel))
        flops = 3 * members * LENGTH * 2 * batch * hidden * 3 * hidden  # forward + 2x back
        print(
            f"| {hidden} | {ref * 1e3:.0f} | {fused * 1e3:.0f} | {ref / fused:.2f}x | "
            f"{flops / peak * 1e3:.0f} ({flops / peak / fused:.0%} of the kernel's time) |"
        )


if __name__ == "__main__":
    main()
