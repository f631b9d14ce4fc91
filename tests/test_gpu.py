"""What only a CUDA GPU shows: every network trains there in the precision `auto` picks, MNIST
lives there, the forecaster's GRUs run through cuDNN and forecast as on the CPU, checkpoints
and shipped weights cross between the GPU and the CPU.

Every test here is marked `gpu` and skipped, with the reason, where torch finds no CUDA
device; `python -m pytest -m gpu` runs them on a GPU machine, and so does
`benchmarks/gpu.py`. Comparisons with the CPU's figures turn TF32 off (`strict_fp32`), so
both sides compute in float32 and agree to float32 rounding; the tolerance is stated at
each comparison.
"""

import json
import os
import subprocess
import sys

import lightning as L
import pytest
import torch

import zoo
from zoo.data import MNISTDataModule
from zoo.devices import resolve_precision
from zoo.models import ensemble_gru
from zoo.runs.evaluation import evaluate
from zoo.runs.export import example_input
from zoo.runs.training import trainer_precision
from zoo.weights import get_weights, list_weights

from .conftest import (
    EXAMPLES,
    ROOT,
    RecordAtenOps,
    compose_config,
    default_data,
    one_training_step,
    synthetic_input,
    write_small_mnist,
)

NO_CUDA = "no CUDA device: these tests need an NVIDIA GPU (python -m pytest -m gpu there)"
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_CUDA),
]
DEVICE = "cuda"
ON_GPU = "trainer.accelerator=gpu"  # fails loudly rather than fall back to the CPU


@pytest.fixture
def strict_fp32():
    """float32 matrix products and cuDNN kernels (convolutions, GRUs) in full float32, not
    TF32 (cuDNN's default on Ampere and newer), for comparisons with the CPU; restored after."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


@pytest.fixture(scope="module")
def mnist_root(tmp_path_factory):
    return write_small_mnist(tmp_path_factory.mktemp("mnist"))


def auto_on_this_gpu() -> str:
    """What precision=auto should pick on this GPU: bf16 autocast from compute capability
    8.0 (Ampere) on, fp16 autocast on 7.x (Volta, Turing), fp32 before."""
    major, _ = torch.cuda.get_device_capability()
    return "bf16-mixed" if major >= 8 else "16-mixed" if major >= 7 else "32-true"


# -- precision ---------------------------------------------------------------------------------


def test_precision_auto_picks_what_this_gpu_computes_in_and_says_why(config):
    major, minor = torch.cuda.get_device_capability()
    precision, reason = resolve_precision("auto", "auto")
    assert precision == auto_on_this_gpu(), reason
    assert f"compute capability {major}.{minor}" in reason
    assert resolve_precision("auto", "gpu") == (precision, reason)
    assert trainer_precision(config("trainer=gpu")) == precision  # trainer=gpu says auto
    if major >= 8:  # bf16 natively: the matrix units compute in it, not an emulation
        assert torch.cuda.is_bf16_supported(including_emulation=False)
        a = torch.randn(64, 64, device=DEVICE)
        with torch.autocast(DEVICE, torch.bfloat16):
            assert (a @ a).dtype == torch.bfloat16


# -- every network -----------------------------------------------------------------------------


@pytest.mark.parametrize("autocast", [False, True], ids=["fp32", "bf16-autocast"])
@pytest.mark.parametrize("name", zoo.list_models())
def test_every_network_runs_forward_and_backward_on_cuda(name, autocast):
    if autocast and not torch.cuda.is_bf16_supported(including_emulation=False):
        pytest.skip("this GPU does not compute in bf16 (compute capability < 8.0)")
    kwargs, x, shape = EXAMPLES[name]
    torch.manual_seed(0)
    model = zoo.create_model(name, **kwargs).to(DEVICE)
    with torch.no_grad():  # the perceptron starts at w = 0
        for p in model.parameters():
            p.add_(0.1 * torch.randn_like(p))
    with torch.autocast(DEVICE, torch.bfloat16, enabled=autocast):
        out = model(x.to(DEVICE))
    assert out.shape == shape and out.device.type == DEVICE
    assert torch.isfinite(out).all()
    out.float().square().sum().backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, f"{name}.{pname} got no gradient"
        assert p.grad.device.type == DEVICE and torch.isfinite(p.grad).all(), pname


class RecordDevices(L.Callback):
    """Where the task is and what precision the trainer runs in, at every training batch."""

    def __init__(self) -> None:
        self.devices: set[str] = set()
        self.precisions: set[str] = set()

    def on_train_batch_start(self, trainer, module, batch, batch_idx) -> None:
        self.devices.add(module.device.type)
        self.precisions.add(str(trainer.precision))


@pytest.mark.parametrize("model", zoo.list_models())
def test_every_model_config_trains_a_step_on_cuda_in_the_precision_auto_picks(
    config, mnist_root, model
):
    """The config a user gets (model=NAME: its default data and recipe), on the GPU with
    trainer.precision=auto: one training step moves the weights, losses are finite."""
    data = default_data("model", model)
    settings = [f"data.root={mnist_root}", "data.val_size=100"] if data == "mnist" else []
    cfg = config(f"model={model}", *settings, ON_GPU, "trainer.precision=auto")
    where = RecordDevices()
    one_training_step(cfg, callbacks=[where])
    assert where.devices == {DEVICE}
    expected = "32-true" if model == "perceptron" else auto_on_this_gpu()  # the rule: fp32
    assert where.precisions == {expected}


# -- MNIST on the device -----------------------------------------------------------------------


class RecordedMNIST(MNISTDataModule):
    """MNIST that notes where each batch is when its loader hands it over (before Lightning
    would move it) and where the three sets' images are after each `setup`."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.handed_over: list[tuple[str, str, str, torch.dtype]] = []
        self.storage: list[tuple[tuple[str, int], ...]] = []

    def setup(self, stage: str | None = None) -> None:
        super().setup(stage)
        sets = (self.train_set, self.val_set, self.test_set)
        self.storage.append(tuple((t.device.type, t.data_ptr()) for s in sets for t in s.tensors))

    def on_before_batch_transfer(self, batch, dataloader_idx: int):
        images, labels = batch
        stage = self.trainer.state.stage.value
        self.handed_over.append((stage, images.device.type, labels.device.type, images.dtype))
        return batch


def test_mnist_is_copied_to_the_gpu_once_and_every_batch_is_cut_there(config, mnist_root):
    cfg = config(
        "model=cnn",
        f"data.root={mnist_root}",
        "model.channels=[8,16,32]",
        "trainer.max_epochs=4",
        ON_GPU,
        "logger=none",
    )
    datamodule = RecordedMNIST(
        root=str(mnist_root), val_size=100, batch_size=50, augment=True, download=False
    )
    metrics = zoo.train(cfg, datamodule=datamodule)
    stages = {stage for stage, *_ in datamodule.handed_over}
    assert {"train", "validate", "test"} <= stages, stages
    for stage, images, labels, dtype in datamodule.handed_over:
        # cut on the GPU from the uint8 sets there; converted (and augmented) on the GPU
        assert (images, labels, dtype) == (DEVICE, DEVICE, torch.uint8), stage
    assert len(datamodule.storage) >= 2  # set up for fitting, then for testing
    assert all(device == DEVICE for device, _ in datamodule.storage[0])
    assert len(set(datamodule.storage)) == 1  # the same memory each time: copied once
    assert metrics["test/acc"] > 0.9  # it learnt (chance is 0.1), augmented on the GPU


# -- the forecaster ------------------------------------------------------------------------------


def test_the_forecasters_members_train_through_cudnns_gru_not_the_cpu_kernel(monkeypatch):
    """zoo's ensemble kernel serves float32 training on the CPU only; on the GPU every
    member runs its own nn.GRU, which is cuDNN's fused GRU, in float32 and under autocast."""
    torch.manual_seed(0)
    model = zoo.create_model(
        "rnn", horizon=6, input_length=36, season_length=12, hidden_size=32, ensemble_size=3
    )
    model = model.to(DEVICE).train()
    x = torch.rand(16, 36, device=DEVICE) + 1.0
    mask = torch.ones_like(x, dtype=torch.bool)
    grus = [member.rnn for member in model.members]
    assert not ensemble_gru.applies(grus, torch.zeros(16, 36, 2, device=DEVICE))
    assert torch.backends.cudnn.is_available() and torch.backends.cudnn.enabled
    kernel, calls = ensemble_gru.ensemble_gru, []
    monkeypatch.setattr(ensemble_gru, "ensemble_gru", lambda *a: calls.append(1) or kernel(*a))
    for autocast in (False, True):
        model.zero_grad()
        with RecordAtenOps() as ops, torch.autocast(DEVICE, torch.bfloat16, enabled=autocast):
            z, _ = model.scaled_forward(x, mask)
        z.float().square().sum().backward()
        assert not calls, "the CPU kernel ran on the GPU"
        assert "_cudnn_rnn" in ops.names, sorted(ops.names)  # cuDNN's GRU
        for p in model.parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all()


def m3_monthly_forecasts(device: str) -> tuple[torch.Tensor, dict[str, float]]:
    """The shipped forecaster's (1,428, 18) forecasts of the M3 monthly series from their
    training parts, made on `device`, and their test sMAPE and MASE. (The one place these
    tests call the forecasting API, which issue 24 reshapes.)"""
    from zoo.timeseries import forecast_panel, m3_panel, panel_means
    from zoo.timeseries.metrics import seasonal_naive_scale

    network = zoo.load_model("rnn", weights="m3-monthly", map_location=device)
    assert next(network.parameters()).device.type == device
    history, test = m3_panel("monthly", "train"), m3_panel("monthly", "test")
    forecasts = forecast_panel(network, history)
    scale = seasonal_naive_scale(history.values, history.indptr, network.season_length)
    figures = panel_means(forecasts, test.values.view(len(test), network.horizon), scale)
    return forecasts, {name: float(figures[name]) for name in ("smape", "mase")}


@pytest.fixture(scope="module")
def m3_on_the_cpu():
    return m3_monthly_forecasts("cpu")


def test_the_forecaster_forecasts_m3_on_cuda_as_on_the_cpu(m3_on_the_cpu, strict_fp32):
    """float32 on both: every forecast within 0.1% of the CPU's (they differ by float32
    rounding through 72 GRU steps), the panel's sMAPE and MASE within 0.001."""
    cpu, cpu_figures = m3_on_the_cpu
    cuda, cuda_figures = m3_monthly_forecasts(DEVICE)
    assert cuda.shape == cpu.shape == (1428, 18)
    relative = (cuda - cpu).abs() / cpu.abs()
    assert relative.max() < 1e-3, f"largest relative difference {relative.max():.2e}"
    for name, value in cpu_figures.items():
        assert cuda_figures[name] == pytest.approx(value, abs=1e-3), name


def test_the_forecaster_keeps_its_cards_figures_on_cuda_with_tf32(m3_on_the_cpu):
    """With cuDNN's default TF32 (what a user gets), the panel's sMAPE and MASE stay within
    the card's tolerance (0.01) of the CPU's."""
    _, cpu_figures = m3_on_the_cpu
    _, cuda_figures = m3_monthly_forecasts(DEVICE)
    tolerance = get_weights("rnn.m3-monthly").tolerance
    for name, value in cpu_figures.items():
        assert cuda_figures[name] == pytest.approx(value, abs=tolerance[f"test/{name}"]), name


# -- checkpoints between the GPU and the CPU -----------------------------------------------------


@pytest.fixture(scope="module")
def gpu_runs(tmp_path_factory, mnist_root):
    """Runs trained on the GPU: a CNN on the small MNIST (bf16 autocast where the GPU has
    it: the MNIST recipe's precision=auto) and an MLP on XOR. -> {name: (metrics, ckpt)}"""
    runs = {}
    for name, overrides, checkpoint in [
        (
            "cnn",
            [
                "model=cnn",
                f"data.root={mnist_root}",
                "data.val_size=100",
                "data.batch_size=50",
                "model.channels=[8,16,32]",
                "trainer.max_epochs=3",
            ],
            "best-*.ckpt",  # the one its test read
        ),
        ("mlp", ["model=mlp", "data=xor", "trainer.max_epochs=1", "test=false"], "last.ckpt"),
    ]:
        out = tmp_path_factory.mktemp(f"gpu_{name}")
        metrics = zoo.train(compose_config(*overrides, ON_GPU, "logger=none", output_dir=out))
        runs[name] = (metrics, next((out / "checkpoints").glob(checkpoint)))
    return runs


CPU_ONLY_SCRIPT = """
import json, sys
import torch
sys.path.insert(0, {root!r})
from tests.conftest import compose_config
import zoo
from zoo.runs.evaluation import evaluate
from zoo.runs.export import example_input

result = {{"cuda": torch.cuda.is_available()}}
try:  # the files really hold CUDA tensors: plain loading needs a GPU
    torch.load({mlp!r}, weights_only=True)
    result["plain_load"] = "loaded"
except Exception as error:
    result["plain_load"] = str(error)
task = zoo.load_task({cnn!r})
torch.manual_seed(0)
x = example_input(task, 8)
with torch.no_grad():
    result["task"] = task(x).tolist()
    hp = task.hparams
    result["network"] = zoo.load_model({cnn!r})((x - hp.input_mean) / hp.input_std).tolist()
result["evaluate"] = evaluate({cnn!r}, quiet=True)  # the run's precision, or the CPU's own
result["evaluate_fp32"] = evaluate({cnn!r}, quiet=True, precision="32-true")
cfg = compose_config("model=mlp", "data=xor", "logger=none", "test=false",
                     "trainer.max_epochs=2", "ckpt_path={mlp}", output_dir={out!r})
zoo.train(cfg)  # resumed on the CPU
last = torch.load({out!r} + "/checkpoints/last.ckpt", weights_only=True)
result["resumed_step"] = last["global_step"]
print(json.dumps(result))
"""


def test_a_gpu_checkpoint_loads_evaluates_and_resumes_on_a_cpu_only_machine(
    gpu_runs, tmp_path, strict_fp32
):
    """A process that sees no GPU (CUDA_VISIBLE_DEVICES empty) loads the GPU runs'
    checkpoints: the task and the network give the GPU's outputs (float32 on both: within
    1e-4), the test set scores the same (float32: within one image of 200), and the MLP's
    training resumes to the step count of an uninterrupted run."""
    (cnn_metrics, cnn), (_, mlp) = gpu_runs["cnn"], gpu_runs["mlp"]
    script = tmp_path / "cpu_only.py"
    script.write_text(
        CPU_ONLY_SCRIPT.format(root=str(ROOT), cnn=str(cnn), mlp=str(mlp), out=str(tmp_path / "r"))
    )
    env = os.environ | {"CUDA_VISIBLE_DEVICES": "", "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["cuda"] is False
    assert "CUDA" in result["plain_load"]  # without map_location the GPU's tensors fail

    task = zoo.load_task(cnn, map_location=DEVICE)
    assert all(p.device.type == DEVICE for p in task.parameters())
    torch.manual_seed(0)
    x = example_input(task, 8).to(DEVICE)  # the child's input, drawn the same way
    with torch.no_grad():
        on_gpu = task(x).cpu()
        hp = task.hparams
        network = zoo.load_model(cnn, map_location=DEVICE)
        assert next(network.parameters()).device.type == DEVICE
        network_on_gpu = network((x - hp.input_mean) / hp.input_std).cpu()
    torch.testing.assert_close(torch.tensor(result["task"]), on_gpu, rtol=0, atol=1e-4)
    torch.testing.assert_close(torch.tensor(result["network"]), network_on_gpu, rtol=0, atol=1e-4)

    assert result["evaluate"]["test/acc"] == pytest.approx(cnn_metrics["test/acc"], abs=0.02)
    fp32_on_gpu = evaluate(cnn, quiet=True, accelerator="gpu", precision="32-true")
    cpu_fp32 = result["evaluate_fp32"]
    assert cpu_fp32["test/acc"] == pytest.approx(fp32_on_gpu["test/acc"], abs=0.005)
    assert cpu_fp32["test/loss"] == pytest.approx(fp32_on_gpu["test/loss"], rel=1e-3)

    first = torch.load(mlp, weights_only=True, map_location="cpu")["global_step"]
    assert first > 0 and result["resumed_step"] == 2 * first


def test_a_cpu_checkpoint_loads_evaluates_and_resumes_on_the_gpu(tmp_path, strict_fp32):
    args = ["model=mlp", "data=xor", "logger=none"]
    zoo.train(
        compose_config(
            *args, "trainer.accelerator=cpu", "trainer.max_epochs=1", output_dir=tmp_path / "cpu"
        )
    )
    checkpoint = tmp_path / "cpu" / "checkpoints" / "last.ckpt"
    x = torch.rand(16, 2)
    with torch.no_grad():
        expected = zoo.load_task(checkpoint)(x)
        task = zoo.load_task(checkpoint, map_location=DEVICE)
        assert all(p.device.type == DEVICE for p in task.parameters())
        torch.testing.assert_close(task(x.to(DEVICE)).cpu(), expected, rtol=0, atol=1e-5)
    on_cpu = evaluate(checkpoint, quiet=True, accelerator="cpu")
    on_gpu = evaluate(checkpoint, quiet=True, accelerator="gpu")
    assert on_gpu["test/acc"] == on_cpu["test/acc"]
    assert on_gpu["test/loss"] == pytest.approx(on_cpu["test/loss"], rel=1e-4)

    resumed = compose_config(
        *args,
        ON_GPU,
        "trainer.max_epochs=2",
        f"ckpt_path={checkpoint}",
        output_dir=tmp_path / "gpu",
    )
    zoo.train(resumed)
    first = torch.load(checkpoint, weights_only=True)["global_step"]
    last = torch.load(tmp_path / "gpu" / "checkpoints" / "last.ckpt", weights_only=True)
    assert first > 0 and last["global_step"] == 2 * first
    assert any(t.is_cuda for t in last["state_dict"].values())  # written from the GPU


# -- shipped weights -----------------------------------------------------------------------------


@pytest.mark.parametrize("id", list_weights(available_only=True))
def test_shipped_weights_load_onto_cuda_and_give_the_cpus_outputs(id, strict_fp32):
    weights = get_weights(id)
    on_gpu = zoo.load_model(weights.model, weights=weights.name, map_location=DEVICE)
    assert all(p.device.type == DEVICE and p.dtype == torch.float32 for p in on_gpu.parameters())
    on_cpu = zoo.load_model(weights.model, weights=weights.name)
    inputs = synthetic_input(weights)
    with torch.no_grad():
        expected = on_cpu(*inputs)
        got = on_gpu(*(t.to(DEVICE) for t in inputs))
    assert got.device.type == DEVICE
    torch.testing.assert_close(got.cpu(), expected, rtol=1e-4, atol=1e-4)  # float32 rounding
