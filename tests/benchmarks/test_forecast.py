"""benchmarks/forecast.py's validation folds, checked without training: each fold's truth is
the horizon after its history, the RNN's panel ends with that truth (kept as the run's own
validation part, never trained on), and no fold reads the test part."""

import importlib.util

import pytest
import torch

from zoo.timeseries import Panel

from ..conftest import ROOT


@pytest.fixture(scope="module")
def forecast_benchmark():
    spec = importlib.util.spec_from_file_location(
        "forecast_benchmark", ROOT / "benchmarks" / "forecast.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_validation_folds_step_back_a_horizon_each_and_keep_the_truth_after_the_history(
    forecast_benchmark,
):
    # two series of 40 and 30 values, each value its own position: folds show what they hold
    history = Panel.from_arrays(["a", "b"], [torch.arange(40.0), torch.arange(100.0, 130.0)])
    folds = forecast_benchmark.folds(history, horizon=6, part="validation", windows=3)

    assert len(folds) == 3
    for k, fold in enumerate(folds):
        end = torch.tensor([40, 30]) - 6 * k  # fold k's truth ends k horizons back
        assert fold.train.lengths.tolist() == end.tolist()
        assert fold.history.lengths.tolist() == (end - 6).tolist()
        for i, first in enumerate((0.0, 100.0)):
            truth = fold.truth.series(i).tolist()
            assert truth == [first + t for t in range(int(end[i]) - 6, int(end[i]))]
            # the RNN's panel is the history and then the truth: nothing after it
            assert fold.train.series(i).tolist() == fold.history.series(i).tolist() + truth


def test_the_test_part_is_one_fold_whose_truth_is_read_after_training(forecast_benchmark):
    history = Panel.from_arrays(["a"], [torch.arange(20.0)])
    (fold,) = forecast_benchmark.folds(history, horizon=4, part="test", windows=1)
    assert fold.train is None and fold.truth is None and fold.history is history


def test_folds_refuse_series_too_short_for_them_in_one_line(forecast_benchmark):
    history = Panel.from_arrays(["a", "b"], [torch.arange(40.0), torch.arange(15.0)])
    with pytest.raises(SystemExit, match="--windows 3: fold 3: 1 series .* 'b'.*ask for fewer"):
        forecast_benchmark.folds(history, horizon=6, part="validation", windows=3)
