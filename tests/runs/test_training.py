"""zoo.runs.training: runs resumed to the weights of the uninterrupted run, refused
checkpoints, quiet and reproducible runs, checkpoints written whole (kill -9, a full
disk, DDP)."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import lightning as L
import pytest
import torch

import zoo
import zoo.files
from zoo.errors import DiskFullError
from zoo.runs.training import AtomicCheckpointIO

from ..conftest import ROOT, compose_config, full_disk, save_as_if_from_cuda


class StopAfterEpochs(L.Callback):
    """Ends fitting after `epochs` epochs, once their checkpoints are written: a killed run."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def on_train_epoch_end(self, trainer, module) -> None:
        if trainer.current_epoch + 1 >= self.epochs:
            trainer.should_stop = True


def test_resumed_run_ends_with_the_weights_of_the_uninterrupted_run(tmp_path):
    # dropout draws random numbers too: resuming must restore them, not only the batch order
    args = ["model=mlp", "data=xor", "model.dropout=0.2", "trainer.max_epochs=5"]
    args += ["trainer.deterministic=true", "logger=none", "test=false"]
    zoo.train(compose_config(*args, output_dir=tmp_path / "whole"))
    zoo.train(compose_config(*args, output_dir=tmp_path / "part"), [StopAfterEpochs(2)])
    stopped = tmp_path / "part" / "checkpoints" / "last.ckpt"
    assert torch.load(stopped, weights_only=True)["epoch"] == 1
    zoo.train(compose_config(*args, f"ckpt_path={stopped}", output_dir=tmp_path / "resumed"))

    def final(run: str) -> dict:
        checkpoint = torch.load(tmp_path / run / "checkpoints" / "last.ckpt", weights_only=True)
        assert checkpoint["epoch"] == 4
        return checkpoint["state_dict"]

    whole, resumed = final("whole"), final("resumed")
    assert whole.keys() == resumed.keys()
    for name in whole:
        assert torch.equal(whole[name], resumed[name]), name


class WritesAFile:
    """Unpickling this creates `path`: what a malicious checkpoint could do."""

    def __init__(self, path) -> None:
        self.path = path

    def __reduce__(self):
        return (pathlib.Path.touch, (self.path,))


def test_resuming_from_anything_but_a_matching_zoo_checkpoint_is_refused(tmp_path):
    marker = tmp_path / "code_ran"
    torch.save({"payload": WritesAFile(marker)}, tmp_path / "malicious.ckpt")
    torch.save({"state_dict": {"weight": torch.zeros(2)}, "epoch": 3}, tmp_path / "foreign.ckpt")
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint at all")
    args = ["data=xor", "trainer.max_epochs=2", "logger=none"]
    zoo.train(compose_config("model=perceptron", *args, output_dir=tmp_path / "perceptron"))
    other_model = tmp_path / "perceptron" / "checkpoints" / "last.ckpt"
    cases = {
        "malicious.ckpt": (zoo.DataError, "not a readable zoo checkpoint"),
        "foreign.ckpt": (zoo.DataError, "not one written by a zoo task"),
        "junk.ckpt": (zoo.DataError, "not a readable zoo checkpoint"),
        str(other_model): (zoo.ConfigError, "written by model 'perceptron'.*same model"),
    }
    for i, (name, (error, message)) in enumerate(cases.items()):
        cfg = compose_config(
            "model=mlp", *args, f"ckpt_path={tmp_path / name}", output_dir=tmp_path / f"run{i}"
        )
        with pytest.raises(error, match=message):
            zoo.train(cfg)
    assert not marker.exists()


OVERWRITER = """
import sys, torch
from zoo.runs.training import AtomicCheckpointIO
io, i = AtomicCheckpointIO(), 0
while True:
    i += 1
    io.save_checkpoint({"step": i, "weights": torch.full((2_000_000,), float(i))}, sys.argv[1])
"""


def test_kill_9_while_overwriting_last_ckpt_leaves_a_whole_checkpoint(tmp_path):
    path = tmp_path / "checkpoints" / "last.ckpt"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for delay in (0.05, 0.3, 0.7):
        writer = subprocess.Popen([sys.executable, "-c", OVERWRITER, str(path)], env=env)
        deadline = time.time() + 60
        while not path.exists() and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(delay)  # in the middle of some later overwrite
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        checkpoint = torch.load(path, weights_only=True)
        assert (checkpoint["weights"] == checkpoint["step"]).all()
        assert os.listdir(path.parent) == ["last.ckpt"]  # no temporary file left


class FillTheDisk(L.Callback):
    """The disk fills up when the second epoch starts."""

    full = False

    def on_train_epoch_start(self, trainer, task):
        FillTheDisk.full = trainer.current_epoch >= 1


def test_training_on_a_full_disk_stops_with_the_folder_and_keeps_its_checkpoints(
    tmp_path, monkeypatch
):
    folder = tmp_path / "run"
    full_disk(monkeypatch, when=lambda: FillTheDisk.full)
    cfg = compose_config("model=mlp", "data=xor", "trainer.max_epochs=3", "logger=none",
                         output_dir=folder)  # fmt: skip
    with pytest.raises(DiskFullError, match=f"the disk holding {folder / 'checkpoints'} is full"):
        zoo.train(cfg, extra_callbacks=[FillTheDisk()])
    saved = sorted(os.listdir(folder / "checkpoints"))
    assert len(saved) == 2 and saved[0].startswith("best-epoch000-"), saved  # and last.ckpt
    for name in saved:  # the first epoch's, whole
        assert torch.load(folder / "checkpoints" / name, weights_only=True)["epoch"] == 0


def test_distributed_training_writes_checkpoints_with_zoos_writer_too():
    from zoo.runs.training import build

    cfg = compose_config("model=mlp", "data=xor", "trainer=ddp", "trainer.accelerator=cpu",
                         output_dir="unused")  # fmt: skip
    trainer = build(cfg.trainer, plugins=[AtomicCheckpointIO()], logger=False)
    assert type(trainer.strategy).__name__ == "DDPStrategy"
    assert isinstance(trainer.strategy.checkpoint_io, AtomicCheckpointIO)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")
def test_a_gpu_run_resumes_on_a_cpu_only_machine(tmp_path):
    args = ["model=mlp", "data=xor", "logger=none", "test=false"]
    zoo.train(compose_config(*args, "trainer.max_epochs=1", output_dir=tmp_path / "gpu"))
    checkpoint = tmp_path / "gpu" / "checkpoints" / "last.ckpt"
    save_as_if_from_cuda(torch.load(checkpoint, weights_only=True), checkpoint)
    resumed = compose_config(
        *args, "trainer.max_epochs=2", f"ckpt_path={checkpoint}", output_dir=tmp_path / "cpu"
    )
    zoo.train(resumed)
    final = torch.load(tmp_path / "cpu" / "checkpoints" / "last.ckpt", weights_only=True)
    assert final["epoch"] == 1 and final["global_step"] == 2 * 9


def test_quiet_training_prints_nothing_and_writes_only_its_folder(tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)
    cfg = compose_config(
        "model=mlp", "data=xor", "trainer.max_epochs=2", output_dir=tmp_path / "run"
    )
    zoo.train(cfg)
    captured = capfd.readouterr()
    assert "Epoch" not in captured.out and "━" not in captured.out
    assert "final metrics" not in captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no stray lightning_logs/


def test_same_seed_same_metrics(tmp_path):
    def run(name):
        cfg = compose_config(
            "model=mlp",
            "data=xor",
            "trainer.max_epochs=3",
            "trainer.deterministic=true",
            "logger=none",
            output_dir=tmp_path / name,
        )
        metrics = zoo.train(cfg).metrics
        return {k: v for k, v in metrics.items() if not k.startswith("time/")}  # seconds vary

    first = run("a")
    assert "val/loss" in first and first == run("b")


def test_a_run_with_its_own_timer_reports_that_timers_seconds(tmp_path):
    from lightning.pytorch.callbacks import Timer

    timer = Timer(duration="00:00:10:00")  # a config may add one to cap training time
    cfg = compose_config(
        "model=mlp",
        "data=xor",
        "trainer.max_epochs=2",
        "logger=none",
        "test=false",  # testing a checkpoint would load the timer's state from it
        output_dir=tmp_path,
    )
    metrics = zoo.train(cfg, extra_callbacks=[timer]).metrics
    assert metrics["time/fit_s"] == timer.time_elapsed("train") > 0
    assert json.loads((tmp_path / "metrics.json").read_text())["time/fit_s"] > 0


def test_a_run_refused_for_its_data_or_model_leaves_no_folder_and_may_run_again(tmp_path):
    """Checks that need the data (a missing file, a model that cannot read it) run before
    anything is written: no run folder is left, so the same command, mended, runs there."""
    folder = tmp_path / "runs" / "one"
    missing = compose_config(
        "model=rnn", "data=csv", f"data.path={tmp_path / 'none.csv'}", output_dir=folder
    )
    with pytest.raises(zoo.DataError, match="no data file"):
        zoo.train(missing)
    with pytest.raises(zoo.ConfigError, match="cannot train on XOR"):
        zoo.train(compose_config("model=cnn", "data=xor", output_dir=folder))
    assert not (tmp_path / "runs").exists()  # nor the folder made above it
    mine = tmp_path / "mine"
    mine.mkdir()  # a folder that was there stays, though empty
    with pytest.raises(zoo.ConfigError, match="cannot train on XOR"):
        zoo.train(compose_config("model=cnn", "data=xor", output_dir=mine))
    assert mine.is_dir() and not any(mine.iterdir())
    mended = compose_config("model=mlp", "data=xor", "trainer.max_epochs=1", output_dir=folder)
    zoo.train(mended)
    assert (folder / "config.yaml").exists() and (folder / "checkpoints").is_dir()
