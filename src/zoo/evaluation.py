"""Evaluating a checkpoint on the test set of the run that wrote it."""

from pathlib import Path

import lightning as L
from hydra.utils import instantiate
from lightning.pytorch.loggers import TensorBoardLogger
from omegaconf import DictConfig, OmegaConf

from zoo.checkpoints import load_task
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


def evaluate(
    ckpt_path: str | Path,
    data_overrides: dict | None = None,
    output_dir: str | Path | None = None,
    quiet: bool = False,
) -> dict[str, float]:
    """Test metrics of the checkpoint on its run's own test data (data settings overridable)."""
    if quiet:
        silence_lightning()
    cfg = run_config(ckpt_path)
    data_cfg = OmegaConf.merge(cfg.data, data_overrides or {})
    task = load_task(ckpt_path)
    logger = (
        TensorBoardLogger(str(output_dir), name="tensorboard", version="", default_hp_metric=False)
        if output_dir
        else False
    )
    trainer = L.Trainer(
        accelerator=cfg.trainer.accelerator,
        devices=1,
        precision=cfg.trainer.precision,
        logger=logger,
        enable_progress_bar=not quiet,
        enable_model_summary=False,
    )
    results = trainer.test(task, datamodule=instantiate(data_cfg), verbose=not quiet)
    return {k: float(v) for k, v in results[0].items()}
