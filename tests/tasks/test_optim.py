"""Optimizer and schedule: what the config says is what the optimizer does."""

import lightning as L
import pytest

import zoo


class RecordHyperparameters(L.Callback):
    """The optimizer's learning rate and momentum at every training step."""

    def __init__(self) -> None:
        self.lr: list[float] = []
        self.momentum: list[float] = []

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:
        group = trainer.optimizers[0].param_groups[0]
        self.lr.append(group["lr"])
        self.momentum.append(group["momentum"])


def train_with_onecycle(config, *overrides: str) -> RecordHyperparameters:
    record = RecordHyperparameters()
    cfg = config(
        "model=mlp",
        "data=xor",
        "task.optimizer=sgd",
        "task.scheduler=onecycle",
        "trainer.max_epochs=2",
        "logger=none",
        "callbacks=none",
        "test=false",
        *overrides,
    )
    zoo.train(cfg, extra_callbacks=[record])
    return record


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_onecycle_keeps_the_configured_momentum(config, momentum):
    record = train_with_onecycle(config, f"task.momentum={momentum}")
    assert len(set(record.lr)) > 5  # the learning rate does follow the cycle
    assert set(record.momentum) == {momentum}


def test_onecycle_cycles_momentum_only_when_asked(config):
    record = train_with_onecycle(config, "task.momentum=0.9", "task.cycle_momentum=true")
    assert min(record.momentum) == pytest.approx(0.85, abs=0.01)
    assert max(record.momentum) == pytest.approx(0.95)
