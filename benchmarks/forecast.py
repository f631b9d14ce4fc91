"""RNN forecasts of the four real series against seasonal naive and ETS, measured together.

    python benchmarks/forecast.py [--series co2,elnino] [--seeds 1] [override ...]

For each series the test period (the last 24 values, 22 sunspot years) is held out; every
method sees only what precedes it. Prints MASE per method and the RNN's training seconds.
Extra arguments are Hydra overrides for the RNN runs (e.g. model.cell=lstm).
"""

import argparse
import itertools
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import zoo
from zoo.configs import compose_config
from zoo.data import SOURCES

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"
SERIES = ["sunspots", "co2", "elec_equip", "elnino"]


def seasonal_naive(history: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """The last observed season, repeated over the horizon."""
    steps = np.arange(horizon)
    return history[len(history) - season + steps % season]


def best_ets(history: np.ndarray, horizon: int, season: int) -> tuple[np.ndarray, str]:
    """statsmodels' ETS, every error/trend/seasonal form that fits, best by AIC."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    best = (np.inf, None, "")
    positive = (history > 0).all()
    for error, trend, damped, seasonal in itertools.product(
        ["add", "mul"], [None, "add"], [False, True], [None, "add", "mul"]
    ):
        if (damped and trend is None) or (not positive and "mul" in (error, seasonal)):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = ETSModel(
                    history,
                    error=error,
                    trend=trend,
                    damped_trend=damped,
                    seasonal=seasonal,
                    seasonal_periods=season if seasonal else None,
                ).fit(disp=False)
            except Exception:
                continue
        if np.isfinite(fit.aic) and fit.aic < best[0]:
            name = (
                f"{error[0].upper()},{(trend or 'n')[0].upper()}{'d' if damped else ''},"
                f"{(seasonal or 'n')[0].upper()}"
            )
            best = (fit.aic, fit.forecast(horizon), name)
    return np.asarray(best[1]), best[2]


def mase(forecast: np.ndarray, truth: np.ndarray, history: np.ndarray, season: int) -> float:
    scale = np.abs(history[season:] - history[:-season]).mean()
    return float(np.abs(forecast - truth).mean() / scale)


def rnn_mase(series: str, seeds: int, overrides: list[str]) -> tuple[float, float]:
    """Test MASE of the default RNN (mean over `seeds` runs) and mean training seconds."""
    scores, seconds = [], []
    for seed in range(seeds):
        with tempfile.TemporaryDirectory() as out:
            cfg = compose_config(
                CONF_DIR,
                [
                    "model=rnn",
                    f"data={series}",
                    f"seed={seed}",
                    f"output_dir={out}",
                    "quiet=true",
                    "logger=none",
                    *overrides,
                ],
            )
            start = time.perf_counter()
            metrics = zoo.train(cfg)
            seconds.append(time.perf_counter() - start)
            scores.append(metrics["test/mase"])
    return float(np.mean(scores)), float(np.mean(seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--series",
        default=",".join(SERIES),
        help=f"comma-separated, from {','.join(SERIES)} (default: all)",
    )
    parser.add_argument("--seeds", type=int, default=1, help="RNN runs averaged per series")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for the RNN runs")
    args = parser.parse_args()
    unknown = set(args.series.split(",")) - set(SERIES)
    if unknown:
        parser.error(
            f"unknown series {', '.join(sorted(unknown))}; choose from {', '.join(SERIES)}"
        )

    rows = []
    for series in args.series.split(","):
        data_cfg = compose_config(CONF_DIR, [f"data={series}", "model=rnn"]).data
        values = SOURCES[series]().to_numpy()
        h, m = data_cfg.test_size, data_cfg.season_length
        history, truth = values[:-h], values[-h:]
        naive = mase(seasonal_naive(history, h, m), truth, history, m)
        ets_forecast, ets_form = best_ets(history, h, m)
        ets = mase(ets_forecast, truth, history, m)
        rnn, seconds = rnn_mase(series, args.seeds, args.overrides)
        rows.append((series, h, m, naive, ets, ets_form, rnn, seconds))
        print(
            f"{series:<11} naive {naive:.3f}  ETS({ets_form}) {ets:.3f}  RNN {rnn:.3f}  "
            f"({seconds:.1f} s)",
            flush=True,
        )

    print(
        "\n| series | held out | season | seasonal naive MASE | ETS MASE (form) "
        "| RNN MASE | RNN train s |"
    )
    print("|---|---|---|---|---|---|---|")
    for series, h, m, naive, ets, form, rnn, seconds in rows:
        print(
            f"| {series} | {h} | {m} | {naive:.2f} | {ets:.2f} ({form}) | {rnn:.2f} "
            f"| {seconds:.0f} |"
        )
    means = np.mean([[r[3], r[4], r[6]] for r in rows], axis=0)
    print(f"| mean | | | {means[0]:.2f} | {means[1]:.2f} | {means[2]:.2f} | |")
    beats_naive = all(r[6] < r[3] for r in rows)
    print(
        f"RNN below seasonal naive on every series: {beats_naive}; "
        f"mean RNN/ETS MASE ratio: {means[2] / means[1]:.2f}"
    )


if __name__ == "__main__":
    main()
