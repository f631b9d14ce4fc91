"""Real-MNIST checks. They need the MNIST files under $ZOO_DATA_ROOT or ../shared/data
(beside the repository, as in CI) and are skipped, with the reason shown, without them.
The fast preset runs in the default `python -m pytest` (about 20 s on one core); the longer
runs are marked slow: `python -m pytest -m slow`."""

import pytest

import zoo

from .conftest import real_mnist_root as mnist_root


def test_fast_preset_reaches_99_percent(config):
    metrics = zoo.train(config("experiment=fast", f"data.root={mnist_root()}")).metrics
    assert metrics["test/acc"] >= 0.99, metrics


@pytest.mark.slow
def test_sigmoid_mlp_reaches_97_5_percent(config):
    metrics = zoo.train(config("model=mlp", f"data.root={mnist_root()}")).metrics
    assert metrics["test/acc"] >= 0.975, metrics


@pytest.mark.slow
def test_perceptron_trains_on_mnist(config):
    metrics = zoo.train(
        config("model=perceptron", "data=mnist", f"data.root={mnist_root()}")
    ).metrics
    assert metrics["test/acc"] >= 0.8, metrics  # linear: far above chance, far below a CNN
