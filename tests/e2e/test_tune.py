"""`zoo tune` (scripts/tune.py): an Optuna search resumes from its SQLite study."""

import subprocess
import sys

from ..conftest import ROOT


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
