"""Nothing is lost when zoo writes (issue 28): every file appears whole or not at all, a new
output never replaces a file, `kill -9` and a full disk leave the old files intact and no
partial or temporary file behind."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import time

import lightning as L
import numpy as np
import pandas as pd
import pytest
import torch

import zoo
import zoo.files
from zoo.errors import DiskFullError
from zoo.files import new_folder, write_file
from zoo.runs.training import AtomicCheckpointIO

from .conftest import ROOT, compose_config


def run_script(name: str, *args, timeout=300):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / f"{name}.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


def full_disk(monkeypatch, when=lambda: True):
    """From now on (while `when()`), zoo's writes meet a full disk as fsync reports it."""
    real = zoo.files._flush_to_disk

    def flush(handle):
        if when():
            raise OSError(errno.ENOSPC, "No space left on device")
        real(handle)

    monkeypatch.setattr(zoo.files, "_flush_to_disk", flush)


def monthly_csv(path, series=("a", "b"), periods=40):
    dates = pd.date_range("2000-01-01", periods=periods, freq="MS")
    frame = pd.concat(
        pd.DataFrame({"unique_id": s, "ds": dates, "y": 10.0 + i + np.arange(periods)})
        for i, s in enumerate(series)
    )
    frame.to_csv(path, index=False)
    return path


# -- the writer -------------------------------------------------------------------------------


def test_a_file_is_written_whole_or_not_at_all_and_never_replaces_another(tmp_path):
    path = write_file(tmp_path / "a.csv", "x,y\n1,2\n")
    assert path.read_text() == "x,y\n1,2\n" and oct(path.stat().st_mode)[-3:] != "600"
    with pytest.raises(zoo.ConfigError, match="a.csv exists; choose another path"):
        write_file(path, "other")
    write_file(path, b"replaced", replace=True)
    assert path.read_bytes() == b"replaced"

    def broken(handle):
        handle.write(b"half of it")
        raise RuntimeError("the writer failed")

    for target, replace in [(tmp_path / "new.csv", False), (path, True)]:
        with pytest.raises(RuntimeError, match="the writer failed"):
            write_file(target, broken, replace=replace)
    assert sorted(os.listdir(tmp_path)) == ["a.csv"] and path.read_bytes() == b"replaced"


def test_a_system_that_cannot_name_an_unnamed_file_still_gets_whole_files(tmp_path, monkeypatch):
    def refuse(link, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(zoo.files, "_link_followed", refuse)
    path = write_file(tmp_path / "a.bin", bytes(3_000_000))
    write_file(path, b"new", replace=True)
    with pytest.raises(zoo.ConfigError, match="exists"):
        write_file(path, b"other")
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["a.bin"]


def test_a_file_made_after_the_check_is_not_replaced(tmp_path):
    target = tmp_path / "forecasts.csv"

    def slow_writer(handle):  # another process takes the name while zoo writes
        target.write_text("theirs")
        handle.write(b"ours")

    with pytest.raises(zoo.ConfigError, match="forecasts.csv exists"):
        write_file(target, slow_writer)
    assert target.read_text() == "theirs" and os.listdir(tmp_path) == ["forecasts.csv"]


def test_a_full_disk_names_the_folder_and_the_space_and_leaves_the_old_file(tmp_path, monkeypatch):
    old = write_file(tmp_path / "last.ckpt", b"old checkpoint")
    full_disk(monkeypatch)
    with pytest.raises(DiskFullError, match=rf"the disk holding {tmp_path} is full \(last.ckpt "
                       r"needs 2.0 MB; .* free\): free some space"):  # fmt: skip
        write_file(old, bytes(2_000_000), replace=True)
    with pytest.raises(DiskFullError, match="forecasts.csv needs more than the 5 bytes written"):
        write_file(tmp_path / "forecasts.csv", lambda f: f.write(b"a,b\n1"))
    with pytest.raises(DiskFullError, match=r"full \(fc needs 3 bytes"):
        new_folder(tmp_path / "fc", {"a.json": "{}", "b": b"1"})
    assert os.listdir(tmp_path) == ["last.ckpt"] and old.read_bytes() == b"old checkpoint"


def test_a_new_folder_appears_whole_and_never_over_files(tmp_path):
    folder = new_folder(tmp_path / "saved", {"a.json": "{}", "b.bin": b"12"})
    assert sorted(os.listdir(folder)) == ["a.json", "b.bin"]
    with pytest.raises(zoo.ConfigError, match="saved already exists and holds files"):
        new_folder(folder, {"c": b""})
    (tmp_path / "file").write_text("mine")
    with pytest.raises(zoo.ConfigError, match="file already exists as a file"):
        new_folder(tmp_path / "file", {"c": b""})
    (tmp_path / "empty").mkdir()
    new_folder(tmp_path / "empty", {"c": b"3"})  # an empty folder may receive it
    assert sorted(os.listdir(tmp_path)) == ["empty", "file", "saved"]


# -- checkpoints ------------------------------------------------------------------------------

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


# -- commands ---------------------------------------------------------------------------------


def test_a_failed_forecast_leaves_no_partial_output_to_block_the_rerun(tmp_path, monkeypatch):
    from zoo.commands import forecast

    data = monthly_csv(tmp_path / "sales.csv")
    out = tmp_path / "out" / "f.csv"
    wrote = []
    full_disk(monkeypatch, when=lambda: wrote.append(1) or len(wrote) > 1)  # the PNG fails
    with pytest.raises(SystemExit, match=f"error: the disk holding {out.parent} is full"):
        forecast.main(["--weights", "rnn-m3-monthly", str(data), "--out", str(out)])
    assert os.listdir(out.parent) == []  # the CSV written before the PNG is gone again
    monkeypatch.undo()
    forecast.main(["--weights", "rnn-m3-monthly", str(data), "--out", str(out)])
    assert sorted(os.listdir(out.parent)) == ["f.csv", "f.png"]


# -- a real full disk (a 2 MB tmpfs; needs root, else skipped) -------------------------------


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_real_full_disk_gets_zoos_message_and_loses_nothing(small_disk, tmp_path):
    data = monthly_csv(tmp_path / "sales.csv", series=[f"s{i}" for i in range(300)])
    run = small_disk / "run"
    trained = run_script("train", "model=rnn", "data=co2", "trainer.max_epochs=3",
                         "quiet=true", f"hydra.run.dir={run}")  # fmt: skip
    assert trained.returncode != 0 and "Traceback" not in trained.stderr, trained.stderr[-3000:]
    assert "is full" in trained.stderr and "free some space" in trained.stderr
    for checkpoint in (run / "checkpoints").glob("*"):
        torch.load(checkpoint, weights_only=True)  # whole
    assert not [p for p in small_disk.rglob(".*.tmp")]
    filler = small_disk / "filler"
    filler.write_bytes(bytes(shutil.disk_usage(small_disk).free - 20_000))
    out = small_disk / "f.csv"
    failed = run_script("forecast", "--weights", "rnn-m3-monthly", data, "--out", out)
    assert failed.returncode != 0 and f"the disk holding {small_disk} is full" in failed.stderr
    assert "Traceback" not in failed.stderr and not out.exists()
    filler.unlink()
    shutil.rmtree(run)
    again = run_script("forecast", "--weights", "rnn-m3-monthly", data, "--out", out)
    assert again.returncode == 0, again.stderr
    assert pd.read_csv(out).shape[0] == 300 * 18
