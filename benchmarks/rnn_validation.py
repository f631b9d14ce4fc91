"""One RNN training on a validation part: its figures and training seconds, for choosing settings.

    python benchmarks/rnn_validation.py [override ...]      e.g. data.origins=24

Trains `model=rnn data=m3` (M3 monthly, its recipe; any Hydra override given changes it)
with `test=false`, so the test parts are never read, and prints the validation panel means
(sMAPE, MASE) of the network training ends with, and the seconds `zoo.train` took. Nothing
is kept on disk. `benchmarks/forecast.py --part validation` scores the same part against
Theta and AutoETS (slower: it fits them too).
"""

import sys
import tempfile
import time

import zoo
from zoo.configs import CONF_DIR, compose_config


def main(overrides: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        cfg = compose_config(
            CONF_DIR,
            ["model=rnn", "data=m3", f"output_dir={folder}", "quiet=true", "logger=none",
             "test=false", *overrides],
        )  # fmt: skip
        start = time.perf_counter()
        run = zoo.train(cfg)
        seconds = time.perf_counter() - start
    smape, mase = run.metrics["val/smape"], run.metrics["val/mase"]
    print(f"| {' '.join(overrides) or 'the recipe'} | {smape:.2f} | {mase:.3f} | {seconds:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
