"""Matplotlib figures for TensorBoard and for files: confusion matrix, digits, forecasts.

Each is drawn on a `matplotlib.figure.Figure` of its own, not through pyplot: no backend is
chosen here (a Jupyter session keeps its inline plots) and nothing needs closing.
"""

import torch
from matplotlib.figure import Figure


def confusion_matrix_figure(matrix: torch.Tensor, class_names: list[str]):
    """Counts with true classes as rows, predicted as columns."""
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
):
    """A grid of (image, predicted, true) examples, each labelled 'pred/true' above it.

    The grid is one mosaic drawn with one `imshow` (64 small axes took 1.2 s to draw,
    longer than training the fast MNIST preset for a quarter of an epoch).
    """
    columns, label = 8, 10  # label: rows of pixels above each image for its caption
    rows = (len(examples) + columns - 1) // columns
    height, width = examples[0][0].shape[-2:]
    cell_h, cell_w = height + label, width + 2
    mosaic = torch.zeros(rows * cell_h, columns * cell_w)
    for k, (image, _, _) in enumerate(examples):
        top, left = (k // columns) * cell_h + label, (k % columns) * cell_w + 1
        mosaic[top : top + height, left : left + width] = image.float().reshape(height, width)
    fig_w = columns * 1.1
    image_h = fig_w * mosaic.shape[0] / mosaic.shape[1]  # inches, at the mosaic's aspect
    fig = Figure(figsize=(fig_w, image_h + 0.35), dpi=100)
    ax = fig.add_axes((0, 0, 1, image_h / (image_h + 0.35)))
    ax.imshow(mosaic, cmap="gray", interpolation="nearest")
    ax.axis("off")
    for k, (_, predicted, true) in enumerate(examples):
        x, y = (k % columns) * cell_w + cell_w / 2, (k // columns) * cell_h + label / 2
        caption = f"{class_names[predicted]}/{class_names[true]}"
        ax.text(x, y, caption, ha="center", va="center", fontsize=8, color="red")
    fig.suptitle("misclassified: predicted/true", fontsize=9, y=1 - 0.1 / (image_h + 0.35))
    return fig


def forecast_grid(panels: list[tuple], columns: int = 3):
    """Small forecast plots side by side, one per (title, history, forecast, truth) tuple,
    with an optional fifth item {level: (lower, upper)} drawn as shaded bands and a sixth,
    the times of history and horizon together (dates or integers: the series' own axis;
    default the positions 0..n+h)."""
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
        ax.plot(past, history, color="0.3", lw=1.0)
        if truth is not None:
            ax.plot(steps, truth, color="tab:green", lw=1.0, label="truth")
        ax.plot(steps, forecast, color="tab:red", lw=1.3, ls="--", label="forecast")
        ax.axvline(past[-1], color="0.7", lw=0.8)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        if not isinstance(times, range) and hasattr(times[0], "year"):  # dates
            ax.tick_params(axis="x", labelrotation=30)
    axes.flat[0].legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    return fig
