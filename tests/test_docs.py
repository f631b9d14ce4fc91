"""The documentation: every walkthrough page runs as written, the figures it shows are what
zoo's figure functions draw, and 2-D runs log their decision boundary to TensorBoard."""

import pytest
import torch
from mktestdocs import check_md_file
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import zoo
from zoo.plots import (
    conv_filters_figure,
    decision_boundary_figure,
    digit_templates_figure,
    feature_maps_figure,
    figure_pixels,
)

from .conftest import ROOT, real_mnist_root

WALKTHROUGHS = ["index.md", "neuron.md", "perceptron.md", "digits.md", "forecasting.md"]


@pytest.mark.parametrize("page", WALKTHROUGHS)
def test_every_code_block_of_the_page_runs(page, tmp_path, monkeypatch):
    if page == "digits.md":
        monkeypatch.setenv("ZOO_DATA_ROOT", real_mnist_root())  # skips, saying why, without
    monkeypatch.chdir(tmp_path)  # what the page saves lands here, not in docs/
    check_md_file(ROOT / "docs" / page, memory=True)


def test_every_picture_a_page_shows_is_drawn_by_a_page():
    import re

    shown = {
        name
        for page in (ROOT / "docs").glob("*.md")
        for name in re.findall(r"\(assets/([\w.-]+\.png)\)", page.read_text())
    }
    saved = {  # the file names the pages' code writes
        name
        for page in WALKTHROUGHS
        for name in re.findall(r'"([\w.-]+\.png)"', (ROOT / "docs" / page).read_text())
    }
    assert shown and shown <= saved, shown - saved
    assert all((ROOT / "docs" / "assets" / name).is_file() for name in shown)


def test_the_boundary_figure_shows_the_points_on_the_shaded_plane():
    points = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    labels = torch.tensor([0, 0, 1, 1])
    figure = decision_boundary_figure(lambda g: (g[:, 0] > 0.5).float(), points, labels, "t")
    assert figure_pixels(figure) == (400, 400)
    (ax,) = figure.axes
    scatter = [c for c in ax.collections if len(c.get_offsets()) == 4]
    assert len(scatter) == 1 and scatter[0].get_offsets().tolist() == points.tolist()
    assert ax.get_title() == "t" and ax.get_xlim()[0] < 0 < 1 < ax.get_xlim()[1]


def test_the_image_figures_have_one_panel_per_filter_map_and_class():
    filters = conv_filters_figure(torch.randn(32, 1, 3, 3))
    assert len([a for a in filters.axes if a.images]) == 32 and figure_pixels(filters)[0] == 1040
    maps = feature_maps_figure(torch.rand(28, 28), torch.rand(15, 14, 14))
    shown = [a.images[0].get_array().shape for a in maps.axes if a.images]
    assert shown == [(28, 28)] + [(14, 14)] * 15
    templates = digit_templates_figure(torch.randn(10, 784), [str(d) for d in range(10)])
    panels = [a for a in templates.axes if a.images]
    assert len(panels) == 10 and panels[3].get_title() == "'3'"
    assert panels[0].images[0].get_array().shape == (28, 28)


def test_a_2d_run_logs_its_decision_boundary_every_few_epochs(config):
    cfg = config("model=perceptron", "data=separable", "trainer.max_epochs=6", "test=false")
    zoo.train(cfg)
    events = EventAccumulator(f"{cfg.output_dir}/tensorboard", size_guidance={"images": 0})
    events.Reload()
    assert "train/decision_boundary" in events.Tags()["images"]
    pictures = events.Images("train/decision_boundary")
    assert len(pictures) == 6 and pictures[0].width == 400 and pictures[0].height == 400


def test_runs_on_digits_log_their_filters_maps_and_templates_not_a_boundary(config, tmp_path):
    from .conftest import write_small_mnist

    root = write_small_mnist(tmp_path / "mnist")
    common = [f"data.root={root}", "data.val_size=100", "trainer.max_epochs=1"]
    tags = {}
    for model, extra in (("perceptron", []), ("cnn", ["model.channels=[4,8]"])):
        cfg = config(f"model={model}", "data=mnist", *common, *extra)
        zoo.train(cfg)
        events = EventAccumulator(f"{cfg.output_dir}/tensorboard", size_guidance={"images": 0})
        events.Reload()
        tags[model] = set(events.Tags()["images"])
    assert "test/templates" in tags["perceptron"]
    assert {"test/first_layer_filters", "test/feature_maps"} <= tags["cnn"]
    assert not any("decision_boundary" in t for t in tags["perceptron"] | tags["cnn"])
