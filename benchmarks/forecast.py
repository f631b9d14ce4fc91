"""zoo's global RNN against seasonal naive, Theta and AutoETS, on M3 groups or single series.

    python benchmarks/forecast.py --data m3/monthly,co2,sunspots [--seeds 3]
                                  [--part test|validation] [override ...]

For each data set (`m3/GROUP` is `data=m3 data.group=GROUP`; any other name is `data=NAME`)
one RNN is trained across all its series (`model=rnn`: the config of `scripts/train.py`,
plus the Hydra overrides given), once per seed, and every method forecasts each series from
the same history. The figures are zoo.metrics' panel means of sMAPE and MASE: the same
code for every method. `benchmarks/m3.py` runs this on the four M3 groups.

--part validation (for choosing settings): the history is each series' training part less
its last `horizon` values, which are the truth; the RNN trains on what precedes them
(data.final_fit=false); the test part is never read.
--part test (the final scoring): the history is the whole training part and the truth the
official test part, read once, here, after all training is done.
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from hydra.utils import instantiate

import zoo
from zoo.baselines import seasonal_naive, statistical_forecasts
from zoo.configs import compose_config
from zoo.data import forecast_windows
from zoo.forecast import forecast_panel
from zoo.metrics import panel_means, seasonal_naive_scale

CONF_DIR = Path(__file__).resolve().parents[1] / "conf"


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


def train_and_forecast(cfg, history) -> tuple[torch.Tensor, float, float]:
    """Train as `cfg` says, then forecast every series of `history` with the model as it is
    after the configured epochs (`last.ckpt`: with data.final_fit there is no validation to
    pick another by, and --part validation scores the same rule): (forecasts, training
    seconds, forecasting seconds)."""
    start = time.perf_counter()
    zoo.train(cfg)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model = zoo.load_model(Path(cfg.output_dir) / "checkpoints" / "last.ckpt")
    forecasts = forecast_panel(model, history)
    return forecasts, train_seconds, time.perf_counter() - start


def score(forecasts, truth, scale) -> dict[str, float]:
    return panel_means(torch.as_tensor(forecasts), truth, scale)


def run_data(name: str, part: str, seeds: int, overrides: list[str]) -> list[tuple]:
    data = instantiate(rnn_config(name, 0, "unused", overrides).data)
    horizon, season = data.horizon, data.season_length
    history = data.load_history()
    if part == "validation":
        history, truth_panel = history.split_last(horizon)
    else:
        truth_panel = None  # read after training, once
    scale = seasonal_naive_scale(history.values, history.indptr, season)

    forecasts: dict[str, tuple[np.ndarray, float, float]] = {}
    start = time.perf_counter()
    last = forecast_windows(history, max(season, 1)).__getitems__(range(len(history)))
    forecasts["seasonal naive"] = (
        seasonal_naive(last["x"], last["mask"], horizon, season),
        0.0,
        time.perf_counter() - start,
    )
    for method, (values, seconds) in statistical_forecasts(history, horizon, season).items():
        forecasts[method] = (values, 0.0, seconds)  # fit and forecast are one step
    rnn_runs = []
    for seed in range(seeds):
        with tempfile.TemporaryDirectory() as out:
            # validation: train only on what precedes each series' validation part
            final_fit = ["data.final_fit=false"] if part == "validation" else []
            cfg = rnn_config(name, seed, out, [*overrides, *final_fit])
            rnn_runs.append(train_and_forecast(cfg, history))
            print(f"  {name} seed {seed}: trained in {rnn_runs[-1][1]:.0f} s", flush=True)

    if truth_panel is None:
        truth_panel = data.load_test_part()
    truth = truth_panel.values.view(len(truth_panel), horizon)
    rows = []
    for method, (values, train_s, predict_s) in forecasts.items():
        figures = score(values, truth, scale)
        rows.append((name, method, figures["smape"], 0.0, figures["mase"], 0.0, train_s, predict_s))
    per_seed = [score(f, truth, scale) for f, _, _ in rnn_runs]
    smapes = [f["smape"] for f in per_seed]
    mases = [f["mase"] for f in per_seed]
    rows.append(
        (
            name,
            f"zoo RNN ({seeds} seed{'s' if seeds > 1 else ''})",
            float(np.mean(smapes)),
            float(np.std(smapes)),
            float(np.mean(mases)),
            float(np.std(mases)),
            float(np.mean([r[1] for r in rnn_runs])),
            float(np.mean([r[2] for r in rnn_runs])),
        )
    )
    if seeds > 1:
        ensemble = torch.stack([f for f, _, _ in rnn_runs]).median(dim=0).values
        figures = score(ensemble, truth, scale)
        rows.append(
            (
                name,
                f"zoo RNN, median of {seeds}",
                figures["smape"],
                0.0,
                figures["mase"],
                0.0,
                0.0,
                0.0,
            )
        )
    return rows


def main(default_data: str = "m3/monthly") -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=default_data, help="comma-separated data sets")
    parser.add_argument("--seeds", type=int, default=3, help="RNN trainings per data set")
    parser.add_argument("--part", choices=["validation", "test"], default="test")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for the RNN")
    args = parser.parse_args()

    rows = []
    for name in args.data.split(","):
        rows += run_data(name, args.part, args.seeds, args.overrides)
    print(f"\n{args.part} part: panel means (RNN: mean ± std over seeds)")
    print("| data | method | sMAPE | MASE | training s | forecasting s |")
    print("|---|---|---|---|---|---|")
    for name, method, smape, smape_sd, mase, mase_sd, train_s, predict_s in rows:
        spread = lambda sd: f" ± {sd:.2f}" if sd else ""  # noqa: E731
        print(
            f"| {name} | {method} | {smape:.2f}{spread(smape_sd)} | {mase:.3f}{spread(mase_sd)} "
            f"| {train_s:.0f} | {predict_s:.1f} |"
        )


if __name__ == "__main__":
    main()
