"""`zoo train` (scripts/train.py) as a user runs it, in a subprocess: the run folder it
writes, killed and resumed, swept, interrupted, refused with one line and no traceback."""

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import zoo
from zoo.tasks import ClassificationTask

from ..conftest import ROOT, compose_config, run_script, write_images

TRAIN = str(ROOT / "scripts" / "train.py")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("script") / "run"
    result = run_script(
        "train",
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
    result = run_script("train", *args, "--cfg", "job")
    assert result.returncode != 0
    for text in expected:
        assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_help_describes_usage_groups_and_config():
    result = run_script("train", "--help")
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


def test_the_train_command_prints_zoos_message_for_a_bad_folder_and_no_traceback(tmp_path):
    root = write_images(tmp_path / "empty_class", per_class=2)
    (root / "zebra").mkdir()  # a class folder without images
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "model=cnn", "data=images",
         f"data.root={root}", f"hydra.run.dir={tmp_path / 'run'}", "logger=none"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "error: class folder" in result.stderr and "zebra holds no images" in result.stderr


def test_training_into_a_folder_that_holds_a_run_is_refused_unless_resuming_or_overwriting(
    finished_run, tmp_path
):
    folder = tmp_path / "run"
    shutil.copytree(finished_run[0], folder)  # a run `zoo train` wrote
    args = ["model=perceptron", "trainer.max_epochs=1", "quiet=true", f"hydra.run.dir={folder}"]
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    again = run_script("train", *args)
    assert again.returncode != 0 and "already holds a run" in again.stderr, again.stderr
    assert "Traceback" not in again.stderr
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == before
    with pytest.raises(zoo.ConfigError, match="already holds a run"):  # the library too
        zoo.train(compose_config("model=perceptron", "trainer.max_epochs=1", output_dir=folder))
    replaced = run_script("train", *args, "overwrite=true")
    assert replaced.returncode == 0, replaced.stderr


def test_a_run_refused_for_its_data_leaves_no_run_and_the_mended_command_runs_there(tmp_path):
    folder = tmp_path / "run"
    missing = tmp_path / "none.csv"
    refused = run_script("train", "model=rnn", "data=csv", f"data.path={missing}",
                         f"hydra.run.dir={folder}")  # fmt: skip
    assert refused.returncode != 0 and "no data file" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (folder / "config.yaml").exists() and not (folder / ".hydra").exists()
    mended = run_script("train", "model=mlp", "data=xor", "trainer.max_epochs=1", "quiet=true",
                        f"hydra.run.dir={folder}")  # fmt: skip
    assert mended.returncode == 0, mended.stderr
    assert (folder / "config.yaml").exists() and (folder / ".hydra").is_dir()


def test_a_bad_value_on_the_command_line_is_one_line_before_any_work(tmp_path):
    result = run_script("train", "model=mlp", "data=xor", "task.lr=abc",
                        f"hydra.run.dir={tmp_path / 'run'}")  # fmt: skip
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("error: task.lr='abc'")
    assert "Traceback" not in result.stderr and not (tmp_path / "run" / "config.yaml").exists()


@pytest.mark.parametrize("choice", ["experiment=nonexistent", "experiment=fsat", "+experiment=x"])
def test_a_misspelt_preset_stops_with_the_valid_ones(choice):
    result = run_script("train", choice, "--cfg", "job")
    assert result.returncode != 0 and "choose one of: fast" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_under_quiet_says_where_the_run_is(tmp_path):
    folder = tmp_path / "run"
    run = subprocess.Popen(
        [sys.executable, TRAIN, "model=mlp", "data=xor", "trainer.max_epochs=100000",
         "quiet=true", "logger=none", f"hydra.run.dir={folder}"],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        # Ctrl+C as a terminal delivers it, even when this test runs in the background,
        # where the shell starts pytest (and so its children) with SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.time() + 120
    while not (folder / "checkpoints" / "last.ckpt").exists() and time.time() < deadline:
        time.sleep(0.1)
    run.send_signal(signal.SIGINT)
    try:
        _, err = run.communicate(timeout=60)
    finally:  # a failed test leaves no training behind
        run.kill()
    assert run.returncode != 0 and "interrupted (Ctrl+C)" in err, err[-2000:]
    assert f"ckpt_path={folder / 'checkpoints' / 'last.ckpt'}" in err


def test_quiet_training_prints_no_deprecation_warning_of_lightnings(tmp_path):
    run = f"hydra.run.dir={tmp_path / 'run'}"
    result = run_script("train", "model=perceptron", "data=xor", "trainer.max_epochs=1",
                        "quiet=true", "logger=none", run)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "LeafSpec" not in result.stderr + result.stdout


def folder_digest(folder) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_killed_run_resumes_to_the_full_step_count_without_touching_the_first(tmp_path):
    epochs = 30
    args = ["model=mlp", "data=xor", f"trainer.max_epochs={epochs}", "quiet=true", "logger=none"]
    args += ["trainer.deterministic=true"]
    first, second = tmp_path / "first", tmp_path / "second"
    run = subprocess.Popen(
        [sys.executable, TRAIN, *args, f"hydra.run.dir={first}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    last = first / "checkpoints" / "last.ckpt"
    versions = set()  # of last.ckpt: each epoch writes a new file in its place
    deadline = time.time() + 120
    while len(versions) < 3 and time.time() < deadline and run.poll() is None:
        if last.exists():
            versions.add((last.stat().st_ino, last.stat().st_mtime_ns))
        time.sleep(0.01)
    run.send_signal(signal.SIGKILL)  # a few epochs in
    run.wait()
    assert run.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    stopped_at = torch.load(last, weights_only=True)["global_step"]
    steps_per_epoch = 9  # 280 training points, batch 32
    assert 0 < stopped_at < epochs * steps_per_epoch
    before = folder_digest(first)

    resumed = subprocess.run(
        [sys.executable, TRAIN, *args, f"ckpt_path={last}", f"hydra.run.dir={second}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    final = torch.load(second / "checkpoints" / "last.ckpt", weights_only=True)
    assert final["global_step"] == epochs * steps_per_epoch and final["epoch"] == epochs - 1
    assert folder_digest(first) == before  # nothing in the first run's folder changed
    whole = tmp_path / "whole"  # the same run, never killed: the same weights, bit for bit
    uninterrupted = subprocess.run(
        [sys.executable, TRAIN, *args, f"hydra.run.dir={whole}"], capture_output=True, timeout=300
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-3000:]
    reference = torch.load(whole / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    assert reference.keys() == final["state_dict"].keys()
    for name, tensor in reference.items():
        assert torch.equal(tensor, final["state_dict"][name]), name


def test_multirun_grid_gives_each_run_its_own_folder(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            TRAIN,
            "-m",
            "model=mlp",
            "data=xor",
            "task.lr=0.01,0.1",
            "trainer.max_epochs=1",
            "quiet=true",
            f"hydra.sweep.dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lrs = sorted(
        float(line.split(":")[1])
        for n in ("0", "1")
        for line in (tmp_path / n / "config.yaml").read_text().splitlines()
        if line.strip().startswith("lr:")
    )
    assert lrs == [0.01, 0.1]
    assert all((tmp_path / n / "checkpoints" / "last.ckpt").is_file() for n in ("0", "1"))


def test_train_help_imports_neither_torch_nor_lightning():
    code = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print('loaded:', sorted(m for m in ('torch', 'lightning')"
        " if m in sys.modules)))\n"
        f"sys.argv = [{str(ROOT / 'scripts' / 'train.py')!r}, '--help']\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "zoo train model=cnn" in result.stdout
    assert "loaded: []" in result.stdout
