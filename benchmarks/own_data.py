"""Your own data against zoo's own: image folders and tables, as a user would bring them.

    python benchmarks/own_data.py [--data-root ../shared/data] [--parts mnist,digits,tables]
        [--seeds 1] [--smoke]

In one run, on this machine (its CPU named from lscpu), every training a whole
`python scripts/train.py ...` process timed from launch to exit, figures from its
metrics.json:
1. mnist: MNIST written as PNG files in the ImageFolder layout (train/<digit>/, test/<digit>/,
   from torchvision's files under --data-root, never downloaded) into a temporary folder;
   `model=cnn data=images` (recipe cnn_images, the MNIST recipe) against `model=cnn
   data=mnist`, validation 5,000 of the 60,000 training images in both: test accuracy
   (target: the same, >= 99.5%), whole-process seconds and their ratio (target <= 1.2).
2. digits: scikit-learn's digits (8x8, 1,797 images) written as PNG class folders;
   `model=cnn data=images`, test accuracy (target >= 97%).
3. tables: scikit-learn's breast-cancer and wine tables written as CSV files; `model=mlp`
   and `model=perceptron` with `data=table`, against scikit-learn's LogisticRegression
   (standardised features) fitted on the same training rows and scored on the same test rows
   (zoo.data.TableData's split): target, the MLP at least as accurate and the perceptron
   within 3 points.
--smoke writes 30 MNIST images per digit and trains one epoch everywhere: it checks that the
script runs, not the targets. Needs scikit-learn (in the [dev] extra).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TRAIN = [sys.executable, str(ROOT / "scripts" / "train.py")]
MNIST_VAL_FRACTION = 5_000 / 60_000  # data=mnist's val_size, as a fraction


def cpu_name() -> str:
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    except OSError:
        return "unknown (no lscpu)"
    return next((line.split(":", 1)[1].strip() for line in lines if "Model name" in line), "?")


def train(overrides: list[str], folder: Path) -> tuple[float, dict]:
    """(whole-process seconds, metrics.json) of one `scripts/train.py` run into `folder`."""
    start = time.perf_counter()
    result = subprocess.run(
        [*TRAIN, *overrides, f"hydra.run.dir={folder}", "quiet=true"],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(overrides)}\n{result.stderr[-3000:]}")
    return seconds, json.loads((folder / "metrics.json").read_text())


def write_pngs(images: np.ndarray, labels: np.ndarray, folder: Path, start: int = 0) -> None:
    """uint8 images (N, H, W) as folder/<label>/<index>.png."""
    from PIL import Image

    for label in np.unique(labels):
        (folder / str(label)).mkdir(parents=True, exist_ok=True)
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        Image.fromarray(image).save(folder / str(label) / f"{start + i:05d}.png")


def mnist_part(data_root: str, seeds: int, smoke: bool, work: Path) -> list[str]:
    from torchvision.datasets import MNIST

    folder = work / "mnist_png"
    start = time.perf_counter()
    counts = {}
    for part, train_split in (("train", True), ("test", False)):
        dataset = MNIST(data_root, train=train_split, download=False)
        images, labels = dataset.data.numpy(), dataset.targets.numpy()
        if smoke:  # 30 of each digit
            keep = np.concatenate([np.flatnonzero(labels == d)[:30] for d in range(10)])
            images, labels = images[keep], labels[keep]
        write_pngs(images, labels, folder / part)
        counts[part] = len(images)
    written = time.perf_counter() - start
    quick = ["trainer.max_epochs=1"] if smoke else []
    rows = []
    for seed in range(seeds):
        common = ["model=cnn", f"seed={seed}", *quick]
        images_s, images_m = train(
            [*common, "data=images", f"data.root={folder}",
             f"data.val_fraction={MNIST_VAL_FRACTION}"], work / f"images{seed}",
        )  # fmt: skip
        mnist_s, mnist_m = train(
            [*common, "data=mnist", f"data.root={data_root}", "data.download=false"],
            work / f"mnist{seed}",
        )
        rows.append((seed, images_s, images_m, mnist_s, mnist_m))
    lines = [
        f"MNIST as PNG files (train/<digit>/, test/<digit>/): {counts['train']:,} + "
        f"{counts['test']:,} written in {written:.1f} s",
        "| seed | data=images test acc | s (fit s) | data=mnist test acc | s (fit s) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for seed, images_s, images_m, mnist_s, mnist_m in rows:
        lines.append(
            f"| {seed} | {images_m['test/acc']:.4f} | {images_s:.1f} "
            f"({images_m['time/fit_s']:.1f}) | {mnist_m['test/acc']:.4f} | {mnist_s:.1f} "
            f"({mnist_m['time/fit_s']:.1f}) | {images_s / mnist_s:.3f} |"
        )
    if seeds > 1:
        ratio = statistics.median(r[1] for r in rows) / statistics.median(r[3] for r in rows)
        lines.append(f"ratio of the medians: {ratio:.3f} (target <= 1.2)")
    return lines


def digits_part(seeds: int, smoke: bool, work: Path) -> list[str]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images * (255 / 16)).round().astype(np.uint8)  # 0-16 -> 0-255
    folder = work / "digits_png"
    write_pngs(images, digits.target, folder)
    quick = ["trainer.max_epochs=1"] if smoke else []
    lines = [
        "| seed | sklearn digits, model=cnn data=images: test acc | s (fit s) |",
        "|---|---|---|",
    ]
    for seed in range(seeds):
        seconds, metrics = train(
            ["model=cnn", "data=images", f"data.root={folder}", f"seed={seed}", *quick],
            work / f"digits{seed}",
        )
        lines.append(
            f"| {seed} | {metrics['test/acc']:.4f} | {seconds:.1f} ({metrics['time/fit_s']:.1f}) |"
        )
    return lines


def logistic_regression_accuracy(path: Path, seed: int) -> float:
    """scikit-learn's LogisticRegression (standardised inputs) on zoo's split of `path`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from zoo.data import TableData

    data = TableData(str(path), target="target", seed=seed)
    data.setup()
    (x_train, y_train), (x_test, y_test) = data.train_set.tensors, data.test_set.tensors
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=10_000))
    model.fit(x_train.numpy(), y_train.numpy())
    return float(model.score(x_test.numpy(), y_test.numpy()))


def tables_part(seeds: int, smoke: bool, work: Path) -> list[str]:
    from sklearn.datasets import load_breast_cancer, load_wine

    quick = ["trainer.max_epochs=1"] if smoke else []
    lines = [
        "| table | seed | LogisticRegression | MLP (s) | MLP - LR | perceptron (s) | "
        "perceptron - LR |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, load in (("breast-cancer", load_breast_cancer), ("wine", load_wine)):
        path = work / f"{name}.csv"
        load(as_frame=True).frame.to_csv(path, index=False)
        for seed in range(seeds):
            reference = logistic_regression_accuracy(path, seed)
            row = [name, str(seed), f"{reference:.4f}"]
            for model in ("mlp", "perceptron"):
                seconds, metrics = train(
                    [f"model={model}", "data=table", f"data.path={path}", "data.target=target",
                     f"seed={seed}", *quick], work / f"{name}_{model}{seed}",
                )  # fmt: skip
                accuracy = metrics["test/acc"]
                row += [f"{accuracy:.4f} ({seconds:.1f} s)", f"{100 * (accuracy - reference):+.1f}"]
            lines.append("| " + " | ".join(row) + " |")
    lines.append("targets: MLP - LR >= 0; perceptron - LR >= -3 points")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--parts", default="mnist,digits,tables")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="tiny settings: does it run?")
    args = parser.parse_args()
    parts = args.parts.split(",")
    unknown = set(parts) - {"mnist", "digits", "tables"}
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from mnist, digits, tables")
    import torch

    print(f"CPU: {cpu_name()} ({torch.get_num_threads()} threads); torch {torch.__version__}")
    with tempfile.TemporaryDirectory(prefix="zoo-own-data-") as work:
        for part in parts:
            if part == "mnist":
                lines = mnist_part(args.data_root, args.seeds, args.smoke, Path(work))
            elif part == "digits":
                lines = digits_part(args.seeds, args.smoke, Path(work))
            else:
                lines = tables_part(args.seeds, args.smoke, Path(work))
            print("\n" + "\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
