"""Forecast the next `horizon` values of a series with a trained RNN checkpoint.

    python scripts/forecast.py CHECKPOINT --series co2 --out co2_forecast.csv
    python scripts/forecast.py CHECKPOINT --csv sales.csv --column units --date-column month

Writes the forecast as CSV and a plot of history and forecast beside it (same name, .png).
Existing files are never overwritten.
"""

import argparse
import sys
from pathlib import Path

from zoo.data import SOURCES, read_csv_series
from zoo.errors import ZooError
from zoo.forecast import forecast_series, write_forecast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path, help="a .ckpt written by model=rnn training")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--series", choices=sorted(SOURCES), help="a built-in series")
    source.add_argument("--csv", type=Path, help="a CSV file holding the series")
    parser.add_argument("--column", help="the CSV column of values")
    parser.add_argument("--date-column", help="the CSV column of dates (optional)")
    parser.add_argument("--fill", choices=["interpolate", "ffill"], help="fill gaps in the CSV")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("forecast.csv"),
        help="CSV to write (default: forecast.csv); the plot goes beside it",
    )
    args = parser.parse_args()
    try:
        if args.csv:
            if not args.column:
                parser.error("--csv needs --column")
            series = read_csv_series(args.csv, args.column, args.date_column, args.fill)
        else:
            series = SOURCES[args.series]()
        forecast = forecast_series(args.checkpoint, series)
        png = write_forecast(forecast, series, args.out)
    except ZooError as error:
        sys.exit(f"error: {error}")
    print(forecast.to_string())
    print(f"wrote {args.out} and {png}")


if __name__ == "__main__":
    main()
