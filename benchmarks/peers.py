"""zoo's RNN beside neuralforecast's NHITS and GRU, Theta and AutoETS on an M3 group, in one run.

    pip install -e ".[bench]"       (neuralforecast; it brings Ray, so it is not in [dev])
    python benchmarks/peers.py [--group monthly|quarterly|yearly|other]
                               [--part test|validation [--windows W]] [--pad]
                               [--models rnn,rnn+intervals,NHITS,GRU,Theta,AutoETS]
                               [--precision 32-true]
                               [name=value ...]   (zoo's RNN only, e.g. hidden_size=64)

Every model trains on the official training parts of the group's series (M3 monthly,
the default: 1,428 series; a DataFrame with integer times, as M3 has) and forecasts the
group's horizon (monthly 18, quarterly and other 8, yearly 6); each is scored on the test
parts by the same code (zoo.timeseries.metrics.panel_means: sMAPE, and MASE scaled by each
series' seasonal-naive error in its training part). Training seconds are the fit's wall
clock in this process (Theta's and AutoETS's: fitting and forecasting, which they do at
once).

`--part validation --windows W` (the test parts never read): the folds of
`benchmarks/forecast.py` (see there), fold k each series' training part less its last
k - 1 horizons, its last horizon the truth; every model trains on what precedes the truth
and is scored on the fold's series, fold by fold, then the mean over folds (each fold
weighing the series it scores). The peers' figures on the same folds as zoo's. A later
fold's cut leaves some unscored series a single value: zoo's Forecaster refuses such a
series in a frame (zoo's models drop them: they give it no training window), while
neuralforecast's, padded, trains on them.

- zoo's RNN: `Forecaster([RNN("rnn_m3")], levels=())`, the M3 recipe (`zoo train
  model=rnn data=m3 data.group=G`, recipe/rnn_m3.yaml) on a frame, the group's own
  epochs and baseline included (read from the recipe), in `--precision` (default float32,
  the CPU path most users have), point forecasts only, as the peers give: one network,
  trained on every value. `rnn+intervals` is the same with the Forecaster's default
  levels (80, 95), whose conformal intervals are calibrated by a second network trained
  first on each series but its last windows (zoo.runs.training.calibrate_by_refit): the
  time a user of the default pays. `name=value` arguments set the RNN's other parameters.
- NHITS and GRU (neuralforecast): input twice the horizon (monthly 36), 1000 steps, robust
  scaler, seed 0, the rest neuralforecast's defaults (float32); not tuned on any group.
  Where a series is shorter than the input, their windows are padded at the start
  (`start_padding_enabled`), which neuralforecast otherwise refuses: every validation fold
  of monthly, quarterly and yearly, never a test part. Padding changes what they train on,
  so `--pad` pads them on the test parts too, to compare a test part with the folds.
- Theta and AutoETS (statsforecast, through zoo's Forecaster): fitted per series, no
  training. AutoETS is not in the default `--models` (about a minute on monthly).

`--part test` reads the test parts, after every model has trained: the settings of every
model were fixed before (zoo's on each group's validation part, docs/m3.md; the peers'
are the ones above).
"""

import argparse
import logging
import os
import time
import warnings

import numpy as np
import torch
import yaml
from forecast import folds, mean_over  # benchmarks/ is the script's folder: on sys.path

from zoo.configs import CONF_DIR, compose_config
from zoo.forecasting import RNN, AutoETS, Forecaster, Theta
from zoo.timeseries import m3_panel
from zoo.timeseries.metrics import panel_means, seasonal_naive_scale
from zoo.timeseries.sources import M3_GROUPS


def group_settings(group: str) -> dict:
    """The M3 recipe's own settings for `group` (its epochs and baseline), as `zoo train
    model=rnn data=m3 data.group=G` resolves them: RNN("rnn_m3") on a frame knows no group."""
    cfg = compose_config(CONF_DIR, ["model=rnn", "data=m3", f"data.group={group}"])
    return {"max_epochs": cfg.trainer.max_epochs, "baseline": cfg.model.baseline}


def in_order(forecasts, ids, column: str):
    """The forecasts of `column` for the series `ids`, in that order, each one's times in order."""
    forecasts = forecasts.sort_values(["unique_id", "ds"]).set_index("unique_id")
    return forecasts.loc[list(ids), column].to_numpy()


def zoo_frame(panel):
    """The panel as a frame zoo's Forecaster reads: series of one value left out (none is
    scored, and none gives zoo's models a training window)."""
    return panel.select(panel.lengths > 1).to_frame()


def zoo_rnn(levels: tuple):
    def run(panel, ids, group: str, precision: str, settings: dict, pad: bool):
        horizon, season = M3_GROUPS[group]
        settings = group_settings(group) | settings
        forecaster = Forecaster(
            [RNN("rnn_m3", precision=precision, seed=0, **settings)],
            h=horizon,
            season_length=season,
            levels=levels,
        )
        frame = zoo_frame(panel)
        start = time.perf_counter()
        forecaster.fit(frame)
        seconds = time.perf_counter() - start
        print(
            f"  {seconds:.1f} s of fit, {forecaster.networks_['rnn'].metrics['time/fit_s']:.1f}"
            " s of it Lightning's fit of the network that forecasts",
            flush=True,
        )
        return seconds, in_order(forecaster.predict(), ids, "rnn")

    return run


def statistical(model):
    def run(panel, ids, group: str, precision: str, settings: dict, pad: bool):
        horizon, season = M3_GROUPS[group]
        frame = zoo_frame(panel)
        start = time.perf_counter()  # fitted per series when it forecasts: both timed
        forecaster = Forecaster([model()], h=horizon, season_length=season)
        forecasts = forecaster.fit(frame).predict()
        return time.perf_counter() - start, in_order(forecasts, ids, model.__name__)

    return run


def neuralforecast_model(name: str):
    def run(panel, ids, group: str, precision: str, settings: dict, pad: bool):
        horizon = M3_GROUPS[group][0]
        frame = panel.to_frame()
        os.environ.setdefault("NIXTLA_ID_AS_COL", "1")
        logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
        from neuralforecast import NeuralForecast, models

        model = getattr(models, name)(
            h=horizon,
            input_size=2 * horizon,
            # refused unpadded where a series is shorter than the input
            start_padding_enabled=pad or bool(panel.lengths.min() < 2 * horizon),
            max_steps=1000,
            scaler_type="robust",
            random_seed=0,
            enable_progress_bar=False,
            enable_model_summary=False,
            logger=False,
        )
        peers = NeuralForecast(models=[model], freq=1)
        start = time.perf_counter()
        peers.fit(frame)
        seconds = time.perf_counter() - start
        return seconds, in_order(peers.predict(), ids, name)

    return run


MODELS = {
    "rnn": zoo_rnn(levels=()),  # point forecasts, as NHITS's and GRU's: one network
    "rnn+intervals": zoo_rnn(levels=(80, 95)),  # the Forecaster's default: a second network
    "NHITS": neuralforecast_model("NHITS"),
    "GRU": neuralforecast_model("GRU"),
    "Theta": statistical(Theta),
    "AutoETS": statistical(AutoETS),
}
DEFAULT_MODELS = "rnn,rnn+intervals,NHITS,GRU,Theta"  # AutoETS: a minute on monthly


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("settings", nargs="*", help="zoo's RNN's parameters: name=value")
    parser.add_argument("--group", choices=list(M3_GROUPS), default="monthly", help="M3 group")
    parser.add_argument(
        "--models", default=DEFAULT_MODELS, help=f"comma-separated, of {','.join(MODELS)}"
    )
    parser.add_argument("--precision", default="32-true", help="zoo's RNN (default float32)")
    parser.add_argument("--part", choices=["validation", "test"], default="test")
    parser.add_argument(
        "--windows", type=int, default=1, help="--part validation: folds (default: 1)"
    )
    parser.add_argument(
        "--pad",
        action="store_true",
        help="NHITS and GRU pad every series' start, as they must on the validation folds",
    )
    args = parser.parse_args()
    if args.windows < 1 or (args.windows > 1 and args.part != "validation"):
        parser.error(
            "--windows takes a positive count, and more than one only with --part validation"
        )
    pairs = [item.split("=", 1) for item in args.settings]
    if any(len(pair) != 2 for pair in pairs):
        parser.error("RNN settings are name=value, e.g. hidden_size=64")
    settings = {name: yaml.safe_load(value) for name, value in pairs}  # typed: 64, 0.01, gru
    chosen = args.models.split(",")
    unknown = [m for m in chosen if m not in MODELS]
    if unknown:
        parser.error(f"unknown model {unknown[0]!r}; choose from: {', '.join(MODELS)}")
    if {"NHITS", "GRU"} & set(chosen):
        try:
            import neuralforecast  # noqa: F401
        except ImportError:
            parser.error('neuralforecast is not installed: pip install -e ".[bench]"')
    warnings.filterwarnings("ignore")

    group = args.group
    horizon, season = M3_GROUPS[group]
    train = m3_panel(group, "train")
    fold_list = folds(train, horizon, args.part, args.windows)
    per_fold, seconds_of, sizes = {n: [] for n in chosen}, {n: [] for n in chosen}, []
    for number, fold in enumerate(fold_list):
        trained = train if fold.train is None else fold.train
        history = fold.history
        named = f"fold {number + 1}/{len(fold_list)}, " if args.part == "validation" else ""
        forecasts = {}
        for name in chosen:
            print(f"{named}{name}: training", flush=True)
            forecasts[name] = MODELS[name](
                trained, history.ids, group, args.precision, settings, args.pad
            )
        # the truth is read once every model has trained (the test part: here, once)
        truth_panel = m3_panel(group, "test") if fold.truth is None else fold.truth
        truth = truth_panel.values.view(len(truth_panel), horizon)  # each is the horizon
        scale = seasonal_naive_scale(history.values, history.indptr, season)
        sizes.append(len(history))
        for name, (seconds, values) in forecasts.items():
            forecast = torch.as_tensor(values, dtype=torch.float32).view(len(history), horizon)
            figures = panel_means(forecast, truth, scale)
            per_fold[name].append(figures)
            seconds_of[name].append(seconds)
            print(
                f"{named}{name}: {seconds:.1f} s, sMAPE {figures['smape']:.2f}, "
                f"MASE {figures['mase']:.3f} ({len(history)} series)",
                flush=True,
            )
    part = "test parts" if args.part == "test" else f"validation part, {len(fold_list)} folds"
    print(
        f"\nM3 {group} {part}, {len(train)} series, horizon {horizon}; "
        f"{torch.get_num_threads()} threads; zoo's RNN in {args.precision}"
        + (f" with {' '.join(args.settings)}" if args.settings else "")
        + ("; NHITS and GRU padded" if args.pad else "")
    )
    heading = "training s" if args.part == "test" else "training s (fold mean)"
    print(f"| model | {heading} | sMAPE | MASE |\n|---|---|---|---|")
    times = {}
    for name, fold_figures in per_fold.items():
        means = mean_over(fold_figures, sizes)  # each fold weighing the series it scores
        times[name] = seconds = float(np.mean(seconds_of[name]))
        print(f"| {name} | {seconds:.1f} | {means['smape']:.2f} | {means['mase']:.3f} |")
    for rnn in ("rnn", "rnn+intervals"):
        if rnn in times and "NHITS" in times:
            print(f"ratio, zoo's {rnn} / NHITS training seconds: {times[rnn] / times['NHITS']:.2f}")


if __name__ == "__main__":
    main()
