"""Writing figures to TensorBoard from a task, whichever logger (if any) is attached."""

import lightning as L
from lightning.pytorch.loggers import TensorBoardLogger


def log_figure(module: L.LightningModule, tag: str, figure) -> None:
    """Add a matplotlib figure to every TensorBoard logger of the module's trainer."""
    for logger in module.loggers:
        if isinstance(logger, TensorBoardLogger):
            logger.experiment.add_figure(tag, figure, global_step=module.global_step, close=False)
