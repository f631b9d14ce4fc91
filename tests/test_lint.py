"""The code stays ruff-clean and ruff-formatted (configured in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

# ruff on the PATH, or beside this Python (a virtual environment that is not activated)
RUFF = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
FOLDERS = ["src", "scripts", "tests", "benchmarks", "docs/hooks", "hubconf.py"]


@pytest.mark.skipif(RUFF is None, reason="ruff is a dev dependency")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_finds_nothing(command):
    result = subprocess.run([RUFF, *command, *FOLDERS], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
