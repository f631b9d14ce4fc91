"""Writing figures to TensorBoard from a task, whichever logger (if any) is attached."""

import lightning as L
from lightning.pytorch.loggers import TensorBoardLogger


def log_figure(module: L.LightningModule, tag: str, figure) -> None:
    """Add a matplotlib figure to every TensorBoard logger of the module's trainer."""
    for logger in module.loggers:
        if isinstance(logger, TensorBoardLogger):
            logger.experiment.add_figure(tag, figure, global_step=module.global_step, close=False)


BOUNDARY_PICTURES = 20  # about this many per run, so TensorBoard's slider shows it move


def log_decision_boundary(task: L.LightningModule) -> None:
    """On 2-D classification data, the task's decision boundary with the training points,
    logged as `train/decision_boundary` about `BOUNDARY_PICTURES` times a run (first and
    last epoch included): TensorBoard's image slider shows the boundary move."""
    if list(task.hparams.get("input_shape") or []) != [2]:
        return
    if not any(isinstance(logger, TensorBoardLogger) for logger in task.loggers):
        return
    epoch, epochs = task.current_epoch, max(task.trainer.max_epochs or 1, 1)
    every = max(1, epochs // BOUNDARY_PICTURES)
    if epoch % every and epoch + 1 < epochs:
        return
    from zoo.plots import decision_boundary_figure

    points, labels = task.trainer.datamodule.train_set.tensors[:2]
    was_training = task.training
    task.eval()
    try:
        figure = decision_boundary_figure(
            lambda grid: task.class_one_probability(grid.to(task.device)),
            points,
            labels,
            title=f"epoch {epoch}",
        )
    finally:
        task.train(was_training)
    log_figure(task, "train/decision_boundary", figure)


def log_what_it_learned(task: L.LightningModule, example=None) -> None:
    """At test time, pictures of the network's own weights: a CNN's first-layer filters and
    (given a raw `example` image) the first block's feature maps of it; a perceptron's or
    any linear unit's weights over 28x28 digits as one template per class."""
    if not any(isinstance(logger, TensorBoardLogger) for logger in task.loggers):
        return
    import torch

    from zoo.inputs import normalise
    from zoo.models import CNN, Perceptron
    from zoo.plots import conv_filters_figure, digit_templates_figure, feature_maps_figure

    model = task.model
    if isinstance(model, CNN):
        first = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
        log_figure(task, "test/first_layer_filters", conv_filters_figure(first.weight))
        if example is not None:
            with torch.no_grad():
                x = normalise(example.unsqueeze(0).float(), task.hparams.input_mean,
                              task.hparams.input_std)  # fmt: skip
                maps = model.features[0](x.to(task.device))[0]
            log_figure(task, "test/feature_maps", feature_maps_figure(example, maps[:15]))
    elif isinstance(model, Perceptron) and model.linear.in_features == 28 * 28:
        names = task.hparams.class_names or [str(i) for i in range(task.num_classes)]
        if model.linear.out_features == len(names):
            log_figure(task, "test/templates", digit_templates_figure(model.linear.weight, names))
