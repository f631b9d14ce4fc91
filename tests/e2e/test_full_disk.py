"""A real full disk (a 2 MB tmpfs; needs root, else skipped): `zoo train` and `zoo
forecast` say so in zoo's words and lose nothing."""

import shutil
import subprocess

import pandas as pd
import pytest
import torch

from ..conftest import monthly_csv, run_script


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
    # leave at most 20 kB: the forecasts' 5,400 rows cannot fit (the run may have left less)
    filler.write_bytes(bytes(max(shutil.disk_usage(small_disk).free - 20_000, 0)))
    out = small_disk / "f.csv"
    failed = run_script("forecast", "--weights", "rnn-m3-monthly", data, "--out", out)
    assert failed.returncode != 0 and f"the disk holding {small_disk} is full" in failed.stderr
    assert "Traceback" not in failed.stderr and not out.exists()
    filler.unlink()
    shutil.rmtree(run)
    again = run_script("forecast", "--weights", "rnn-m3-monthly", data, "--out", out)
    assert again.returncode == 0, again.stderr
    assert pd.read_csv(out).shape[0] == 300 * 18
