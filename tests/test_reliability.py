"""A hostile or careless user: a run folder is not code, nothing is overwritten, and every
bad value gets zoo's own one-line message (issue 18's cases, one test each)."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from PIL import Image

import zoo
from zoo.configs import check_values
from zoo.forecasting import SeasonalNaive, Theta
from zoo.images import load_digit, load_digits
from zoo.runs.evaluation import evaluate

from .conftest import ROOT, compose_config

TRAIN = str(ROOT / "scripts" / "train.py")


def run_script(name: str, *args, cwd=ROOT, timeout=300):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / f"{name}.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    """A finished MLP-on-XOR run folder (config.yaml beside checkpoints/)."""
    out = tmp_path_factory.mktemp("xor") / "run"
    zoo.train(compose_config("model=mlp", "data=xor", "trainer.max_epochs=2", "logger=none",
                             "quiet=true", output_dir=out))  # fmt: skip
    return out


# -- a run folder is not code -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"_target_": "shutil.copyfile", "_args_": ["/dev/null", "VICTIM"]},
        {"_target_": "zoo.data.XOR", "n_samples": {"_target_": "shutil.copyfile"}},
        {"_target_": "zoo.data.XOR", "_partial_": True},
    ],
)
def test_a_run_folders_config_cannot_name_a_callable(xor_run, tmp_path, data):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    run = tmp_path / "run"
    shutil.copytree(xor_run, run)
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["data"] = json.loads(json.dumps(data).replace("VICTIM", str(victim)))
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(zoo.ConfigError, match=r"config.yaml: data\.(_target_|\S*_\w+)"):
        evaluate(run / "checkpoints" / "last.ckpt", quiet=True)
    assert victim.read_text() == "precious"  # nothing was called


def test_a_run_folders_own_config_still_evaluates(xor_run):
    metrics = evaluate(xor_run / "checkpoints" / "last.ckpt", quiet=True)
    assert 0.4 < metrics["test/acc"] <= 1.0 and np.isfinite(metrics["test/loss"])


def test_a_weights_file_swapped_with_its_card_and_a_damaged_card_are_refused(monkeypatch, tmp_path):
    import zoo.models.weights

    shutil.copytree(zoo.models.weights.WEIGHTS_DIR, tmp_path / "pretrained")
    monkeypatch.setattr(zoo.models.weights, "WEIGHTS_DIR", tmp_path / "pretrained")
    path = tmp_path / "pretrained" / "mlp-primer.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # a changed weight, and a card that agrees with it
    path.write_bytes(bytes(data))
    card_path = path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    import hashlib

    card["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    card_path.write_text(json.dumps(card))
    with pytest.raises(zoo.DataError, match="does not match the sha256 in zoo's record"):
        zoo.load_model("mlp", weights="primer")
    card_path.write_text("{not json")
    with pytest.raises(zoo.DataError, match="the weights card .* is damaged"):
        zoo.load_model("mlp", weights="primer")


# -- nothing lost ---------------------------------------------------------------------------


def test_training_into_a_folder_that_holds_a_run_is_refused_unless_resuming_or_overwriting(
    tmp_path,
):
    folder = tmp_path / "run"
    args = ["model=perceptron", "trainer.max_epochs=1", "quiet=true", f"hydra.run.dir={folder}"]
    assert run_script("train", *args).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    again = run_script("train", *args)
    assert again.returncode != 0 and "already holds a run" in again.stderr, again.stderr
    assert "Traceback" not in again.stderr
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == before
    with pytest.raises(zoo.ConfigError, match="already holds a run"):  # the library too
        zoo.train(compose_config("model=perceptron", "trainer.max_epochs=1", output_dir=folder))
    replaced = run_script("train", *args, "overwrite=true")
    assert replaced.returncode == 0, replaced.stderr


def test_outputs_that_collide_or_cannot_be_written_are_refused_before_the_work(tmp_path):
    shipped = zoo.get_weights("rnn.m3-monthly")
    assert shipped.available
    dates = pd.date_range("2000-01-01", periods=40, freq="MS")
    data = tmp_path / "sales.csv"
    pd.DataFrame({"unique_id": "a", "ds": dates, "y": 10 + np.arange(40.0)}).to_csv(data)
    same = run_script("forecast", "--weights", "rnn-m3-monthly", data, "--out", tmp_path / "x.png")
    assert same.returncode != 0 and "two outputs of this command would be" in same.stderr
    assert not (tmp_path / "x.png").exists()
    (tmp_path / "file").write_text("a regular file")
    under_file = tmp_path / "file" / "out.csv"
    blocked = run_script("forecast", "--weights", "rnn-m3-monthly", data, "--out", under_file)
    assert blocked.returncode != 0 and f"cannot write {under_file}" in blocked.stderr
    assert "Traceback" not in blocked.stderr + same.stderr
    with pytest.raises(zoo.ConfigError, match="cannot write the run folder"):
        zoo.train(compose_config("model=perceptron", output_dir=tmp_path / "file" / "run"))


# -- zoo's message, not a traceback -----------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("trainer.max_epochs=abc", "trainer.max_epochs='abc' is not allowed"),
        ("task.lr=-1", "task.lr=-1 is not allowed: task.lr must be a number > 0"),
        ("task.lr=abc", "task.lr='abc' is not allowed"),
        ("seed=abc", "seed='abc' is not allowed"),
        ("data.batch_size=0", "data.batch_size=0 is not allowed"),
        ("model.hidden_sizes=[0]", "model.hidden_sizes=[0] is not allowed"),
        ("trainer.precision=banana", "trainer.precision='banana' is not allowed"),
        ("trainer.devices=0", "trainer.devices=0 is not allowed"),
    ],
)
def test_values_of_the_wrong_type_or_range_are_refused_naming_the_key(override, message):
    cfg = compose_config("model=mlp", "data=xor", override, output_dir="unused")
    with pytest.raises(zoo.ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        check_values(cfg)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.ensemble_size=0", "model.ensemble_size=0 is not allowed"),
        ("model.hidden_size=0", "model.hidden_size=0 is not allowed"),
        ("data.season_length=-1", "data.season_length=-1 is not allowed"),
        ("data.horizon=0", "data.horizon=0 is not allowed"),
    ],
)
def test_forecaster_values_are_refused_naming_the_key(override, message):
    cfg = compose_config("model=rnn", "data=co2", override, output_dir="unused")
    with pytest.raises(zoo.ConfigError, match=message):
        check_values(cfg)


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


def test_frame_messages_name_the_fix_as_the_command_spells_it(tmp_path):
    dates = pd.date_range("2000-01-01", periods=30, freq="MS")
    frame = pd.DataFrame({"unique_id": "a", "ds": dates, "y": 1.0 + np.arange(30)})
    frame.loc[5, "y"] = np.nan
    frame.to_csv(tmp_path / "blank.csv", index=False)
    blank = run_script("forecast", "--weights", "rnn-m3-monthly", tmp_path / "blank.csv",
                       "--out", tmp_path / "f.csv")  # fmt: skip
    assert "--fill interpolate or --fill ffill" in blank.stderr and "data.fill" not in blank.stderr
    frame.rename(columns={"y": "sales"}).to_csv(tmp_path / "sales.csv", index=False)
    column = run_script("backtest", tmp_path / "sales.csv", "--horizon", "3",
                        "--out", tmp_path / "b.csv")  # fmt: skip
    assert "--value-column NAME" in column.stderr, column.stderr
    skipped = frame.drop(index=7).fillna(1.0)  # a month missing among the first 50 values
    with pytest.raises(zoo.DataError, match=r"series 'a' skips a period .* data row 8 "):
        zoo.Forecaster([Theta()], h=3).fit(skipped)


# -- predict ----------------------------------------------------------------------------------


def digit(ink=255, background=0):
    pixels = np.full((28, 28), background, np.uint8)
    pixels[6:22, 12:16] = ink
    return pixels


def test_predict_reads_transparent_pngs_skips_bad_files_and_refuses_huge_ones(tmp_path):
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., 3] = 255 - digit(0, 255)  # black ink (alpha 255) on a transparent background
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "ink.png")
    Image.fromarray(digit()).save(tmp_path / "plain.png")
    read = load_digit(tmp_path / "ink.png")
    assert read.max() > 0.9 and torch.allclose(read, load_digit(tmp_path / "plain.png"))
    (tmp_path / "broken.png").write_bytes(b"not a png")
    files, images, skipped = load_digits([tmp_path])
    assert [f.name for f in files] == ["ink.png", "plain.png"] and len(images) == 2
    assert skipped[0][0].name == "broken.png" and "not a readable image" in skipped[0][1]
    Image.new("L", (7100, 7100)).save(tmp_path / "huge.png")
    with pytest.raises(zoo.DataError, match=r"7100 x 7100 pixels, too large"):
        load_digit(tmp_path / "huge.png")


def test_predict_refuses_a_checkpoint_that_does_not_read_digits(xor_run, tmp_path):
    Image.fromarray(digit()).save(tmp_path / "d.png")
    result = run_script("predict", xor_run / "checkpoints" / "last.ckpt", tmp_path / "d.png")
    assert result.returncode != 0 and "not 28x28 digit images" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_predict_classifies_a_folder_in_batches_and_reports_skipped_files(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(300):
        Image.fromarray(digit()).save(folder / f"d{i:03d}.png")
    (folder / "zz.png").write_bytes(b"")
    result = run_script("predict", "--weights", "cnn-mnist", folder, "--csv", tmp_path / "p.csv")
    assert result.returncode == 0, result.stderr
    assert "skipped" in result.stderr and "zz.png" in result.stderr
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert len(rows) == 301 and len({r.split(",")[1] for r in rows[1:]}) == 1
    assert os.path.getsize(tmp_path / "p.csv") > 0


# -- frames: one reader makes ids strings and values float32 (issue 28) ---------------------


def monthly_frame(ids=("a",), periods=36):
    dates = pd.date_range("2000-01-01", periods=periods, freq="MS")
    frame = pd.concat(
        pd.DataFrame({"unique_id": i, "ds": dates, "y": 1.0 + np.arange(periods)}) for i in ids
    ).reset_index(drop=True)
    return frame


def test_ids_that_differ_only_in_type_are_refused_naming_both_rows():
    frame = monthly_frame(ids=[1, "1"])
    with pytest.raises(zoo.DataError, match=r"ids that differ only in type: 1 \(int, data row 1\)"
                       r" and '1' \(str, data row 37\) would both be series '1'"):  # fmt: skip
        zoo.Forecaster([SeasonalNaive()], h=3).fit(frame)


@pytest.mark.parametrize("value", [1e39, -1e300, 1e-300, -1e-40])
def test_values_float32_cannot_hold_are_refused_naming_series_and_row(value):
    frame = monthly_frame(ids=["a", "b"])
    frame.loc[40, "y"] = value
    shown = re.escape(f"{value:g}")
    with pytest.raises(
        zoo.DataError, match=f"series 'b' has {shown} at data row 41, which float32"
    ):
        zoo.Forecaster([Theta()], h=3).fit(frame)


def test_mixed_utc_offsets_are_refused_from_python_and_the_command_line(tmp_path):
    frame = monthly_frame(periods=12)
    frame["ds"] = [f"2000-{m:02d}-01T00:00:00+0{1 + (m > 3 and m < 11)}:00" for m in range(1, 13)]
    message = r"mixes UTC offsets: \+01:00 at data row 1 .*, \+02:00 at data row 4"
    with pytest.raises(zoo.DataError, match=message):
        zoo.Forecaster([SeasonalNaive()], h=3).fit(frame)
    frame.to_csv(tmp_path / "dst.csv", index=False)
    for command, args in [("forecast", ["--weights", "rnn-m3-monthly"]),
                          ("backtest", ["--horizon", "2"])]:  # fmt: skip
        result = run_script(command, *args, tmp_path / "dst.csv", "--out", tmp_path / "o.csv")
        assert result.returncode != 0 and "mixes UTC offsets" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_a_horizon_past_the_last_date_pandas_holds_is_refused_before_any_work():
    with pytest.raises(zoo.DataError, match=r"series 'a': 10036 periods of MS from 2000-01-01 "
                       "go past 2262-04-11"):  # fmt: skip
        zoo.Forecaster([SeasonalNaive()], h=10000).fit(monthly_frame())


def test_levels_are_a_number_or_numbers_never_text():
    fc = zoo.Forecaster([SeasonalNaive()], h=3).fit(monthly_frame())
    one = fc.predict(level=80)
    assert list(one.columns)[3:] == ["SeasonalNaive-lo-80", "SeasonalNaive-hi-80"]
    pd.testing.assert_frame_equal(one, fc.predict(level=[80.0]))
    for level, message in [(["80"], "not '80' .str."), ("80", "not '80'"), ([True], "True"),
                           ([80, 80], "repeated"), (0, "strictly between 0 and 100")]:  # fmt: skip
        with pytest.raises(zoo.ConfigError, match=f"interval levels .*{message}"):
            fc.predict(level=level)


def test_a_step_of_zero_is_refused_not_read_as_the_horizon(tmp_path):
    frame = monthly_frame()
    with pytest.raises(zoo.ConfigError, match="step_size must be a whole number >= 1, not 0"):
        zoo.Forecaster([SeasonalNaive()], h=3).cross_validation(frame, step_size=0)
    frame.to_csv(tmp_path / "m.csv", index=False)
    result = run_script("backtest", tmp_path / "m.csv", "--horizon", "3", "--step", "0",
                        "--out", tmp_path / "b.csv")  # fmt: skip
    assert result.returncode != 0 and "must be a whole number >= 1, not 0" in result.stderr
    assert not (tmp_path / "b.csv").exists()


def test_quiet_training_prints_no_deprecation_warning_of_lightnings(tmp_path):
    run = f"hydra.run.dir={tmp_path / 'run'}"
    result = run_script("train", "model=perceptron", "data=xor", "trainer.max_epochs=1",
                        "quiet=true", "logger=none", run)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "LeafSpec" not in result.stderr + result.stdout


def test_the_package_needs_a_torch_whose_safe_loader_is_safe():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floor = next(d for d in project["dependencies"] if d.startswith("torch>="))
    assert tuple(map(int, floor.removeprefix("torch>=").split(".")[:2])) >= (2, 10)
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").is_file()
