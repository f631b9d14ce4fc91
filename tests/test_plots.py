"""zoo.plots: the figures the pages and TensorBoard show draw what they promise, and drawing
one leaves matplotlib's backend and pyplot alone."""

import subprocess
import sys

import torch

from zoo.plots import (
    conv_filters_figure,
    decision_boundary_figure,
    digit_templates_figure,
    feature_maps_figure,
    figure_pixels,
)


def test_the_boundary_figure_shows_the_points_on_the_shaded_plane_with_a_legend():
    points = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    labels = torch.tensor([0, 0, 1, 1])
    figure = decision_boundary_figure(lambda g: (g[:, 0] > 0.5).float(), points, labels, "t")
    assert figure_pixels(figure) == (400, 400)
    ax, colour_bar = figure.axes
    scattered = [c.get_offsets().tolist() for c in ax.collections if len(c.get_offsets()) == 2]
    assert scattered == [points[:2].tolist(), points[2:].tolist()]  # class 0, then class 1
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["boundary", "class 0", "class 1"]
    assert colour_bar.get_ylabel() == "P(class 1)"
    assert ax.get_title() == "t" and ax.get_xlim()[0] < 0 < 1 < ax.get_xlim()[1]


def test_weights_are_drawn_on_a_scale_centred_at_zero_with_a_colour_bar():
    filters = conv_filters_figure(torch.randn(32, 1, 3, 3))
    panels = [a for a in filters.axes if a.images]
    assert len(panels) == 32 and figure_pixels(filters)[0] == 1130  # room for the bar
    low, high = panels[0].images[0].get_clim()
    assert low == -high < 0  # white is zero
    assert filters.axes[-1].get_ylabel() == "weight"  # the colour bar
    templates = digit_templates_figure(torch.randn(10, 784), [str(d) for d in range(10)])
    panels = [a for a in templates.axes if a.images]
    assert len(panels) == 10 and panels[3].get_title() == "'3'"
    assert panels[0].images[0].get_array().shape == (28, 28)
    assert templates.axes[-1].get_ylabel() == "weight"
    maps = feature_maps_figure(torch.rand(28, 28), torch.rand(15, 14, 14))
    shown = [a.images[0].get_array().shape for a in maps.axes if a.images]
    assert shown == [(28, 28, 3)] + [(14, 14)] * 15  # the input as colours (gray: equal)
    first = next(a for a in maps.axes if a.images).images[0].get_array()
    assert (first[..., 0] == first[..., 2]).all() and first.std() > 0


def test_a_few_large_weights_do_not_wash_out_the_rest():
    weights = torch.randn(10, 784) * 0.01
    weights[0, 0] = 100.0  # one outlier
    templates = digit_templates_figure(weights, [str(d) for d in range(10)])
    high = templates.axes[0].images[0].get_clim()[1]
    assert high < 1.0  # the scale follows the bulk of the weights, not the outlier


def test_zoos_figures_leave_matplotlib_backend_and_pyplot_alone():
    code = (
        "import sys, torch\n"
        "from zoo.plots import confusion_matrix_figure\n"
        "confusion_matrix_figure(torch.eye(3), ['a', 'b', 'c']).savefig(sys.argv[1])\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "/tmp/zoo-figure-test.png"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stderr
