"""MNIST benchmark: the default CNN's seconds to 99% test accuracy, final accuracy, and
training throughput against torchvision's classic per-sample pipeline, in one run.

    python benchmarks/mnist.py ../shared/data [override ...]     (e.g. experiment=fast)

Test accuracy is measured after every epoch, with the training clock stopped meanwhile.
The classic pipeline is torchvision's MNIST dataset with transforms.ToTensor() behind a
DataLoader (batch of the same size, shuffled, 0 workers), feeding the same network,
task and trainer settings for a fixed number of steps.
"""

import argparse
import tempfile
import time
from pathlib import Path

import lightning as L
import torch
from hydra.utils import instantiate

from zoo.configs import compose_config
from zoo.training import build_task, trainer_precision

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"
TARGET = 0.99


def synchronize(module) -> None:
    """Wait for the GPU's queued work, so the clock times work done, not work launched."""
    if module.device.type == "cuda":
        torch.cuda.synchronize(module.device)


class TrainClock(L.Callback):
    """Training seconds and samples, loading included (from one batch's end to the next;
    the first `warmup` steps left out), and test accuracy after each epoch. Loading costs
    what it costs: in-memory MNIST sits on the GPU already, the per-sample pipeline copies
    every batch there, and the clock sees both as they are."""

    def __init__(self, test_loader=None, warmup: int = 5) -> None:
        self.test_loader, self.warmup = test_loader, warmup
        self.seconds = self.samples = 0.0
        self.history: list[tuple[float, float]] = []  # (training seconds, test accuracy)
        self._last = None

    def on_train_epoch_start(self, trainer, module):
        synchronize(module)
        self._last = time.perf_counter()  # validation and testing are not training time

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        synchronize(module)
        now = time.perf_counter()
        if trainer.global_step > self.warmup:
            self.seconds += now - self._last
            self.samples += len(batch[1])
        self._last = now

    def on_train_epoch_end(self, trainer, module):
        if self.test_loader is None:
            return
        datamodule, correct, total = trainer.datamodule, 0, 0
        module.eval()
        with torch.no_grad(), trainer.precision_plugin.forward_context():
            for batch in self.test_loader:  # test batches: converted, never augmented
                x, y = datamodule.on_after_batch_transfer([t.to(module.device) for t in batch], 0)
                correct += (module.predict_classes(module(x)) == y).sum().item()
                total += len(y)
        module.train()
        self.history.append((self.seconds, correct / total))
        print(
            f"epoch {len(self.history)}: {self.seconds:.1f} s of training, "
            f"test accuracy {correct / total:.4f}",
            flush=True,
        )

    @property
    def samples_per_second(self) -> float:
        return self.samples / self.seconds


def measuring_trainer(cfg, clock: TrainClock, **settings) -> L.Trainer:
    """The config's trainer (device, precision, epochs) with nothing but `clock` attached."""
    return instantiate(
        cfg.trainer,
        precision=trainer_precision(cfg),
        logger=False,
        callbacks=[clock],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **settings,
    )


def classic_throughput(cfg, root: str, steps: int) -> float:
    """Samples/s of the same task fed by torchvision's per-sample ToTensor pipeline."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    dataset = datasets.MNIST(root, train=True, transform=transforms.ToTensor())
    loader = DataLoader(dataset, batch_size=cfg.data.batch_size, shuffle=True, num_workers=0)
    datamodule = instantiate(cfg.data)
    task = build_task(cfg, datamodule)
    clock = TrainClock()
    trainer = measuring_trainer(
        cfg, clock, max_steps=steps + clock.warmup, max_epochs=-1, limit_val_batches=0
    )
    trainer.fit(task, train_dataloaders=loader)
    return clock.samples_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_root", help="folder holding MNIST/raw (e.g. ../shared/data)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. experiment=fast")
    parser.add_argument("--classic-steps", type=int, default=60)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as out:
        cfg = compose_config(
            CONF_DIR,
            ["model=cnn", f"data.root={args.data_root}", f"output_dir={out}", *args.overrides],
        )
        L.seed_everything(cfg.seed, verbose=False)
        datamodule = instantiate(cfg.data)
        datamodule.setup()
        task = build_task(cfg, datamodule)
        clock = TrainClock(datamodule.test_dataloader())
        trainer = measuring_trainer(cfg, clock, num_sanity_val_steps=0)
        wall = time.perf_counter()
        trainer.fit(task, datamodule=datamodule)
        wall = time.perf_counter() - wall
        classic = classic_throughput(cfg, args.data_root, args.classic_steps)

    reached = next((s for s, acc in clock.history if acc >= TARGET), None)
    print(
        f"config: {' '.join(args.overrides) or 'default'} (model.channels="
        f"{list(cfg.model.channels)}, {cfg.trainer.max_epochs} epochs, "
        f"precision {trainer.precision}, {torch.get_num_threads()} threads)"
    )
    print(f"wall seconds of fit (training, validation, per-epoch test): {wall:.1f}")
    print(
        f"seconds of training to {TARGET:.1%} test accuracy: "
        + (f"{reached:.1f}" if reached is not None else "not reached")
    )
    print(f"final test accuracy: {clock.history[-1][1]:.4f}")
    print(f"training samples/s (in-memory tensor batches): {clock.samples_per_second:,.0f}")
    print(f"training samples/s (torchvision ToTensor + DataLoader): {classic:,.0f}")
    print(f"ratio: {clock.samples_per_second / classic:.2f}x")


if __name__ == "__main__":
    main()
