"""The code stays ruff-clean (configured in pyproject.toml)."""

import shutil
import subprocess

import pytest

from .conftest import ROOT


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is a dev dependency")
def test_ruff_finds_nothing():
    result = subprocess.run(
        ["ruff", "check", "src", "scripts", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
