"""Coverage of the RNN's conformal intervals on one synthetic series of known noise.

    python benchmarks/intervals.py [--max-epochs 6 --ensemble-size 1 --epoch-windows 5000]

A single positive monthly series (level 50, a season of 12, a slow trend, Gaussian noise of
s.d. 2) of 1,200 values: `Forecaster([RNN(...)])` fits the first 600 (its intervals calibrated
on rolling windows by a refitted network, as for any single series), then forecasts the
remaining 600 from every cutoff one step apart, reused as fitted: every one of those
windows is after all the data it trained on. Prints the coverage of the 80% and 95%
intervals over those windows (the share of truths inside), their mean width, and the width
the known noise alone would give (an oracle's: 2 x 1.2816 x 2 and 2 x 1.96 x 2).
"""

import argparse
import time

import numpy as np
import pandas as pd

from zoo.forecasting import RNN, Forecaster


def series(length: int = 1200, noise: float = 2.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    y = 50 + 0.01 * t + 5 * np.sin(2 * np.pi * t / 12) + noise * rng.standard_normal(length)
    ds = pd.date_range("1900-01-01", periods=length, freq="MS")
    return pd.DataFrame({"unique_id": "synthetic", "ds": ds, "y": y})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-epochs", type=int, default=6)
    parser.add_argument("--ensemble-size", type=int, default=1)
    parser.add_argument("--epoch-windows", type=int, default=5000)
    parser.add_argument("--horizon", type=int, default=12)
    args = parser.parse_args()
    df = series()
    start = time.perf_counter()
    settings = {k: getattr(args, k) for k in ("max_epochs", "ensemble_size", "epoch_windows")}
    fc = Forecaster([RNN(**settings)], h=args.horizon)
    fc.fit(df.iloc[:600])
    fit_s = time.perf_counter() - start
    windows = 600 - args.horizon + 1
    cv = fc.cross_validation(df, n_windows=windows, step_size=1, level=[80, 95])
    cv = cv[cv.cutoff >= df.ds.iloc[599]]  # cutoffs at or after the end of the fitted part
    print(f"fit {fit_s:.0f} s ({settings}); {len(cv.cutoff.unique())} windows")
    intervals = fc.networks_["rnn"].intervals
    print(f"intervals: {intervals.space} space, {intervals.calibration_size} scores/step")
    for level, oracle in ((80, 2 * 1.2816 * 2), (95, 2 * 1.96 * 2)):
        lo, hi = cv[f"rnn-lo-{level}"], cv[f"rnn-hi-{level}"]
        coverage = 100 * ((cv.y >= lo) & (cv.y <= hi)).mean()
        print(
            f"{level}%: coverage {coverage:.1f}%, mean width {(hi - lo).mean():.2f} "
            f"(the noise alone: {oracle:.2f})"
        )
    mae = (cv.rnn - cv.y).abs().mean()
    print(f"MAE {mae:.2f} (the noise alone: {2 * np.sqrt(2 / np.pi):.2f})")


if __name__ == "__main__":
    main()
