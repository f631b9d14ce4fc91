"""Evaluating a checkpoint on the test set of the run that wrote it."""

from pathlib import Path

import lightning as L
from lightning.pytorch.loggers import TensorBoardLogger
from omegaconf import DictConfig, OmegaConf

from zoo.devices import resolve_precision
from zoo.errors import ConfigError, DataError
from zoo.runs.checkpoints import load_task
from zoo.runs.training import silence_lightning
from zoo.trust import nested_keys


def run_config(ckpt_path: str | Path) -> DictConfig:
    """The resolved config beside a checkpoint: <run>/checkpoints/x.ckpt -> <run>/config.yaml."""
    path = Path(ckpt_path).resolve().parent.parent / "config.yaml"
    if not path.is_file():
        raise DataError(
            f"no run config at {path}: evaluate a checkpoint inside the run folder "
            "that scripts/train.py wrote"
        )
    return OmegaConf.load(path)


def data_module_from_run(data: DictConfig, source: str):
    """The data module a run folder's config names, built from zoo's own registry and plain
    values only: a run folder is not code. Its `_target_` must be one of the data modules
    zoo's configs name (`zoo.configs.data_module_classes`); any other `_target_`, or a
    nested one, is refused naming the key, and nothing is called."""
    from zoo.configs import data_module_classes

    settings = OmegaConf.to_container(data, resolve=True)
    target = settings.pop("_target_", None)
    classes = data_module_classes()
    if target not in classes:
        raise ConfigError(
            f"{source}: data._target_ is {target!r}, not one of zoo's data modules "
            f"({', '.join(sorted(classes))}); a run folder may only name those"
        )
    for path, key in nested_keys(settings, "data"):
        if key.startswith("_"):  # stricter than Hydra's keys: a data module's are plain
            raise ConfigError(f"{source}: {path} is not a plain setting; refused (nothing was run)")
    return classes[target](**settings)


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
        # the run's precision where this device computes in it, else the device's own
        # (a bf16 GPU run evaluated on a CPU without bf16: fp32); `precision` if given
        precision=resolve_precision(
            precision or str(cfg.trainer.precision),
            accelerator,
            unsupported="refuse" if precision else "auto",
        )[0],
        logger=logger,
        enable_progress_bar=not quiet,
        enable_model_summary=False,
    )
    datamodule = data_module_from_run(data_cfg, f"{Path(ckpt_path).parent.parent}/config.yaml")
    results = trainer.test(task, datamodule=datamodule, verbose=not quiet)
    return {k: float(v) for k, v in results[0].items()}
