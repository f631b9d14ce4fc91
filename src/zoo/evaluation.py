"""Evaluating a checkpoint on the test set of the run that wrote it."""

from pathlib import Path

import lightning as L
from hydra.utils import instantiate
from lightning.pytorch.loggers import TensorBoardLogger
from omegaconf import DictConfig, OmegaConf

from zoo.checkpoints import load_task
from zoo.devices import auto_precision, device_type, resolve_precision, runs_well
from zoo.errors import DataError
from zoo.training import silence_lightning


def run_config(ckpt_path: str | Path) -> DictConfig:
    """The resolved config beside a checkpoint: <run>/checkpoints/x.ckpt -> <run>/config.yaml."""
    path = Path(ckpt_path).resolve().parent.parent / "config.yaml"
    if not path.is_file():
        raise DataError(
            f"no run config at {path}: evaluate a checkpoint inside the run folder "
            "that scripts/train.py wrote"
        )
    return OmegaConf.load(path)


def evaluation_precision(run_precision: str, accelerator: str, precision: str | None) -> str:
    """`precision` if given ("auto" resolved); else the run's, if this device computes in it,
    else the device's own choice (a bf16 GPU run evaluated on a CPU without bf16: fp32)."""
    if precision is not None:
        return resolve_precision(precision, accelerator)[0]
    device = device_type(accelerator)
    if run_precision != "auto" and runs_well(str(run_precision), device):
        return str(run_precision)
    return auto_precision(device)[0]


def evaluate(
    ckpt_path: str | Path,
    data_overrides: dict | None = None,
    output_dir: str | Path | None = None,
    quiet: bool = False,
    accelerator: str = "auto",
    precision: str | None = None,
) -> dict[str, float]:
    """Test metrics of the checkpoint on its run's own test data (data settings overridable).

    It runs on `accelerator` ("auto": a GPU if there is one), whatever the run trained on:
    the checkpoint is read onto the CPU first, so a GPU run evaluates on a CPU-only machine.
    """
    if quiet:
        silence_lightning()
    cfg = run_config(ckpt_path)
    data_cfg = OmegaConf.merge(cfg.data, data_overrides or {})
    task = load_task(ckpt_path, map_location="cpu")
    logger = (
        TensorBoardLogger(str(output_dir), name="tensorboard", version="", default_hp_metric=False)
        if output_dir
        else False
    )
    trainer = L.Trainer(
        accelerator=accelerator,
        devices=1,
        precision=evaluation_precision(cfg.trainer.precision, accelerator, precision),
        logger=logger,
        enable_progress_bar=not quiet,
        enable_model_summary=False,
    )
    results = trainer.test(task, datamodule=instantiate(data_cfg), verbose=not quiet)
    return {k: float(v) for k, v in results[0].items()}
