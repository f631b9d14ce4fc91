"""Coverage of the RNN's conformal intervals for one series: a synthetic series of known
noise, and the rolling test windows of the four statsmodels series.

    python benchmarks/intervals.py [--parts synthetic,series] [--max-epochs 6
        --ensemble-size 1 --epoch-windows 5000] [--series co2,elec_equip,elnino,sunspots]
        [--windows 6] [--seed 0] [--part test|validation]

synthetic: a single positive monthly series (level 50, a season of 12, a slow trend,
Gaussian noise of s.d. 2) of 1,200 values: `Forecaster([RNN(...)])` fits the first 600 (its
intervals calibrated on rolling windows by a refitted network, as for any single series),
then forecasts the remaining 600 from every cutoff one step apart, reused as fitted: every
one of those windows is after all the data it trained on. Prints the coverage of the 80%
and 95% intervals over those windows (the share of truths inside), their mean width, and
the width the known noise alone would give (an oracle's: 2 x 1.2816 x 2 and 2 x 1.96 x 2).

series: for each statsmodels series, the single-series recipe (`RNN("rnn_single_series")`
with the series' own data settings from conf/data/<name>.yaml: horizon, input length and
season; what `zoo train model=rnn data=<name>` trains) fits all but the last
`horizon + windows - 1` values, then forecasts the last `windows` windows, one step apart,
after all it trained on (`Forecaster.backtest`). Prints each series' coverage and the
pooled coverage over every forecast value of the four, with the MASE of those windows
against seasonal naive's on the same windows (the backtest's summary: one code for both).
`--part validation` (for choosing how intervals are made) does the same on each series
less those last `horizon + windows - 1` values: windows that end where the test windows'
values begin, so the test windows are never read.
"""

import argparse
import time

import numpy as np
import pandas as pd
import torch
from own_data import cpu_name  # benchmarks/ is the script's folder, so it is on sys.path

from zoo.configs import CONF_DIR, compose_config
from zoo.forecasting import RNN, Forecaster, SeasonalNaive
from zoo.timeseries import Panel
from zoo.timeseries.intervals import coverage_and_width
from zoo.timeseries.sources import SOURCES


def series(length: int = 1200, noise: float = 2.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    y = 50 + 0.01 * t + 5 * np.sin(2 * np.pi * t / 12) + noise * rng.standard_normal(length)
    ds = pd.date_range("1900-01-01", periods=length, freq="MS")
    return pd.DataFrame({"unique_id": "synthetic", "ds": ds, "y": y})


def synthetic(args) -> None:
    df = series()
    start = time.perf_counter()
    settings = {k: getattr(args, k) for k in ("max_epochs", "ensemble_size", "epoch_windows")}
    fc = Forecaster([RNN(**settings, seed=args.seed)], h=args.horizon)
    fc.fit(df.iloc[:600])
    fit_s = time.perf_counter() - start
    windows = 600 - args.horizon + 1
    cv = fc.cross_validation(df, n_windows=windows, step_size=1, level=[80, 95])
    cv = cv[cv.cutoff >= df.ds.iloc[599]]  # cutoffs at or after the end of the fitted part
    print(f"synthetic: fit {fit_s:.0f} s ({settings}); {len(cv.cutoff.unique())} windows")
    intervals = fc.networks_["rnn"].intervals
    print(f"intervals: {intervals.space} space, {intervals.calibration_size} scores/step")
    figures = interval_figures(cv)
    for level, oracle in ((80, 2 * 1.2816 * 2), (95, 2 * 1.96 * 2)):
        print(
            f"{level}%: coverage {figures[f'coverage-{level}']:.1f}%, mean width "
            f"{figures[f'width-{level}']:.2f} (the noise alone: {oracle:.2f})"
        )
    mae = (cv.rnn - cv.y).abs().mean()
    print(f"MAE {mae:.2f} (the noise alone: {2 * np.sqrt(2 / np.pi):.2f})")


def interval_figures(cv: pd.DataFrame) -> dict[str, float]:
    """Coverage (%) and mean width of the RNN's 80% and 95% intervals in a backtest frame,
    by the code the backtest's summary and the test metrics use."""
    bounds = {
        level: tuple(torch.as_tensor(cv[f"rnn-{side}-{level}"].to_numpy()) for side in ("lo", "hi"))
        for level in (80, 95)
    }
    return coverage_and_width(bounds, torch.as_tensor(cv.y.to_numpy()))


def statsmodels_series(name: str) -> tuple[pd.DataFrame, dict]:
    """(the series as a unique_id, ds, y frame, its data settings from conf/data/)."""
    data = compose_config(CONF_DIR, ["model=rnn", f"data={name}"]).data
    frame = Panel.from_series(SOURCES[name](), name).to_frame()
    keys = ("horizon", "input_length", "season_length")
    return frame, {key: data[key] for key in keys}


def rolling_series(args) -> None:
    rows, frames = [], []
    for name in args.series.split(","):
        df, data = statsmodels_series(name)
        H, m = data["horizon"], data["season_length"]
        scored = H + args.windows - 1  # the values the windows forecast
        if args.part == "validation":  # the test windows' values are never read
            df = df.iloc[: len(df) - scored]
        fitted = df.iloc[: len(df) - scored]
        rnn = RNN("rnn_single_series", input_length=data["input_length"], seed=args.seed)
        start = time.perf_counter()
        fc = Forecaster([rnn], h=H, season_length=m).fit(fitted)
        fit_s = time.perf_counter() - start
        result = fc.backtest(df, n_windows=args.windows, step_size=1, level=[80, 95])
        assert (result.frame.cutoff >= fitted.ds.iloc[-1]).all()  # all after what it trained on
        naive = Forecaster([SeasonalNaive()], h=H, season_length=m).backtest(
            df, n_windows=args.windows, step_size=1
        )  # the same windows, scored by the same code
        rnn_row = result.summary.loc["rnn"]
        rows.append((name, fit_s, rnn_row, naive.summary.loc["SeasonalNaive", "mase"]))
        frames.append(result.frame)
    which = "last" if args.part == "test" else "validation"
    print(f"series: the {which} {args.windows} windows of each, one step apart, seed {args.seed}")
    print("| series | fit s | 80% coverage | 95% coverage | RNN MASE | seasonal naive MASE |")
    print("|---|---|---|---|---|---|")
    for name, fit_s, row, naive_mase in rows:
        print(
            f"| {name} | {fit_s:.0f} | {row['coverage-80']:.1f} | {row['coverage-95']:.1f} | "
            f"{row['mase']:.3f} | {naive_mase:.3f} |"
        )
    pooled = pd.concat(frames)  # every forecast value of every series (horizons differ)
    figures = interval_figures(pooled)
    print(
        f"| pooled ({len(pooled)} values) | | {figures['coverage-80']:.1f} | "
        f"{figures['coverage-95']:.1f} | | |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="synthetic,series")
    parser.add_argument("--max-epochs", type=int, default=6)
    parser.add_argument("--ensemble-size", type=int, default=1)
    parser.add_argument("--epoch-windows", type=int, default=5000)
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--series", default="co2,elec_equip,elnino,sunspots")
    parser.add_argument("--windows", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--part",
        choices=["test", "validation"],
        default="test",
        help="series: the last windows, or those before them (validation)",
    )
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}; torch {torch.__version__}")
    parts = args.parts.split(",")
    if "synthetic" in parts:
        synthetic(args)
    if "series" in parts:
        rolling_series(args)


if __name__ == "__main__":
    main()
