"""zoo's global RNN against seasonal naive, Theta and AutoETS, on M3 groups or single series.

    python benchmarks/forecast.py --data m3/monthly,co2,sunspots [--seeds 3]
                                  [--part test|validation [--windows W]] [override ...]

For each data set (`m3/GROUP` is `data=m3 data.group=GROUP`; any other name is `data=NAME`)
one RNN is trained across all its series (`model=rnn`: the config of `scripts/train.py`,
plus the Hydra overrides given), once per seed, and every method forecasts each series from
the same history. The figures are zoo.timeseries.metrics' panel means of sMAPE and MASE: the same
code for every method. Intervals: the RNN's are the conformal intervals its checkpoint
carries (calibrated on its validation forecasts), AutoETS's and Theta's are statsforecast's
own; coverage is the share of the truth inside them (%), width their mean width. The table
also gives each method's seconds. "zoo RNN + Theta" is the hybrid
(`zoo.timeseries.methods.hybrid`: the mean of each seed's RNN forecasts and the same
run's Theta forecasts; no intervals),
its forecasting seconds the RNN's plus Theta's (Theta's with its intervals, so a little more
than the hybrid alone costs). `benchmarks/m3.py` runs this on the four M3 groups.

--part validation (for choosing settings): the history is each series' training part less
its last `horizon` values, which are the truth; the test part is never read. The RNN's
run gets the values before the truth as its whole panel, so it trains as the test run
would: with data.final_fit=true on every one of them (its intervals calibrated by a
refitted network, as the test run's), with false on all but the last horizon before the
truth (its validation part, as the test run holds out its training part's last horizon);
it never sees the truth. `--windows W` scores W such folds,
fold k (k = 1 .. W, as printed) ending k - 1 horizons before the training part's end (each
with its own RNN trained on what precedes its truth), and gives each figure's mean over
them: one horizon of values is a small sample for one series. Fold 1 scores every series,
a later fold those with two horizons of history before its truth (or as much as fold 1's
shortest,
if less: M3 yearly's shortest series have room for one fold, so its later folds score fewer
series; each fold's RNN trains on every series with values before its truth); a fold weighs
in the means as many series as it scores. With more than one fold, each fold's MASE is
printed too (the RNN's the mean over seeds): a mean over folds can hide folds that
disagree. Every fold (and the test part) also gives, series by series, on how many series
the RNN's MASE (its seeds' mean) is below the better of Theta and AutoETS in that fold, and
the median difference: a panel's mean can rest on a few series' large errors.
--part test (the final scoring): the history is the whole training part and the truth the
official test part, read once, here, after all training is done.
"""

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from hydra.utils import instantiate

import zoo
from zoo.configs import CONF_DIR, compose_config
from zoo.data import PanelDataModule
from zoo.forecasting import Forecaster
from zoo.timeseries.baselines import statistical_forecasts
from zoo.timeseries.intervals import coverage_and_width
from zoo.timeseries.methods import SeasonalNaiveMethod, forecast_panel, hybrid
from zoo.timeseries.metrics import mase, panel_means, seasonal_naive_scale
from zoo.timeseries.panel import Panel

LEVELS = (80, 95)


def data_overrides(name: str) -> list[str]:
    """`m3/monthly` -> data=m3 data.group=monthly; `co2` -> data=co2."""
    if name.startswith("m3/"):
        return ["data=m3", f"data.group={name.removeprefix('m3/')}"]
    return [f"data={name}"]


def rnn_config(name: str, seed: int, output_dir: str, overrides: list[str]):
    return compose_config(
        CONF_DIR,
        [
            "model=rnn",
            *data_overrides(name),
            f"seed={seed}",
            f"output_dir={output_dir}",
            "quiet=true",
            "logger=none",
            "test=false",  # this script scores: the test part is read once, in main()
            *overrides,
        ],
    )


def train_and_forecast(cfg, history, panel=None) -> dict:
    """Train as `cfg` says (on `panel`'s series where given: a validation fold's), then
    forecast every series of `history` with the network the run keeps: the one its recipe
    tests (`test_checkpoint`: the M3 and single-series recipes the network after the
    configured epochs, `last.ckpt`, every setting, the epoch count included, chosen on the
    validation parts; the panel recipe `rnn_csv` the best epoch's by its validation loss).
    Returns the forecasts, the conformal intervals the checkpoint carries, and the training
    and forecasting seconds."""
    start = time.perf_counter()
    datamodule = None if panel is None else PanelDataModule.from_config(cfg.data, panel=panel)
    run = zoo.train(cfg, datamodule=datamodule)
    train_seconds = time.perf_counter() - start
    checkpoint = run.tested_checkpoint or Path(cfg.output_dir) / "checkpoints" / "last.ckpt"
    start = time.perf_counter()
    model = zoo.load_model(checkpoint)
    forecasts = forecast_panel(model, history)
    return {
        "forecast": forecasts,
        "train_s": train_seconds,
        "predict_s": time.perf_counter() - start,
        "intervals": Forecaster.from_checkpoint(checkpoint).networks_["rnn"].intervals,
    }


def figures(forecast, truth, scale, bounds=None) -> dict[str, float]:
    """sMAPE and MASE (panel means), and each interval level's coverage and width."""
    result = panel_means(torch.as_tensor(forecast), truth, scale)
    if bounds:
        result |= coverage_and_width(bounds, truth)
    return result


@dataclass
class Fold:
    """What the RNN trains on (None: the data set's own training part), the history every
    method forecasts from, and the truth after it (None: the test part, read after training)."""

    train: Panel | None
    history: Panel
    truth: Panel | None


def folds(
    history: Panel, horizon: int, part: str, windows: int, final_fit: bool = True
) -> list[Fold]:
    """The test part: one fold, the whole training part as history. The validation part:
    `windows` folds, the k-th (k = 1, 2, ...; the list's k - 1) each series' training part
    less its last k - 1 horizons; the fold's last horizon is the truth, the methods
    forecast from what precedes it, and the RNN's run gets what precedes it as its whole
    panel, so it trains as the test run would with the config's own `data.final_fit`
    (true: on every value, its intervals calibrated by a refitted network; false: on all
    but the last horizon before the truth, its validation part) and never sees the truth.
    The first scores every series; a later fold the series with at least two horizons of
    history before its truth, or as much as the shortest has in the first if that is less
    (M3 yearly's shortest series have room for one fold), so no fold asks a method to
    forecast from less than the first one does; its RNN trains on every series with values
    before the truth (with `final_fit` false, more than a horizon of them: its validation
    part)."""
    if part == "test":
        return [Fold(None, history, None)]
    shortest = int(history.lengths.min()) - horizon
    least = min(shortest, 2 * horizon)  # the history a scored series needs
    if shortest < 1 or (not final_fit and shortest <= horizon):
        needs = "no more than" if shortest < 1 else "too few values to hold out a horizon before"
        raise SystemExit(f"--part validation: a series has {needs} {horizon} values")
    result = []
    for k in range(windows):
        cut = history.select(history.lengths > (k + 1) * horizon)
        cut = cut.split_last(k * horizon)[0] if k else cut
        trained, truth = cut.split_last(horizon)
        scored = trained.lengths >= least  # the first fold: every series
        if not scored.any():
            raise SystemExit(
                f"--windows {windows}: fold {k + 1}: no series is long enough; ask for fewer"
            )
        before, truth = trained.select(scored), truth.select(scored)
        if not final_fit:  # the run's validation part needs more than a horizon
            trained = trained.select(trained.lengths > horizon)
        result.append(Fold(trained, before, truth))
    return result


def run_data(
    name: str,
    part: str,
    seeds: int,
    overrides: list[str],
    runs_dir: str | None = None,
    windows: int = 1,
) -> list[dict]:
    data = instantiate(rnn_config(name, 0, "unused", overrides).data)
    horizon, season = data.horizon, data.season_length
    validating = part == "validation"
    # validation: the fold's panel ends before its truth; the test part is never read
    extra = ["++data.test_part=false"] if validating else []
    rows, per_seed, per_seed_hybrid = {}, [[] for _ in range(seeds)], [[] for _ in range(seeds)]
    train_s, predict_s, sizes = [], [], []
    fold_list = folds(data.load_history(), horizon, part, windows, data.final_fit)
    for number, fold in enumerate(fold_list):
        history = fold.history
        sizes.append(len(history))
        scale = seasonal_naive_scale(history.values, history.indptr, season)
        baselines = {}
        start = time.perf_counter()
        naive = SeasonalNaiveMethod(season)(history, horizon)
        baselines["seasonal naive"] = (naive, time.perf_counter() - start, {})
        baselines |= statistical_forecasts(history, horizon, season, levels=LEVELS)
        runs = []
        fold_label, fold_named = (
            (f"-fold{number + 1}", f" fold {number + 1}/{windows} ({len(history)} series)")
            if validating
            else ("", "")
        )
        for seed in range(seeds):
            with tempfile.TemporaryDirectory() as temporary:
                label = f"{name.replace('/', '-')}-seed{seed}{fold_label}"
                out = Path(runs_dir) / label if runs_dir else temporary
                if runs_dir and Path(out).exists():
                    raise SystemExit(f"{out} exists; choose another --runs-dir")
                cfg = rnn_config(name, seed, str(out), [*overrides, *extra])
                runs.append(train_and_forecast(cfg, history, fold.train))
                trained_s = runs[-1]["train_s"]
                print(f"  {name} seed {seed}{fold_named}: trained in {trained_s:.0f} s", flush=True)
        truth_panel = fold.truth if fold.truth is not None else data.load_test_part()
        truth = truth_panel.values.view(len(truth_panel), horizon)
        for method, (values, seconds, bounds) in baselines.items():
            row = {"predict_s": seconds} | figures(values, truth, scale, bounds)
            rows.setdefault(method, []).append(row)
        theta = torch.as_tensor(baselines["Theta"][0])
        for seed, run in enumerate(runs):
            bounds = run["intervals"].bounds(run["forecast"], scale) if run["intervals"] else None
            per_seed[seed].append(figures(run["forecast"], truth, scale, bounds))
            per_seed_hybrid[seed].append(figures(hybrid(run["forecast"], theta), truth, scale))
        train_s += [run["train_s"] for run in runs]
        predict_s += [run["predict_s"] for run in runs]
        if validating and windows > 1:  # each fold's own figures: how much they differ
            rnn_mase = np.mean([seed_folds[-1]["mase"] for seed_folds in per_seed])
            shown = ", ".join(f"{m} {r[-1]['mase']:.3f}" for m, r in rows.items())
            print(f"  {name}{fold_named}: MASE {shown}, zoo RNN {rnn_mase:.3f}", flush=True)
        statistical = {m: rows[m][-1]["mase"] for m in ("Theta", "AutoETS")}
        best = min(statistical, key=statistical.get)
        print(
            f"  {name}{fold_named}: "
            + series_against(runs, baselines[best][0], truth, scale, best),
            flush=True,
        )

    table = [
        {"data": name, "method": method, "train_s": 0.0} | mean_over(fold_rows, sizes)
        for method, fold_rows in rows.items()
    ]
    seeds_label = f"{seeds} seed{'s' * (seeds > 1)}"
    seconds = {"train_s": float(np.mean(train_s)), "predict_s": float(np.mean(predict_s))}
    table.append(
        {"data": name, "method": f"zoo RNN ({seeds_label})"}
        | seconds
        | mean_and_spread([mean_over(seed_folds, sizes) for seed_folds in per_seed])
    )
    theta_s = mean_over(rows["Theta"], sizes)["predict_s"]
    seconds = seconds | {"predict_s": seconds["predict_s"] + theta_s}
    table.append(
        {"data": name, "method": f"zoo RNN + Theta ({seeds_label})"}
        | seconds
        | mean_and_spread([mean_over(seed_folds, sizes) for seed_folds in per_seed_hybrid])
    )
    return table


def series_against(runs: list[dict], other, truth, scale, other_name: str) -> str:
    """Series by series: on how many the RNN's MASE (its seeds' mean) is below `other`'s,
    and the median difference; a panel's mean MASE can rest on a few series' large errors."""
    rnn = torch.stack([mase(torch.as_tensor(run["forecast"]), truth, scale) for run in runs])
    gap = rnn.mean(0) - mase(torch.as_tensor(other), truth, scale)
    gap = gap[gap.isfinite()].double()
    if not len(gap):
        return "no series has a MASE (every in-sample seasonal-naive error is 0)"
    return (
        f"zoo RNN's MASE below {other_name}'s on {int((gap < 0).sum())} of {len(gap)} series, "
        f"median difference {gap.quantile(0.5).item():+.3f}"  # the middle two's mean if even
    )


def mean_over(rows: list[dict], sizes: list[int]) -> dict[str, float]:
    """Each figure's mean over the folds, each weighing the `sizes` series it holds (one
    fold: its own figures)."""
    return {key: float(np.average([row[key] for row in rows], weights=sizes)) for key in rows[0]}


def mean_and_spread(per_seed: list[dict]) -> dict[str, float]:
    """{key: mean over seeds, key_sd: their standard deviation} of each figure."""
    row = {}
    for key in per_seed[0]:
        values = [f[key] for f in per_seed]
        row[key], row[f"{key}_sd"] = float(np.mean(values)), float(np.std(values))
    return row


def main(default_data: str = "m3/monthly") -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=default_data, help="comma-separated data sets")
    parser.add_argument("--seeds", type=int, default=3, help="RNN trainings per data set")
    parser.add_argument("--part", choices=["validation", "test"], default="test")
    parser.add_argument(
        "--windows",
        type=int,
        default=1,
        help="--part validation: folds, each a horizon before the last (default: 1)",
    )
    parser.add_argument("--runs-dir", help="keep each RNN run's folder here (default: none)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for the RNN")
    args = parser.parse_args()
    if args.windows < 1 or (args.windows > 1 and args.part != "validation"):
        parser.error(
            "--windows takes a positive count, and more than one only with --part validation"
        )

    rows = []
    for name in args.data.split(","):
        rows += run_data(name, args.part, args.seeds, args.overrides, args.runs_dir, args.windows)
    print(f"\n{args.part} part: panel means (zoo RNN: mean ± std over seeds)")
    print_table(rows)


def print_table(rows: list[dict]) -> None:
    def cell(row: dict, key: str, digits: int) -> str:
        if key not in row:
            return ""
        spread = row.get(f"{key}_sd")
        return f"{row[key]:.{digits}f}" + (f" ± {spread:.{digits}f}" if spread else "")

    interval_keys = [f"{kind}-{level:g}" for level in LEVELS for kind in ("coverage", "width")]
    print(
        "| data | method | sMAPE | MASE | "
        + " | ".join(interval_keys)
        + " | training s | forecasting s |"
    )
    print("|---" * (6 + len(interval_keys)) + "|")
    for row in rows:
        intervals = [cell(row, key, 1) for key in interval_keys]
        accuracy = f"{cell(row, 'smape', 2)} | {cell(row, 'mase', 3)}"
        seconds = f"{row['train_s']:.0f} | {row['predict_s']:.1f}"
        intervals = " | ".join(intervals)
        print(f"| {row['data']} | {row['method']} | {accuracy} | {intervals} | {seconds} |")


if __name__ == "__main__":
    main()
