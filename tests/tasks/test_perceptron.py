"""zoo.tasks.perceptron: Rosenblatt's rule, by hand and batched, converging on separable
data and failing on XOR where the sigmoid MLP succeeds."""

from pathlib import Path

import pytest
import torch
from torch.overrides import TorchFunctionMode

import zoo
from zoo.models import Perceptron
from zoo.tasks import perceptron_rule


def test_perceptron_rule_matches_a_hand_computed_update():
    p = Perceptron(in_features=2)  # starts at w = [0, 0], b = 0
    with torch.no_grad():
        p.linear.weight.copy_(torch.tensor([[1.0, -1.0]]))
        p.linear.bias.fill_(0.5)
    x = torch.tensor([[2.0, 3.0], [1.0, 0.0]])
    y = torch.tensor([1, 1])
    # sample 1: score 2 - 3 + 0.5 = -0.5, wrong for label 1 (t = +1):
    #   w = [1, -1] + 0.5 * [2, 3] = [2, 0.5], b = 0.5 + 0.5 = 1
    # sample 2: score 2 + 1 = 3 > 0, right: no change
    assert perceptron_rule(p, x, y, lr=0.5) == 1
    assert torch.equal(p.linear.weight, torch.tensor([[2.0, 0.5]]))
    assert torch.equal(p.linear.bias, torch.tensor([1.0]))


def test_multiclass_rule_moves_the_true_unit_towards_and_the_winner_away():
    p = Perceptron(in_features=2, num_classes=3)
    with torch.no_grad():
        p.linear.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]))
    assert perceptron_rule(p, torch.tensor([[1.0, 2.0]]), torch.tensor([2])) == 1
    expected = torch.tensor([[0.0, 0.0], [0.0, -2.0], [1.0, 2.0]])
    assert torch.equal(p.linear.weight, expected)
    assert torch.equal(p.linear.bias, torch.tensor([0.0, -1.0, 1.0]))


def one_example_at_a_time(model: Perceptron, x: torch.Tensor, y: torch.Tensor, lr: float) -> int:
    """Rosenblatt's rule as the textbook writes it: the reference for the batched version."""
    w, b = model.linear.weight, model.linear.bias
    mistakes = 0
    with torch.no_grad():
        for xi, yi in zip(x, y.tolist(), strict=True):
            if model.num_classes == 2:
                t = 1.0 if yi == 1 else -1.0
                if t * (w[0] @ xi + b[0]) <= 0:
                    w[0] += lr * t * xi
                    b[0] += lr * t
                    mistakes += 1
            elif (guess := int((w @ xi + b).argmax())) != yi:
                w[yi] += lr * xi
                b[yi] += lr
                w[guess] -= lr * xi
                b[guess] -= lr
                mistakes += 1
    return mistakes


class CountHostReads(TorchFunctionMode):
    """Counts tensor operations that wait for a value on the host (a GPU sync each)."""

    READS = {"__bool__", "__int__", "__float__", "__index__", "item", "tolist", "nonzero", "numpy"}

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.count += getattr(func, "__name__", "") in self.READS
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("num_classes", [2, 4])
def test_rule_checks_a_batch_at_once_with_the_sequential_result(num_classes):
    generator = torch.Generator().manual_seed(num_classes)
    # small integers: every score is exact in fp32, so batched and sequential agree bit for bit
    x = torch.randint(-3, 4, (256, 5), generator=generator).float()
    y = (x @ torch.randn(5, num_classes, generator=generator)).argmax(1)
    batched, sequential = (Perceptron(in_features=5, num_classes=num_classes) for _ in range(2))
    for start in range(0, 256, 64):  # four batches: many mistakes first, fewer later
        xb, yb = x[start : start + 64], y[start : start + 64]
        expected = one_example_at_a_time(sequential, xb, yb, lr=0.5)
        with CountHostReads() as reads:
            assert perceptron_rule(batched, xb, yb, lr=0.5) == expected
        assert reads.count <= expected + 1  # one read per mistake, not one per example
        assert torch.equal(batched.linear.weight, sequential.linear.weight)
        assert torch.equal(batched.linear.bias, sequential.linear.bias)


def test_rule_runs_in_fp32_under_autocast():
    p = Perceptron(in_features=2)
    with torch.no_grad():
        p.linear.weight.copy_(torch.tensor([[1.0, -1.0]]))
    x, y = torch.tensor([[1.0, 0.999]]), torch.tensor([1])  # score 0.001: right, in fp32
    with torch.autocast("cpu", dtype=torch.bfloat16):  # bf16 rounds 0.999 to 1: score 0
        assert perceptron_rule(p, x, y) == 0
    assert torch.equal(p.linear.weight, torch.tensor([[1.0, -1.0]]))


def test_perceptron_converges_on_separable_data(config):
    metrics = zoo.train(
        config("model=perceptron", "data=separable", "trainer.max_epochs=20")
    ).metrics
    assert metrics["train/acc"] == 1.0
    assert metrics["train/mistakes"] == 0  # a whole epoch without a mistake: converged
    assert metrics["test/acc"] >= 0.95


def test_perceptron_fails_on_xor_where_the_sigmoid_mlp_succeeds(config, tmp_path):
    cfg = config("model=perceptron", "data=xor", "trainer.max_epochs=20")
    perceptron = zoo.train(cfg).metrics
    # the rule keeps correcting mistakes to the last epoch and never finds a separating line
    assert perceptron["train/mistakes"] > 0.1 * 280  # mistakes (= updates) in the last epoch
    assert perceptron["train/acc"] <= 0.75 and perceptron["test/acc"] <= 0.75
    checkpoint = torch.load(
        Path(cfg.output_dir) / "checkpoints" / "last.ckpt", weights_only=True
    )  # the rule's steps are training steps: the run writes checkpoints
    assert checkpoint["global_step"] == 20 * 9  # 280 training points, batches of 32
    assert checkpoint["state_dict"]["model.linear.weight"].abs().sum() > 0
    mlp = zoo.train(config("model=mlp", "data=xor")).metrics  # experiment/mlp_xor.yaml applies
    assert mlp["test/acc"] >= 0.95
