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


def test_under_ddp_the_processes_share_each_epochs_draw_so_the_budget_holds():
    """Lightning shards EpochShuffle (it is no RandomSampler, which it would replace by a
    whole pass an epoch): two processes' parts are disjoint, together the epoch's draw."""
    from lightning.pytorch.trainer.connectors.data_connector import _get_distributed_sampler

    data = list(range(50))
    alone = EpochShuffle(data, seed=3, num_samples=20)
    ranks = [
        _get_distributed_sampler(
            DataLoader(data, sampler=EpochShuffle(data, seed=3, num_samples=20)),
            shuffle=True,
            overfit_batches=0,
            num_replicas=2,
            rank=rank,
        )
        for rank in (0, 1)
    ]
    draws = []
    for epoch in range(3):
        alone.set_epoch(epoch)
        for sampler in ranks:
            sampler.set_epoch(epoch)  # Lightning's call, passed on to EpochShuffle
        parts = [list(sampler) for sampler in ranks]
        assert [len(part) for part in parts] == [10, 10] and not set(parts[0]) & set(parts[1])
        assert sorted(parts[0] + parts[1]) == sorted(alone)  # the epoch's 20 of the 50
        draws.append(sorted(alone))
    assert draws[0] != draws[1] != draws[2]  # a fresh subset each epoch


def test_without_set_epoch_each_pass_draws_the_next_epochs_order():
    data = list(range(50))
    told, untold = (
        EpochShuffle(data, seed=3, num_samples=20),
        EpochShuffle(data, seed=3, num_samples=20),
    )
    for epoch in range(3):
        told.set_epoch(epoch)
        assert list(untold) == list(told), epoch  # a fresh subset each pass, as if told
