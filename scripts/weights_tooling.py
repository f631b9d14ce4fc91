"""Making the shipped weights: a training run's network to a safetensors file and its card.

Build tooling, not part of the installed package (zoo never imports it):
`scripts/make_weights.py` trains each registered entry (`zoo.list_weights()`) with its recipe
(an ordinary `scripts/train.py` run), exports the network of the run's checkpoint, measures
it on its test data in float32 and in the storage dtype the entry asks for (kept only where
the figures hold), and writes `<model>-<name>.safetensors` and `<model>-<name>.json`.
`make_weights.py --check` and the tests measure the shipped files with the same functions.
Imported by its plain name: the scripts/ folder is on the path of the scripts run from it
(the tests put it there too).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import platform
import sys
from pathlib import Path

import torch
from omegaconf import OmegaConf
from safetensors.torch import save
from torch import nn

import zoo
from zoo.data.mnist import mnist_test_set
from zoo.data.toy import PRIMER_NEW_PEOPLE, PRIMER_PEOPLE, PRIMER_SHIFT
from zoo.errors import DataError
from zoo.files import write_file
from zoo.inputs import predicted_classes
from zoo.models import Weights, build, weights_enums
from zoo.runs.checkpoints import network_parts, read_checkpoint
from zoo.timeseries.methods import forecast_panel
from zoo.timeseries.metrics import panel_means, seasonal_naive_scale
from zoo.timeseries.sources import M3_GROUPS, m3_panel
from zoo.transforms import DigitImages, PrimerFeatures, SeriesWindow

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
# The per-metric tolerances, in one table: (holds, reproduces). "holds": how far a figure
# of the stored weights may stray from the float32 checkpoint's for the smaller storage
# dtype to be kept (2 of the 10,000 MNIST test images; a hundredth of an sMAPE point or of
# a MASE unit); "reproduces": how close the shipped files must reproduce their cards'
# figures (the same files, measured again: any difference is arithmetic on another
# machine, or a damaged file). How far a regeneration may move from the previous card is
# each entry's own `Weights.tolerance`.
TOLERANCES = {"test/acc": (0.0002, 0.0005), "test/smape": (0.01, 0.01), "test/mase": (0.01, 0.01)}
HOLDS = {metric: holds for metric, (holds, _) in TOLERANCES.items()}
REPRODUCES = {metric: reproduces for metric, (_, reproduces) in TOLERANCES.items()}


# -- from a run to tensors --------------------------------------------------------------------


def run_checkpoint(run_dir: str | Path, which: str) -> Path:
    """The checkpoint of `run_dir` to ship: "tested" is the one the run tested (lowest
    validation loss; the last one when the run had no validation), "last" the last."""
    folder = Path(run_dir) / "checkpoints"
    best = sorted(folder.glob("best-*.ckpt"))
    if which == "tested" and len(best) > 1:
        raise DataError(f"{folder} holds several best-*.ckpt: {', '.join(p.name for p in best)}")
    path = best[0] if which == "tested" and best else folder / "last.ckpt"
    if not path.is_file():
        raise DataError(f"no checkpoint {path} (a run of scripts/train.py writes one)")
    return path


def network_state(checkpoint: str | Path) -> tuple[str, dict, dict[str, torch.Tensor], dict]:
    """(model name, constructor arguments, the network's float32 state dict, hyperparameters)
    of a zoo checkpoint, read with `weights_only=True`."""
    saved = read_checkpoint(checkpoint)
    model_name, model_kwargs, state = network_parts(saved)
    # channels_last tensors: safetensors wants them contiguous
    state = {k: v.contiguous() for k, v in state.items()}
    return model_name, model_kwargs, state, dict(saved["hyper_parameters"])


def stored_state(state: dict[str, torch.Tensor], dtype: str) -> dict[str, torch.Tensor]:
    """Floating-point tensors in `dtype`; integer buffers (batch counts) as they are."""
    return {
        k: (v.to(DTYPES[dtype]) if v.is_floating_point() else v).contiguous().clone()
        for k, v in state.items()
    }


def digit_arguments(weights, model_kwargs: dict, hparams: dict) -> dict:
    return {
        "size": int(hparams["input_shape"][-1]),
        "mean": float(hparams.get("input_mean", 0.0)),
        "std": float(hparams.get("input_std", 1.0)),
    }


def primer_arguments(weights, model_kwargs: dict, hparams: dict) -> dict:
    return {
        "shift": list(PRIMER_SHIFT),
        "mean": float(hparams.get("input_mean", 0.0)),
        "std": float(hparams.get("input_std", 1.0)),
    }


def series_arguments(weights, model_kwargs: dict, hparams: dict) -> dict:
    return {
        "input_length": int(model_kwargs["input_length"]),
        "positive": model_kwargs.get("scaling", "log") == "log",
    }


# transform class -> its arguments, from what the checkpoint recorded
TRANSFORM_ARGUMENTS = {
    DigitImages: digit_arguments,
    PrimerFeatures: primer_arguments,
    SeriesWindow: series_arguments,
}


def transform_arguments(weights: Weights, model_kwargs: dict, hparams: dict) -> dict:
    """The arguments of the entry's transform, from what the checkpoint recorded."""
    return TRANSFORM_ARGUMENTS[weights.transform](weights, model_kwargs, hparams)


# -- measuring --------------------------------------------------------------------------------


@torch.no_grad()
def classification_accuracy(
    model: nn.Module, transform, images: torch.Tensor, labels: torch.Tensor, batch: int = 1000
) -> float:
    """Share of `images` (raw, as the transform takes them) whose top output is the label."""
    correct = 0
    for start in range(0, len(images), batch):
        scores = model(transform(images[start : start + batch]))
        correct += int((predicted_classes(scores) == labels[start : start + batch]).sum())
    return correct / len(images)


@torch.no_grad()
def primer_figures(model: nn.Module, transform) -> dict[str, float]:
    """Accuracy on Emily and Frank (the test pair) and on the four training people, and the
    network's output (the probability of 'female') for Emily and Frank."""
    figures = {}
    for stage, people in (("test", PRIMER_NEW_PEOPLE), ("train", PRIMER_PEOPLE)):
        x = transform([features for features, _ in people.values()])
        p = torch.sigmoid(model(x)[:, 0])
        labels = torch.tensor([label for _, label in people.values()])
        figures[f"{stage}/acc"] = float(((p > 0.5).long() == labels).float().mean())
        if stage == "test":
            figures.update({f"p_female/{n}": float(v) for n, v in zip(people, p, strict=True)})
    return figures


@torch.no_grad()
def m3_figures(model: nn.Module, group: str = "monthly") -> dict[str, float]:
    """Panel-mean sMAPE and MASE of the forecasts from each series' official training part
    against its official test part (MASE scaled by the training part's seasonal-naive
    error), as `benchmarks/forecast.py` scores them."""
    horizon, season = M3_GROUPS[group]
    history, test = m3_panel(group, "train"), m3_panel(group, "test")
    scale = seasonal_naive_scale(history.values, history.indptr, season)
    truth = test.values.view(len(test), horizon)
    figures = panel_means(forecast_panel(model, history), truth, scale)
    return {"test/smape": figures["smape"], "test/mase": figures["mase"]}


def mnist_figures(model: nn.Module, transform, data_root=None) -> dict[str, float]:
    """Accuracy on the official 10,000 MNIST test images."""
    if data_root is None:
        raise DataError("measuring MNIST weights needs MNIST: give its data root")
    images, labels = mnist_test_set(data_root)
    return {"test/acc": classification_accuracy(model, transform, images, labels)}


# the entry's `evaluation` -> how its figures are measured (model, transform, data root)
EVALUATIONS = {
    "mnist": mnist_figures,
    "primer": lambda model, transform, data_root=None: primer_figures(model, transform),
    "m3-monthly": lambda model, transform, data_root=None: m3_figures(model, "monthly"),
}


def measure(
    weights: Weights, model: nn.Module, transform, data_root: str | Path | None = None
) -> dict[str, float]:
    """The test figures of `model` (float32 compute) for the entry `weights`."""
    return EVALUATIONS[weights.evaluation](model, transform, data_root)


def holds(stored: dict[str, float], fp32: dict[str, float]) -> bool:
    """Whether the stored weights' figures are within `HOLDS` of the float32 checkpoint's."""
    return all(abs(stored[k] - fp32[k]) <= HOLDS.get(k, 0.0) for k in fp32 if k in HOLDS)


def missed_targets(weights: Weights, metrics: dict[str, float]) -> list[str]:
    """The entry's targets that `metrics` does not reach, as readable lines."""
    missed = []
    for name, (op, target) in weights.targets.items():
        value = metrics[name]
        if not (value >= target if op == ">=" else value <= target):
            missed.append(f"{weights.id}: {name} {value:.4f}, target {op} {target}")
    return missed


def moved_figures(weights: Weights, metrics: dict[str, float], card: dict) -> list[str]:
    """Figures that moved from the previous card's by more than the entry's tolerance."""
    moved = []
    for name, tolerance in weights.tolerance.items():
        before = card.get("metrics", {}).get(name)
        if before is not None and abs(metrics[name] - before) > tolerance + 1e-9:
            moved.append(
                f"{weights.id}: {name} {metrics[name]:.4f}, the card says {before:.4f} "
                f"(tolerance {tolerance})"
            )
    return moved


# -- the run's own record ---------------------------------------------------------------------


def run_metrics(run_dir: str | Path) -> dict[str, float]:
    """The run's final test and validation figures, from the metrics.json it wrote."""
    path = Path(run_dir) / "metrics.json"
    if not path.is_file():
        return {}
    figures = json.loads(path.read_text())
    return {
        k: round(float(v), 6)
        for k, v in sorted(figures.items())
        if k.startswith(("test/", "val/")) and v is not None
    }


def run_training(run_dir: str | Path) -> dict:
    """Epochs, precision and seed of a run (its config.yaml), and its seconds of fitting
    (its metrics.json)."""
    run_dir = Path(run_dir)
    config = OmegaConf.load(run_dir / "config.yaml")
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    return {
        "epochs": int(config.trainer.max_epochs),
        "precision": str(config.trainer.precision),
        "seed": int(config.seed),
        "seconds": round(metrics.get("time/fit_s") or 0),
    }


# -- writing ----------------------------------------------------------------------------------


def write_weights(
    weights: Weights, state: dict[str, torch.Tensor], card: dict, out_dir: str | Path
) -> tuple[Path, Path]:
    """Write `<stem>.safetensors` (no pickle) and `<stem>.json` (the card, sha256 and size
    added) into `out_dir`."""
    out_dir = Path(out_dir)
    path, card_path = out_dir / f"{weights.stem}.safetensors", out_dir / f"{weights.stem}.json"
    data = save(state, metadata={"format": "pt", "zoo_weights": weights.id})
    card = {**card, "file": path.name, "file_size": len(data)}
    card["sha256"] = hashlib.sha256(data).hexdigest()
    write_file(path, data, replace=True)  # each whole or not at all (zoo.files)
    write_file(card_path, json.dumps(card, indent=2) + "\n", replace=True)
    if card["sha256"] != weights.sha256:  # the record in the model's module follows the file
        enum = weights_enums()[weights.model]
        module = sys.modules[enum.__module__].__file__
        print(
            f"{weights.id}: a new file; record its digest in {enum.__name__} ({module}): "
            f'sha256="{card["sha256"]}"'
        )
    return path, card_path


def make_card(
    weights: Weights,
    model_name: str,
    model_kwargs: dict,
    model: nn.Module,
    hparams: dict,
    checkpoint: Path,
    storage: str,
    metrics_by_dtype: dict[str, dict[str, float]],
    run_dir: Path,
) -> dict:
    """The card's measured part (make_weights adds the file's size and sha256)."""
    training = run_training(run_dir)
    example = hparams.get("input_shape") or [model_kwargs.get("input_length")]
    why = {
        "tested": "the checkpoint the run tested: lowest validation loss",
        "last": "the last epoch's",
    }[weights.checkpoint]
    return {
        "id": weights.id,
        "model": model_name,
        "model_class": type(model).__name__,
        "model_kwargs": model_kwargs,
        "storage_dtype": storage,
        "num_params": sum(p.numel() for p in model.parameters()),
        "input_shape": list(example),
        "output_shape": [model_kwargs.get("horizon") or model_kwargs.get("num_classes")],
        "categories": hparams.get("class_names"),
        "transform": transform_arguments(weights, model_kwargs, hparams),
        "seed": training["seed"],
        "checkpoint": f"{checkpoint.name} ({why})",
        "metrics": metrics_by_dtype[storage],
        "metrics_fp32": metrics_by_dtype["float32"],
        "metrics_by_storage_dtype": metrics_by_dtype,
        "run_metrics": run_metrics(run_dir),
        "training": training,
        # conformal prediction intervals the checkpoint carries (forecasters), or None
        "intervals": (read_checkpoint(checkpoint).get("zoo_intervals") or None),
        # the frequency of the series a forecaster trained on (None: not a forecaster, or
        # integer times); its value domain is model_kwargs' scaling (log: positive only)
        "freq": hparams.get("freq"),
        "made": {
            "date": datetime.date.today().isoformat(),
            "zoo": zoo.__version__,
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "machine": platform.processor() or platform.machine(),
        },
    }


def export_run(
    weights: Weights,
    run_dir: str | Path,
    out_dir: str | Path,
    data_root: str | Path | None = None,
    log=print,
) -> dict:
    """Export `run_dir`'s network for `weights` into `out_dir`; return the card written.

    Measures the float32 checkpoint and every storage dtype, keeps `weights.storage` where
    its figures hold (`HOLDS`) and float32 otherwise.
    """
    run_dir = Path(run_dir)
    checkpoint = run_checkpoint(run_dir, weights.checkpoint)
    model_name, model_kwargs, state, hparams = network_state(checkpoint)
    if model_name != weights.model:
        raise DataError(f"{checkpoint} holds model {model_name!r}, not {weights.model!r}")
    transform = weights.transform(**transform_arguments(weights, model_kwargs, hparams))
    metrics_by_dtype = {}
    for dtype in DTYPES:
        model = build(model_name, model_kwargs, stored_state(state, dtype), source=str(checkpoint))
        metrics_by_dtype[dtype] = measure(weights, model, transform, data_root)
        log(f"  {weights.id} stored as {dtype}: {_figures(metrics_by_dtype[dtype])}")
    storage = weights.storage
    if not holds(metrics_by_dtype[storage], metrics_by_dtype["float32"]):
        log(f"  {weights.id}: {storage} changes the figures beyond {HOLDS}: storing float32")
        storage = "float32"
    model = build(model_name, model_kwargs, state, source=str(checkpoint))
    card = make_card(
        weights,
        model_name,
        model_kwargs,
        model,
        hparams,
        checkpoint,
        storage,
        metrics_by_dtype,
        run_dir,
    )
    _, card_path = write_weights(weights, stored_state(state, storage), card, out_dir)
    return json.loads(card_path.read_text())


def _figures(metrics: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())
