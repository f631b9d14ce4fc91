"""zoo's RNN beside neuralforecast's NHITS and GRU and zoo's Theta on M3 monthly, in one run.

    pip install -e ".[bench]"       (neuralforecast; it brings Ray, so it is not in [dev])
    python benchmarks/peers.py [--models rnn,NHITS,GRU,Theta] [--precision 32-true]
                               [name=value ...]   (zoo's RNN only, e.g. hidden_size=64)

Every model trains on the official training parts of the 1,428 M3 monthly series (a
DataFrame with integer times, as M3 has) and forecasts 18 months; each is scored on the
test parts by the same code (zoo.timeseries.metrics.panel_means: sMAPE, and MASE scaled
by each series' seasonal-naive error in its training part). Training seconds are the
fit's wall clock in this process (Theta's: fitting and forecasting, which it does at once).

- zoo's RNN: `Forecaster([RNN("rnn_m3")], levels=())`, the M3 recipe (`zoo train
  model=rnn`, recipe/rnn_m3.yaml) on a frame, in `--precision` (default float32, the CPU
  path most users have), point forecasts only, as the peers give: one network, trained on
  every value. `rnn+intervals` is the same with the Forecaster's default levels (80, 95),
  whose conformal intervals are calibrated by a second network trained first on each
  series but its last windows (zoo.runs.training.calibrate_by_refit): the time a user of
  the default pays. `name=value` arguments set the RNN's other parameters.
- NHITS and GRU (neuralforecast): input 36, 1000 steps, robust scaler, seed 0, the rest
  their defaults (float32).
- Theta (statsforecast, through zoo's baselines): fitted per series, no training.

This reads the test parts: the settings of every model were fixed before (zoo's on M3
monthly's validation part, docs/m3.md; the peers' are their defaults).
"""

import argparse
import logging
import os
import time
import warnings

import torch
import yaml

from zoo.forecasting import RNN, Forecaster, Theta
from zoo.timeseries import m3_panel
from zoo.timeseries.metrics import panel_means, seasonal_naive_scale

HORIZON, SEASON = 18, 12


def in_order(forecasts, frame, column: str):
    """The forecasts of `column`, series in the frame's order, each series' times in order."""
    forecasts = forecasts.sort_values(["unique_id", "ds"]).set_index("unique_id")
    return forecasts.loc[frame["unique_id"].unique(), column].to_numpy()


def zoo_rnn(levels: tuple):
    def run(frame, precision: str, settings: dict):
        forecaster = Forecaster(
            [RNN("rnn_m3", precision=precision, seed=0, **settings)],
            h=HORIZON,
            season_length=SEASON,
            levels=levels,
        )
        start = time.perf_counter()
        forecaster.fit(frame)
        seconds = time.perf_counter() - start
        print(
            f"rnn: {seconds:.1f} s of fit, {forecaster.networks_['rnn'].metrics['time/fit_s']:.1f}"
            " s of it Lightning's fit of the network that forecasts",
            flush=True,
        )
        return seconds, in_order(forecaster.predict(), frame, "rnn")

    return run


def zoo_theta(frame, precision: str, settings: dict):
    start = time.perf_counter()  # Theta fits each series when it forecasts: both timed
    forecasts = Forecaster([Theta()], h=HORIZON, season_length=SEASON).fit(frame).predict()
    return time.perf_counter() - start, in_order(forecasts, frame, "Theta")


def neuralforecast_model(name: str):
    def run(frame, precision: str, settings: dict):
        os.environ.setdefault("NIXTLA_ID_AS_COL", "1")
        logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
        from neuralforecast import NeuralForecast, models

        model = getattr(models, name)(
            h=HORIZON,
            input_size=2 * HORIZON,
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
        return seconds, in_order(peers.predict(), frame, name)

    return run


MODELS = {
    "rnn": zoo_rnn(levels=()),  # point forecasts, as NHITS's and GRU's: one network
    "rnn+intervals": zoo_rnn(levels=(80, 95)),  # the Forecaster's default: a second network
    "NHITS": neuralforecast_model("NHITS"),
    "GRU": neuralforecast_model("GRU"),
    "Theta": zoo_theta,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("settings", nargs="*", help="zoo's RNN's parameters: name=value")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated")
    parser.add_argument("--precision", default="32-true", help="zoo's RNN (default float32)")
    args = parser.parse_args()
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

    train, test = m3_panel("monthly", "train"), m3_panel("monthly", "test")
    frame = train.to_frame()
    truth = test.values.view(len(test), HORIZON)  # each test part is the horizon
    scale = seasonal_naive_scale(train.values, train.indptr, SEASON)

    rows = []
    for name in chosen:
        seconds, values = MODELS[name](frame, args.precision, settings)
        forecast = torch.as_tensor(values, dtype=torch.float32).view(len(train), HORIZON)
        figures = panel_means(forecast, truth, scale)
        rows.append((name, seconds, figures["smape"], figures["mase"]))
        print(
            f"{name}: {seconds:.1f} s, sMAPE {figures['smape']:.2f}, MASE {figures['mase']:.3f}",
            flush=True,
        )
    print(
        f"\nM3 monthly test parts, {len(train)} series, horizon {HORIZON}; "
        f"{torch.get_num_threads()} threads; zoo's RNN in {args.precision}"
        + (f" with {' '.join(args.settings)}" if args.settings else "")
    )
    print("| model | training s | sMAPE | MASE |\n|---|---|---|---|")
    for name, seconds, smape, mase in rows:
        print(f"| {name} | {seconds:.1f} | {smape:.2f} | {mase:.3f} |")
    times = dict((name, seconds) for name, seconds, *_ in rows)
    for rnn in ("rnn", "rnn+intervals"):
        if rnn in times and "NHITS" in times:
            print(f"ratio, zoo's {rnn} / NHITS training seconds: {times[rnn] / times['NHITS']:.2f}")


if __name__ == "__main__":
    main()
