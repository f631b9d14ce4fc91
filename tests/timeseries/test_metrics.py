"""zoo.timeseries.metrics: sMAPE, MASE and their seasonal scale, computed by hand."""

import math

import numpy as np
import pytest
import torch

from zoo.timeseries import Panel
from zoo.timeseries.metrics import (
    mase,
    panel_means,
    seasonal_naive_scale,
    smape,
)


def test_metrics_match_hand_computed_smape_and_mase():
    truth = torch.tensor([[10.0, 20.0], [1.0, 1.0]])
    forecast = torch.tensor([[12.0, 20.0], [0.0, 3.0]])
    # series 1: sMAPE = mean(200*2/22, 0) = 9.0909; series 2: mean(200*1/1, 200*2/4) = 150
    assert smape(forecast, truth).tolist() == pytest.approx([200 / 22, 150.0])
    # histories 1,3,5,7 (lag-1 scale 2) and 4,4,4 (scale 0: MASE NaN)
    panel = Panel.from_arrays(["s1", "s2"], [[1.0, 3.0, 5.0, 7.0], [4.0, 4.0, 4.0]])
    scale = seasonal_naive_scale(panel.values, panel.indptr, 1)
    assert scale.tolist() == [2.0, 0.0]
    per_series = mase(forecast, truth, scale)
    assert per_series[0] == pytest.approx(1 / 2) and math.isnan(per_series[1])
    means = panel_means(forecast, truth, scale)
    assert means["smape"] == pytest.approx((200 / 22 + 150) / 2, rel=1e-6)
    assert means["mase"] == pytest.approx(0.5)  # the NaN series is left out
    assert means["rmse"] == pytest.approx(math.sqrt((4 + 0 + 1 + 4) / 4))


def test_seasonal_scale_of_a_series_shorter_than_a_season_is_nan():
    panel = Panel.from_arrays(["short", "long"], [np.arange(5.0), np.arange(30.0)])
    scale = seasonal_naive_scale(panel.values, panel.indptr, 12)
    assert math.isnan(scale[0]) and scale[1] == 12
