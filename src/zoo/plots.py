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


# -- what the networks learn ------------------------------------------------------------------


def decision_boundary_figure(
    predict, points: torch.Tensor, labels: torch.Tensor, title: str = "", resolution: int = 150
):
    """The plane around 2-D `points`, shaded by `predict` ((N, 2) inputs -> (N,) probability
    of class 1, or 0/1 classes), its 0.5 contour (the decision boundary) and the points,
    coloured by their `labels`."""
    points, labels = points.float().cpu(), labels.cpu()
    low, high = points.min(0).values, points.max(0).values
    margin = 0.15 * (high - low).clamp_min(1e-3)
    xs = torch.linspace(float(low[0] - margin[0]), float(high[0] + margin[0]), resolution)
    ys = torch.linspace(float(low[1] - margin[1]), float(high[1] + margin[1]), resolution)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    with torch.no_grad():
        grid = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)
        surface = predict(grid).float().reshape(resolution, resolution).cpu()
    fig = Figure(figsize=(4, 4), dpi=100)
    ax = fig.subplots()
    ax.contourf(grid_x, grid_y, surface, levels=torch.linspace(0, 1, 11).tolist(), cmap="RdBu_r",
                alpha=0.55, vmin=0, vmax=1)  # fmt: skip
    if surface.min() < 0.5 < surface.max():
        ax.contour(grid_x, grid_y, surface, levels=[0.5], colors="black", linewidths=1.2)
    ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="RdBu_r", vmin=0, vmax=1, s=14,
               edgecolors="black", linewidths=0.4)  # fmt: skip
    ax.set(xlabel="x1", ylabel="x2", title=title)
    fig.tight_layout()
    return fig


def _image_grid(images, titles: list[str], columns: int, symmetric: bool):
    """Small images side by side (a (N, H, W) tensor, or a list of (H, W) of any sizes, or
    (H, W, 3) colours), diverging colours around 0 when `symmetric`."""
    rows = (len(images) + columns - 1) // columns
    fig = Figure(figsize=(1.3 * columns, 1.45 * rows), dpi=100)
    axes = fig.subplots(rows, columns, squeeze=False)
    limit = max(float(image.abs().max()) for image in images) or 1.0
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles, strict=False):
        if symmetric:
            ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        else:
            ax.imshow(image, cmap="gray", interpolation="nearest")
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig


def conv_filters_figure(weight: torch.Tensor):
    """A convolution's filters, (out, in, k, k): each output channel's kernel on its first
    input channel, red positive and blue negative."""
    kernels = weight.detach().float().cpu()[:, 0]
    return _image_grid(kernels, [f"filter {i}" for i in range(len(kernels))], 8, True)


def feature_maps_figure(image: torch.Tensor, maps: torch.Tensor):
    """One input image, then each channel of the feature maps (C, h, w) it produces."""
    images = [picture(image).clamp(0, 1), *maps.detach().float().cpu()]
    titles = ["input", *(f"map {i}" for i in range(len(maps)))]
    return _image_grid(images, titles, 8, False)


def digit_templates_figure(weight: torch.Tensor, class_names: list[str]):
    """A linear classifier's weights over 28x28 inputs, (classes, 784), as one template per
    class: red pixels vote for the class, blue against."""
    templates = weight.detach().float().cpu().reshape(len(weight), 28, 28)
    return _image_grid(templates, [f"'{name}'" for name in class_names], 5, True)


def figure_pixels(fig) -> tuple[int, int]:
    """(width, height) of `fig` in pixels, as saved."""
    width, height = fig.get_size_inches() * fig.dpi
    return round(width), round(height)
