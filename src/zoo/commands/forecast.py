"""Forecast every series of a panel with a trained network's checkpoint or shipped weights.

    zoo forecast CHECKPOINT sales.csv --out forecasts.csv
    zoo forecast CHECKPOINT sales.parquet --plot store_1 store_7
    zoo forecast CHECKPOINT --m3 monthly --out m3_forecasts.csv
    zoo forecast CHECKPOINT --series co2
    zoo forecast --weights rnn-m3-monthly sales.csv   # no checkpoint needed
    zoo forecast --weights rnn-m3-monthly sales.csv --hybrid

(In the repository, `python scripts/forecast.py` is the same command.)

DATA is long format, one row per (series id, time, value): columns unique_id, ds, y unless
--id-column, --time-column and --value-column name others (--id-column '' for a file of one
series). The forecasts are written in long format as statsforecast and neuralforecast write
them (unique_id, ds, rnn, and rnn-lo-95, rnn-lo-80, rnn-hi-80, rnn-hi-95 when the network
carries conformal intervals; --levels picks some) for the `horizon` periods after each
series' last value, and a plot beside them (same name, .png) on the series' own dates: the
series given to --plot, or a grid of a few, with the interval bands. Existing files are
never overwritten, and every output is checked before the work.

--weights NAME takes a network shipped with zoo (rnn-m3-monthly: monthly series, 18
months ahead) in place of CHECKPOINT. A network refuses series it cannot serve: values <= 0
for one trained on positive series (log scaling), and dates of another frequency than it
trained on (unless --force-freq). --hybrid adds the RNN + Theta hybrid (column
rnn+Theta): the mean of the network's forecasts and statsforecast's Theta fitted on each
series (the most accurate on M3 monthly and quarterly, see docs/m3.md); it has no
intervals (the stored ones are the network's alone), so none are written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from zoo.commands.cli import one_line_errors
from zoo.commands.outputs import check_outputs, prog, write_outputs
from zoo.errors import ConfigError

DATA_HELP = "a CSV or Parquet file in long format (unique_id, ds, y)"


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--m3", metavar="GROUP", help="an M3 group's training parts")
    parser.add_argument("--id-column", default="unique_id", help="'' for a single series")
    parser.add_argument("--time-column", default="ds", help="'' for rows in time order")
    parser.add_argument("--value-column", default="y")
    parser.add_argument("--fill", choices=["interpolate", "ffill"], help="fill missing values")


def load_series(args, data: Path | None):
    """The panel that `args` name: a file, an M3 group or a built-in series."""
    from zoo.timeseries.panel import CLI_OPTIONS, Panel, panel_from_frame, read_long_frame
    from zoo.timeseries.sources import SOURCES, m3_panel

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


def load_forecaster(checkpoint: Path | None, weights: str | None, models=()):
    """The fitted Forecaster of a checkpoint or of shipped weights, beside the baseline
    `models` (no Lightning, no Hydra)."""
    from zoo.forecasting import Forecaster

    if weights:
        return Forecaster.from_weights(weights, models=models)
    return Forecaster.from_checkpoint(checkpoint, models=models)


@one_line_errors()
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog=prog("forecast"),
        description=__doc__,
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
    from zoo.forecasting import plot_forecasts

    png = args.out.with_suffix(".png")
    check_outputs(args.out, png)
    fc = load_forecaster(checkpoint, args.weights)
    panel = load_series(args, data)
    intervals = fc.networks_["rnn"].intervals
    levels = args.levels if args.levels is not None else (intervals and intervals.levels)
    frame = fc.predict(
        panel,
        level=None if args.hybrid else levels,
        hybrid=args.hybrid,
        force_freq=args.force_freq,
    )
    from zoo.files import write_file

    shown = args.plot or [str(i) for i in panel.ids[:: max(1, len(panel) // 6)][:6]]
    write_outputs(
        {
            args.out: lambda path: write_file(path, lambda f: frame.to_csv(f, index=False)),
            png: lambda path: plot_forecasts(panel, frame, shown, path, replace=False),
        }
    )
    short = int((panel.lengths < fc.networks_["rnn"].network.min_input_length).sum())
    print(
        f"forecast {len(panel)} series, {fc.h} steps each"
        + (" (RNN + Theta hybrid)" if args.hybrid else "")
        + (f" ({short} too short for the network: its seasonal-naive fallback)" if short else "")
    )
    if not args.hybrid and not levels:
        print("no intervals: the network carries none")
    print(f"wrote {args.out} and {png}")
