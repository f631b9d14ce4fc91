"""Search hyperparameters with Optuna; the study lives in SQLite, so rerunning resumes it.

    python scripts/tune.py model=mlp data=xor tune.trials=20 \
        "tune.space=['task.lr=loguniform:1e-4:1']"

Each trial trains with the composed config plus its suggested values, in
<run folder>/trial_NNN/, and unpromising trials are pruned from their validation curve
(median pruner). The best value and parameters are printed at the end.
"""

import importlib.util
import sys

import hydra
from omegaconf import DictConfig

from zoo.commands.cli import one_line_errors
from zoo.configs import CONF_DIR, asks_for_help, register_settings


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="tune")
def run(cfg: DictConfig) -> None:
    if importlib.util.find_spec("optuna") is None:
        sys.exit("error: zoo tune needs Optuna: pip install 'zoo-classic-nets[tune]'")
    from zoo.runs.tuning import parse_search_space, tune

    with one_line_errors():
        space = parse_search_space(list(cfg.tune.space))
        study = tune(
            cfg,
            space,
            cfg.tune.trials,
            cfg.tune.storage,
            cfg.tune.study_name,
            cfg.tune.monitor,
            cfg.tune.direction,
        )
    states = [t.state.name for t in study.trials]
    print(
        f"study {study.study_name!r} in {cfg.tune.storage}: {len(states)} trials "
        f"({states.count('COMPLETE')} complete, {states.count('PRUNED')} pruned)"
    )
    print(f"best {cfg.tune.monitor}: {study.best_value:.4f} with {study.best_params}")


def main() -> None:
    """Hydra's app, its config holding every setting of the network, task and data (not
    for --help: no torch)."""
    if not asks_for_help(sys.argv[1:]):
        register_settings()
    run()


if __name__ == "__main__":  # python -m zoo.commands.tune: how DDP starts its other ranks
    main()
