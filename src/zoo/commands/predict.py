"""Classify digit images with a trained MNIST checkpoint or with weights shipped with zoo:

    python scripts/predict.py CHECKPOINT digit.png more/ [--csv predictions.csv]
    python scripts/predict.py --weights cnn-mnist digit.png more/

Images may be PNG or JPEG of any size, or folders of them. Each is read as grayscale,
resized to 28x28 and scaled to [0, 1]; the checkpoint (or the weights' transforms)
normalises it as in training. MNIST digits are white on black: mostly light images (dark
ink on paper) are inverted, unless --invert or --no-invert says otherwise. --weights
needs no training and no data: `python -c "import zoo; print(zoo.list_weights())"` lists
them (cnn.mnist, ...; cnn-mnist also works); the digit ones are cnn, mlp and perceptron
on mnist.
"""

import argparse
import csv
import io
import math
import sys
from pathlib import Path

import torch

import zoo
from zoo.commands.outputs import check_outputs, prog
from zoo.images import load_digits
from zoo.inputs import predicted_classes
from zoo.weights import DigitImages

BATCH = 256


def checkpoint_classifier(checkpoint: str):
    """(names, images -> (probabilities, predictions)) of a classifier checkpoint."""
    task = zoo.load_task(checkpoint)
    if not hasattr(task, "probabilities"):
        raise zoo.ConfigError(f"{checkpoint} is not a classifier checkpoint")
    shape = list(task.hparams.get("input_shape") or [])
    if math.prod(shape) != 28 * 28:
        raise zoo.ConfigError(
            f"{checkpoint} reads inputs of shape {shape} (its training data's), not 28x28 "
            "digit images; classify images with an MNIST checkpoint or --weights cnn-mnist"
        )

    def classify(images):
        logits = task(images)
        return task.probabilities(logits), task.predict_classes(logits)

    names = task.hparams.class_names or [str(i) for i in range(task.num_classes)]
    return names, "p", classify


def weights_classifier(name: str):
    """The same for shipped weights: softmax probabilities, or a perceptron's raw scores."""
    weights = zoo.get_weights(name)
    if weights.transform is not DigitImages:
        raise zoo.ConfigError(
            f"weights {weights.id} do not read digit images; digit weights: "
            + ", ".join(
                w for w in zoo.list_weights() if zoo.get_weights(w).transform is DigitImages
            )
        )
    model = zoo.load_model(weights.model, weights=weights)
    transform = weights.transforms()
    scores_only = weights.output_kind == "scores"  # the perceptron's

    def classify(images):
        scores = model(transform(images))
        return (scores if scores_only else scores.softmax(dim=1)), predicted_classes(scores)

    names = weights.meta["categories"] or [str(i) for i in range(10)]
    return names, "score" if scores_only else "p", classify


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=prog("predict"),
        description=__doc__.splitlines()[0],
        usage="%(prog)s (CHECKPOINT | --weights NAME) IMAGE [IMAGE ...] [options]",
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="[CHECKPOINT] IMAGE", help="a checkpoint, then images"
    )
    parser.add_argument("--weights", metavar="NAME", help="shipped weights instead of a checkpoint")
    parser.add_argument("--csv", type=Path, help="also write predictions here (not overwritten)")
    parser.add_argument(
        "--invert",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force (or forbid) inverting; default: invert light images",
    )
    args = parser.parse_args(argv)
    if args.weights:
        if any(Path(p).suffix == ".ckpt" for p in args.inputs):
            parser.error("give a checkpoint or --weights NAME, not both")
        image_paths = args.inputs
    elif len(args.inputs) < 2:
        parser.error("give a checkpoint and images, or --weights NAME and images")
    else:
        image_paths = args.inputs[1:]
    try:
        if args.csv:
            check_outputs(args.csv, flag="--csv")
        if args.weights:
            names, kind, classify = weights_classifier(args.weights)
        else:
            names, kind, classify = checkpoint_classifier(args.inputs[0])
        files, images, skipped = load_digits(image_paths, invert=args.invert)
    except zoo.ZooError as error:
        sys.exit(f"error: {error}")
    for path, why in skipped:
        print(f"skipped {path}: {why}", file=sys.stderr)
    with torch.no_grad():  # a batch at a time: a folder of any size
        parts = [classify(batch) for batch in images.split(BATCH)]
    values = torch.cat([v for v, _ in parts])
    predictions = torch.cat([p for _, p in parts])
    rows = []
    for path, v, best in zip(files, values, predictions.tolist(), strict=True):
        rows.append([str(path), names[best], *(f"{x:.4f}" for x in v.tolist())])
        shown = f"{v[best]:.1%}" if kind == "p" else f"score {v[best]:.2f}"
        print(f"{path}: {names[best]} ({shown})")
    if args.csv:
        from zoo.files import write_file

        text = io.StringIO(newline="")
        writer = csv.writer(text)
        writer.writerow(["file", "prediction", *(f"{kind}_{n}" for n in names)])
        writer.writerows(rows)
        try:
            write_file(args.csv, text.getvalue())
        except zoo.ZooError as error:
            sys.exit(f"error: {error}")
        print(f"wrote {args.csv}")
