"""`train(cfg)`: compose data, network, task, logger and trainer from a Hydra config, and fit."""

import io
import json
import logging
import math
import os
import warnings
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import lightning as L
import torch
from hydra.utils import get_class, instantiate
from lightning.fabric.plugins import TorchCheckpointIO
from lightning.pytorch.callbacks import ModelCheckpoint, RichProgressBar, Timer
from lightning.pytorch.loggers import TensorBoardLogger
from omegaconf import DictConfig, OmegaConf

from zoo.compatibility import check_pairing
from zoo.configs import check_values, refuse_existing_run
from zoo.data.tensors import InMemoryDataModule
from zoo.devices import resolve_precision
from zoo.errors import ConfigError, ZooError
from zoo.files import FULL, disk_full, write_file
from zoo.models import model_arguments
from zoo.runs.budget import BudgetLog
from zoo.runs.checkpoints import check_resumable, read_checkpoint
from zoo.timeseries.backtest import calibrate, calibration_windows
from zoo.timeseries.intervals import MIN_CALIBRATION, ConformalIntervals
from zoo.timeseries.methods import NetworkMethod

log = logging.getLogger(__name__)


def silence_lightning() -> None:
    """Only warnings from Lightning's loggers (no device banner, no tips): library use. Nor
    torch's deprecation of a class Lightning still uses, which a user cannot act on."""
    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", r".*isinstance\(treespec, LeafSpec\)", FutureWarning)


class AtomicCheckpointIO(TorchCheckpointIO):
    """Checkpoints written whole or not at all (`zoo.files.write_file`): in a temporary file
    of their own folder, flushed to the disk, then renamed over the old one. Killing a run
    while it overwrites last.ckpt leaves the old file; a full disk stops with zoo's message
    and leaves the earlier checkpoints as they were. (Lightning's own writer copies the file
    into place when the temporary folder is on another disk, truncating the old one first.)"""

    def save_checkpoint(self, checkpoint: dict, path, storage_options=None) -> None:
        if storage_options is not None or "://" in str(path):  # remote storage: Lightning's
            return super().save_checkpoint(checkpoint, path, storage_options)
        buffer = io.BytesIO()
        torch.save(checkpoint, buffer)
        write_file(path, buffer.getbuffer(), replace=True)


def build_task(cfg: DictConfig, datamodule: InMemoryDataModule) -> L.LightningModule:
    """The task named by `cfg.task`, around the network `cfg.model` sized for `datamodule`.

    A model, task and data that cannot go together are refused first (`check_pairing`).
    Sizes the data decides (inputs, classes, horizon) fill the model's arguments that the
    config leaves out or sets to null (null and not the data's: the constructor's default);
    a size the config states anyway wins, with a warning if it differs.
    """
    model_cfg = OmegaConf.to_container(cfg.model, resolve=True)
    name = model_cfg.pop("name")
    check_pairing(name, get_class(cfg.task._target_), datamodule, given=model_cfg)
    accepted = model_arguments(name)
    model_kwargs = {k: v for k, v in datamodule.dims.items() if k in accepted}
    for key, value in model_cfg.items():
        if value is None and key in accepted:  # null: the data decides, else the constructor
            continue
        if key in model_kwargs and model_kwargs[key] != value:
            log.warning("model.%s=%s overrides the data's %s", key, value, model_kwargs[key])
        model_kwargs[key] = value
    return build(
        cfg.task,
        model_name=name,
        model_kwargs=model_kwargs,
        **datamodule.task_kwargs,
        _convert_="all",
    )


def build(node, **kwargs):
    """`hydra.utils.instantiate`, with a ZooError raised inside a constructor passed on as
    it is (zoo's one-line message), not wrapped in Hydra's InstantiationException."""
    from hydra.errors import InstantiationException

    try:
        return instantiate(node, **kwargs)
    except InstantiationException as error:
        cause = error.__cause__ or error.__context__
        if isinstance(cause, ZooError):
            raise cause from None
        raise


def _instantiate_all(group: DictConfig | None) -> list:
    return [build(c) for c in (group or {}).values() if c is not None and "_target_" in c]


def trainer_precision(cfg: DictConfig) -> str:
    """The precision `cfg.trainer` trains in on this machine ("auto" resolved); logged."""
    required = getattr(get_class(cfg.task._target_), "required_precision", None)
    precision, reason = resolve_precision(cfg.trainer.precision, cfg.trainer.accelerator, required)
    log.info("precision %s (%s)", precision, reason)
    presets = cfg.get("presets") or {}
    log.info(
        "presets: recipe %s, experiment %s (conf/recipe/, conf/experiment/)",
        presets.get("recipe") or "none",
        presets.get("experiment") or "none",
    )
    return precision


def check_run_folder(output_dir: Path, ckpt_path=None, overwrite: bool = False) -> None:
    """Make the run folder, refusing one that already holds a run (`refuse_existing_run`)
    and one that cannot be written, before any work."""
    refuse_existing_run(output_dir, ckpt_path, overwrite)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        probe = output_dir / ".zoo-write-test"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise ConfigError(f"cannot write the run folder {output_dir}: {error.strerror}") from None


@dataclass
class Run:
    """What `train` trained: the task (in memory, with the network its `model`), its final
    metrics, its run folder and the checkpoint the test read (None: the weights as training
    left them, also in `last.ckpt`)."""

    task: L.LightningModule
    metrics: dict[str, float]
    output_dir: Path
    tested_checkpoint: Path | None

    @property
    def network(self) -> torch.nn.Module:
        """The trained network (the tested checkpoint's weights when one was tested)."""
        return self.task.model


def train(
    cfg: DictConfig,
    extra_callbacks: list | None = None,
    datamodule: InMemoryDataModule | None = None,
) -> Run:
    """Train (and test) as a composed config says: what `zoo train` does.

    Everything the run writes lands in `cfg.output_dir`: `config.yaml`, checkpoints,
    TensorBoard logs and `metrics.json`. Settings are checked before any work. A forecasting
    network whose validation part gives too few forecasts to calibrate intervals (one series, a
    few) has them calibrated first, so that every checkpoint is written once, with them
    (`calibrate_by_refit`).

    Args:
        cfg: A composed training config, as `zoo.configs.compose_config(CONF_DIR,
            [overrides])` returns it (the same overrides as on the command line).
        extra_callbacks: Lightning callbacks to add to the config's own.
        datamodule: Data in place of `cfg.data`'s (the forecasting API passes a panel
            that way; `cfg.data` still says its settings).

    Returns:
        The `Run`: the trained task and network in memory, the final metrics (such as
        `{"val/acc": 0.97, "test/acc": 1.0, ...}`, with `time/fit_s`, and `time/test_s`
        when the run tests), the run folder and the tested checkpoint.

    Raises:
        zoo.ConfigError: For a setting that is not allowed, a model that cannot train on
            the data or task, or a run folder that already holds a run (unless resumed or
            `overwrite=true`).
        zoo.DataError: For data that is missing or malformed.
    """
    made = outermost_missing(Path(cfg.output_dir))
    output_dir, precision, settings = start_run(cfg)
    with folders_removed_on_error(output_dir, made):  # a refused run leaves no folder behind
        datamodule = datamodule if datamodule is not None else build(cfg.data)
        task = build_task(cfg, datamodule)  # the data read, the model paired with it
    # written once the run is known to start, so a refused run can rerun in its folder
    write_run_config(output_dir, settings, datamodule)
    if hasattr(task, "needs_rolling_calibration") and task.needs_rolling_calibration(
        len(datamodule.load_history()), datamodule.has_validation
    ):
        with preserved_random_state():  # the run trains as it would without calibrating
            task.intervals = calibrate_by_refit(cfg, datamodule, task)
        task.calibrated = True
    loggers = _instantiate_all(cfg.get("logger"))
    callbacks, timer = run_callbacks(cfg, datamodule, extra_callbacks)
    trainer: L.Trainer = build(
        cfg.trainer,
        precision=precision,
        logger=loggers or False,
        callbacks=callbacks,
        default_root_dir=str(output_dir),
        enable_progress_bar=not cfg.quiet
        and any(isinstance(c, RichProgressBar) for c in callbacks),
        enable_model_summary=not cfg.quiet,
        plugins=[AtomicCheckpointIO()],
    )
    if cfg.get("ckpt_path"):
        check_resumable(cfg.ckpt_path, task)
    fit(trainer, task, datamodule, cfg.get("ckpt_path"), output_dir)
    metrics = {
        k: float(v)
        for k, v in trainer.callback_metrics.items()
        if v.numel() == 1 and not k.endswith("_step")
    }
    metrics["time/fit_s"] = timer.time_elapsed("train")
    checkpoint = tested_checkpoint(callbacks, cfg.get("test_checkpoint", "best"))
    if cfg.test:
        results = trainer.test(
            task, datamodule=datamodule, ckpt_path=checkpoint, verbose=not cfg.quiet
        )
        metrics.update({k: float(v) for k, v in results[0].items()})
        metrics["time/test_s"] = timer.time_elapsed("test")
    elif checkpoint is not None:  # the run's network is the one it would have tested
        task.load_state_dict(read_checkpoint(checkpoint)["state_dict"])
    if trainer.is_global_zero:
        record_run(cfg, output_dir, settings, metrics, loggers)
    return Run(task.eval(), metrics, output_dir, None if checkpoint is None else Path(checkpoint))


def outermost_missing(folder: Path) -> Path | None:
    """The outermost folder on `folder`'s path that does not exist yet (None: it exists)."""
    missing = None
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing = path
    return missing


@contextmanager
def folders_removed_on_error(folder: Path, made: Path | None):
    """If the block fails, remove the folders `start_run` made for the run (`folder` up to
    `made`, the outermost that did not exist before), each only while empty: a run refused
    before writing anything leaves nothing behind. A folder that was there stays."""
    try:
        yield
    except BaseException:
        if made is not None and first_process():
            for path in (folder, *folder.parents):
                with suppress(OSError):  # not empty, or gone: leave it
                    path.rmdir()
                if path == made:
                    break
        raise


@contextmanager
def preserved_random_state():
    """Python's, numpy's and torch's random states as they were before the block."""
    import random

    import numpy as np

    states = random.getstate(), np.random.get_state(), torch.random.get_rng_state()
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.random.set_rng_state(states[2])


def start_run(cfg: DictConfig) -> tuple[Path, str, dict]:
    """Check the config and the run folder before any work (the folder is made; `train`
    writes the resolved config.yaml once the data and model are checked too).
    Returns (run folder, the precision resolved, the resolved settings)."""
    check_values(cfg)
    if cfg.quiet:
        silence_lightning()
    # a run with data.final_fit=true has no validation part on purpose: Lightning's doubt
    # about its empty validation loader ("make sure this was your intention") is noise
    warnings.filterwarnings("ignore", r"Total length of `list` across ranks is zero")
    output_dir = Path(cfg.output_dir)
    if cfg.get("ckpt_path"):  # a file that is no zoo checkpoint stops before anything is written
        read_checkpoint(cfg.ckpt_path)
    first = first_process()
    if first:  # DDP's other processes rerun this into the folder the first one has begun
        check_run_folder(output_dir, cfg.get("ckpt_path"), cfg.get("overwrite", False))
    else:
        output_dir.mkdir(parents=True, exist_ok=True)
    precision = trainer_precision(cfg)
    settings = OmegaConf.to_container(cfg, resolve=True)
    settings["trainer"]["precision"] = precision  # what the run used, not "auto"
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    if cfg.get("matmul_precision"):
        torch.set_float32_matmul_precision(cfg.matmul_precision)
    return output_dir, precision, settings


def write_run_config(output_dir: Path, settings: dict, datamodule) -> None:
    """Write the run's config.yaml: the resolved settings and what the data turned out to be
    (an image folder's class names and image size, a table's classes and features: the
    data module's `found`, known once the task is sized for it) as `dataset`."""
    found = getattr(datamodule, "found", None)
    if found:
        settings["dataset"] = found
    if first_process():
        write_file(output_dir / "config.yaml", OmegaConf.to_yaml(settings), replace=True)


def first_process() -> bool:
    """Whether this is the one process (of DDP's, on every node) that writes a run's files;
    known before Lightning's Trainer exists, from the variables its launcher sets."""
    return int(os.environ.get("LOCAL_RANK", 0)) == 0 and int(os.environ.get("NODE_RANK", 0)) == 0


def run_callbacks(cfg: DictConfig, datamodule, extra: list | None) -> tuple[list, Timer]:
    """The config's callbacks and `extra`, with a Timer (the config's own if it has one, e.g.
    with a `duration`) and a `BudgetLog`, no monitored checkpoint without validation, no bar
    under quiet."""
    callbacks = _instantiate_all(cfg.get("callbacks")) + list(extra or [])
    timer = next((c for c in callbacks if isinstance(c, Timer)), None)
    if timer is None:
        timer = Timer()
        callbacks.append(timer)
    if not datamodule.has_validation:  # nothing to monitor: the last checkpoint is the one
        callbacks = [c for c in callbacks if not getattr(c, "monitor", None)]
    # the log states the budget of steps and the epoch of the best validation loss
    callbacks.append(BudgetLog(warn_first=cfg.get("test_checkpoint", "best") == "best"))
    if cfg.quiet:
        callbacks = [c for c in callbacks if not isinstance(c, RichProgressBar)]
    return callbacks, timer


def fit(trainer: L.Trainer, task, datamodule, ckpt_path, output_dir: Path) -> None:
    """`trainer.fit`, with Ctrl+C turned into zoo's message (Lightning exits quietly)."""
    try:
        trainer.fit(task, datamodule=datamodule, ckpt_path=ckpt_path)
    except OSError as error:  # a full disk met by a writer that is not zoo's (TensorBoard's)
        if error.errno not in FULL:
            raise
        raise disk_full(output_dir, "the run's logs", after="its checkpoints are intact") from None
    except SystemExit:  # Lightning exits after Ctrl+C (its own notice is silenced by quiet)
        if not trainer.interrupted:
            raise
        last = output_dir / "checkpoints" / "last.ckpt"
        resume = f"; resume with ckpt_path={last}" if last.is_file() else ""
        raise ZooError(
            f"interrupted (Ctrl+C) in epoch {trainer.current_epoch}; {output_dir} keeps "
            f"what was written{resume}"
        ) from None


def tested_checkpoint(callbacks: list, which: str) -> str | None:
    """The checkpoint the test reads: "best" by val/loss (when one was monitored), or None
    for "last", the weights as training left them."""
    if which == "last":
        return None
    monitored = (c for c in callbacks if isinstance(c, ModelCheckpoint) and c.monitor)
    return next((c.best_model_path for c in monitored if c.best_model_path), None)


def record_run(cfg, output_dir: Path, settings: dict, metrics: dict, loggers: list) -> None:
    """metrics.json, TensorBoard's HPARAMS tab (settings beside results) and the report."""
    for logger in loggers:
        if isinstance(logger, TensorBoardLogger):
            hparams = {k: settings[k] for k in ("model", "task", "data", "trainer", "seed")}
            logger.log_hyperparams(
                hparams, {f"hp/{k.replace('/', '_')}": v for k, v in metrics.items()}
            )
            logger.finalize("success")
    finite = {k: v if math.isfinite(v) else None for k, v in metrics.items()}  # JSON: null
    metrics_text = json.dumps(finite, indent=1, sort_keys=True)
    write_file(output_dir / "metrics.json", metrics_text, replace=True)
    if not cfg.quiet:
        report(output_dir, metrics)


def report(output_dir: Path, metrics: dict[str, float]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="final metrics", show_header=False)
    for name in sorted(metrics):
        table.add_row(name, f"{metrics[name]:.4f}")
    console = Console(soft_wrap=True)
    console.print(table)
    console.print(f"run folder:   {output_dir} (metrics.json: these figures)")
    console.print(f"checkpoints:  {output_dir / 'checkpoints'}")
    console.print(f"TensorBoard:  tensorboard --logdir {output_dir}")


# -- forecasting networks: intervals for one series and small panels --------------------------

CALIBRATION_SCORES = 50  # per horizon step, when the series allow (at least MIN_CALIBRATION)


def calibrate_by_refit(cfg: DictConfig, datamodule, task) -> ConformalIntervals | None:
    """Conformal intervals for a forecasting network whose validation part gives too few scores (one
    series, or a few); None (with a warning) when the series are too short for them.

    A second network, trained as `cfg` says on each series but its last `horizon + k - 1`
    values, forecasts the `k` rolling windows (one step apart) that follow its training
    data; their errors calibrate the intervals (statsforecast's `ConformalIntervals` idea,
    refitted once). Refitted, not reused: the trained network learns from those windows, so
    its errors there would be too small and its intervals too narrow. The refit does not
    depend on the run's network, so it trains first, into `<run folder>/calibration`.
    """
    history, H = datamodule.load_history(), datamodule.horizon
    # the refit's panel needs a training window (min_input_length + H values), and without
    # final_fit its own validation part (H more); every series that has them calibrates,
    # the shortest too (a margin of more left M3's shortest monthly series out, and the
    # intervals calibrated on the rest were a quarter narrower)
    needed = datamodule.min_input_length + H + (0 if datamodule.final_fit else H)
    chosen = k = None
    for wanted in (CALIBRATION_SCORES, MIN_CALIBRATION):
        k = calibration_windows(len(history), H, wanted)
        long_enough = history.lengths >= needed + H + k - 1
        if int(long_enough.sum()) * k >= wanted:
            chosen = long_enough
            break
    if chosen is None:
        log.warning(
            "no prediction intervals: the series are too short to calibrate them on rolling "
            "windows (a refit needs %d values before %d windows)",
            needed,
            k,
        )
        return None
    history = history.select(chosen)
    start = history.lengths - (H + k - 1)
    log.info(
        "calibrating the intervals on %d rolling windows of %d series: a network refitted "
        "on the values before them forecasts them",
        k,
        len(history),
    )
    settings = datamodule.settings() | {"test_part": False}
    refit_data = type(datamodule)(**settings, panel=history.split_at(start)[0])
    refit_cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
    refit_cfg.output_dir = str(Path(cfg.output_dir) / "calibration")
    refit_cfg.test, refit_cfg.quiet, refit_cfg.logger = False, True, None
    refit_cfg.task.interval_levels = []
    refit = train(refit_cfg, datamodule=refit_data).network
    levels = task.hparams.interval_levels
    return calibrate(
        NetworkMethod(refit), history, H, datamodule.season_length, k, step=1, levels=levels
    )
