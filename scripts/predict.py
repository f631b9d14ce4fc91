"""Classify digit images with a trained MNIST checkpoint:

    python scripts/predict.py CHECKPOINT digit.png more/ [--csv predictions.csv]

Images may be PNG or JPEG of any size, or folders of them. Each is read as grayscale,
resized to 28x28 and scaled to [0, 1]; the checkpoint normalises it as in training. MNIST
digits are white on black: mostly light images (dark ink on paper) are inverted, unless
--invert or --no-invert says otherwise.
"""

import argparse
import csv
import sys
from pathlib import Path

import torch

import zoo
from zoo.images import load_digits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("images", nargs="+", help="image files or folders")
    parser.add_argument("--csv", type=Path, help="also write predictions here (not overwritten)")
    parser.add_argument(
        "--invert",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force (or forbid) inverting; default: invert light images",
    )
    args = parser.parse_args()
    try:
        if args.csv and args.csv.exists():
            raise zoo.ConfigError(
                f"{args.csv} exists; choose another --csv (nothing was overwritten)"
            )
        task = zoo.load_task(args.checkpoint)
        if not hasattr(task, "probabilities"):
            raise zoo.ConfigError(f"{args.checkpoint} is not a classifier checkpoint")
        files, images = load_digits(args.images, invert=args.invert)
    except zoo.ZooError as error:
        sys.exit(f"error: {error}")
    with torch.no_grad():
        probabilities = task.probabilities(task(images))
    names = task.hparams.class_names or [str(i) for i in range(probabilities.shape[1])]
    rows = []
    for path, p in zip(files, probabilities, strict=True):
        best = int(p.argmax())
        rows.append([str(path), names[best], *(f"{v:.4f}" for v in p.tolist())])
        print(f"{path}: {names[best]} ({p[best]:.1%})")
    if args.csv:
        with args.csv.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["file", "prediction", *(f"p_{n}" for n in names)])
            writer.writerows(rows)
        print(f"wrote {args.csv}")


if __name__ == "__main__":
    main()
