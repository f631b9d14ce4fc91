"""Evaluate a checkpoint on the test set of the run that wrote it:

    python scripts/eval.py ckpt_path=outputs/cnn_mnist/.../checkpoints/last.ckpt [+data.root=...]
        [accelerator=cpu|gpu|auto] [precision=...]

Prints the test metrics and logs them to TensorBoard in a new folder under outputs/eval/.
"""

import hydra
from omegaconf import DictConfig, OmegaConf

from zoo.commands.cli import one_line_errors
from zoo.configs import CONF_DIR


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="eval")
def main(cfg: DictConfig) -> None:
    from zoo.runs.evaluation import evaluate  # torch and Lightning load here, not for --help

    with one_line_errors():
        metrics = evaluate(
            cfg.ckpt_path,
            OmegaConf.to_container(cfg.data),
            output_dir=cfg.output_dir,
            quiet=cfg.quiet,
            accelerator=cfg.accelerator,
            precision=cfg.precision,
        )
    for name, value in sorted(metrics.items()):
        print(f"{name}: {value:.4f}")
    print(f"logged to: {cfg.output_dir}")


if __name__ == "__main__":  # python -m zoo.commands.eval: how DDP starts its other ranks
    main()
