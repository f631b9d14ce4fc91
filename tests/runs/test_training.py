"""Whole runs as a user drives them: killed and resumed, swept, distributed, tuned."""

import hashlib
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
from torch.utils.data import DataLoader

import zoo
from zoo.data.tensors import EpochShuffle

from .conftest import ROOT, compose_config

TRAIN = str(ROOT / "scripts" / "train.py")


def folder_digest(folder) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_killed_run_resumes_to_the_full_step_count_without_touching_the_first(tmp_path):
    args = ["model=mlp", "data=xor", "trainer.max_epochs=150", "quiet=true", "logger=none"]
    args += ["trainer.deterministic=true"]
    first, second = tmp_path / "first", tmp_path / "second"
    run = subprocess.Popen(
        [sys.executable, TRAIN, *args, f"hydra.run.dir={first}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    last = first / "checkpoints" / "last.ckpt"
    deadline = time.time() + 120
    while not last.exists() and time.time() < deadline and run.poll() is None:
        time.sleep(0.05)
    time.sleep(1.0)  # a few more epochs
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    stopped_at = torch.load(last, weights_only=True)["global_step"]
    steps_per_epoch = 9  # 280 training points, batch 32
    assert 0 < stopped_at < 150 * steps_per_epoch
    before = folder_digest(first)

    resumed = subprocess.run(
        [sys.executable, TRAIN, *args, f"ckpt_path={last}", f"hydra.run.dir={second}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    final = torch.load(second / "checkpoints" / "last.ckpt", weights_only=True)
    assert final["global_step"] == 150 * steps_per_epoch and final["epoch"] == 149
    assert folder_digest(first) == before  # nothing in the first run's folder changed
    whole = tmp_path / "whole"  # the same run, never killed: the same weights, bit for bit
    uninterrupted = subprocess.run(
        [sys.executable, TRAIN, *args, f"hydra.run.dir={whole}"], capture_output=True, timeout=300
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-3000:]
    reference = torch.load(whole / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    assert reference.keys() == final["state_dict"].keys()
    for name, tensor in reference.items():
        assert torch.equal(tensor, final["state_dict"][name]), name


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


def test_multirun_grid_gives_each_run_its_own_folder(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            TRAIN,
            "-m",
            "model=mlp",
            "data=xor",
            "task.lr=0.01,0.1",
            "trainer.max_epochs=1",
            "quiet=true",
            f"hydra.sweep.dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lrs = sorted(
        float(line.split(":")[1])
        for n in ("0", "1")
        for line in (tmp_path / n / "config.yaml").read_text().splitlines()
        if line.strip().startswith("lr:")
    )
    assert lrs == [0.01, 0.1]
    assert all((tmp_path / n / "checkpoints" / "last.ckpt").is_file() for n in ("0", "1"))


DDP_SCRIPT = """
import json, os, sys
import lightning as L, torch
sys.path.insert(0, {root!r})
from tests.conftest import compose_config
import zoo

class SaveWeights(L.Callback):
    def on_fit_end(self, trainer, module):
        path = os.path.join({out!r}, f"weights_rank{{trainer.global_rank}}.pt")
        torch.save(module.state_dict(), path)

cfg = compose_config("model=mlp", "data=xor", "trainer=ddp", "trainer.accelerator=cpu",
                     "trainer.devices=2", "trainer.max_epochs=4", "logger=none",
                     output_dir={out!r})
metrics = zoo.train(cfg, extra_callbacks=[SaveWeights()]).metrics
rank = os.environ.get("LOCAL_RANK", "0")
with open(os.path.join({out!r}, f"metrics_rank{{rank}}.json"), "w") as f:
    json.dump(metrics, f)
"""


def test_two_process_cpu_ddp_trains_and_agrees(tmp_path):
    script = tmp_path / "ddp_run.py"
    script.write_text(DDP_SCRIPT.format(root=str(ROOT), out=str(tmp_path / "run")))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [json.loads((tmp_path / "run" / f"metrics_rank{r}.json").read_text()) for r in (0, 1)]
    for key in ("val/loss", "val/acc", "test/acc", "test/loss"):
        assert ranks[0][key] == ranks[1][key], key
    assert ranks[0]["val/acc"] > 0.6  # it learned (chance is 0.5)
    # the metrics are synchronised anyway; the weights agree only if the gradients were
    weights = [
        torch.load(tmp_path / "run" / f"weights_rank{r}.pt", weights_only=True) for r in (0, 1)
    ]
    assert weights[0].keys() == weights[1].keys()
    for name in weights[0]:
        assert torch.equal(weights[0][name], weights[1][name]), name


def test_optuna_search_resumes_from_its_sqlite_study(tmp_path):
    command = [
        sys.executable,
        str(ROOT / "scripts" / "tune.py"),
        "model=mlp",
        "data=xor",
        "trainer.max_epochs=3",
        f"tune.storage=sqlite:///{tmp_path / 'study.db'}",
        "tune.trials=2",
        f"hydra.run.dir={tmp_path / 'tune'}",
    ]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "2 trials" in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "4 trials" in second.stdout and "best val/loss" in second.stdout


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


def test_epoch_shuffle_gives_each_epoch_the_order_of_an_uninterrupted_seeded_loader():
    data = list(range(50))
    sampler = EpochShuffle(data, seed=3)
    uninterrupted = DataLoader(data, shuffle=True, generator=torch.Generator().manual_seed(3))
    orders = []
    for epoch in range(4):
        sampler.set_epoch(epoch)
        orders.append(list(sampler))
        assert orders[-1] == [int(i) for i in uninterrupted], epoch
    sampler.set_epoch(2)  # a run resumed at epoch 2
    assert list(sampler) == orders[2] and orders[2] != orders[0]
