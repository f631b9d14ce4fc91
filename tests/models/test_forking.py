"""Forking sequences: one pass of the RNN trains several consecutive forecast origins."""

import numpy as np
import pytest
import torch

from zoo.models import GlobalRNN
from zoo.tasks import ForecastingTask
from zoo.timeseries import Panel
from zoo.timeseries.metrics import window_seasonal_scale
from zoo.timeseries.windows import PanelWindows

L, H, K = 6, 3, 4  # input length, horizon, origins per window


@pytest.fixture
def panel():
    # series values encode (series, position): 100 * s + t, every value positive
    lengths = [20, 9, 13]
    return Panel.from_arrays(
        ["a", "b", "c"], [100.0 * (s + 1) + np.arange(n) for s, n in enumerate(lengths)]
    )


def test_forking_windows_hold_each_origin_s_targets_and_nothing_past_the_cutoffs(panel):
    first = torch.tensor([2, 2, 2])
    last = panel.lengths - H
    windows = PanelWindows(panel, L, H, first, last, origins=K)
    plain = PanelWindows(panel, L, H, first, last)
    batch = windows.__getitems__(list(range(len(windows))))
    seen = set()
    for b in range(len(windows)):
        s = int(batch["series"][b])
        series = panel.values[panel.indptr[s] : panel.indptr[s + 1]]
        start = int(first[s]) + (b - int(windows.ends[s - 1] if s else 0)) * K
        # the inputs: positions start - L .. start + K - 2 that the series has, in order
        positions = [p for p in range(start - L, start + K - 1) if 0 <= p < len(series)]
        assert batch["x"][b][batch["mask"][b]].tolist() == series[positions].tolist()
        for j in range(K):
            cutoff = start + j
            valid = bool(batch["origin_mask"][b, j])
            assert valid == (cutoff <= int(last[s]))
            if valid:
                seen.add((s, cutoff))
                assert batch["y"][b, j].tolist() == series[cutoff : cutoff + H].tolist()
    # every cutoff is an origin of exactly one window, as plain windows list them
    assert len(seen) == plain.windows == int(batch["origin_mask"].sum())


@pytest.mark.parametrize("baseline", ["none", "drift"])
def test_an_origin_s_forecast_reads_nothing_after_it(baseline):
    """Changing the values at and after origin j changes no forecast of origins before j
    (the drift's slope too is each origin's own window's)."""
    torch.manual_seed(0)
    network = GlobalRNN(
        horizon=H, input_length=12, season_length=4, hidden_size=8, baseline=baseline
    )
    span = 12 + K - 1
    x = 10 + torch.rand(5, span) + torch.sin(torch.arange(span) * 1.57)
    mask = torch.ones_like(x, dtype=torch.bool)
    z, _ = network.forecast_origins(x, mask, K)
    for j in range(1, K):
        changed = x.clone()
        changed[:, 12 + j - 1 :] *= 3  # the values origin j reads last, and later ones
        z_changed, _ = network.forecast_origins(changed, mask, K)
        torch.testing.assert_close(z_changed[:, :, :j], z[:, :, :j], rtol=0, atol=0)
        assert not torch.allclose(z_changed[:, :, j:], z[:, :, j:])


def test_one_origin_is_the_plain_forward_pass():
    torch.manual_seed(0)
    network = GlobalRNN(horizon=H, input_length=12, season_length=4, hidden_size=8)
    x = 10 + torch.rand(5, 12)
    mask = torch.ones_like(x, dtype=torch.bool)
    mask[0, :3] = False
    z, scale = network.scaled_forward(x, mask)
    z_origins, scale_origins = network.forecast_origins(x, mask, 1)
    torch.testing.assert_close(z_origins[:, :, 0], z, rtol=0, atol=0)
    # the last origin's state is the state a plain pass over the same values ends with
    span = 12 + K - 1
    long_x = 10 + torch.rand(5, span)
    ones = torch.ones_like(long_x, dtype=torch.bool)
    z_k, _ = network.forecast_origins(long_x, ones, K)
    assert z_k.shape == (1, 5, K, H) and torch.isfinite(z_k).all()


@pytest.mark.parametrize("loss", ["mae", "mase", "smape"])
def test_every_loss_trains_forking_windows_each_origin_with_what_is_known_at_it(panel, loss):
    """The forking loss is each valid origin's plain loss; "mase" divides every origin of a
    window by the seasonal change of the window's first `input_length` values (known at
    each origin), so a window's later values change no denominator."""
    torch.manual_seed(0)
    kwargs = dict(horizon=H, input_length=L, season_length=1, hidden_size=8)
    task = ForecastingTask("rnn", kwargs, loss=loss)
    windows = PanelWindows(panel, L, H, torch.tensor([2, 2, 2]), panel.lengths - H, origins=K)
    batch = windows.__getitems__(list(range(len(windows))))
    assert not batch["origin_mask"].all()  # some origins lie past a series' range
    z, (level, _) = task.model.forecast_origins(batch["x"], batch["mask"], K)
    forecast = level.unsqueeze(-1) * z.exp()  # log scaling: the forecasts in the units
    y = batch["y"]
    if loss == "mae":
        errors = (z - (y / level.unsqueeze(-1)).log()).abs()
    elif loss == "smape":
        errors = 2 * (forecast - y).abs() / (forecast.abs() + y.abs())
    else:
        known = window_seasonal_scale(batch["x"][:, :L], batch["mask"][:, :L], 1)
        errors = (forecast - y).abs() / known.view(1, -1, 1, 1)
    valid = batch["origin_mask"].unsqueeze(-1).expand_as(errors[0])
    expected = errors[0][valid].mean()
    torch.testing.assert_close(task.forking_loss(batch), expected, rtol=1e-5, atol=0)
    if loss == "mase":  # only the first L values set the denominator
        changed = {**batch, "x": batch["x"].clone()}
        changed["x"][:, L:] *= 5
        z2, (level2, _) = task.model.forecast_origins(changed["x"], changed["mask"], K)
        torch.testing.assert_close(level2, level)
        errors2 = (level.unsqueeze(-1) * z2.exp() - y).abs() / known.view(1, -1, 1, 1)
        torch.testing.assert_close(task.forking_loss(changed), errors2[0][valid].mean())
