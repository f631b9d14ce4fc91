"""Forecast every series of a panel with a trained forecaster checkpoint or shipped weights.

    python scripts/forecast.py CHECKPOINT sales.csv --out forecasts.csv
    python scripts/forecast.py CHECKPOINT sales.parquet --plot store_1 store_7
    python scripts/forecast.py CHECKPOINT --m3 monthly --out m3_forecasts.csv
    python scripts/forecast.py CHECKPOINT --series co2
    python scripts/forecast.py --weights rnn-m3-monthly sales.csv   # no checkpoint needed
    python scripts/forecast.py --weights rnn-m3-monthly sales.csv --hybrid

DATA is long format, one row per (series id, time, value): columns unique_id, ds, y unless
--id-column, --time-column and --value-column name others (--id-column '' for a file of one
series). The forecasts are written in long format (unique_id, ds, forecast, and lo-80,
hi-80, lo-95, hi-95 when the checkpoint or weights carry conformal intervals) for the
`horizon` periods after each series' last value, and a plot beside them (same name, .png):
the series given to --plot, or a grid of a few, with the interval bands. Existing files are
never overwritten. --weights NAME takes a forecaster shipped with zoo (rnn-m3-monthly:
monthly series, 18 months ahead) in place of CHECKPOINT. --hybrid writes the RNN + Theta
hybrid: the mean of the network's forecasts and statsforecast's Theta fitted on each series
(the most accurate on M3 monthly and quarterly, see the README); it has no intervals (the
stored ones are the network's alone), so none are written.
"""

import argparse
import sys
from pathlib import Path

from zoo.errors import ConfigError, ZooError


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s (CHECKPOINT | --weights NAME) [DATA | --m3 GROUP | --series NAME] ...",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="[CHECKPOINT] [DATA]",
        help="a .ckpt written by model=rnn training (unless --weights), then a CSV or "
        "Parquet file in long format",
    )
    parser.add_argument("--weights", metavar="NAME", help="shipped weights, e.g. rnn-m3-monthly")
    parser.add_argument("--m3", metavar="GROUP", help="forecast an M3 group's training parts")
    parser.add_argument("--series", help="forecast a built-in series (co2, sunspots, ...)")
    parser.add_argument("--id-column", default="unique_id", help="'' for a single series")
    parser.add_argument("--time-column", default="ds", help="'' for rows in time order")
    parser.add_argument("--value-column", default="y")
    parser.add_argument("--fill", choices=["interpolate", "ffill"], help="fill missing values")
    parser.add_argument("--out", type=Path, default=Path("forecasts.csv"), help="CSV to write")
    parser.add_argument("--plot", nargs="+", metavar="ID", help="series to plot (default: a few)")
    parser.add_argument(
        "--hybrid", action="store_true", help="average with Theta (no intervals; see above)"
    )
    args = parser.parse_args()
    if args.weights:
        if any(p.suffix == ".ckpt" for p in args.paths) or len(args.paths) > 1:
            parser.error("give a checkpoint or --weights NAME, not both")
        args.checkpoint, args.data = None, (args.paths or [None])[0]
    elif not args.paths or len(args.paths) > 2:
        parser.error("give a checkpoint (or --weights NAME), then at most one data file")
    else:
        args.checkpoint, args.data = args.paths[0], (args.paths[1:] or [None])[0]
    if sum(x is not None for x in (args.data, args.m3, args.series)) != 1:
        parser.error("give exactly one of DATA, --m3 GROUP or --series NAME")

    try:
        import zoo
        from zoo.backtesting import hybrid_forecaster, model_forecaster
        from zoo.checkpoints import load_intervals
        from zoo.data import PanelDataModule
        from zoo.forecast import (
            forecast_bounds,
            forecast_frame,
            forecast_panel,
            plot_forecasts,
            refuse_existing,
        )

        png = args.out.with_suffix(".png")
        refuse_existing(args.out, png)
        if args.weights:
            weights = zoo.get_weights(args.weights)
            if weights.transform != "SeriesWindow":
                raise ConfigError(f"weights {weights.id} are not a forecaster's")
            model = zoo.load_model(weights.model, weights=weights)
            intervals = weights.intervals()
        else:
            model = zoo.load_model(args.checkpoint)
            intervals = load_intervals(args.checkpoint)
        if not hasattr(model, "horizon"):
            raise ConfigError(f"{args.checkpoint} holds a {type(model).__name__}, not a forecaster")
        if args.data:
            source = "parquet" if args.data.suffix.lower() in (".parquet", ".pq") else "csv"
            data = PanelDataModule(
                source=source,
                path=str(args.data),
                horizon=model.horizon,
                id_column=args.id_column or None,
                time_column=args.time_column or None,
                value_column=args.value_column,
                fill=args.fill,
            )
            panel = data.load_panel()  # all of it: the forecasts follow its last values
        elif args.m3:
            panel = PanelDataModule(source="m3", group=args.m3).load_panel()
        else:
            panel = PanelDataModule(source=args.series, horizon=model.horizon).load_panel()
        if args.hybrid:  # no intervals: the stored ones are the network's alone
            network = model_forecaster(model)
            forecaster = hybrid_forecaster(network, model.season_length)
            forecasts, intervals = forecaster(panel, model.horizon), None
        else:
            forecasts = forecast_panel(model, panel)
        bounds = (
            forecast_bounds(panel, forecasts, intervals, model.season_length)
            if intervals is not None
            else None
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        forecast_frame(panel, forecasts, bounds).to_csv(args.out, index=False)
        shown = args.plot or [str(i) for i in panel.ids[:: max(1, len(panel) // 6)][:6]]
        plot_forecasts(panel, forecasts, shown, png, bounds)
    except ZooError as error:
        sys.exit(f"error: {error}")
    short = int((panel.lengths < model.min_input_length).sum())
    print(
        f"forecast {len(panel)} series, {model.horizon} steps each"
        + (" (RNN + Theta hybrid)" if args.hybrid else "")
        + (f" ({short} too short for the network: its seasonal-naive fallback)" if short else "")
    )
    print(f"wrote {args.out} and {png}")


if __name__ == "__main__":
    main()
