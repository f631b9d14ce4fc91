"""zoo.runs.budget: the log states a fit's budget of steps, which does not grow with the
panel, and the epoch of its best validation loss; it warns when that was the first."""

import logging
from types import SimpleNamespace

import pytest

import zoo
from zoo.runs.budget import BudgetLog

from ..conftest import compose_config, sine_panel


@pytest.mark.parametrize("series", [1, 24])  # about 50 windows, or about 1,200
def test_the_csv_recipe_trains_the_same_budget_of_steps_on_any_panel(tmp_path, caplog, series):
    path = sine_panel(tmp_path / "panel.csv", count=series, length=120)
    cfg = compose_config(
        "model=rnn", "data=csv", f"data.path={path}", "model.hidden_size=8",
        "model.ensemble_size=1", "data.epoch_windows=512", "trainer.max_epochs=3",
        "callbacks.early_stopping.patience=5", "logger=none", "test=false",
        "task.interval_levels=[]",  # one series: no refit to calibrate, whose log would mix in
        output_dir=tmp_path / "run",
    )  # fmt: skip
    assert cfg.presets.recipe == "rnn_csv" and cfg.data.batch_size == 256
    with caplog.at_level(logging.INFO, logger="zoo.runs.budget"):
        run = zoo.train(cfg)
    assert run.task.trainer.global_step == 6  # 3 epochs of 512 windows: 2 steps of 256
    assert "training budget: 6 steps (3 epochs of 2 steps); early stopping" in caplog.text
    assert "best val/loss" in caplog.text and "training ended at epoch 2 (step 6)" in caplog.text


def fake_trainer(loss: float, epoch: int) -> SimpleNamespace:
    metrics = {"val/loss": loss}
    return SimpleNamespace(
        callback_metrics=metrics, sanity_checking=False, current_epoch=epoch,
        global_step=10 * (epoch + 1), is_global_zero=True,
    )  # fmt: skip


def run_validations(losses: list[float]) -> BudgetLog:
    budget = BudgetLog()
    for epoch, loss in enumerate(losses):
        budget.on_validation_end(fake_trainer(loss, epoch), None)
    budget.on_train_end(fake_trainer(losses[-1], len(losses) - 1), None)
    return budget


def test_a_fit_whose_best_validation_was_its_first_is_warned_of(caplog):
    with caplog.at_level(logging.INFO, logger="zoo.runs.budget"):
        run_validations([1.0, 1.2, 1.1, 1.3])
    assert "best val/loss 1 at epoch 0 (step 10)" in caplog.text
    assert "the network is not trained well" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="zoo.runs.budget"):
        run_validations([1.0, 0.8, 0.9, 1.3])
    assert "best val/loss 0.8 at epoch 1 (step 20)" in caplog.text
    assert "not trained well" not in caplog.text


def test_no_warning_when_the_run_keeps_its_last_network_whatever_the_best_epoch(caplog):
    budget = BudgetLog(warn_first=False)  # test_checkpoint=last: validation picks nothing
    with caplog.at_level(logging.INFO, logger="zoo.runs.budget"):
        for epoch, loss in enumerate([1.0, 1.2, 1.1]):
            budget.on_validation_end(fake_trainer(loss, epoch), None)
        budget.on_train_end(fake_trainer(1.1, 2), None)
    assert "best val/loss 1 at epoch 0" in caplog.text and "not trained well" not in caplog.text


@pytest.mark.parametrize(
    ("epochs", "per_epoch", "said"),
    [
        (1, 79, "79 steps (1 epoch of 79 steps)"),
        (22, 1, "22 steps (22 epochs of 1 step)"),
        (12, 151, "1,812 steps (12 epochs of 151 steps)"),
    ],
)
def test_the_budget_counts_its_epochs_and_steps_in_words(caplog, epochs, per_epoch, said):
    trainer = SimpleNamespace(
        num_training_batches=per_epoch, max_epochs=epochs, max_steps=-1,
        is_global_zero=True, callbacks=[],
    )  # fmt: skip
    with caplog.at_level(logging.INFO, logger="zoo.runs.budget"):
        BudgetLog().on_train_start(trainer, None)
    assert f"training budget: {said}\n" in caplog.text + "\n"
