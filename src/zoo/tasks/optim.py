"""Optimizer and learning-rate schedule by name, shared by the gradient-trained tasks."""

from collections.abc import Iterable

import torch

OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULERS = (None, "onecycle", "cosine")


def configure_optimization(
    params: Iterable[torch.nn.Parameter],
    total_steps: int,
    optimizer: str = "sgd",
    lr: float = 0.1,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    scheduler: str | None = None,
    cycle_momentum: bool = False,
) -> dict:
    """The dict Lightning's `configure_optimizers` returns; schedules step every batch.

    The one-cycle schedule keeps the configured momentum unless `cycle_momentum` asks it to
    cycle momentum (or Adam's beta1) between 0.95 and 0.85 against the learning rate.
    """
    if optimizer == "sgd":
        opt = torch.optim.SGD(
            params, lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=momentum > 0
        )
    elif optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    else:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}")

    if scheduler is None:
        return {"optimizer": opt}
    if scheduler == "onecycle":
        # lr warms up to `lr` over the first 25% of steps, then anneals to ~0
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            opt,
            max_lr=lr,
            total_steps=total_steps,
            pct_start=0.25,
            cycle_momentum=cycle_momentum,
        )
    elif scheduler == "cosine":
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
    else:
        choices = ", ".join(str(s) for s in SCHEDULERS)
        raise ValueError(f"unknown scheduler {scheduler!r}; choose one of: {choices}")
    return {"optimizer": opt, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}
