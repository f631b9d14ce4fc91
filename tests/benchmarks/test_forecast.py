"""benchmarks/forecast.py's validation folds, checked without training: each fold's truth is
the horizon after its history, the RNN's panel ends before that truth (the run never sees
it), and no fold reads the test part."""

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


def test_validation_folds_step_back_a_horizon_each_and_train_on_what_precedes_the_truth(
    forecast_benchmark,
):
    # two series of 40 and 20 values, each value its own position: folds show what they hold
    history = Panel.from_arrays(["a", "b"], [torch.arange(40.0), torch.arange(100.0, 120.0)])
    folds = forecast_benchmark.folds(history, horizon=6, part="validation", windows=3)

    assert len(folds) == 3
    for k, fold in enumerate(folds):
        end = torch.tensor([40, 20]) - 6 * k  # fold k's truth ends k horizons back
        # "b" has 14 values before fold 0's truth, 8 before fold 1's, 2 before fold 2's: the
        # RNN trains on it in every fold, it is scored in fold 0 only (less than two horizons)
        assert fold.train.ids.tolist() == ["a", "b"]
        assert fold.train.lengths.tolist() == (end - 6).tolist()  # nothing of the truth
        scored = [0, 1] if k == 0 else [0]
        assert fold.history.ids.tolist() == [["a", "b"][i] for i in scored]
        assert fold.history.lengths.tolist() == (end[scored] - 6).tolist()
        for i, first in zip(scored, (0.0, 100.0), strict=False):
            truth = fold.truth.series(i).tolist()
            assert truth == [first + t for t in range(int(end[i]) - 6, int(end[i]))]
            # the RNN's panel is the history: every value before the truth, none after
            assert fold.train.series(i).tolist() == fold.history.series(i).tolist()


def test_without_final_fit_a_fold_trains_on_series_that_have_a_validation_part(
    forecast_benchmark,
):
    # data.final_fit=false: the run holds out the last horizon of its panel (the test run
    # never trains on its training part's last horizon), so a series needs more than one
    history = Panel.from_arrays(["a", "b"], [torch.arange(40.0), torch.arange(100.0, 120.0)])
    first, second, third = forecast_benchmark.folds(
        history, 6, "validation", windows=3, final_fit=False
    )
    assert first.train.lengths.tolist() == [34, 14]
    assert second.train.ids.tolist() == ["a", "b"] and second.history.ids.tolist() == ["a"]
    assert second.train.lengths.tolist() == [28, 8]
    assert third.train.ids.tolist() == ["a"]  # "b" has 2 values before fold 2's truth
    with pytest.raises(SystemExit, match="too few values to hold out a horizon"):
        forecast_benchmark.folds(
            Panel.from_arrays(["c"], [torch.arange(12.0)]), 6, "validation", 1, final_fit=False
        )


def test_the_test_part_is_one_fold_whose_truth_is_read_after_training(forecast_benchmark):
    history = Panel.from_arrays(["a"], [torch.arange(20.0)])
    (fold,) = forecast_benchmark.folds(history, horizon=4, part="test", windows=1)
    assert fold.train is None and fold.truth is None and fold.history is history


def test_folds_refuse_in_one_line_when_no_series_is_long_enough(forecast_benchmark):
    history = Panel.from_arrays(["a", "b"], [torch.arange(15.0), torch.arange(14.0)])
    # fold 0 forecasts "b" from 8 values; fold 2 would leave "a" 3
    with pytest.raises(SystemExit, match="--windows 3: fold 2: no series is long enough.*fewer"):
        forecast_benchmark.folds(history, horizon=6, part="validation", windows=3)
    with pytest.raises(SystemExit, match="a series has no more than 6 values"):
        forecast_benchmark.folds(
            Panel.from_arrays(["c"], [torch.arange(6.0)]), horizon=6, part="validation", windows=1
        )
