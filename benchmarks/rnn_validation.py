"""One RNN training on a validation part: its figures and training seconds, for choosing settings.

    python benchmarks/rnn_validation.py [override ...]      e.g. data.origins=24

Trains `model=rnn data=m3` (M3 monthly, its recipe; any Hydra override given changes it,
`recipe=rnn_csv` the recipe for a user's panel) with `test=false`, so the test parts are
never read, and `data.final_fit=false`, so the last horizon of each training part is the
validation part (the network trains on every value before it, as the recipe's final run
trains on every value before the test part), and prints the validation panel means (sMAPE,
MASE) of the network the run keeps (the one training ends with, or with
`test_checkpoint=best` the best epoch's, then validated again: its figures were chosen on
these windows, so they flatter it), and the seconds `zoo.train` took. The log lines give the
budget of steps and the best epoch. Nothing is kept on disk. `benchmarks/forecast.py --part
validation` scores the same part against Theta and AutoETS (slower: it fits them too).
"""

import logging
import sys
import tempfile
import time

import lightning as L

import zoo
from zoo.configs import CONF_DIR, compose_config


def main(overrides: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("zoo.runs.budget").setLevel(logging.INFO)  # the budget, the best epoch
    with tempfile.TemporaryDirectory() as folder:
        cfg = compose_config(
            CONF_DIR,
            ["model=rnn", "data=m3", f"output_dir={folder}", "quiet=true", "logger=none",
             "test=false", "data.final_fit=false", *overrides],
        )  # fmt: skip
        start = time.perf_counter()
        run = zoo.train(cfg)
        seconds = time.perf_counter() - start
        metrics = run.metrics
        if run.tested_checkpoint is not None:  # the best epoch's weights: validate them again
            trainer = L.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
            data = run.task.trainer.datamodule  # the run's own: read once
            metrics = trainer.validate(run.task, datamodule=data, verbose=False)[0]
    smape, mase = metrics["val/smape"], metrics["val/mase"]
    print(f"| {' '.join(overrides) or 'the recipe'} | {smape:.2f} | {mase:.3f} | {seconds:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
