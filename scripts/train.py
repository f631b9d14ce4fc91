"""Train a zoo model: python scripts/train.py model=cnn [data=...] [key=value ...]

Hydra's own options apply: --help shows the config groups and the composed config,
-m runs a sweep (e.g. -m task.lr=0.01,0.1).
"""

import sys

import hydra
from omegaconf import DictConfig

import zoo


@hydra.main(version_base="1.3", config_path="../conf", config_name="train")
def main(cfg: DictConfig) -> float | None:
    try:
        metrics = zoo.train(cfg)
    except zoo.ZooError as error:
        sys.exit(f"error: {error}")
    return metrics.get("val/loss")  # for sweepers that minimise a value


if __name__ == "__main__":
    main()
