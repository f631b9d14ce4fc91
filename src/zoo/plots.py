"""Matplotlib figures for TensorBoard and for files: confusion matrix, digits, forecasts,
decision boundaries and what networks learn; and animations of what TensorBoard logged.

Each is drawn on a `matplotlib.figure.Figure` of its own, not through pyplot: no backend is
chosen here (a Jupyter session keeps its inline plots) and nothing needs closing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from matplotlib.figure import Figure


def confusion_matrix_figure(matrix: torch.Tensor, class_names: list[str]) -> Figure:
    """A confusion matrix with its counts written in the cells.

    Args:
        matrix: (classes, classes) counts, true classes as rows, predicted as columns.
        class_names: The label of each class, in order.

    Returns:
        The figure (save it with `.savefig(path)`).
    """
    n = len(class_names)
    fig = Figure(figsize=(1 + 0.55 * n, 1 + 0.5 * n), dpi=100)
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues")
    for i in range(n):
        for j in range(n):
            value = int(matrix[i, j])
            colour = "white" if value > matrix.max() / 2 else "black"
            ax.text(j, i, str(value), ha="center", va="center", fontsize=7, color=colour)
    ax.set(xticks=range(n), yticks=range(n), xlabel="predicted", ylabel="true")
    ax.set_xticklabels(class_names, fontsize=7)
    ax.set_yticklabels(class_names, fontsize=7)
    fig.tight_layout()
    return fig


def misclassified_figure(
    examples: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]], class_names: list[str]
) -> Figure:
    """A grid of misclassified images, each labelled 'predicted/true' above it.

    The grid is one mosaic drawn with one `imshow` (64 small axes took 1.2 s to draw,
    longer than training the fast MNIST preset for a quarter of an epoch).

    Args:
        examples: (image, predicted class, true class) triples; images of one size.
        class_names: The label of each class, indexed by class.

    Returns:
        The figure.
    """
    columns, label = 8, 10  # label: rows of pixels above each image for its caption
    rows = (len(examples) + columns - 1) // columns
    height, width = examples[0][0].shape[-2:]
    cell_h, cell_w = height + label, width + 2
    mosaic = torch.zeros(rows * cell_h, columns * cell_w, 3)
    for k, (image, _, _) in enumerate(examples):
        top, left = (k // columns) * cell_h + label, (k % columns) * cell_w + 1
        mosaic[top : top + height, left : left + width] = picture(image)
    mosaic = mosaic.clamp(0, 1)
    fig_w = columns * 1.1
    image_h = fig_w * mosaic.shape[0] / mosaic.shape[1]  # inches, at the mosaic's aspect
    fig = Figure(figsize=(fig_w, image_h + 0.35), dpi=100)
    ax = fig.add_axes((0, 0, 1, image_h / (image_h + 0.35)))
    ax.imshow(mosaic, interpolation="nearest")
    ax.axis("off")
    for k, (_, predicted, true) in enumerate(examples):
        x, y = (k % columns) * cell_w + cell_w / 2, (k // columns) * cell_h + label / 2
        caption = f"{class_names[predicted]}/{class_names[true]}"
        ax.text(x, y, caption, ha="center", va="center", fontsize=8, color="red")
    fig.suptitle("misclassified: predicted/true", fontsize=9, y=1 - 0.1 / (image_h + 0.35))
    return fig


def picture(image: torch.Tensor) -> torch.Tensor:
    """(H, W, 3) colours of an image tensor, (C, H, W) or (H, W): gray repeated in each."""
    image = image.detach().float().cpu()
    if image.dim() == 3 and image.shape[0] == 3:
        return image.permute(1, 2, 0)
    return image.reshape(image.shape[-2:]).unsqueeze(-1).expand(-1, -1, 3)


def forecast_grid(panels: list[tuple], columns: int = 3) -> Figure:
    """Small forecast plots side by side: history, forecast, held-out truth and bands.

    Args:
        panels: One tuple per plot, `(title, history, forecast, truth)`, each series a 1-D
            tensor (`truth`, the values that happened over the horizon, may be None),
            optionally followed by `{level: (lower, upper)}` bands, drawn shaded, and by
            the times of history and horizon together (dates or integers: the series' own
            axis; default the positions 0..n+h).
        columns: Plots per row.

    Returns:
        The figure, with a legend on its first plot.
    """
    rows = (len(panels) + columns - 1) // columns
    fig = Figure(figsize=(4 * columns, 2.6 * rows), dpi=100)
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (title, history, forecast, truth, *rest) in zip(axes.flat, panels, strict=False):
        ax.axis("on")
        n, h = len(history), len(forecast)
        times = list(rest[1]) if len(rest) > 1 and rest[1] is not None else range(n + h)
        past, steps = times[:n], times[n : n + h]
        bands = sorted((rest[0] if rest else {}).items(), reverse=True)  # widest first
        for shade, (level, (lower, upper)) in zip((0.15, 0.3, 0.45), bands, strict=False):
            ax.fill_between(
                steps, lower, upper, color="tab:red", alpha=shade, lw=0, label=f"{level:g}%"
            )
        ax.plot(past, history, color="0.3", lw=1.0, label="history")
        if truth is not None:
            ax.plot(steps, truth, color="tab:green", lw=1.2, label="held-out truth")
        ax.plot(steps, forecast, color="tab:red", lw=1.3, ls="--", label="forecast")
        ax.axvline(past[-1], color="0.7", lw=0.8)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        if not isinstance(times, range) and hasattr(times[0], "year"):  # dates
            ax.tick_params(axis="x", labelrotation=30)
    axes.flat[0].legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    return fig


# -- what the networks learn ------------------------------------------------------------------


def decision_boundary_figure(
    predict: Callable[[torch.Tensor], torch.Tensor],
    points: torch.Tensor,
    labels: torch.Tensor,
    title: str = "",
    resolution: int = 150,
) -> Figure:
    """The plane around 2-D points, shaded by a classifier's answer, with its boundary.

    Args:
        predict: Maps (N, 2) inputs to (N,) probabilities of class 1, or to 0/1 classes.
        points: (N, 2) points drawn on top, such as the training set.
        labels: (N,) their classes, 0 or 1: the colour of each point.
        title: The figure's title.
        resolution: Grid points along each axis.

    Returns:
        A 400 x 400 pixel figure: the shading (a colour bar gives the probability), the
        0.5 contour (the decision boundary) in black and the points, with a legend.
    """
    from matplotlib.lines import Line2D

    points, labels = points.float().cpu(), labels.cpu()
    low, high = points.min(0).values, points.max(0).values
    margin = 0.15 * (high - low).clamp_min(1e-3)
    xs = torch.linspace(float(low[0] - margin[0]), float(high[0] + margin[0]), resolution)
    ys = torch.linspace(float(low[1] - margin[1]), float(high[1] + margin[1]), resolution)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    with torch.no_grad():
        grid = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)
        surface = predict(grid).float().reshape(resolution, resolution).cpu()
    fig = Figure(figsize=(4, 4), dpi=100, layout="constrained")
    ax = fig.subplots()
    shading = ax.contourf(grid_x, grid_y, surface, levels=torch.linspace(0, 1, 11).tolist(),
                          cmap="RdBu_r", alpha=0.55, vmin=0, vmax=1)  # fmt: skip
    colour_bar = fig.colorbar(shading, ax=ax, shrink=0.8, ticks=[0, 0.5, 1])
    colour_bar.set_label("P(class 1)", fontsize=8)
    colour_bar.ax.tick_params(labelsize=7)
    handles = []
    if surface.min() < 0.5 < surface.max():
        ax.contour(grid_x, grid_y, surface, levels=[0.5], colors="black", linewidths=1.2)
        handles.append(Line2D([], [], color="black", lw=1.2, label="boundary"))
    for label, colour in ((0, "#2166ac"), (1, "#b2182b")):
        chosen = labels == label
        handles.append(ax.scatter(points[chosen, 0], points[chosen, 1], color=colour, s=14,
                                  edgecolors="black", linewidths=0.4,
                                  label=f"class {label}"))  # fmt: skip
    ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.85)
    ax.set(xlabel="x1", ylabel="x2", title=title)
    return fig


def _image_grid(
    images, titles: list[str], columns: int, symmetric: bool, label: str = ""
) -> Figure:
    """Small images side by side (a (N, H, W) tensor, or a list of (H, W) of any sizes, or
    (H, W, 3) colours).

    When `symmetric`, weights are drawn with a diverging colour map centred at zero (red
    positive, white zero, blue negative), one scale for all, clipped at the 99th
    percentile of their magnitudes so a few large weights do not wash the rest out, and a
    colour bar labelled `label` gives it.
    """
    rows = (len(images) + columns - 1) // columns
    extra = 0.9 if symmetric else 0.0  # room for the colour bar
    fig = Figure(figsize=(1.3 * columns + extra, 1.45 * rows), dpi=100, layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    magnitudes = torch.cat([image.abs().reshape(-1) for image in images])
    limit = float(torch.quantile(magnitudes.float(), 0.99)) or 1.0
    for ax in axes.flat:
        ax.axis("off")
    shown = None
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        if symmetric:
            shown = ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit,
                              interpolation="nearest")  # fmt: skip
        else:
            ax.imshow(image, cmap="gray", interpolation="nearest")
        ax.set_title(title, fontsize=8)
    if symmetric:
        bar = fig.colorbar(shown, ax=axes, shrink=min(0.9, 0.5 + 0.1 * rows), extend="both")
        bar.set_label(label, fontsize=8)
        bar.ax.tick_params(labelsize=7)
    return fig


def conv_filters_figure(weight: torch.Tensor) -> Figure:
    """A convolution's filters, red positive and blue negative, one colour bar for all.

    Args:
        weight: The convolution's (out, in, k, k) weight; each output channel's kernel on
            its first input channel is drawn.

    Returns:
        The figure, eight filters a row.
    """
    kernels = weight.detach().float().cpu()[:, 0]
    titles = [f"filter {i}" for i in range(len(kernels))]
    return _image_grid(kernels, titles, 8, True, "weight")


def feature_maps_figure(image: torch.Tensor, maps: torch.Tensor) -> Figure:
    """One input image (gray or RGB), then each feature map it produces, in grey.

    Args:
        image: The input, (H, W), (1, H, W) or (3, H, W).
        maps: (C, h, w) feature maps of it, one panel each.

    Returns:
        The figure, eight panels a row.
    """
    images = [picture(image).clamp(0, 1), *maps.detach().float().cpu()]
    titles = ["input", *(f"map {i}" for i in range(len(maps)))]
    return _image_grid(images, titles, 8, False)


def digit_templates_figure(weight: torch.Tensor, class_names: list[str]) -> Figure:
    """A linear classifier's weights over 28x28 digits as one template per class.

    Red pixels vote for the class, blue against, white not at all; one colour bar, centred
    at zero, for all.

    Args:
        weight: (classes, 784) weights.
        class_names: The label of each class, in order.

    Returns:
        The figure, five templates a row.
    """
    templates = weight.detach().float().cpu().reshape(len(weight), 28, 28)
    titles = [f"'{name}'" for name in class_names]
    return _image_grid(templates, titles, 5, True, "weight")


def figure_pixels(fig: Figure) -> tuple[int, int]:
    """The size of a figure as saved.

    Args:
        fig: A matplotlib figure.

    Returns:
        (width, height) in pixels.
    """
    width, height = fig.get_size_inches() * fig.dpi
    return round(width), round(height)


# -- animations of what TensorBoard logged ----------------------------------------------------


def logged_images(log_dir: str | Path, tag: str) -> list:
    """The images a run logged to TensorBoard under one tag, in the order of their steps.

    Args:
        log_dir: The folder holding the run's event files (a run's `tensorboard/`).
        tag: The image tag, such as `train/decision_boundary`.

    Returns:
        PIL images, one per logged step.

    Raises:
        zoo.errors.DataError: If the folder holds no image under `tag`.
    """
    import io

    from PIL import Image
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from zoo.errors import DataError

    events = EventAccumulator(str(log_dir), size_guidance={"images": 0})
    events.Reload()
    if tag not in events.Tags()["images"]:
        raise DataError(
            f"no {tag!r} images in {log_dir}: train with logger=tensorboard on data "
            "that logs them (2-D points for decision boundaries)"
        )
    logged = sorted(events.Images(tag), key=lambda event: event.step)
    return [Image.open(io.BytesIO(event.encoded_image_string)).convert("RGB") for event in logged]


def save_animation(
    frames: Sequence, path: str | Path, frame_seconds: float = 0.3, hold_seconds: float = 1.5
) -> Path:
    """Images as a looping animated GIF (Pillow).

    Args:
        frames: PIL images of one size, in order.
        path: Where to write the GIF.
        frame_seconds: How long each frame shows.
        hold_seconds: How long the last frame shows before the loop starts again.

    Returns:
        The path written.
    """
    durations = [round(1000 * frame_seconds)] * (len(frames) - 1) + [round(1000 * hold_seconds)]
    first, *rest = frames
    first.save(path, save_all=True, append_images=rest, duration=durations, loop=0)
    return Path(path)
