"""Using trained runs: eval, predict, export, loading in a fresh process, quiet, reproducible."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

import zoo
from zoo.runs.evaluation import evaluate
from zoo.runs.export import ExportedNetwork, example_input, export_onnx, export_torchscript

from .conftest import ROOT, compose_config, digit_like_images, write_small_mnist


@pytest.fixture(scope="module")
def small_mnist_root(tmp_path_factory):
    return write_small_mnist(tmp_path_factory.mktemp("mnist"))


@pytest.fixture(scope="module")
def cnn_run(tmp_path_factory, small_mnist_root):
    """A CNN trained on the small synthetic MNIST: (config, metrics, best checkpoint)."""
    out = tmp_path_factory.mktemp("cnn_run")
    cfg = compose_config(
        "model=cnn",
        f"data.root={small_mnist_root}",
        "data.val_size=100",
        "data.batch_size=50",
        "model.channels=[8,16,32]",
        "trainer.max_epochs=4",
        "data.augment=false",
        "task.lr=0.05",
        output_dir=out,
    )
    metrics = zoo.train(cfg).metrics
    best = next((out / "checkpoints").glob("best-*.ckpt"))
    return cfg, metrics, best


@pytest.fixture(scope="module")
def rnn_checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("rnn_run")
    cfg = compose_config(
        "model=rnn",
        "data=sine",
        "trainer.max_epochs=2",
        "logger=none",
        "model.cell=lstm",
        output_dir=out,
    )
    zoo.train(cfg)
    return out / "checkpoints" / "last.ckpt"


@pytest.fixture(scope="module")
def xor_checkpoints(tmp_path_factory):
    """model -> the last checkpoint of the perceptron and of the MLP trained on XOR."""
    checkpoints = {}
    for model in ("perceptron", "mlp"):
        out = tmp_path_factory.mktemp(f"{model}_run")
        zoo.train(
            compose_config(
                f"model={model}", "data=xor", "trainer.max_epochs=2", "logger=none", output_dir=out
            )
        )
        checkpoints[model] = out / "checkpoints" / "last.ckpt"
    return checkpoints


def test_eval_reproduces_the_runs_test_metrics(cnn_run, tmp_path):
    _, metrics, best = cnn_run
    again = evaluate(best, output_dir=tmp_path / "eval", quiet=True)
    assert again["test/acc"] == pytest.approx(metrics["test/acc"], abs=1e-6)
    assert again["test/loss"] == pytest.approx(metrics["test/loss"], rel=1e-4)
    assert list((tmp_path / "eval" / "tensorboard").glob("events.out.tfevents.*"))


def save_as_if_from_cuda(contents, path) -> None:
    """torch.save, with every tensor's storage tagged as living on cuda:0 (as a GPU run's)."""
    real_tag = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(contents, path)
    finally:
        torch.serialization.location_tag = real_tag


@pytest.fixture(scope="module")
def gpu_run(cnn_run, tmp_path_factory):
    """cnn_run as if trained on a GPU: its config names the GPU, its tensors were on cuda:0."""
    cfg, _, best = cnn_run
    run = tmp_path_factory.mktemp("gpu_run")
    config = yaml.safe_load((best.parent.parent / "config.yaml").read_text())
    config["trainer"].update(accelerator="gpu", precision="bf16-mixed")
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    (run / "checkpoints").mkdir()
    checkpoint = run / "checkpoints" / "best.ckpt"
    save_as_if_from_cuda(torch.load(best, weights_only=True), checkpoint)
    return checkpoint


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")
def test_a_gpu_run_loads_and_evaluates_on_a_cpu_only_machine(cnn_run, gpu_run):
    _, metrics, best = cnn_run
    with pytest.raises(RuntimeError, match="CUDA"):  # the fake holds: plain loading fails
        torch.load(gpu_run, weights_only=True)
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        expected = zoo.load_task(best)(x)
        assert torch.equal(zoo.load_task(gpu_run)(x), expected)
        hp = zoo.load_task(best).hparams
        assert torch.allclose(
            zoo.load_model(gpu_run)((x - hp.input_mean) / hp.input_std), expected, atol=1e-6
        )
    again = evaluate(gpu_run, quiet=True)  # on the CPU, in a precision it computes in
    assert again["test/acc"] == pytest.approx(metrics["test/acc"], abs=1e-6)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")
def test_a_gpu_run_resumes_on_a_cpu_only_machine(tmp_path):
    args = ["model=mlp", "data=xor", "logger=none", "test=false"]
    zoo.train(compose_config(*args, "trainer.max_epochs=1", output_dir=tmp_path / "gpu"))
    checkpoint = tmp_path / "gpu" / "checkpoints" / "last.ckpt"
    save_as_if_from_cuda(torch.load(checkpoint, weights_only=True), checkpoint)
    resumed = compose_config(
        *args, "trainer.max_epochs=2", f"ckpt_path={checkpoint}", output_dir=tmp_path / "cpu"
    )
    zoo.train(resumed)
    final = torch.load(tmp_path / "cpu" / "checkpoints" / "last.ckpt", weights_only=True)
    assert final["epoch"] == 1 and final["global_step"] == 2 * 9


def test_eval_script(cnn_run, gpu_run, tmp_path):
    _, metrics, _ = cnn_run
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "eval.py"),
            f"ckpt_path={gpu_run}",  # a GPU run, evaluated on the CPU (or a GPU, if there)
            f"hydra.run.dir={tmp_path / 'eval'}",
            "quiet=true",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"test/acc: {metrics['test/acc']:.4f}" in result.stdout


def expected_of(task, image) -> int:
    with torch.no_grad():
        x = torch.tensor(image / 255, dtype=torch.float32).view(1, 1, 28, 28)
        return int(task.predict_classes(task(x)))


def test_predict_on_png_files_matches_the_model_on_tensors(cnn_run, small_mnist_root, tmp_path):
    _, _, best = cnn_run
    images, _ = digit_like_images(200, 1)  # the test split's images
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(images[:12]):
        Image.fromarray(image.astype(np.uint8)).save(folder / f"digit{i:02d}.png")
    Image.fromarray(255 - images[12].astype(np.uint8)).resize((100, 100)).save(
        tmp_path / "paper.jpg", quality=100
    )  # dark ink on white, another size
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "predict.py"),
            str(best),
            str(folder),
            "--csv",
            str(tmp_path / "predictions.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    task = zoo.load_task(best)
    with torch.no_grad():
        expected = task(torch.tensor(images[:12] / 255, dtype=torch.float32).unsqueeze(1))
    expected = task.predict_classes(expected).tolist()
    rows = (tmp_path / "predictions.csv").read_text().splitlines()[1:]
    assert [int(row.split(",")[1]) for row in rows] == expected
    single = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "predict.py"),
            str(best),
            str(tmp_path / "paper.jpg"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert single.returncode == 0, single.stderr  # inverted and resized, classified
    from zoo.images import load_digit

    with torch.no_grad():  # the light picture, inverted and resized, is read as the digit is
        paper = task.predict_classes(task(load_digit(tmp_path / "paper.jpg").unsqueeze(0)))
    assert single.stdout.startswith(f"{tmp_path / 'paper.jpg'}: {int(paper)} (")
    assert int(paper) == expected_of(task, images[12])


@pytest.mark.parametrize("which", ["cnn", "rnn", "mlp", "perceptron"])
def test_torchscript_and_onnx_match_pytorch(
    which, cnn_run, rnn_checkpoint, xor_checkpoints, tmp_path
):
    import onnxruntime

    checkpoint = {"cnn": cnn_run[2], "rnn": rnn_checkpoint, **xor_checkpoints}[which]
    task = zoo.load_task(checkpoint)
    x = example_input(task, batch=7)  # another batch size than the export's example
    with torch.no_grad():
        expected = ExportedNetwork(task).eval()(x)
        assert torch.allclose(expected, task(x), atol=1e-5)  # raw inputs, as the task takes
    scripted = export_torchscript(task, tmp_path / "model.pt")
    assert (torch.jit.load(str(tmp_path / "model.pt"))(x) - expected).abs().max() <= 1e-4
    assert (scripted(x) - expected).abs().max() <= 1e-4
    export_onnx(task, tmp_path / "model.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "model.onnx"))
    (output,) = session.run(None, {"input": x.numpy()})
    assert np.abs(output - expected.numpy()).max() <= 1e-4


def test_export_script_writes_both_formats_checks_them_and_never_overwrites(
    xor_checkpoints, tmp_path
):
    command = [
        sys.executable,
        str(ROOT / "scripts" / "export.py"),
        str(xor_checkpoints["perceptron"]),
        "--out",
        str(tmp_path / "exported" / "perceptron"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for suffix in (".pt", ".onnx"):
        path = tmp_path / "exported" / f"perceptron{suffix}"
        assert path.stat().st_size > 0
        difference = next(line for line in result.stdout.splitlines() if str(path) in line)
        assert float(difference.split("difference| ")[1].rstrip(")")) <= 1e-5
    scripted = torch.jit.load(str(tmp_path / "exported" / "perceptron.pt"))
    x = torch.randn(6, 2)
    with torch.no_grad():
        assert torch.allclose(scripted(x), zoo.load_task(xor_checkpoints["perceptron"])(x))
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode != 0 and "exists" in again.stderr and "Traceback" not in again.stderr


def test_load_model_in_a_fresh_process_without_configs(cnn_run, tmp_path):
    _, _, best = cnn_run
    x = torch.rand(5, 1, 28, 28)
    torch.save(x, tmp_path / "x.pt")
    with torch.no_grad():
        expected = zoo.load_task(best)(x)
    code = (
        "import sys, torch, zoo\n"
        "x = torch.load('x.pt', weights_only=True)\n"
        f"task = zoo.load_task({str(best)!r})\n"
        f"net = zoo.load_model({str(best)!r}, map_location='cpu')\n"
        "hp = task.hparams\n"
        "with torch.no_grad():\n"
        "    y = {'task': task(x), 'net': net((x - hp.input_mean) / hp.input_std)}\n"
        "torch.save(y, 'y.pt')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    outputs = torch.load(tmp_path / "y.pt", weights_only=True)
    assert torch.equal(outputs["task"], expected)
    assert torch.allclose(outputs["net"], expected, atol=1e-6)
    assert not (tmp_path / "conf").exists()


HEAVY_PACKAGES = ("lightning", "lightning_fabric", "pytorch_lightning", "hydra", "matplotlib")


def test_models_alone_import_neither_lightning_nor_hydra_nor_matplotlib(cnn_run, tmp_path):
    _, _, best = cnn_run
    code = (
        "import sys, torch, zoo\n"
        "net = zoo.create_model('mlp', in_features=2, hidden_sizes=[3])\n"
        f"loaded = zoo.load_model({str(best)!r})\n"
        "assert loaded(torch.rand(2, 1, 28, 28)).shape == (2, 10)\n"
        f"heavy = [m for m in sys.modules if m.split('.')[0] in {HEAVY_PACKAGES!r}]\n"
        "print(sorted({m.split('.')[0] for m in heavy}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


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


def test_quiet_training_prints_nothing_and_writes_only_its_folder(tmp_path, monkeypatch, capfd):
    monkeypatch.chdir(tmp_path)
    cfg = compose_config(
        "model=mlp", "data=xor", "trainer.max_epochs=2", output_dir=tmp_path / "run"
    )
    zoo.train(cfg)
    captured = capfd.readouterr()
    assert "Epoch" not in captured.out and "━" not in captured.out
    assert "final metrics" not in captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no stray lightning_logs/


def test_same_seed_same_metrics(tmp_path):
    def run(name):
        cfg = compose_config(
            "model=mlp",
            "data=xor",
            "trainer.max_epochs=3",
            "trainer.deterministic=true",
            "logger=none",
            output_dir=tmp_path / name,
        )
        metrics = zoo.train(cfg).metrics
        return {k: v for k, v in metrics.items() if not k.startswith("time/")}  # seconds vary

    first = run("a")
    assert "val/loss" in first and first == run("b")


def test_a_run_with_its_own_timer_reports_that_timers_seconds(tmp_path):
    from lightning.pytorch.callbacks import Timer

    timer = Timer(duration="00:00:10:00")  # a config may add one to cap training time
    cfg = compose_config(
        "model=mlp",
        "data=xor",
        "trainer.max_epochs=2",
        "logger=none",
        "test=false",  # testing a checkpoint would load the timer's state from it
        output_dir=tmp_path,
    )
    metrics = zoo.train(cfg, extra_callbacks=[timer]).metrics
    assert metrics["time/fit_s"] == timer.time_elapsed("train") > 0
    assert json.loads((tmp_path / "metrics.json").read_text())["time/fit_s"] > 0


def test_zoos_figures_leave_matplotlib_backend_and_pyplot_alone():
    code = (
        "import sys, torch\n"
        "from zoo.plots import confusion_matrix_figure\n"
        "confusion_matrix_figure(torch.eye(3), ['a', 'b', 'c']).savefig(sys.argv[1])\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "/tmp/zoo-figure-test.png"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stderr
