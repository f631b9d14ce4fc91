"""zoo as a user gets it: a wheel installed into a fresh virtual environment, then the
`zoo` console command run from a folder outside the repository (training on shipped data
and on the user's own image folder, predicting, forecasting)."""

import json
import shutil
import site
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

from ..conftest import ROOT, write_images


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(zoo command, user folder, environment) of a wheel of this checkout installed into a
    fresh virtual environment, run from a folder outside the repository."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    wheels = tmp_path / "wheels"
    had_build = (ROOT / "build").exists()
    run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(wheels)])  # fmt: skip
    if not had_build:  # setuptools builds in the source tree: leave it as it was
        shutil.rmtree(ROOT / "build", ignore_errors=True)
    (wheel,) = wheels.glob("zoo_classic_nets-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    from zoo.configs import CONF_DIR

    configs = {f"zoo/conf/{p.relative_to(CONF_DIR)}" for p in CONF_DIR.rglob("*.yaml")}
    assert configs <= set(names), configs - set(names)  # every config, shared/ ones too
    assert "zoo/pretrained/rnn-m3-monthly.safetensors" in names
    assert any(n.endswith("entry_points.txt") for n in names)

    # a fresh environment; its dependencies are this one's packages (no download), read
    # through a path file, so the repository's editable zoo is not importable there
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python, zoo = venv / "bin" / "python", venv / "bin" / "zoo"
    packages = run([str(python), "-c", "import site; print(site.getsitepackages()[0])"]).stdout
    own = packages.strip()
    with open(f"{own}/dependencies.pth", "w") as pth:
        pth.write("\n".join(site.getsitepackages()) + "\n")
    run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)])

    user = tmp_path / "user"
    user.mkdir()
    where = run([str(python), "-c", "import zoo; print(zoo.__file__)"], cwd=user).stdout
    assert where.startswith(str(venv)), where  # the wheel's zoo, not the repository's
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(user)}
    return zoo, user, env


def test_the_wheel_trains_and_forecasts_from_a_folder_outside_the_repository(installed):
    zoo, user, env = installed
    run([str(zoo), "train", "model=perceptron", "trainer.max_epochs=1"], cwd=user, env=env)
    (config,) = user.glob("outputs/perceptron_*/*/config.yaml")
    assert (config.parent / "checkpoints" / "last.ckpt").is_file()

    write_images(user / "photos", per_class=6)  # the user's own images, in class folders
    run([str(zoo), "train", "model=cnn", "data=images", "data.root=photos", "trainer.max_epochs=1",
         "model.channels=[4]", "hydra.run.dir=photos_run"], cwd=user, env=env)  # fmt: skip
    checkpoint = user / "photos_run" / "checkpoints" / "last.ckpt"
    predicted = run([str(zoo), "predict", str(checkpoint), "photos/dot"], cwd=user, env=env)
    assert predicted.stdout.startswith("photos/dot/000.png: ") and "%)" in predicted.stdout

    dates = pd.date_range("2001-01-01", periods=48, freq="MS")
    pd.DataFrame(
        {"unique_id": "shop", "ds": dates, "y": 100 + 10 * np.sin(np.arange(48) / 2)}
    ).to_csv(user / "some.csv", index=False)
    result = run([str(zoo), "forecast", "--weights", "rnn-m3-monthly", "some.csv"], cwd=user,
                 env=env)  # fmt: skip
    forecasts = pd.read_csv(user / "forecasts.csv")
    assert list(forecasts.columns)[:3] == ["unique_id", "ds", "rnn"] and len(forecasts) == 18
    assert (user / "forecasts.png").is_file() and "wrote forecasts.csv" in result.stdout

    help_text = run([str(zoo), "--help"], cwd=user, env=env).stdout
    assert all(c in help_text for c in ("train", "eval", "predict", "forecast", "backtest",
                                        "export", "tune"))  # fmt: skip


def test_ddp_from_the_installed_command_trains_and_tests_as_one_process_would(installed):
    """`zoo train ... trainer=ddp trainer.devices=2` (two CPU processes, gloo): rank 1 is
    started by re-running the command and must re-enter `train` (it once hung forever). The
    test metrics of its tested checkpoint equal one process's (`zoo eval`): 4 series, one
    test window each, split 2 and 2, so no process repeats a window."""
    zoo, user, env = installed
    dates = pd.date_range("2000-01-01", periods=60, freq="MS")
    pd.concat(
        pd.DataFrame({"unique_id": f"s{i}", "ds": dates,
                      "y": 100 + 10 * i + 10 * np.sin(np.arange(60) * np.pi / 6)
                      + 0.5 * np.arange(60)})  # a trend: the MASE scale is not 0
        for i in range(4)
    ).to_csv(user / "four.csv", index=False)  # fmt: skip
    run_dir, eval_dir = user / "ddp-run", user / "ddp-eval"
    run([str(zoo), "train", "model=rnn", "data=csv", "data.path=four.csv", "data.horizon=6",
         "trainer=ddp", "trainer.devices=2", "trainer.accelerator=cpu", "trainer.max_epochs=2",
         "model.ensemble_size=1", "model.hidden_size=8", f"output_dir={run_dir}",
         "quiet=true"], cwd=user, env=env)  # fmt: skip
    under_ddp = json.loads((run_dir / "metrics.json").read_text())
    (tested,) = (run_dir / "checkpoints").glob("best-*.ckpt")
    printed = run([str(zoo), "eval", f"ckpt_path={tested}", "+data.path=four.csv",
                   f"output_dir={eval_dir}", "quiet=true"], cwd=user, env=env).stdout  # fmt: skip
    lines = printed.splitlines()
    one_process = dict(line.split(": ") for line in lines if line.startswith("test/"))
    assert {"test/mase", "test/smape", "test/coverage-80"} <= set(one_process)
    for name, value in one_process.items():
        assert under_ddp[name] == pytest.approx(float(value), abs=2e-4), name
