"""benchmarks/peers.py gives zoo's RNN each M3 group's own recipe settings, as `zoo train
model=rnn data=m3 data.group=G` resolves them, checked without training (the peers need
neuralforecast, the `[bench]` extra, which the default install does not have)."""

import importlib.util
import sys

import pytest

from ..conftest import ROOT


@pytest.fixture(scope="module")
def peers():
    folder = str(ROOT / "benchmarks")
    sys.path.insert(0, folder)  # as when it runs: it imports forecast.py's folds from there
    try:
        spec = importlib.util.spec_from_file_location("peers_benchmark", f"{folder}/peers.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(folder)


@pytest.mark.parametrize(
    ("group", "epochs", "baseline"),
    [
        ("monthly", 12, "none"),
        ("quarterly", 36, "none"),
        ("yearly", 6, "drift"),
        ("other", 36, "none"),
    ],
)
def test_each_group_s_rnn_trains_as_the_recipe_says_for_that_group(peers, group, epochs, baseline):
    assert peers.group_settings(group) == {"max_epochs": epochs, "baseline": baseline}
