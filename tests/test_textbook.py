"""The textbook results: the perceptron rule, linear separability, XOR and the primer."""

from pathlib import Path

import torch

import zoo
from zoo.data import PrimerPeople
from zoo.data.toy import PRIMER_NEW_PEOPLE, primer_tensors
from zoo.models import Perceptron
from zoo.tasks import ClassificationTask, perceptron_rule


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


def test_perceptron_converges_on_separable_data(config):
    metrics = zoo.train(config("model=perceptron", "data=separable", "trainer.max_epochs=20"))
    assert metrics["train/acc"] == 1.0
    assert metrics["train/mistakes"] == 0  # a whole epoch without a mistake: converged
    assert metrics["test/acc"] >= 0.95


def test_perceptron_fails_on_xor_where_the_sigmoid_mlp_succeeds(config, tmp_path):
    perceptron = zoo.train(config("model=perceptron", "data=xor", "trainer.max_epochs=20"))
    assert perceptron["train/acc"] <= 0.75 and perceptron["test/acc"] <= 0.75
    mlp = zoo.train(config("model=mlp", "data=xor"))  # experiment/mlp_xor.yaml applies
    assert mlp["test/acc"] >= 0.95


def test_primer_network_classifies_emily_and_frank(config):
    cfg = config("model=mlp", "data=primer")  # 2-2-1 sigmoid network, MSE, SGD
    assert cfg.model.hidden_sizes == [2] and cfg.task.loss == "mse"
    assert cfg.task.optimizer == "sgd"
    zoo.train(cfg)
    checkpoint = Path(cfg.output_dir) / "checkpoints" / "last.ckpt"
    task = ClassificationTask.load_from_checkpoint(checkpoint, weights_only=True)
    x, _ = primer_tensors(PRIMER_NEW_PEOPLE)
    with torch.no_grad():
        female = torch.sigmoid(task.model(x)).squeeze(1)  # the network's own output neuron
    names = list(PRIMER_NEW_PEOPLE)
    assert names == ["Emily", "Frank"]
    assert female[0] > 0.5, f"Emily scored {female[0]:.3f}"
    assert female[1] < 0.5, f"Frank scored {female[1]:.3f}"
    assert PrimerPeople.class_names == ["male", "female"]
