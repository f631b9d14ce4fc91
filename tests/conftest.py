import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from zoo.configs import CONF_DIR
from zoo.configs import compose_config as compose_from

ROOT = Path(__file__).resolve().parents[1]


def compose_config(*overrides: str, output_dir: Path):
    """The config `scripts/train.py` would build, writing into `output_dir`, quietly."""
    return compose_from(CONF_DIR, [*overrides, f"output_dir={output_dir}", "quiet=true"])


@pytest.fixture
def config(tmp_path):
    """config(*overrides) -> a composed training config writing to a fresh folder in tmp_path."""
    runs = iter(range(1000))
    return lambda *overrides: compose_config(*overrides, output_dir=tmp_path / f"run{next(runs)}")


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


@dataclass
class BuiltSite:
    folder: Path  # the built site
    log: str  # what mkdocs printed
    seconds: float
    mnist: bool  # whether the pages that need MNIST ran

    def page(self, name: str) -> str:
        """The HTML of a page, by its source name ("neuron" for docs/neuron.md)."""
        return (self.folder / ("" if name == "index" else name) / "index.html").read_text()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> BuiltSite:
    """The documentation site, built once per test session as `mkdocs build --strict`
    builds it: every page's code runs (docs/hooks/execution.py), so a page whose code
    fails, or any warning, fails the build and every test that reads the site."""
    folder = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("ZOO_DATA_ROOT", None)
    if mnist := found_mnist_root():
        env["ZOO_DATA_ROOT"] = mnist
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=1500)  # fmt: skip
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{log[-6000:]}", pytrace=False)
    return BuiltSite(folder, log, time.perf_counter() - start, mnist is not None)


# -- your own data: image folders and tables ---------------------------------------------

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
