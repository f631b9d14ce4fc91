"""`scripts/train.py` as a user runs it: in a subprocess, writing a real run folder."""

import json
import subprocess
import sys

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import zoo
from zoo.tasks import ClassificationTask

from .conftest import ROOT


def run_train(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("script") / "run"
    result = run_train(
        "model=mlp",
        "data=xor",
        "trainer.max_epochs=8",
        "trainer.log_every_n_steps=1",
        f"hydra.run.dir={run_dir}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir, result


def test_run_folder_holds_config_checkpoints_and_events(finished_run):
    run_dir, result = finished_run
    assert (run_dir / "config.yaml").is_file() and (run_dir / ".hydra" / "overrides.yaml").is_file()
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert f"tensorboard --logdir {run_dir}" in result.stdout
    assert "test/acc" in result.stdout


def test_run_folder_holds_the_final_metrics_with_stage_seconds(finished_run):
    run_dir, result = finished_run
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["test/acc"] >= 0.9 and f"{metrics['test/acc']:.4f}" in result.stdout
    assert 0 < metrics["time/fit_s"] < 300 and 0 < metrics["time/test_s"] < metrics["time/fit_s"]


def test_tensorboard_scalars_show_a_falling_train_loss_and_hparams(finished_run):
    run_dir, _ = finished_run
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"scalars": 0}).Reload()
    tags = events.Tags()["scalars"]
    for tag in (
        "train/loss_step",
        "train/loss_epoch",
        "val/loss",
        "val/acc",
        "train/acc",
        "train/lr",
    ):
        assert tag in tags, f"{tag} missing from {tags}"
    losses = [e.value for e in events.Scalars("train/loss_step")]
    assert len(losses) >= 40
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.5 * first, (first, last)
    assert any(tag.startswith("hp/") for tag in tags)  # final metrics for the HPARAMS tab
    plugins = EventAccumulator(str(run_dir / "tensorboard")).Reload().PluginTagToContent("hparams")
    assert plugins, "no hyperparameters written for TensorBoard's HPARAMS tab"


def test_checkpoint_reloads_to_identical_outputs(finished_run):
    run_dir, _ = finished_run
    checkpoint = run_dir / "checkpoints" / "last.ckpt"
    x = torch.randn(16, 2)
    lightning_way = ClassificationTask.load_from_checkpoint(checkpoint, weights_only=True).eval()
    with torch.no_grad():
        expected = lightning_way(x)
        assert torch.equal(zoo.load_task(checkpoint)(x), expected)
        assert torch.equal(zoo.load_model(checkpoint)(x), expected)  # toy data: no normalising


def test_saved_module_and_reloaded_module_agree_exactly(config, tmp_path):
    import lightning as L
    from hydra.utils import instantiate

    from zoo.runs.training import build_task

    cfg = config("model=mlp", "data=xor")
    datamodule = instantiate(cfg.data)
    task = build_task(cfg, datamodule)
    trainer = L.Trainer(
        max_epochs=2,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(task, datamodule=datamodule)
    trainer.save_checkpoint(tmp_path / "saved.ckpt")
    x = torch.randn(32, 2)
    with torch.no_grad():
        assert torch.equal(zoo.load_task(tmp_path / "saved.ckpt")(x), task.eval()(x))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["model=transformer"], ["Available options in 'model'", "cnn", "perceptron"]),
        (["data=imagenet"], ["Available options in 'data'", "mnist", "xor"]),
        (["model.hiden_sizes=[3]"], ["unknown key 'model.hiden_sizes'", "hidden_sizes"]),
        (["trainer.max_epoch=3"], ["unknown key 'trainer.max_epoch'", "max_epochs"]),
    ],
)
def test_bad_choices_and_keys_fail_with_the_valid_ones_and_no_traceback(args, expected):
    result = run_train(*args, "--cfg", "job")
    assert result.returncode != 0
    for text in expected:
        assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(zoo.DataError, match="no checkpoint at"):
        zoo.load_model(tmp_path / "nope.ckpt")
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(zoo.DataError, match="not a readable zoo checkpoint"):
        zoo.load_model(tmp_path / "junk.ckpt")
    (tmp_path / "empty.ckpt").write_bytes(b"")  # a 0-byte file: an IndexError before
    for load in (zoo.load_model, zoo.load_task, zoo.Forecaster.from_checkpoint):
        with pytest.raises(zoo.DataError, match=r"empty.ckpt is not a readable zoo checkpoint"):
            load(tmp_path / "empty.ckpt")


def test_help_describes_usage_groups_and_config():
    result = run_train("--help")
    assert result.returncode == 0, result.stderr
    for text in (
        "zoo train model=cnn",
        "experiment=fast",
        "model: cnn, mlp",
        "ZOO_DATA_ROOT",
        "tensorboard --logdir",
    ):
        assert text in result.stdout, text


def test_the_run_log_and_config_name_the_presets_that_applied(finished_run):
    run_dir, _ = finished_run  # model=mlp data=xor: recipe mlp_xor, no experiment
    config = run_dir / "config.yaml"
    assert "presets:\n  recipe: mlp_xor\n  experiment: null" in config.read_text()
    log = (run_dir / "train.log").read_text()
    assert "presets: recipe mlp_xor, experiment none" in log
