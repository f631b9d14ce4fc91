"""Forking sequences: one pass of the RNN trains several consecutive forecast origins."""

import numpy as np
import pytest
import torch

from zoo.models import GlobalRNN
from zoo.timeseries import Panel
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


def test_an_origin_s_forecast_reads_nothing_after_it():
    """Changing the values at and after origin j changes no forecast of origins before j."""
    torch.manual_seed(0)
    network = GlobalRNN(horizon=H, input_length=12, season_length=4, hidden_size=8)
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
