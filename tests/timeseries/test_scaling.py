"""zoo.timeseries.scaling: deseasonalising removes a clear season and leaves noise alone."""

import torch


def test_deseasonalising_reads_a_clear_season_and_leaves_noise_alone():
    from zoo.timeseries.scaling import seasonal_profile

    generator = torch.Generator().manual_seed(0)
    length, pattern = 48, torch.tensor([0.3, -0.2, 0.1, 0, 0, 0, 0, 0, 0, 0, 0, -0.2])
    steps = torch.arange(length)
    seasonal = pattern[(steps - length) % 12] + 0.01 * torch.randn(length, generator=generator)
    noise = 0.1 * torch.randn(length, generator=generator)
    observed = torch.ones(2, length, dtype=torch.bool)
    profile = seasonal_profile(torch.stack([seasonal, noise]), observed, 12)
    assert torch.allclose(profile[0], pattern - pattern.mean(), atol=0.02)  # phase 0 first
    assert (profile[1] == 0).all()  # no significant season: nothing removed
