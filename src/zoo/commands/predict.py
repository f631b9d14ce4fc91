"""Classify images or table rows with a trained checkpoint, or digits with shipped weights:

    zoo predict CHECKPOINT photo.jpg more/ [--csv predictions.csv]   # an image folder's run
    zoo predict CHECKPOINT rows.csv [--csv predictions.csv]          # a table's run
    zoo predict CHECKPOINT digit.png more/                           # an MNIST run
    zoo predict --weights cnn-mnist digit.png more/

A checkpoint of a data=images run reads images (files or folders of them, PNG, JPEG...)
as its training did: its channels (gray or RGB), resized to its size. One of a data=table
run reads CSV or Parquet rows, encoded as in training: a missing column, a category
training never saw or a missing value (unless training filled them) is refused, naming
the row and column. The output gives each file or row the class name and the probability
of every class (a perceptron: its scores); --csv writes them (for a table, beside the
rows' own columns). MNIST checkpoints and --weights read digits: grayscale, resized to
28x28, scaled to [0, 1]; MNIST digits are white on black, so mostly light images (dark ink
on paper) are inverted, unless --invert or --no-invert says otherwise. --weights needs no
training and no data: `python -c "import zoo; print(zoo.list_weights())"` lists them
(cnn.mnist, ...; cnn-mnist also works); the digit ones are cnn, mlp and perceptron on mnist.
"""

import argparse
import csv
import io
import math
import sys
from pathlib import Path

import torch

import zoo
from zoo.commands.cli import one_line_errors
from zoo.commands.outputs import check_outputs, prog
from zoo.images import image_files, load_digits
from zoo.inputs import predicted_classes
from zoo.prediction import TABLE_SUFFIXES, CheckpointClassifier, read_table
from zoo.weights import DigitImages

BATCH = 256


def checkpoint_classifier(checkpoint: str) -> CheckpointClassifier:
    """The checkpoint's classifier; one that reads neither images, rows nor digits (a
    network of 2-D points) is refused."""
    classifier = CheckpointClassifier(checkpoint)
    if classifier.kind == "tensors":
        raise zoo.ConfigError(
            f"{checkpoint} reads plain tensors of shape {classifier.input_shape}, not 28x28 "
            "digit images, image files or table rows; classify images with an MNIST or "
            "data=images checkpoint (or --weights cnn-mnist), rows with a data=table one"
        )
    return classifier


def weights_classifier(name: str):
    """(class names, value names, images -> (values, classes), how a value reads) of shipped
    digit weights: softmax probabilities, or a perceptron's raw scores."""
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

    def shown(values, best: int) -> str:
        return f"score {values[best]:.2f}" if scores_only else f"{values[best]:.1%}"

    names = weights.meta["categories"] or [str(i) for i in range(10)]
    kind = "score" if scores_only else "p"
    return names, [f"{kind}_{n}" for n in names], classify, shown


@one_line_errors()
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=prog("predict"),
        description=__doc__.splitlines()[0],
        usage="%(prog)s (CHECKPOINT | --weights NAME) INPUT [INPUT ...] [options]",
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="[CHECKPOINT] INPUT",
        help="a checkpoint, then images, folders of images or table files (.csv, .parquet)",
    )
    parser.add_argument("--weights", metavar="NAME", help="shipped weights instead of a checkpoint")
    parser.add_argument("--csv", type=Path, help="also write predictions here (not overwritten)")
    parser.add_argument(
        "--invert",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="digits only: force (or forbid) inverting; default: invert light images",
    )
    args = parser.parse_args(argv)
    if args.weights:
        if any(Path(p).suffix == ".ckpt" for p in args.inputs):
            parser.error("give a checkpoint or --weights NAME, not both")
        paths = args.inputs
    elif len(args.inputs) < 2:
        parser.error("give a checkpoint and inputs, or --weights NAME and images")
    else:
        paths = args.inputs[1:]
    if args.csv:
        check_outputs(args.csv, flag="--csv")
    if args.weights:
        names, value_names, classify, shown = weights_classifier(args.weights)
        items, parts, skipped = digit_batches(paths, args.invert, classify)
    else:
        classifier = checkpoint_classifier(args.inputs[0])
        names, value_names = classifier.names, classifier.value_names
        classify, shown = classifier.classify, classifier.shown
        if classifier.kind == "table":
            items, parts, skipped = table_batches(paths, classifier)
        elif classifier.kind == "images":
            items, parts, skipped = image_batches(paths, classifier)
        else:
            items, parts, skipped = digit_batches(paths, args.invert, classify)
    for path, why in skipped:
        print(f"skipped {path}: {why}", file=sys.stderr)
    values = torch.cat([v for v, _ in parts])
    predictions = torch.cat([p for _, p in parts])
    rows = []
    for item, v, best in zip(items.labels, values, predictions.tolist(), strict=True):
        rows.append([names[best], *(f"{x:.4f}" for x in v.tolist())])
        print(f"{item}: {names[best]} ({shown(v, best)})")
    if args.csv:
        write_predictions(args.csv, items, rows, value_names)
        print(f"wrote {args.csv}")


class Items:
    """What was classified: `labels` as printed (files, or "rows.csv row 3"), and the CSV's
    leading columns (`header`, one list per item in `columns`)."""

    def __init__(self, labels: list[str], header: list[str], columns: list[list]) -> None:
        self.labels, self.header, self.columns = labels, header, columns


def digit_batches(paths, invert, classify):
    """Digits (MNIST checkpoints, --weights), classified 256 at a time."""
    files, images, skipped = load_digits(paths, invert=invert)
    with torch.no_grad():
        parts = [classify(batch) for batch in images.split(BATCH)]
    return Items(list(map(str, files)), ["file"], [[str(f)] for f in files]), parts, skipped


def image_batches(paths, classifier: CheckpointClassifier):
    """Image files read as the checkpoint's training read them, 256 at a time; unreadable
    ones skipped (named), none readable refused."""
    transform = classifier.transform
    files, parts, skipped = [], [], []
    listed = image_files(paths)
    for start in range(0, len(listed), BATCH):
        pixels = []
        for path in listed[start : start + BATCH]:
            try:
                pixels.append(transform.pixels(path))
                files.append(path)
            except zoo.DataError as error:
                skipped.append((path, str(error)))
        if pixels:
            parts.append(classifier.classify(torch.stack(pixels).float() / 255))
    if not files:
        raise zoo.DataError(f"no readable image among {len(skipped)}: {skipped[0][1]}")
    return Items(list(map(str, files)), ["file"], [[str(f)] for f in files]), parts, skipped


def table_batches(paths, classifier: CheckpointClassifier):
    """Rows of table files, encoded as in training (every problem refused by row)."""
    import pandas as pd

    labels, frames, parts = [], [], []
    for path in map(Path, paths):
        if path.suffix.lower() not in TABLE_SUFFIXES:
            raise zoo.DataError(
                f"{path} is not a table ({', '.join(TABLE_SUFFIXES)}); this checkpoint "
                "classifies table rows"
            )
        frame = read_table(path)
        raw = classifier.transform.raw(frame, str(path))
        parts += [classifier.classify(batch) for batch in raw.split(4096)]
        labels += [f"{path} row {r}" for r in range(1, len(frame) + 1)]
        frames.append(frame.assign(**{"source_file": str(path)}) if len(paths) > 1 else frame)
    frame = pd.concat(frames, ignore_index=True)
    header = [str(c) for c in frame.columns]
    return Items(labels, header, frame.astype(object).values.tolist()), parts, []


def write_predictions(path: Path, items: Items, rows: list[list], value_names: list[str]):
    """The predictions as a CSV, written whole or not at all (`zoo.files.write_file`)."""
    from zoo.files import write_file

    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([*items.header, "prediction", *value_names])
    for leading, row in zip(items.columns, rows, strict=True):
        writer.writerow([*("" if _missing(v) else v for v in leading), *row])
    write_file(path, text.getvalue())


def _missing(value) -> bool:
    return isinstance(value, float) and math.isnan(value)
