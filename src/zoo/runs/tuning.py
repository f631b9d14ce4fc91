"""Hyperparameter search with Optuna: SQLite-stored (an interrupted search resumes),
pruned from each trial's validation curve."""

import math
from pathlib import Path

import lightning as L
from omegaconf import DictConfig, OmegaConf

from zoo.errors import ConfigError

DISTRIBUTIONS = ("loguniform", "uniform", "int", "choice")


class PruneOnValidation(L.Callback):
    """Reports the monitored metric to the trial after each validation; stops bad trials."""

    def __init__(self, trial, monitor: str = "val/loss") -> None:
        self.trial, self.monitor = trial, monitor

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        import optuna

        if trainer.sanity_checking or self.monitor not in trainer.callback_metrics:
            return
        self.trial.report(float(trainer.callback_metrics[self.monitor]), trainer.current_epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned at epoch {trainer.current_epoch}")


def parse_search_space(specs: list[str]) -> dict[str, tuple[str, list[str]]]:
    """["task.lr=loguniform:1e-4:1", "model.cell=choice:gru:lstm"] -> {key: (kind, args)}."""
    space = {}
    for spec in specs:
        key, _, rule = spec.partition("=")
        kind, *args = rule.split(":")
        if kind not in DISTRIBUTIONS or not args:
            raise ConfigError(
                f"search space {spec!r}: write KEY=KIND:ARGS with KIND one of "
                f"{', '.join(DISTRIBUTIONS)}, e.g. task.lr=loguniform:1e-4:1"
            )
        space[key] = (kind, args)
    return space


def suggest(trial, space: dict[str, tuple[str, list[str]]]) -> dict:
    values = {}
    for key, (kind, args) in space.items():
        if kind == "loguniform":
            values[key] = trial.suggest_float(key, float(args[0]), float(args[1]), log=True)
        elif kind == "uniform":
            values[key] = trial.suggest_float(key, float(args[0]), float(args[1]))
        elif kind == "int":
            values[key] = trial.suggest_int(key, int(args[0]), int(args[1]))
        else:
            values[key] = trial.suggest_categorical(key, args)
    return values


def tune(
    cfg: DictConfig,
    space: dict,
    n_trials: int,
    storage: str,
    study_name: str,
    monitor: str = "val/loss",
    direction: str = "minimize",
):
    """Run (or continue) the study `study_name` in `storage`; returns the optuna Study."""
    import optuna

    from zoo.runs.training import train

    study = optuna.create_study(
        study_name=study_name,
        storage=storage,
        load_if_exists=True,
        direction=direction,
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
    )
    base_dir = Path(cfg.output_dir)

    def objective(trial) -> float:
        trial_cfg = cfg.copy()
        for key, value in suggest(trial, space).items():
            OmegaConf.update(trial_cfg, key, value, merge=False)
        trial_cfg.output_dir = str(base_dir / f"trial_{trial.number:03d}")
        trial_cfg.quiet = True
        trial_cfg.test = False
        metrics = train(trial_cfg, extra_callbacks=[PruneOnValidation(trial, monitor)]).metrics
        value = metrics.get(monitor, math.nan)
        if not math.isfinite(value):
            raise optuna.TrialPruned(f"{monitor} is {value}")
        return value

    study.optimize(objective, n_trials=n_trials)
    return study
