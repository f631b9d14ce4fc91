"""Tests of zoo as a user runs it: its commands in subprocesses, an installed wheel, DDP,
the built site and a browser. Every test in this folder is marked `e2e` here; the built
site is shared by the site's tests and the browser's."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import ROOT, found_mnist_root


def pytest_collection_modifyitems(items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@dataclass
class BuiltSite:
    folder: Path  # the built site
    log: str  # what mkdocs printed
    seconds: float
    mnist: bool  # whether the pages that need MNIST ran

    def page(self, name: str) -> str:
        """The HTML of a page, by its source name ("neuron" for docs/neuron.md)."""
        return (self.folder / ("" if name == "index" else name) / "index.html").read_text()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> BuiltSite:
    """The documentation site, built once per test session as `mkdocs build --strict`
    builds it: every page's code runs (docs/hooks/execution.py), so a page whose code
    fails, or any warning, fails the build and every test that reads the site."""
    folder = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("ZOO_DATA_ROOT", None)
    if mnist := found_mnist_root():
        env["ZOO_DATA_ROOT"] = mnist
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=1500)  # fmt: skip
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{log[-6000:]}", pytrace=False)
    return BuiltSite(folder, log, time.perf_counter() - start, mnist is not None)
