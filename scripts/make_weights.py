"""Regenerate zoo's shipped weights from their recipes and check them against their cards.

    python scripts/make_weights.py [ID ...] --data-root DIR  # train, export, measure, write
    python scripts/make_weights.py rnn.m3-monthly            # one entry (no MNIST needed)
    python scripts/make_weights.py cnn.mnist --from-run outputs/cnn_mnist/RUN --data-root DIR
    python scripts/make_weights.py --check --data-root DIR   # measure the shipped files only
    python scripts/make_weights.py --show cnn.mnist          # print a model card

IDs are those of `zoo.list_weights()` (default: all): the entries each model's module
declares (`CNN_Weights` in src/zoo/models/cnn.py...). Each entry is trained by an ordinary
run of its recipe, `python scripts/train.py <recipe> hydra.run.dir=RUN quiet=true`, kept in
--runs; the checkpoint its card names (the one the run tested, or the last) is exported to
src/zoo/pretrained/<model>-<name>.safetensors with its card <model>-<name>.json. Its test
figures are measured in float32 for the checkpoint and for each storage dtype; the entry's
dtype (float16 for most) is kept only where they hold, float32 otherwise. The new figures
are checked against the entry's targets and the previous card; the exit status is 1 if a
target is missed or a figure moved beyond its tolerance (the files are written anyway).

Slow: minutes per MNIST entry on a CPU (the CNN about 10), about 10 minutes of two cores for
the M3 forecaster. MNIST entries need --data-root (or $ZOO_DATA_ROOT) holding MNIST/raw/.
The work is done by weights_tooling.py beside this script (build tooling: not in the package).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_FILE_BYTES = 2 * 1024 * 1024


def train(weights, data_root, run_dir: Path, overrides: list[str]) -> None:
    """One ordinary run of the entry's recipe, its log kept beside it."""
    root = [f"data.root={data_root}"] if weights.evaluation == "mnist" else []
    arguments = [*weights.recipe, *root, f"hydra.run.dir={run_dir}", "quiet=true", *overrides]
    print(f"$ python scripts/train.py {' '.join(arguments)}", flush=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with (run_dir / "train.log").open("w") as log:
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "train.py"), *arguments],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if result.returncode != 0:
        sys.exit(f"error: training {weights.id} failed; see {run_dir / 'train.log'}")
    print(f"  trained in {time.perf_counter() - start:.0f} s", flush=True)


def make(ids, args) -> list[str]:
    from weights_tooling import export_run, missed_targets, moved_figures

    from zoo.models import get_weights

    problems = []
    for id in ids:
        weights = get_weights(id)
        previous = json.loads(weights.card_path.read_text()) if weights.available else {}
        if args.from_run:
            run_dir = Path(args.from_run)
        else:
            stamp = time.strftime("%Y-%m-%d_%H-%M-%S")
            run_dir = args.runs.resolve() / weights.stem / stamp
            train(weights, args.data_root, run_dir, args.override)
        card = export_run(weights, run_dir, args.out, args.data_root)
        print(
            f"  wrote {args.out / card['file']} ({card['file_size']:,} bytes, "
            f"{card['storage_dtype']}) and its card",
            flush=True,
        )
        problems += missed_targets(weights, card["metrics"])
        problems += moved_figures(weights, card["metrics"], previous)
        if card["file_size"] > MAX_FILE_BYTES:
            problems.append(f"{weights.id}: {card['file_size']:,} bytes, over 2 MiB")
    return problems


def check(ids, data_root) -> list[str]:
    """Measure the shipped files and compare with their cards."""
    from weights_tooling import REPRODUCES, measure, missed_targets

    from zoo.models import get_weights

    problems = []
    for id in ids:
        weights = get_weights(id)
        if not weights.available:
            print(f"{id}: not built ({weights.regenerate})")
            continue
        card = weights.meta["metrics"]
        figures = measure(weights, weights.build(), weights.transforms(), data_root)
        for name, value in card.items():
            ok = abs(figures[name] - value) <= REPRODUCES.get(name, 1e-6)
            print(
                f"{id}: {name} {figures[name]:.4f} (card {value:.4f}) {'ok' if ok else 'DIFFERS'}"
            )
            if not ok:
                problems.append(f"{id}: {name} {figures[name]:.4f}, card {value:.4f}")
        problems += missed_targets(weights, figures)
    return problems


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))  # this checkout's zoo, installed or not
    sys.path.insert(0, str(ROOT / "scripts"))  # weights_tooling, when run other than as a script
    from zoo.models import WEIGHTS_DIR, get_weights, list_weights

    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("ids", nargs="*", help=f"default: all ({', '.join(list_weights())})")
    parser.add_argument("--data-root", default=os.environ.get("ZOO_DATA_ROOT"))
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="where the files go")
    parser.add_argument("--runs", type=Path, default=ROOT / "outputs" / "make_weights")
    parser.add_argument("--from-run", help="export this run folder instead of training")
    parser.add_argument("--check", action="store_true", help="measure the shipped files only")
    parser.add_argument("--show", action="store_true", help="print the model cards")
    parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a training override beyond the recipe (trials only: needs --out elsewhere)",
    )
    args = parser.parse_args()
    ids = [get_weights(i).id for i in args.ids] or list_weights()
    if args.show:
        for id in ids:
            weights = get_weights(id)
            print(weights.card() if weights.available else f"{id}: not built\n")
        return
    needs_mnist = any(get_weights(i).evaluation == "mnist" for i in ids)
    if needs_mnist and not args.data_root:
        parser.error("MNIST entries need --data-root DIR (holding MNIST/raw/) or $ZOO_DATA_ROOT")
    if args.from_run and len(ids) != 1:
        parser.error("--from-run exports one entry: name its id")
    if args.override and args.out.resolve() == WEIGHTS_DIR.resolve():
        parser.error("--override changes the recipe: write elsewhere with --out DIR")

    from zoo.errors import ZooError

    try:
        problems = check(ids, args.data_root) if args.check else make(ids, args)
    except ZooError as error:
        sys.exit(f"error: {error}")
    for line in problems:
        print(f"PROBLEM {line}")
    if not args.check:
        print("cards: python scripts/make_weights.py --show " + " ".join(ids))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
