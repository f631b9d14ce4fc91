"""What the tests share: the repository's paths, composed configs, zoo's commands run as a
user runs them, the data the tests make themselves, and runs trained once per test session
for the tests of several folders to read (never to change: a test that edits one copies it
first). Helpers one folder uses live in that folder's conftest.py or test file."""

import errno
import math
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from hydra.utils import instantiate
from PIL import Image
from torch.utils._python_dispatch import TorchDispatchMode

import zoo
import zoo.files
from zoo.configs import CONF_DIR
from zoo.configs import compose_config as compose_from
from zoo.runs.training import build_task, trainer_precision
from zoo.timeseries import SOURCES, Panel
from zoo.weights import DigitImages, PrimerFeatures, get_weights

ROOT = Path(__file__).resolve().parents[1]

# The modules that take longest (seconds on 2 cores, one of two processes: tests/e2e/
# test_train.py ~150, test_site.py ~100 of which the site's build 80, test_wheel.py ~80,
# test_mnist_real.py ~50), then the rest of tests/e2e/, then the unit tests: pytest-xdist
# hands whole modules to its two processes in this order, so both finish together.
LONGEST = ["e2e/test_train.py", "e2e/test_site.py", "e2e/test_wheel.py", "test_mnist_real.py"]


def pytest_collection_modifyitems(items) -> None:
    def rank(item) -> tuple[int, int]:
        tests = ROOT / "tests"
        module = item.path.relative_to(tests).as_posix() if tests in item.path.parents else ""
        if module in LONGEST:
            return 0, LONGEST.index(module)
        return (1 if module.startswith("e2e/") else 2), 0

    items.sort(key=rank)  # stable: each module's tests keep their order


if workers := os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    # pytest-xdist runs the tests in several processes: each, and each command it starts,
    # gets its share of the cores rather than all of them (two on two cores ran 5x slower)
    THREADS = max(1, (os.cpu_count() or 1) // int(workers))
    torch.set_num_threads(THREADS)
    os.environ["OMP_NUM_THREADS"] = str(THREADS)


# -- configs --------------------------------------------------------------------------------------


def compose_config(*overrides: str, output_dir: Path):
    """The config `scripts/train.py` would build, writing into `output_dir`, quietly."""
    return compose_from(CONF_DIR, [*overrides, f"output_dir={output_dir}", "quiet=true"])


@pytest.fixture
def config(tmp_path):
    """config(*overrides) -> a composed training config writing to a fresh folder in tmp_path."""
    runs = iter(range(1000))
    return lambda *overrides: compose_config(*overrides, output_dir=tmp_path / f"run{next(runs)}")


def default_data(group: str, option: str) -> str:
    """The data option that conf/<group>/<option>.yaml picks (`override /data...: NAME`)."""
    defaults = yaml.safe_load((CONF_DIR / group / f"{option}.yaml").read_text())["defaults"]
    return next(v for d in defaults for k, v in d.items() if k.startswith("override /data"))


def one_training_step(cfg, callbacks: list | None = None) -> None:
    """Train one batch and validate one (when the data has a validation part: not with
    data.final_fit=true), with the config's own data, network, task, trainer and precision
    (and `callbacks`); the step must move the weights and give finite losses."""
    datamodule = instantiate(cfg.data)
    task = build_task(cfg, datamodule)
    before = {name: p.detach().cpu().clone() for name, p in task.named_parameters()}
    trainer = instantiate(
        cfg.trainer,
        precision=trainer_precision(cfg),
        fast_dev_run=1,
        logger=False,
        callbacks=list(callbacks or []),
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(task, datamodule=datamodule)
    moved = [n for n, p in task.named_parameters() if not torch.equal(p.detach().cpu(), before[n])]
    assert moved, "a training step changed no weight"
    validates = getattr(datamodule, "has_validation", True)
    for name in ("train/loss", "val/loss") if validates else ("train/loss",):
        assert math.isfinite(trainer.callback_metrics[name]), name


# -- zoo's commands -------------------------------------------------------------------------------


def run_script(name: str, *args, cwd=ROOT, timeout=300, env=None):
    """scripts/<name>.py run as a user runs it, in a subprocess (`env` added to this one's)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / f"{name}.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


NO_MNIST_HERE = {"ZOO_DATA_ROOT": str(ROOT / "nowhere")}  # run_script(env=): finds no MNIST


def run_in_process(name: str, *args: str, monkeypatch, capsys) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of a script run in this process: for quick refusals."""
    monkeypatch.setattr(sys, "argv", [name, *args])
    code = 0
    try:
        runpy.run_path(str(ROOT / "scripts" / name), run_name="__main__")
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
        if isinstance(exit.code, str):
            print(exit.code, file=sys.stderr)
    out, err = capsys.readouterr()
    return code, out, err


# -- data the tests make themselves ---------------------------------------------------------------


def write_idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def digit_like_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """28x28 images whose class is drawn as a bar at one of 10 places, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = rng.integers(0, 60, (n, 28, 28))
    for image, label in zip(images, labels, strict=True):
        row, col = 4 + 4 * (label // 5) * 2, 3 + 5 * (label % 5)
        dy, dx = rng.integers(-1, 2, 2)  # a little jitter so it must generalise
        image[row + dy : row + dy + 8, col + dx : col + dx + 3] = 255
    return images, labels


def write_small_mnist(root):
    """Make `root` hold MNIST/raw with 600 training and 200 test digit-like images."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for split, n, seed in [("train", 600, 0), ("t10k", 200, 1)]:
        images, labels = digit_like_images(n, seed)
        write_idx(raw / f"{split}-images-idx3-ubyte", images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
    return root


def digit(ink=255, background=0):
    pixels = np.full((28, 28), background, np.uint8)
    pixels[6:22, 12:16] = ink
    return pixels


CLASSES = ("bar", "box", "dot")


def shape_image(kind: int, size: tuple[int, int], rgb: bool, rng) -> np.ndarray:
    """A noisy image whose class is a shape (a bar, a box, a dot) in a colour of its own."""
    h, w = size
    pixels = rng.integers(0, 50, (h, w, 3)).astype(np.uint8)
    if kind == 0:
        pixels[h // 5 : -h // 5, w // 2 - 2 : w // 2 + 2] = (255, 255, 0)
    elif kind == 1:
        pixels[h // 4 : -h // 4, w // 4 : -w // 4] = (255, 0, 0)
    else:
        pixels[h // 2 - 2 : h // 2 + 2, w // 2 - 2 : w // 2 + 2] = (0, 128, 255)
    return pixels if rgb else pixels.mean(axis=2).astype(np.uint8)


def write_images(root: Path, per_class: int = 12, sizes=((16, 16),), rgb=True, seed=0) -> Path:
    """root/<class>/<i>.png for the three shape classes, cycling through `sizes`."""
    rng = np.random.default_rng(seed)
    for kind, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            image = shape_image(kind, sizes[i % len(sizes)], rgb, rng)
            Image.fromarray(image).save(root / name / f"{i:03d}.png")
    return root


def table_frame(rows: int = 120, seed: int = 0) -> pd.DataFrame:
    """Two numbers on different scales, a colour and an id; the class follows from them."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "size_cm": rng.normal(150, 20, rows),
            "weight_g": rng.normal(5000, 800, rows),
            "colour": rng.choice(["red", "green", "blue"], rows),
            "id": [f"item{i}" for i in range(rows)],
        }
    )
    score = (frame.size_cm - 150) / 20 + (frame.colour == "red") * 1.5 - 0.5
    frame["kind"] = np.where(score > 0, "large", "small")
    return frame


def monthly_frame(ids=("a",), periods=36, level=1.0) -> pd.DataFrame:
    """Monthly series from 2000-01 (one per id), each `level`, `level` + 1, ..."""
    dates = pd.date_range("2000-01-01", periods=periods, freq="MS")
    frame = pd.concat(
        pd.DataFrame({"unique_id": i, "ds": dates, "y": level + np.arange(periods)}) for i in ids
    ).reset_index(drop=True)
    return frame


def monthly_csv(path, series=("a", "b"), periods=40):
    dates = pd.date_range("2000-01-01", periods=periods, freq="MS")
    frame = pd.concat(
        pd.DataFrame({"unique_id": s, "ds": dates, "y": 10.0 + i + np.arange(periods)})
        for i, s in enumerate(series)
    )
    frame.to_csv(path, index=False)
    return path


def write_panel(path, series: dict[str, np.ndarray], start="2000-01-01", freq="MS"):
    """A long-format CSV (unique_id, ds, y) of `series`, all starting at `start`."""
    rows = [
        pd.DataFrame(
            {"unique_id": name, "ds": pd.date_range(start, periods=len(v), freq=freq), "y": v}
        )
        for name, v in series.items()
    ]
    pd.concat(rows).to_csv(path, index=False)
    return path


def sine_panel(path, count: int = 24, length: int = 120):
    """Sines of period 12 with different levels (1 to 1000), phases, trends and noise:
    seasonal naive misses the trend, which a model of the whole panel can learn. Twenty or
    more series, so that the conformal intervals have enough validation forecasts."""
    rng = np.random.default_rng(0)
    series = {}
    for i in range(count):
        level = 10 ** rng.uniform(0, 3)
        t = np.arange(length)
        shape = 1 + 0.3 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi))
        trend = np.exp(rng.choice([-1, 1]) * rng.uniform(0.005, 0.015) * t)
        noise = 1 + 0.005 * rng.standard_normal(length)
        series[f"s{i}"] = level * shape * trend * noise
    return write_panel(path, series)


def random_walks(count: int, length: int, seed: int = 0) -> Panel:
    rng = np.random.default_rng(seed)
    walks = 100 + np.cumsum(rng.standard_normal((count, length)), axis=1)
    return Panel.from_arrays([f"w{i}" for i in range(count)], list(walks))


def all_batches(dataset) -> dict[str, torch.Tensor]:
    return dataset.__getitems__(list(range(len(dataset))))


# -- the real MNIST, where it is ------------------------------------------------------------------

SHARED_DATA = ROOT.parent / "shared" / "data"


NO_MNIST = f"no real MNIST files: set ZOO_DATA_ROOT or put MNIST/raw/ in {SHARED_DATA}"


def found_mnist_root() -> str | None:
    """The real MNIST's root ($ZOO_DATA_ROOT or ../shared/data), or None."""
    for root in (os.environ.get("ZOO_DATA_ROOT"), SHARED_DATA):
        if root and (Path(root) / "MNIST" / "raw" / "t10k-images-idx3-ubyte").is_file():
            return str(root)
    return None


def real_mnist_root() -> str:
    """The real MNIST's root ($ZOO_DATA_ROOT or ../shared/data), else a visible skip."""
    return found_mnist_root() or pytest.skip(NO_MNIST)


# -- networks and their files ---------------------------------------------------------------------

EXAMPLES = {
    "perceptron": ({"in_features": 6, "num_classes": 3}, torch.randn(4, 6), (4, 3)),
    "mlp": (
        {"in_features": 6, "hidden_sizes": [5, 4], "num_classes": 3},
        torch.randn(4, 6),
        (4, 3),
    ),
    "cnn": (
        {"in_channels": 1, "num_classes": 10, "channels": [4, 8]},
        torch.randn(4, 1, 28, 28),
        (4, 10),
    ),
    "rnn": (
        {"horizon": 5, "input_length": 12, "hidden_size": 8, "ensemble_size": 2, "linear": True},
        torch.rand(4, 12) + 0.5,  # positive: log scaling
        (4, 5),
    ),
}


class RecordAtenOps(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.names.add(func.overloadpacket.__name__.rstrip("_"))
        return func(*args, **(kwargs or {}))


def shipped(id: str):
    """The entry `id`, or a skip naming the command that builds it."""
    weights = get_weights(id)
    if not weights.available:
        pytest.skip(f"{id} is not built yet ({weights.path.name} absent): {weights.regenerate}")
    return weights


def synthetic_input(weights):
    """A small batch of raw inputs, run through the weights' own transform."""
    transform = weights.transforms()
    if weights.transform is DigitImages:
        images, _ = digit_like_images(6, seed=3)
        return (transform(torch.tensor(images, dtype=torch.uint8)),)
    if weights.transform is PrimerFeatures:
        return (transform([[128.0, 63.0], [155.0, 68.0], [140.0, 66.0]]),)
    sine = torch.tensor(SOURCES["sine"](length=300).to_numpy(), dtype=torch.float32) + 3
    return transform([sine, sine[:50] * 100, sine[:5]])  # long, shorter than the input, tiny


def tampered(source, folder, change):
    checkpoint = torch.load(source, weights_only=True)
    change(checkpoint)
    path = folder / "tampered.ckpt"
    torch.save(checkpoint, path)
    return path


def save_as_if_from_cuda(contents, path) -> None:
    """torch.save, with every tensor's storage tagged as living on cuda:0 (as a GPU run's)."""
    real_tag = torch.serialization.location_tag
    torch.serialization.location_tag = lambda storage: "cuda:0"
    try:
        torch.save(contents, path)
    finally:
        torch.serialization.location_tag = real_tag


def full_disk(monkeypatch, when=lambda: True):
    """From now on (while `when()`), zoo's writes meet a full disk as fsync reports it."""
    real = zoo.files._flush_to_disk

    def flush(handle):
        if when():
            raise OSError(errno.ENOSPC, "No space left on device")
        real(handle)

    monkeypatch.setattr(zoo.files, "_flush_to_disk", flush)


# -- runs trained once per session ----------------------------------------------------------------


def train(config, *overrides):
    """zoo.train on `overrides` (quiet, no logger): (metrics, run folder)."""
    cfg = config(*overrides, "logger=none")
    return zoo.train(cfg).metrics, Path(cfg.output_dir)


@pytest.fixture
def small_mnist(tmp_path):
    """A small MNIST of this test's own, to change as it likes."""
    return write_small_mnist(tmp_path)


@pytest.fixture(scope="session")
def small_mnist_root(tmp_path_factory):
    return write_small_mnist(tmp_path_factory.mktemp("mnist"))


@pytest.fixture(scope="session")
def xor_runs(tmp_path_factory) -> dict[str, Path]:
    """{model: run folder} of the perceptron and the MLP trained on XOR for two epochs
    (config.yaml beside checkpoints/)."""
    runs = {}
    for model in ("perceptron", "mlp"):
        out = tmp_path_factory.mktemp(f"{model}_xor") / "run"
        zoo.train(compose_config(f"model={model}", "data=xor", "trainer.max_epochs=2",
                                 "logger=none", output_dir=out))  # fmt: skip
        runs[model] = out
    return runs


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def table_runs(tmp_path_factory):
    """{model: (metrics, run folder)} for the MLP and the perceptron on a written CSV."""
    folder = tmp_path_factory.mktemp("table")
    table_frame().to_csv(folder / "items.csv", index=False)
    runs = {}
    for model in ("mlp", "perceptron"):
        out = folder / model
        cfg = compose_config(f"model={model}", "data=table", f"data.path={folder / 'items.csv'}",
                             "data.target=kind", "data.drop=[id]", "trainer.max_epochs=3",
                             "logger=none",
                             output_dir=out)  # fmt: skip
        runs[model] = (zoo.train(cfg).metrics, out)
    return folder, runs


TINY_RNN = ["model=rnn", "data=co2", "trainer.max_epochs=1", "model.hidden_size=8",
            "model.ensemble_size=1", "logger=none"]  # fmt: skip


@pytest.fixture(scope="session")
def rnn_checkpoint(tmp_path_factory):
    """A tiny forecaster's checkpoint, with intervals and its frequency."""
    out = tmp_path_factory.mktemp("rnn") / "run"
    zoo.train(compose_config(*TINY_RNN, output_dir=out))
    return out / "checkpoints" / "last.ckpt"
