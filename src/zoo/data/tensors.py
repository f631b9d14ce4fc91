"""The base for data sets small enough to hold whole as tensors (all of zoo's).

Batches are cut from the tensors with one indexing operation (`__getitems__`), not built
sample by sample and collated: on MNIST that is the difference between a data pipeline
that costs more than the model and one that costs nothing.
"""

import math

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset, Sampler, default_collate

from zoo.constraints import Interval


class TensorSet(Dataset):
    """Aligned tensors (inputs, targets, ...) indexed along their first dimension.

    Args:
        *tensors: Tensors of one length; item i is the tuple of their i-th rows.

    Raises:
        ValueError: If the tensors' lengths differ.
    """

    def __init__(self, *tensors: torch.Tensor) -> None:
        if len({len(t) for t in tensors}) != 1:
            raise ValueError("all tensors need the same length")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices: list[int]) -> tuple[torch.Tensor, ...]:
        # DataLoader hands over a whole batch of indices; cut it where the tensors are
        index = torch.as_tensor(indices, device=self.tensors[0].device)
        return tuple(t[index] for t in self.tensors)

    def to(self, device: torch.device) -> "TensorSet":
        """Move the tensors to `device` (in place), so batches are cut there."""
        self.tensors = tuple(t.to(device) for t in self.tensors)
        return self


def keep_batch(batch):
    """collate_fn for `TensorSet`: the batch is already stacked."""
    return batch


class TrainingBatch(tuple):
    """A batch drawn from a training set: the only kind a data module may augment."""


def keep_training_batch(batch):
    """collate_fn of training loaders: the stacked batch, a tuple marked as training data
    (dict batches, such as forecasting windows, are never augmented and pass as they are)."""
    return TrainingBatch(batch) if isinstance(batch, tuple) else batch


def stack_batch(items: list) -> tuple:
    """collate_fn for data sets read an item at a time (files streamed by workers)."""
    return tuple(default_collate(items))


def stack_training_batch(items: list) -> TrainingBatch:
    """`stack_batch`, marked as training data."""
    return TrainingBatch(stack_batch(items))


class EpochShuffle(Sampler[int]):
    """A random order that depends on the seed and the epoch only.

    Lightning calls `set_epoch` before every epoch, so a run resumed at epoch k sees the
    order the uninterrupted run saw at epoch k, not epoch 0's again. Epoch k's order is the
    one `DataLoader(shuffle=True, generator=Generator().manual_seed(seed))` gives at its
    k-th epoch, replaying that generator's draws (a base seed, then a permutation, and
    another for RandomSampler's empty partial pass), so uninterrupted runs shuffle as they
    always did. The generator is kept from one epoch to the next, so only a resumed run
    replays the draws of the epochs before.

    `num_samples` (at most the data's) makes an epoch the first `num_samples` of that
    order: a fresh random subset each epoch, so that an epoch's cost does not grow with the
    data (a large forecasting panel). Under DDP, Lightning shards this sampler's draw
    (`DistributedSamplerWrapper`): the processes share the epoch's `num_samples` examples,
    each its part (a few repeated where they do not divide evenly), so the budget of
    examples holds there too. (A `RandomSampler` it would replace by a
    `DistributedSampler`: a whole pass an epoch.) Each pass draws the next epoch's order
    even where no `set_epoch` reaches it (Lightning's wrapper passes it on only in its
    recent versions), so every epoch's subset is fresh there as well.
    """

    def __init__(self, data_source: Dataset, seed: int = 0, num_samples: int | None = None) -> None:
        if num_samples is not None and not 1 <= num_samples <= len(data_source):
            raise ValueError(f"num_samples={num_samples}: from 1 to the {len(data_source)} there")
        self.data_source = data_source
        self.num_samples = len(data_source) if num_samples is None else num_samples
        self.seed = seed
        self.epoch = 0
        self._next: tuple[int, torch.Generator] | None = None  # (epoch, its generator)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        if self._next is not None and self._next[0] == self.epoch:
            generator = self._next[1]
        else:
            generator = torch.Generator().manual_seed(self.seed)
            for _ in range(self.epoch):
                self._draw(generator)
        order = self._draw(generator)[: self.num_samples]
        self.epoch += 1  # the next pass draws the next epoch, unless set_epoch says otherwise
        self._next = (self.epoch, generator)
        for chunk in order.split(1 << 16):  # not one Python int per window at once
            yield from chunk.tolist()

    def _draw(self, generator: torch.Generator) -> torch.Tensor:
        """One epoch's draws from the loader's generator; returns the epoch's order."""
        n = len(self.data_source)
        torch.empty((), dtype=torch.int64).random_(generator=generator)  # the base seed
        order = torch.randperm(n, generator=generator)
        torch.randperm(n, generator=generator)  # RandomSampler's empty partial pass
        return order


def split_sizes(total: int, fractions: tuple[float, ...]) -> list[int]:
    """Sizes of consecutive parts of `total` items, the last part taking the remainder."""
    sizes = [math.floor(total * f) for f in fractions[:-1]]
    return [*sizes, total - sum(sizes)]


def stratified_split(
    labels: torch.Tensor, fractions: tuple[float, ...], seed: int
) -> list[torch.Tensor]:
    """Indices of parts of the examples with `labels`, in a seeded random draw stratified
    by class: part i (i >= 1) holds round(n * fractions[i]) examples, the first part
    (training) the rest; each part's indices in their original order.

    Item k (from 0) of a class of n, in random order, stands at (k + 0.5) / n of its class;
    the parts are cut from all items in that order, so each class spreads over the parts
    in about the fractions (and a class of one example is trained on).
    """
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(labels), generator=generator)
    order = order[torch.sort(labels[order], stable=True).indices]  # by class, random within
    sorted_labels = labels[order]
    counts = torch.bincount(sorted_labels)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(len(labels)) - starts[sorted_labels]
    position = (rank + 0.5) / counts[sorted_labels]
    order = order[torch.sort(position, stable=True).indices]  # classes interleaved
    later = [round(len(labels) * f) for f in fractions[1:]]
    sizes = [len(labels) - sum(later), *later]
    return [part.sort().values for part in order.split(sizes)]


class InMemoryDataModule(L.LightningDataModule):
    """Holds `train_set`, `val_set` and `test_set` as `TensorSet`s, filled in `setup`.

    Args:
        batch_size: Examples per batch.
        seed: Seeds the split (where the data is split) and the training batches' order.
        num_workers: DataLoader worker processes (0: batches cut in the main process).
    """

    kind: str  # "classification" or "forecasting": which tasks can use this data
    parameter_constraints = {  # the settings every data module takes (zoo.constraints)
        "batch_size": Interval(int, 1, None),
        "seed": Interval(int, 0, None),
        "num_workers": Interval(int, 0, None),
    }
    train_set: TensorSet
    val_set: TensorSet
    test_set: TensorSet

    def __init__(self, batch_size: int = 64, seed: int = 0, num_workers: int = 0) -> None:
        super().__init__()
        self.batch_size = batch_size
        self.seed = seed
        self.num_workers = num_workers

    has_validation = True  # False: no validation loader (then nothing monitors val/loss)
    epoch_draws: int | None = None  # examples an epoch draws, when fewer than the training set

    @property
    def dims(self) -> dict[str, int]:
        """Sizes a network needs from this data (`in_features`, `num_classes`, `horizon`...)."""
        raise NotImplementedError

    @property
    def task_kwargs(self) -> dict:
        """Facts of the data the task records in checkpoints (normalisation, class names...)."""
        return {}

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_set, training=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_set)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_set)

    def _loader(self, dataset: Dataset, training: bool = False) -> DataLoader:
        """Batches of `dataset`; a training loader shuffles (`EpochShuffle`) and marks its
        batches as `TrainingBatch`es. A `TensorSet` cuts whole batches; other data sets
        (files read one at a time) are stacked."""
        whole = hasattr(dataset, "__getitems__")
        keep, keep_training = (
            (keep_batch, keep_training_batch) if whole else (stack_batch, stack_training_batch)
        )
        return DataLoader(
            dataset,
            batch_size=self.batch_size,
            sampler=EpochShuffle(dataset, self.seed, self.epoch_draws) if training else None,
            # the workers' base seed: drawn from here, not from torch's global generator
            generator=torch.Generator().manual_seed(self.seed) if training else None,
            collate_fn=keep_training if training else keep,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )


class ReadOnFirstUse:
    """For a data module whose sizes are known only once its data is read (a user's image
    folder or table): `dims` and `task_kwargs` read it first (`_load`, once)."""

    @property
    def dims(self) -> dict[str, int]:
        self._ensure_loaded()
        return super().dims

    @property
    def task_kwargs(self) -> dict:
        self._ensure_loaded()
        return super().task_kwargs

    def _ensure_loaded(self) -> None:
        if not hasattr(self, "train_set"):
            self._load()


class ClassificationDataModule(InMemoryDataModule):
    """Inputs of `input_shape` with integer labels 0..num_classes-1 (the base of the toy
    sets and MNIST; its arguments are `InMemoryDataModule`'s)."""

    kind = "classification"
    parameter_constraints = {  # of the modules that split by fractions (zoo.constraints)
        "val_fraction": Interval(float, 0, 1, closed="neither"),
        "test_fraction": Interval(float, 0, 1, closed="neither"),
    }

    input_shape: tuple[int, ...]
    num_classes: int
    class_names: list[str] | None = None
    # (mean, std) of raw inputs: numbers, or lists of one per channel or feature
    normalization: tuple[float | list[float], float | list[float]] | None = None
    input_format: dict | None = None  # what a raw record is, for prediction (zoo.prediction)

    @property
    def task_kwargs(self) -> dict:
        mean, std = self.normalization or (0.0, 1.0)
        return {
            "input_mean": mean,
            "input_std": std,
            "class_names": self.class_names,
            "input_shape": list(self.input_shape),
            "input_format": self.input_format,
        }

    @property
    def dims(self) -> dict[str, int]:
        dims = {"in_features": math.prod(self.input_shape), "num_classes": self.num_classes}
        if len(self.input_shape) == 3:  # (C, H, W) images
            dims["in_channels"] = self.input_shape[0]
        return dims
