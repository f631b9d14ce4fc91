"""zoo.timeseries.baselines: seasonal naive, by hand and against statsforecast."""

import numpy as np
import torch

from zoo.timeseries import Panel
from zoo.timeseries.baselines import in_panel_order, seasonal_naive
from zoo.timeseries.windows import forecast_windows

from ..conftest import all_batches


def test_seasonal_naive_repeats_the_last_season_or_the_last_value():
    x = torch.tensor([[1.0, 2, 3, 4, 5, 6], [0, 0, 0, 0, 7, 8]])
    mask = torch.tensor([[True] * 6, [False] * 4 + [True] * 2])
    forecast = seasonal_naive(x, mask, horizon=5, season_length=3)
    assert forecast.tolist() == [[4, 5, 6, 4, 5], [8, 8, 8, 8, 8]]


def test_seasonal_naive_matches_statsforecast():
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    rng = np.random.default_rng(0)
    series = {f"s{i}": rng.random(20 + i) for i in range(4)}
    panel = Panel.from_arrays(list(series), list(series.values()))
    windows = forecast_windows(panel, 4)
    batch = all_batches(windows)
    ours = seasonal_naive(batch["x"], batch["mask"], 7, 4)
    frame = panel.to_frame()
    theirs = StatsForecast(models=[SeasonalNaive(4)], freq=1).forecast(df=frame, h=7)
    expected = in_panel_order(theirs, "SeasonalNaive", panel.ids, 7)
    assert np.allclose(ours.numpy(), expected, atol=1e-6)
