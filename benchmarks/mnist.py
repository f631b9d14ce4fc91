"""MNIST time to accuracy: zoo's CNN against the classic recipe and the hardware's limit.

    python benchmarks/mnist.py DATA_ROOT [--seeds 3] [override ...]   (e.g. experiment=fast)

In one run, on this machine:
1. The matrix units' limit: FLOP/s of a large matmul (4096 x 4096) in fp32, and in bf16
   where the device computes it natively (emulated bf16 is not measured: it took minutes).
2. The whole process, as a user runs it: `python scripts/train.py model=cnn [override ...]`
   once per seed, timed from launch to exit (start-up, data, training, test, TensorBoard
   logs, checkpoints); its metrics.json gives the test accuracy and the fit seconds
   (training with its per-epoch validation).
3. The classic recipe, also a whole process: `benchmarks/classic_mnist.py` (pytorch/examples'
   mnist/main.py), one epoch; the ratio of the median zoo process to it.
4. The training step, in this process (seed 0): training samples/s from one batch's end to
   the next (loading included, the first 5 steps left out), test accuracy after every
   epoch (the training clock stopped meanwhile) and so the seconds of training to 99%, and
   the achieved FLOP/s: the FLOPs of one training step (forward and backward, counted by
   torch's FlopCounterMode: convolutions and matrix products only, not batch norm or
   pooling) times steps/s. The matmul runs on the device training uses (CUDA if present).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lightning as L
import torch
from hydra.utils import instantiate
from limits import matmul_flops, synchronize  # benchmarks/ is the script's folder: on sys.path
from torch.utils.flop_counter import FlopCounterMode

from zoo.configs import CONF_DIR, compose_config
from zoo.runs.training import build_task, trainer_precision

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.99


class TrainClock(L.Callback):
    """Training seconds and samples, loading included (from one batch's end to the next;
    the first `warmup` steps left out), and test accuracy after each epoch."""

    def __init__(self, test_loader, warmup: int = 5) -> None:
        self.test_loader, self.warmup = test_loader, warmup
        self.seconds = self.samples = 0.0
        self.history: list[tuple[float, float]] = []  # (training seconds, test accuracy)
        self._last = None

    def on_train_epoch_start(self, trainer, module):
        synchronize(module.device)
        self._last = time.perf_counter()  # validation and testing are not training time

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        synchronize(module.device)
        now = time.perf_counter()
        if trainer.global_step > self.warmup:
            self.seconds += now - self._last
            self.samples += len(batch[1])
        self._last = now

    def on_train_epoch_end(self, trainer, module):
        datamodule, correct, total = trainer.datamodule, 0, 0
        module.eval()
        with torch.no_grad(), trainer.precision_plugin.forward_context():
            for batch in self.test_loader:  # test batches: converted, never augmented
                x, y = datamodule.on_after_batch_transfer([t.to(module.device) for t in batch], 0)
                correct += (module.predict_classes(module(x)) == y).sum().item()
                total += len(y)
        module.train()
        self.history.append((self.seconds, correct / total))


def bf16_is_native() -> bool:
    """Whether the training device computes bf16 matmuls natively (not emulated)."""
    from zoo.devices import cpu_has_bf16, cuda_has_bf16

    return cuda_has_bf16() if torch.cuda.is_available() else cpu_has_bf16()


def import_seconds(module: str, repeats: int = 3) -> float:
    """Seconds `import module` adds to a fresh interpreter (median of `repeats`)."""

    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        return time.perf_counter() - start

    empty = statistics.median(run("pass") for _ in range(repeats))
    return statistics.median(run(f"import {module}") for _ in range(repeats)) - empty


def step_flops(task, datamodule, precision: str) -> float:
    """FLOPs of one training step's forward and backward pass on one training batch."""
    batch = next(iter(datamodule.train_dataloader()))
    x, y = datamodule.on_after_batch_transfer(batch, 0)
    device = x.device.type
    autocast = torch.autocast(device, torch.bfloat16, enabled=precision.startswith("bf16"))
    with FlopCounterMode(display=False) as counter, autocast:
        task.loss(task(x), y).backward()
    task.zero_grad()
    return counter.get_total_flops()


def in_process(cfg) -> dict:
    """Seconds to TARGET, samples/s and achieved FLOP/s of the config's training (seed)."""
    L.seed_everything(cfg.seed, verbose=False)
    datamodule = instantiate(cfg.data)
    datamodule.setup()
    task = build_task(cfg, datamodule)
    clock = TrainClock(datamodule.test_dataloader())
    precision = trainer_precision(cfg)
    trainer = instantiate(
        cfg.trainer,
        precision=precision,
        logger=False,
        callbacks=[clock],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(task, datamodule=datamodule)
    flops = step_flops(task, datamodule, precision)
    samples_per_s = clock.samples / clock.seconds
    return {
        "precision": precision,
        "history": clock.history,
        "reached": next((s for s, acc in clock.history if acc >= TARGET), None),
        "samples_per_s": samples_per_s,
        "flops_per_s": flops / cfg.data.batch_size * samples_per_s,
    }


def whole_process(command: list[str], data_root: str) -> tuple[float, str]:
    """Wall seconds and output of `command`, a Python script run as a user runs it."""
    environment = os.environ | {"ZOO_DATA_ROOT": data_root}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, env=environment, cwd=ROOT
    )
    seconds = time.perf_counter() - start
    if result.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return seconds, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_root", help="folder holding MNIST/raw (e.g. ../shared/data)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. experiment=fast")
    parser.add_argument("--seeds", type=int, default=3, help="whole-process runs, seeds 0..")
    parser.add_argument("--classic-epochs", type=int, default=1)
    args = parser.parse_args()
    data_root = str(Path(args.data_root).resolve())
    label = " ".join(args.overrides) or "model=cnn (default)"

    peak = {"fp32": matmul_flops(torch.float32), "bf16": None}
    if bf16_is_native():  # emulated bf16 (AVX2 CPUs) took over ten minutes: not measured
        peak["bf16"] = matmul_flops(torch.bfloat16)
    imports = {module: import_seconds(module) for module in ("torch", "lightning.pytorch")}
    runs = []
    with tempfile.TemporaryDirectory() as out:
        for seed in range(args.seeds):
            folder = Path(out) / f"seed{seed}"
            command = ["scripts/train.py", "model=cnn", *args.overrides]
            seconds, _ = whole_process(
                [*command, f"seed={seed}", f"hydra.run.dir={folder}"], data_root
            )
            metrics = json.loads((folder / "metrics.json").read_text())
            runs.append((seconds, metrics["time/fit_s"], metrics["test/acc"]))
            print(
                f"seed {seed}: {seconds:.1f} s whole process, {metrics['time/fit_s']:.1f} s "
                f"fit, test accuracy {metrics['test/acc']:.4f}",
                flush=True,
            )
        classic_seconds, classic_output = whole_process(
            ["benchmarks/classic_mnist.py", data_root, "--epochs", str(args.classic_epochs)],
            data_root,
        )
        cfg = compose_config(
            CONF_DIR,
            ["model=cnn", f"data.root={data_root}", f"output_dir={out}/clock", *args.overrides],
        )
        step = in_process(cfg)

    median = statistics.median(r[0] for r in runs)
    print(f"\nconfig: {label} ({torch.get_num_threads()} threads, precision {step['precision']})")
    print("| seed | whole process s | fit s | test accuracy |\n|---|---|---|---|")
    for seed, (seconds, fit, accuracy) in enumerate(runs):
        print(f"| {seed} | {seconds:.1f} | {fit:.1f} | {accuracy:.4f} |")
    accuracies = [r[2] for r in runs]
    print(
        f"median whole process: {median:.1f} s; test accuracy mean "
        f"{statistics.mean(accuracies):.4f}, min {min(accuracies):.4f}"
    )
    print(
        f"classic recipe, {args.classic_epochs} epoch(s), whole process: {classic_seconds:.1f} s, "
        f"{classic_output.strip()}"
    )
    print(f"ratio, median zoo process / classic process: {median / classic_seconds:.3f}")
    reached = step["reached"]
    print(
        f"seed 0 in this process: training seconds to {TARGET:.0%} test accuracy "
        + (f"{reached:.1f}" if reached is not None else "not reached")
        + "; per epoch: "
        + ", ".join(f"{s:.1f} s {acc:.4f}" for s, acc in step["history"])
    )
    print(f"training samples/s: {step['samples_per_s']:,.0f}")
    achieved = step["flops_per_s"]
    bf16 = (
        f"bf16 {peak['bf16'] / 1e9:,.0f} GFLOP/s ({achieved / peak['bf16']:.1%} of it)"
        if peak["bf16"]
        else "bf16 not native on this device (not measured)"
    )
    print(
        f"achieved training FLOP/s: {achieved / 1e9:,.1f} GFLOP/s; large matmul {bf16}, "
        f"fp32 {peak['fp32'] / 1e9:,.0f} GFLOP/s ({achieved / peak['fp32']:.1%})"
    )
    print(
        "import seconds (python -c 'import X', less an empty interpreter, median of 3): "
        + ", ".join(f"{m} {t:.2f} s" for m, t in imports.items())
        + f"; of the median whole process {median:.1f} s"
    )


if __name__ == "__main__":
    main()
