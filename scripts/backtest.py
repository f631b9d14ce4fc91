"""Rolling-origin backtest of a trained forecaster and of the baselines, with intervals.

    python scripts/backtest.py CHECKPOINT --m3 monthly --step 6 --out backtest.csv
    python scripts/backtest.py CHECKPOINT sales.csv --n-windows 4 --step 6
    python scripts/backtest.py CHECKPOINT sales.csv --methods rnn seasonal_naive Theta --refit
    python scripts/backtest.py CHECKPOINT --m3 monthly --step 6 --methods rnn rnn+Theta Theta

For `--n-windows` cutoffs `--step` periods apart (default: the horizon), the last ending a
horizon before each series' end, every method forecasts each series from the values
before the cutoff alone. Writes the long-format result (unique_id, cutoff, ds, y, scale,
one column per method, `<method>-lo-80`... interval bounds; never overwriting a file) and
prints a summary per method: sMAPE, MASE, and each level's coverage and mean width.

The network is reused as trained unless --refit, which trains it anew, with its run's
config, on the data before each cutoff (a whole training per cutoff). Cutoffs inside its
own training data give it in-sample forecasts, which a reused network has seen: on M3,
only the test part lies after the training parts. Intervals: the network's are the
conformal intervals its checkpoint carries (calibrated on its validation forecasts); each
baseline's are calibrated by its own backtest on the values before the first cutoff. The
RNN + Theta hybrid (rnn+Theta: the mean of the network's and Theta's forecasts, see the
README) gets intervals that way only with --refit (the reused network has trained on those
windows), and with --refit it trains a network of its own per cutoff, beside rnn's.
"""

import argparse
import sys
from pathlib import Path

METHODS = ("rnn", "rnn+Theta", "seasonal_naive", "Theta", "AutoETS")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("checkpoint", type=Path, help="a .ckpt written by model=rnn training")
    parser.add_argument("data", nargs="?", type=Path, help="a CSV or Parquet file, long format")
    parser.add_argument("--m3", metavar="GROUP", help="backtest an M3 group (training parts)")
    parser.add_argument("--id-column", default="unique_id", help="'' for a single series")
    parser.add_argument("--time-column", default="ds", help="'' for rows in time order")
    parser.add_argument("--value-column", default="y")
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=["rnn", "seasonal_naive"])
    parser.add_argument("--n-windows", type=int, default=3)
    parser.add_argument("--step", type=int, help="periods between cutoffs (default: horizon)")
    parser.add_argument("--levels", nargs="*", type=float, default=[80, 95])
    parser.add_argument("--refit", action="store_true", help="retrain the network per cutoff")
    parser.add_argument("--out", type=Path, default=Path("backtest.csv"))
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args()
    if (args.data is None) == (args.m3 is None):
        parser.error("give exactly one of DATA or --m3 GROUP")

    try:
        from zoo.errors import ZooError
    except ImportError as error:  # pragma: no cover - an installation problem
        sys.exit(f"error: {error}")
    try:
        run(args)
    except ZooError as error:
        sys.exit(f"error: {error}")


def run(args) -> None:
    import zoo
    from zoo import backtesting
    from zoo.checkpoints import load_intervals
    from zoo.data import PanelDataModule
    from zoo.forecast import refuse_existing
    from zoo.intervals import check_levels

    levels = check_levels(args.levels)
    refuse_existing(args.out)
    model = zoo.load_model(args.checkpoint)
    if not hasattr(model, "horizon"):
        raise zoo.ConfigError(f"{args.checkpoint} holds a {type(model).__name__}, not a forecaster")
    horizon, season = model.horizon, model.season_length
    if args.m3:
        panel = PanelDataModule(source="m3", group=args.m3).load_panel()
    else:
        source = "parquet" if args.data.suffix.lower() in (".parquet", ".pq") else "csv"
        panel = PanelDataModule(
            source=source,
            path=str(args.data),
            horizon=horizon,
            id_column=args.id_column or None,
            time_column=args.time_column or None,
            value_column=args.value_column,
        ).load_panel()

    network = None
    if {"rnn", "rnn+Theta"} & set(args.methods):
        network = (
            backtesting.refit_forecaster(args.checkpoint, quiet=args.quiet)
            if args.refit
            else backtesting.model_forecaster(model)
        )
    methods = {}
    for name in args.methods:
        if name == "rnn":
            methods[name] = network
        elif name == "rnn+Theta":
            methods[name] = backtesting.hybrid_forecaster(network, season)
        elif name == "seasonal_naive":
            methods[name] = backtesting.seasonal_naive_forecaster(season)
        else:
            methods[name] = backtesting.statistical_forecaster(name, season)

    intervals = {}
    if levels:
        step = args.step or horizon
        first = backtesting.backtest_cutoffs(panel.lengths, horizon, args.n_windows, step)[:, 0]
        before = panel.split_at(first)[0]
        for name, forecaster in methods.items():
            if name == "rnn+Theta" and not args.refit:
                print(
                    "no intervals for rnn+Theta without --refit: the reused network has "
                    "trained on the calibration windows, so they would be too narrow",
                    file=sys.stderr,
                )
                continue
            if name == "rnn" and not args.refit:
                stored = load_intervals(args.checkpoint)
                if stored is None:
                    print("the checkpoint carries no intervals: none for rnn", file=sys.stderr)
                    continue
                if tuple(stored.levels) != levels:
                    print(f"rnn intervals at the checkpoint's levels {stored.levels}")
                intervals[name] = stored
            else:
                try:
                    intervals[name] = backtesting.calibrate(
                        forecaster, before, horizon, season, step=step, levels=levels
                    )
                except zoo.ConfigError as error:
                    print(f"no intervals for {name}: {error}", file=sys.stderr)

    result = backtesting.backtest(
        panel,
        methods,
        horizon,
        season,
        n_windows=args.n_windows,
        step=args.step,
        intervals=intervals,
        progress=not args.quiet,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result.frame.to_csv(args.out, index=False)
    print(result.summary.round(3).to_string())
    print(f"wrote {args.out}: {len(result.frame):,} rows")


if __name__ == "__main__":
    main()
