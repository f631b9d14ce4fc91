"""Rolling-origin backtest of a trained network and of the baselines, with intervals.

    zoo backtest CHECKPOINT --m3 monthly --step 6 --out backtest.csv
    zoo backtest CHECKPOINT sales.csv --n-windows 4 --step 6
    zoo backtest CHECKPOINT sales.csv --methods rnn SeasonalNaive Theta --refit
    zoo backtest --weights rnn-m3-monthly --m3 monthly --methods rnn rnn+Theta
    zoo backtest sales.csv --horizon 12 --methods SeasonalNaive Theta AutoETS

(In the repository, `python scripts/backtest.py` is the same command.)

For `--n-windows` cutoffs `--step` periods apart (default: the horizon), the last ending a
horizon before each series' end, every method forecasts each series from the values
before the cutoff alone. Writes the long-format result as statsforecast's and
neuralforecast's cross_validation do (unique_id, ds, cutoff, y, one column per method and
its `<method>-lo-80`... interval bounds; never overwriting a file) and prints a summary per
method: sMAPE, MASE, and each level's coverage and mean width. Without a network (no
CHECKPOINT or --weights) only the baselines run, and --horizon says the window length.

The network is reused as trained unless --refit, which trains it anew on the data before
each cutoff (a whole training per cutoff) with the network settings the checkpoint records
and the rnn_csv recipe (nothing of the run folder's config is read). Cutoffs inside its own
training data give it in-sample forecasts, which a reused network has seen: on M3, only
the test part lies after the training parts. Intervals: the network's are the conformal
intervals it carries (calibrated on its validation forecasts, or a refitted network's);
each baseline's are calibrated by its own backtest on the values before the first cutoff.
The RNN + Theta hybrid (rnn+Theta: the mean of the network's and Theta's forecasts, see
docs/m3.md) gets intervals that way only with --refit (the reused network has trained on
those windows).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.commands.cli import one_line_errors
from zoo.commands.forecast import DATA_HELP, add_data_arguments, load_forecaster, load_series
from zoo.commands.outputs import check_outputs, prog

METHODS = ("rnn", "rnn+Theta", "SeasonalNaive", "Theta", "AutoETS")


@one_line_errors()
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=prog("backtest"),
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="[CHECKPOINT] [DATA]",
        help=f"a .ckpt written by model=rnn training (for rnn methods), then {DATA_HELP}",
    )
    parser.add_argument("--weights", metavar="NAME", help="shipped weights in place of CHECKPOINT")
    add_data_arguments(parser)
    parser.add_argument("--methods", nargs="+", choices=METHODS)
    parser.add_argument("--horizon", type=int, help="without a network: periods per window")
    parser.add_argument("--season-length", type=int, help="without a network (default: dates)")
    parser.add_argument("--n-windows", type=int, default=3)
    parser.add_argument("--step", type=int, help="periods between cutoffs (default: horizon)")
    parser.add_argument("--levels", nargs="*", type=float, default=[80, 95])
    parser.add_argument("--refit", action="store_true", help="retrain the network per cutoff")
    parser.add_argument("--out", type=Path, default=Path("backtest.csv"))
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    paths = list(args.paths)
    checkpoint = paths.pop(0) if paths and paths[0].suffix == ".ckpt" else None
    if len(paths) > 1 or (checkpoint and args.weights):
        parser.error("give at most a checkpoint (or --weights NAME) and one data file")
    data = paths[0] if paths else None
    if (data is None) == (args.m3 is None):
        parser.error("give exactly one of DATA or --m3 GROUP")
    network = checkpoint is not None or args.weights is not None
    methods = args.methods or (["rnn", "SeasonalNaive"] if network else ["SeasonalNaive", "Theta"])
    if not network and {"rnn", "rnn+Theta"} & set(methods):
        parser.error("the rnn methods need a CHECKPOINT or --weights NAME")
    if not network and not args.horizon:
        parser.error("without a network, give --horizon N")
    check_outputs(args.out)
    result = run_backtest(args, checkpoint, data, methods)
    from zoo.files import write_file

    write_file(args.out, lambda f: result.frame.to_csv(f, index=False))
    print(result.summary.round(3).to_string())
    print(f"wrote {args.out}: {len(result.frame):,} rows")


def run_backtest(args, checkpoint, data, methods):
    """The backtest `args` ask for: `Forecaster.backtest`, the one behind the Python API's
    `cross_validation`, over the network and the baselines named in `methods`."""
    from zoo.forecasting import Forecaster
    from zoo.forecasting.models import MODELS

    panel = load_series(args, data)
    baselines = [MODELS[name]() for name in methods if name not in ("rnn", "rnn+Theta")]
    if checkpoint is not None or args.weights:
        fc = load_forecaster(checkpoint, args.weights, baselines)
        if not {"rnn", "rnn+Theta"} & set(methods):  # the network gave h and season only
            fc = Forecaster(baselines, fc.h, season_length=fc.season_length_)
    else:
        fc = Forecaster(baselines, args.horizon, season_length=args.season_length)
    return fc.backtest(
        panel,
        args.n_windows,
        args.step,
        args.levels,
        args.refit,
        hybrid="rnn+Theta" in methods,
        progress=not args.quiet,
    )
