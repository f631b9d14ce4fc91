"""The house's layers, as import-linter contracts in pyproject.toml: the time-series core,
networks, data, tasks and weights, runs, the forecasting API and the commands only import
downward, and no two of zoo's packages import each other."""

import shutil
import subprocess

import pytest

from .conftest import ROOT


def test_the_import_contracts_hold():
    lint = shutil.which("lint-imports")
    if lint is None:
        pytest.fail("lint-imports is missing: pip install -e '.[dev]' installs import-linter")
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken" in result.stdout
