"""zoo.tasks.classification: the primer's 2-2-1 network, trained with MSE and SGD, tells
Emily and Frank apart."""

from pathlib import Path

import torch

import zoo
from zoo.data import PrimerPeople
from zoo.data.toy import PRIMER_NEW_PEOPLE, primer_tensors
from zoo.tasks import ClassificationTask


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
