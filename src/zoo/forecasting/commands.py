"""The forecasting command lines (`scripts/forecast.py`, `scripts/backtest.py`) over the
Python API: each reads its arguments, checks every output before the work, and calls
`Forecaster` and `backtest`, so the CLI and the API write the same frames."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from zoo.errors import ConfigError, ZooError

DATA_HELP = "a CSV or Parquet file in long format (unique_id, ds, y)"


def refuse_existing(*paths: Path) -> None:
    """Nothing a user wrote is overwritten, no output overwrites another, and every output
    can be written: checked before any work, naming the path."""
    seen = set()
    for path in paths:
        resolved = path.resolve()
        if resolved in seen:
            raise ConfigError(f"two outputs of this command would be {path}; choose another --out")
        seen.add(resolved)
        if path.exists():
            raise ConfigError(f"{path} exists; choose another --out (nothing was overwritten)")
        parent = next((p for p in [resolved, *resolved.parents][1:] if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK):
            raise ConfigError(f"cannot write {path}: {parent} is not a writable folder")


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--m3", metavar="GROUP", help="an M3 group's training parts")
    parser.add_argument("--id-column", default="unique_id", help="'' for a single series")
    parser.add_argument("--time-column", default="ds", help="'' for rows in time order")
    parser.add_argument("--value-column", default="y")
    parser.add_argument("--fill", choices=["interpolate", "ffill"], help="fill missing values")


def load_series(args, data: Path | None):
    """The panel that `args` name: a file, an M3 group or a built-in series."""
    from zoo.forecasting.panel import CLI_OPTIONS, Panel, panel_from_frame, read_long_frame
    from zoo.forecasting.sources import SOURCES, m3_panel

    if data is not None:
        return panel_from_frame(
            read_long_frame(data),
            args.id_column or None,
            args.time_column or None,
            args.value_column,
            source=str(data),
            fill=args.fill,
            options=CLI_OPTIONS,
        )
    if args.m3:
        return m3_panel(args.m3, "train")
    if getattr(args, "series", None) not in SOURCES:
        raise ConfigError(f"unknown series {args.series!r}; choose one of: {', '.join(SOURCES)}")
    return Panel.from_series(SOURCES[args.series](), args.series)


def load_forecaster(checkpoint: Path | None, weights: str | None):
    from zoo.forecasting.estimator import Forecaster

    if weights:
        return Forecaster.from_weights(weights)
    return Forecaster.from_checkpoint(checkpoint)


def forecast_main(argv: list[str] | None = None, doc: str = "") -> None:
    parser = argparse.ArgumentParser(
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s (CHECKPOINT | --weights NAME) [DATA | --m3 GROUP | --series NAME] ...",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="[CHECKPOINT] [DATA]",
        help=f"a .ckpt written by model=rnn training (unless --weights), then {DATA_HELP}",
    )
    parser.add_argument("--weights", metavar="NAME", help="shipped weights, e.g. rnn-m3-monthly")
    parser.add_argument("--series", help="forecast a built-in series (co2, sunspots, ...)")
    add_data_arguments(parser)
    parser.add_argument("--out", type=Path, default=Path("forecasts.csv"), help="CSV to write")
    parser.add_argument("--plot", nargs="+", metavar="ID", help="series to plot (default: a few)")
    parser.add_argument(
        "--levels", nargs="*", type=float, help="interval levels (default: all stored)"
    )
    parser.add_argument(
        "--hybrid", action="store_true", help="average with Theta (no intervals; see above)"
    )
    parser.add_argument(
        "--force-freq", action="store_true", help="forecast series of another frequency"
    )
    args = parser.parse_args(argv)
    if args.weights:
        if any(p.suffix == ".ckpt" for p in args.paths) or len(args.paths) > 1:
            parser.error("give a checkpoint or --weights NAME, not both")
        checkpoint, data = None, (args.paths or [None])[0]
    elif not args.paths or len(args.paths) > 2:
        parser.error("give a checkpoint (or --weights NAME), then at most one data file")
    else:
        checkpoint, data = args.paths[0], (args.paths[1:] or [None])[0]
    if sum(x is not None for x in (data, args.m3, args.series)) != 1:
        parser.error("give exactly one of DATA, --m3 GROUP or --series NAME")
    try:
        from zoo.forecasting.plotting import plot_forecasts

        png = args.out.with_suffix(".png")
        refuse_existing(args.out, png)
        fc = load_forecaster(checkpoint, args.weights)
        panel = load_series(args, data)
        levels = args.levels if args.levels is not None else (fc.intervals and fc.intervals.levels)
        frame = fc.predict(
            panel,
            level=None if args.hybrid else levels,
            hybrid=args.hybrid,
            force_freq=args.force_freq,
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(args.out, index=False)
        shown = args.plot or [str(i) for i in panel.ids[:: max(1, len(panel) // 6)][:6]]
        plot_forecasts(panel, frame, shown, png)
    except ZooError as error:
        sys.exit(f"error: {error}")
    short = int((panel.lengths < fc.network.min_input_length).sum())
    print(
        f"forecast {len(panel)} series, {fc.horizon} steps each"
        + (" (RNN + Theta hybrid)" if args.hybrid else "")
        + (f" ({short} too short for the network: its seasonal-naive fallback)" if short else "")
    )
    if not args.hybrid and not levels:
        print("no intervals: the network carries none")
    print(f"wrote {args.out} and {png}")


METHODS = ("rnn", "rnn+Theta", "SeasonalNaive", "Theta", "AutoETS")


def backtest_main(argv: list[str] | None = None, doc: str = "") -> None:
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
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
    try:
        refuse_existing(args.out)
        result = run_backtest(args, checkpoint, data, methods)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        result.frame.to_csv(args.out, index=False)
    except ZooError as error:
        sys.exit(f"error: {error}")
    print(result.summary.round(3).to_string())
    print(f"wrote {args.out}: {len(result.frame):,} rows")


def run_backtest(args, checkpoint, data, methods):
    from zoo.forecasting.backtest import backtest, backtest_cutoffs, calibrate
    from zoo.forecasting.forecasters import HybridForecaster, baseline_forecaster
    from zoo.forecasting.frequency import season_length_for
    from zoo.forecasting.intervals import check_levels

    levels = check_levels(args.levels)
    panel = load_series(args, data)
    if checkpoint is not None or args.weights:
        fc = load_forecaster(checkpoint, args.weights)
        horizon, season = fc.horizon, fc.season_length
        network = fc.forecaster(refit=args.refit)
    else:
        fc, network = None, None
        horizon = args.horizon
        season = season_length_for(panel.step, args.season_length, "the data")
    forecasters = {}
    for name in methods:
        if name == "rnn":
            forecasters[name] = network
        elif name == "rnn+Theta":
            forecasters[name] = HybridForecaster(network, season)
        else:
            forecasters[name] = baseline_forecaster(name, season)
    intervals = {}
    if levels:
        step = args.step or horizon
        first = backtest_cutoffs(panel.lengths, horizon, args.n_windows, step)[:, 0]
        before = panel.split_at(first)[0]
        for name, forecaster in forecasters.items():
            if name == "rnn+Theta" and not args.refit:
                print(
                    "no intervals for rnn+Theta without --refit: the reused network has "
                    "trained on the calibration windows, so they would be too narrow",
                    file=sys.stderr,
                )
            elif name == "rnn" and not args.refit:
                if fc.intervals is None:
                    print("the network carries no intervals: none for rnn", file=sys.stderr)
                else:
                    intervals[name] = fc.intervals.select(
                        [lv for lv in levels if lv in fc.intervals.levels] or fc.intervals.levels
                    )
            else:
                try:
                    intervals[name] = calibrate(
                        forecaster, before, horizon, season, step=step, levels=levels
                    )
                except ConfigError as error:
                    print(f"no intervals for {name}: {error}", file=sys.stderr)
    return backtest(
        panel,
        forecasters,
        horizon,
        season,
        args.n_windows,
        args.step,
        intervals,
        progress=not args.quiet,
    )
