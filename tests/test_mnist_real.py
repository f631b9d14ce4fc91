"""Real-MNIST checks (slow): run with `python -m pytest -m slow`. They need the MNIST files
under $ZOO_DATA_ROOT or ../shared/data and are skipped without them."""

import os
from pathlib import Path

import pytest

import zoo

from .conftest import ROOT

pytestmark = pytest.mark.slow


def mnist_root() -> str:
    for root in (os.environ.get("ZOO_DATA_ROOT"), ROOT.parent / "shared" / "data"):
        if root and (Path(root) / "MNIST" / "raw" / "t10k-images-idx3-ubyte").is_file():
            return str(root)
    pytest.skip("no MNIST files: set ZOO_DATA_ROOT")


def test_fast_preset_reaches_99_percent(config):
    metrics = zoo.train(config("experiment=fast", f"data.root={mnist_root()}"))
    assert metrics["test/acc"] >= 0.99


def test_sigmoid_mlp_reaches_97_5_percent(config):
    metrics = zoo.train(config("model=mlp", f"data.root={mnist_root()}"))
    assert metrics["test/acc"] >= 0.975


def test_perceptron_trains_on_mnist(config):
    metrics = zoo.train(config("model=perceptron", "data=mnist", f"data.root={mnist_root()}"))
    assert metrics["test/acc"] >= 0.8  # a linear classifier: far above chance, far below a CNN
