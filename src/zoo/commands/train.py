"""Train a zoo model: zoo train (or python scripts/train.py) model=cnn [data=...] [key=value ...]

Hydra's own options apply: --help shows the config groups and the composed config,
-m runs a sweep (e.g. -m task.lr=0.01,0.1).
"""

import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import hydra
from omegaconf import DictConfig

from zoo.commands.cli import one_line_errors
from zoo.configs import (
    CONF_DIR,
    asks_for_help,
    register_settings,
    run_folder_message,
    unknown_key_message,
)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="train")
def run(cfg: DictConfig) -> float | None:
    from zoo.runs.training import train  # torch and Lightning load here, not for --help

    with one_line_errors(), hydra_files_removed_if_refused(Path(cfg.output_dir)):
        metrics = train(cfg).metrics
    return metrics.get("val/loss")  # for sweepers that minimise a value


@contextmanager
def hydra_files_removed_if_refused(run_folder: Path):
    """A run refused before it wrote its config.yaml (its data or model did not pass the
    checks) leaves no `.hydra/` in Hydra's folder for this command: a folder holding one is
    refused as a run (`run_folder_message`), so the mended command could not run there.
    Hydra's log of the command (train.log) stays."""
    from hydra.core.hydra_config import HydraConfig

    from zoo.runs.training import first_process

    try:
        yield
    except BaseException:
        if not (run_folder / "config.yaml").exists() and first_process():
            shutil.rmtree(Path(HydraConfig.get().runtime.output_dir) / ".hydra", ignore_errors=True)
        raise


def main() -> None:
    """Check the command line's keys and choices first, then run Hydra's app, its config
    holding every setting of the network, task and data (not for --help: no torch)."""
    if not asks_for_help(sys.argv[1:]):
        register_settings()
    for message in (
        unknown_key_message(CONF_DIR, "train", sys.argv[1:]),
        run_folder_message(sys.argv[1:]),
    ):
        if message:
            sys.exit(f"error: {message}")
    run()


if __name__ == "__main__":  # python -m zoo.commands.train: how DDP starts its other ranks
    main()
