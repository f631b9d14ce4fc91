"""zoo.timeseries.methods: the RNN + Theta hybrid."""

import torch

from zoo.timeseries.methods import (
    HybridMethod,
    StatisticalMethod,
    hybrid,
)

from .conftest import ramps


def test_the_hybrid_is_the_mean_of_network_and_theta_or_the_network_where_theta_is_missing():
    network = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    theta = torch.tensor([[3.0, 4.0], [float("nan"), 6.0]])  # statsforecast's NaN fallback
    assert torch.equal(hybrid(network, theta), torch.tensor([[2.0, 3.0], [3.0, 5.0]]))
    panel = ramps()
    last = lambda h, horizon: torch.stack(  # noqa: E731
        [h.series(i)[-1].expand(horizon) for i in range(len(h))]
    )
    theta_alone = StatisticalMethod("Theta", 1)(panel, 4)
    assert torch.allclose(HybridMethod(last, 1)(panel, 4), (last(panel, 4) + theta_alone) / 2)
