"""Small classification sets generated in memory: the textbook cases for the perceptron."""

from typing import Any

import torch

from zoo.constraints import Interval
from zoo.data.tensors import ClassificationDataModule, TensorSet, split_sizes


class _GeneratedPoints(ClassificationDataModule):
    """2-D points made by `generate(n, generator)`, split 70/15/15 at random."""

    input_shape = (2,)
    num_classes = 2
    parameter_constraints = {"n_samples": Interval(int, 1, None)}  # (zoo.constraints)

    def __init__(self, n_samples: int = 400, batch_size: int = 32, seed: int = 0, **kwargs):
        super().__init__(batch_size=batch_size, seed=seed, **kwargs)
        self.n_samples = n_samples

    def generate(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        generator = torch.Generator().manual_seed(self.seed)
        x, y = self.generate(self.n_samples, generator)
        train, val, test = torch.randperm(len(x), generator=generator).split(
            split_sizes(len(x), (0.7, 0.15, 0.15))
        )
        self.train_set = TensorSet(x[train], y[train])
        self.val_set = TensorSet(x[val], y[val])
        self.test_set = TensorSet(x[test], y[test])


class LinearlySeparable(_GeneratedPoints):
    """Uniform points in [-1, 1]^2 labelled by a fixed line, with a clear `margin` around it
    (`data=separable`); split 70/15/15.

    Args:
        margin: Points closer to the line than this are left out.
        **kwargs: `n_samples` (400), `batch_size` (32), `seed` (0).
    """

    parameter_constraints = {"margin": Interval(float, 0, None)}

    def __init__(self, margin: float = 0.1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.margin = margin

    def generate(self, n, generator):
        normal = torch.tensor([0.8, -0.6])  # unit normal of the separating line
        points = []
        while sum(len(p) for p in points) < n:
            x = torch.rand(2 * n, 2, generator=generator) * 2 - 1
            distance = x @ normal + 0.1
            points.append(x[distance.abs() > self.margin])
        x = torch.cat(points)[:n]
        return x, (x @ normal + 0.1 > 0).long()


class XOR(_GeneratedPoints):
    """Four Gaussian clusters at (+-1, +-1); the label is 1 where the signs differ.

    No line separates the classes, so a perceptron cannot learn it: Minsky and Papert's point.
    `data=xor`; split 70/15/15.

    Args:
        noise: The clusters' standard deviation.
        **kwargs: `n_samples` (400), `batch_size` (32), `seed` (0).
    """

    parameter_constraints = {"noise": Interval(float, 0, None)}

    def __init__(self, noise: float = 0.25, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.noise = noise

    def generate(self, n, generator):
        # equal numbers of points per corner, so no line can do better than 75%
        corner = torch.arange(n) % 4
        corners = torch.stack([corner // 2, corner % 2], dim=1)
        x = (corners * 2 - 1).float() + self.noise * torch.randn(n, 2, generator=generator)
        return x, (corners[:, 0] != corners[:, 1]).long()


# The primer's table: weight - 135 lb, height - 66 in; label 1 = female.
PRIMER_PEOPLE = {
    "Alice": ((133, 65), 1),
    "Bob": ((160, 72), 0),
    "Charlie": ((152, 70), 0),
    "Diana": ((120, 60), 1),
}
PRIMER_NEW_PEOPLE = {"Emily": ((128, 63), 1), "Frank": ((155, 68), 0)}
PRIMER_SHIFT = (135.0, 66.0)


def primer_tensors(people: dict) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.tensor([features for features, _ in people.values()], dtype=torch.float32)
    y = torch.tensor([label for _, label in people.values()])
    return x - torch.tensor(PRIMER_SHIFT), y


class PrimerPeople(ClassificationDataModule):
    """The primer's four people to train on (`data=primer`); Emily and Frank, never seen
    in training, to check on. Inputs are (weight - 135 lb, height - 66 in); 1 = female.

    Args:
        batch_size: People per step (1: the primer's one at a time).
        seed: Seeds the batch order.
        **kwargs: `InMemoryDataModule`'s other arguments.
    """

    input_shape = (2,)
    num_classes = 2
    class_names = ["male", "female"]

    def __init__(self, batch_size: int = 1, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(batch_size=batch_size, seed=seed, **kwargs)

    def setup(self, stage: str | None = None) -> None:
        self.train_set = TensorSet(*primer_tensors(PRIMER_PEOPLE))
        self.val_set = self.test_set = TensorSet(*primer_tensors(PRIMER_NEW_PEOPLE))
