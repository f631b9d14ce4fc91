"""benchmarks/peers.py gives zoo's RNN each M3 group's own recipe settings, as `zoo train
model=rnn data=m3 data.group=G` resolves them, puts every model's forecasts in the scored
series' order, and gives zoo's Forecaster a frame it reads; checked without training (the
peers need neuralforecast, the `[bench]` extra, which the default install lacks)."""

import importlib.util
import sys

import pandas as pd
import pytest
import torch

from zoo.timeseries import Panel

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


def test_forecasts_come_back_in_the_scored_series_order_each_one_s_times_in_order(peers):
    forecasts = pd.DataFrame(
        {
            "unique_id": ["b", "b", "a", "a", "c", "c"],
            "ds": [2, 1, 1, 2, 1, 2],
            "NHITS": [20.0, 10.0, 1.0, 2.0, 100.0, 200.0],
        }
    )
    assert peers.in_order(forecasts, ["a", "b"], "NHITS").tolist() == [1.0, 2.0, 10.0, 20.0]


def test_zoo_s_frame_leaves_out_the_series_of_one_value_that_a_later_fold_leaves(peers):
    panel = Panel.from_arrays(["long", "one"], [torch.arange(5.0), torch.tensor([7.0])])
    frame = peers.zoo_frame(panel)
    assert frame["unique_id"].unique().tolist() == ["long"]
    assert frame["y"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
