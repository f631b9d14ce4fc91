"""zoo.data.tensors: the seeded epoch order a resumed run repeats."""

import torch
from torch.utils.data import DataLoader

from zoo.data.tensors import EpochShuffle


def test_epoch_shuffle_gives_each_epoch_the_order_of_an_uninterrupted_seeded_loader():
    data = list(range(50))
    sampler = EpochShuffle(data, seed=3)
    uninterrupted = DataLoader(data, shuffle=True, generator=torch.Generator().manual_seed(3))
    orders = []
    for epoch in range(4):
        sampler.set_epoch(epoch)
        orders.append(list(sampler))
        assert orders[-1] == [int(i) for i in uninterrupted], epoch
    sampler.set_epoch(2)  # a run resumed at epoch 2
    assert list(sampler) == orders[2] and orders[2] != orders[0]


def test_epoch_shuffle_with_fewer_samples_draws_the_start_of_each_epochs_order():
    data = list(range(50))
    whole, part = EpochShuffle(data, seed=3), EpochShuffle(data, seed=3, num_samples=20)
    for epoch in range(3):
        whole.set_epoch(epoch)
        part.set_epoch(epoch)
        assert len(part) == 20 and list(part) == list(whole)[:20]
