"""The documentation site: building it runs every page (a failing block fails the build),
its pages show what their code printed and drew, its maths is typeset, its walkthroughs are
notebooks, the model zoo and the API reference say what the package holds; and the figure
functions the pages use draw what they promise."""

import json
import re
from html import unescape

import nbformat
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import zoo
from zoo.plots import (
    conv_filters_figure,
    decision_boundary_figure,
    digit_templates_figure,
    feature_maps_figure,
    figure_pixels,
    logged_images,
    save_animation,
)

from .conftest import NO_MNIST, ROOT

DOCS = ROOT / "docs"
WALKTHROUGHS = ["quickstart", "neuron", "perceptron", "digits", "forecasting"]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
RESULT = re.compile(r'<div class="result">\s*<div class="[^"]*highlight"><pre><span></span>'
                    r"<code>(.*?)</code>", re.DOTALL)  # fmt: skip


def printed(page: str) -> list[str]:
    """The outputs a page shows under its code blocks, as text."""
    return [unescape(re.sub(r"<[^>]+>", "", block)) for block in RESULT.findall(page)]


# -- the built site ---------------------------------------------------------------------------


def test_building_the_site_runs_every_page_and_shows_what_it_printed(built_site):
    pages = {"neuron": 5, "perceptron": 5, "forecasting": 3, "quickstart": 4, "m3": 1}
    for page, blocks in pages.items():
        assert len(printed(built_site.page(page))) == blocks, page
    neuron = "\n".join(printed(built_site.page("neuron")))
    assert "sigmoid(7) = 0.9990889488055994" in neuron
    assert re.search(r"Emily: 0\.\d+ \(female\), Frank: 0\.\d+ \(male\)", neuron)
    assert "dL/dw5, dL/dw6 by autograd" in neuron
    perceptron = "\n".join(printed(built_site.page("perceptron")))
    assert "0 mistakes in the last epoch" in perceptron
    forecasting = "\n".join(printed(built_site.page("forecasting")))
    assert "rnn-lo-95" in forecasting and "SeasonalNaive" in forecasting
    assert "..." not in forecasting  # tables as wide as the column, no hidden columns
    assert "Execution of python code block" not in built_site.log


def test_the_troubleshooting_page_shows_zoos_own_messages(built_site):
    messages = printed(built_site.page("troubleshooting"))
    assert len(messages) >= 8
    assert all(re.match(r"\w+Error: ", message) for message in messages), messages
    text = "\n".join(messages)
    assert "unknown model 'resnet'; choose one of: cnn, mlp, perceptron, rnn" in text
    assert "task.lr=-1 is not allowed" in text and "already holds a run" in text
    assert "Traceback" not in text
    trust = built_site.page("troubleshooting")
    assert "weights_only=True" in trust  # the README's Trust section, included


def test_a_page_that_needs_mnist_runs_with_it_or_says_it_did_not(built_site):
    digits = built_site.page("digits")
    if not built_site.mnist:
        assert "This build did not run this page" in digits and not printed(digits)
        pytest.skip(f"the Seeing digits page was built without running: {NO_MNIST}")
    outputs = "\n".join(printed(digits))
    assert re.search(r"test accuracy 99\.\d\d% \(\d+ of 10,000 wrong\)", outputs)
    assert "perceptron test accuracy 8" in outputs
    assert "This build did not run this page" not in digits


def test_maths_is_typeset_when_the_site_is_built(built_site):
    neuron = built_site.page("neuron")
    assert neuron.count('<mjx-container class="MathJax" jax="SVG"') == 2
    assert 'display="true"' in neuron and 'display="false"' in neuron
    visible = re.sub(r"<svg.*?</svg>", "", neuron, flags=re.DOTALL)
    assert "\\[" not in visible and "\\(" not in visible
    assert not re.search(r"<script[^>]+(mathjax|katex)", neuron, re.IGNORECASE)


def test_every_walkthrough_downloads_as_the_notebook_of_its_page(built_site):
    for page in WALKTHROUGHS:
        assert f'href="../notebooks/{page}.ipynb"' in built_site.page(page), page
        notebook = nbformat.reads(
            (built_site.folder / "notebooks" / f"{page}.ipynb").read_text(), as_version=4
        )
        nbformat.validate(notebook)
        code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        source = (DOCS / f"{page}.md").read_text()
        assert code == [block.rstrip("\n") for block in PYTHON_BLOCK.findall(source)], page
        markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        assert "](assets/" not in markdown  # pictures are read where the cells save them


def test_the_model_zoo_page_is_generated_from_every_shipped_card(built_site):
    page = built_site.page("models")
    text = unescape(re.sub(r"<[^>]+>", "", page))
    for weights_id in zoo.list_weights():
        weights = zoo.get_weights(weights_id)
        card = json.loads(weights.card_path.read_text())
        assert f'id="{weights.stem}"' in page
        assert f"{card['num_params']:,}" in text and card["sha256"][:16] in text
        assert f'zoo.load_model("{weights.model}", weights="{weights.name}")' in text
        assert weights.command in text  # the command that trained it


def test_the_api_reference_shows_parameters_types_and_enum_members_once(built_site):
    page = built_site.page("api")
    for heading in ("zoo.data", "zoo.tasks", "zoo.plots", "zoo.weights", "zoo.forecasting"):
        assert f'id="{heading.replace(".", "")}"' in page, heading
    for name in ("CNN", "GlobalRNN", "Forecaster", "Panel", "MNISTDataModule"):
        headings = re.findall(rf'<h\d id="[\w.]*\b{name}"', page)
        assert len(headings) == 1, (name, headings)
    text = re.sub(r"<[^>]+>", "", page)
    assert re.search(r"in_channels\s*:\s*int\s*=\s*1", text)  # the constructor's signature
    assert "CNN_Weights.MNIST" in page or 'id="zoo.weights.CNN_Weights.MNIST"' in page
    assert text.count("Parameters:") >= 30 and "Raises:" in text and "Returns:" in text


def test_every_picture_a_page_shows_is_drawn_by_a_page(built_site):
    shown = {
        name
        for page in DOCS.glob("*.md")
        for name in re.findall(r"\(assets/([\w.-]+\.(?:png|gif))\)", page.read_text())
    }
    saved = {  # the file names the pages' code writes
        name
        for page in WALKTHROUGHS
        for name in re.findall(r'"([\w.-]+\.(?:png|gif))"', (DOCS / f"{page}.md").read_text())
    }
    assert shown and shown <= saved, shown - saved
    assert all((DOCS / "assets" / name).is_file() for name in shown)  # committed copies
    assert all((built_site.folder / "assets" / name).is_file() for name in shown)
    animation = Image.open(built_site.folder / "assets" / "perceptron_separable.gif")
    assert animation.n_frames == 20


# -- the figures the pages draw ---------------------------------------------------------------


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
    assert shown == [(28, 28)] + [(14, 14)] * 15


def test_a_few_large_weights_do_not_wash_out_the_rest():
    weights = torch.randn(10, 784) * 0.01
    weights[0, 0] = 100.0  # one outlier
    templates = digit_templates_figure(weights, [str(d) for d in range(10)])
    high = templates.axes[0].images[0].get_clim()[1]
    assert high < 1.0  # the scale follows the bulk of the weights, not the outlier


def test_the_forecast_plot_draws_the_held_out_truth(tmp_path):
    import pandas as pd

    from zoo.forecasting import plot_forecasts
    from zoo.timeseries import Panel

    history = Panel.from_series(pd.Series([float(v) for v in range(1, 25)]), "s")
    forecast = pd.DataFrame(
        {"unique_id": "s", "ds": range(24, 30), "m": [25.0] * 6, "y": [26.0] * 6}
    )
    plot_forecasts(history, forecast, ["s"], tmp_path / "f.png")
    assert Image.open(tmp_path / "f.png").size[0] > 0
    from zoo.plots import forecast_grid

    figure = forecast_grid([("s", torch.ones(4), torch.ones(2), torch.zeros(2))])
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert "held-out truth" in labels and "history" in labels


# -- TensorBoard's pictures ------------------------------------------------------------------


def test_a_2d_run_logs_its_decision_boundary_and_they_animate(config, tmp_path):
    cfg = config("model=perceptron", "data=separable", "trainer.max_epochs=6", "test=false")
    zoo.train(cfg)
    events = EventAccumulator(f"{cfg.output_dir}/tensorboard", size_guidance={"images": 0})
    events.Reload()
    assert "train/decision_boundary" in events.Tags()["images"]
    pictures = events.Images("train/decision_boundary")
    assert len(pictures) == 6 and pictures[0].width == 400 and pictures[0].height == 400

    frames = logged_images(f"{cfg.output_dir}/tensorboard", "train/decision_boundary")
    assert [frame.size for frame in frames] == [(400, 400)] * 6
    gif = save_animation(frames, tmp_path / "moving.gif", frame_seconds=0.2, hold_seconds=1)
    animation = Image.open(gif)
    assert animation.n_frames == 6 and animation.info["loop"] == 0
    assert animation.info["duration"] == 200
    with pytest.raises(zoo.DataError, match="no 'test/templates' images"):
        logged_images(f"{cfg.output_dir}/tensorboard", "test/templates")


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


# -- the hook that runs the pages --------------------------------------------------------------


def load_hook(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"hook_{name}", DOCS / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_page_needing_mnist_is_built_unrun_without_it_and_run_with_it(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from .conftest import write_small_mnist

    hook = load_hook("execution")
    page = SimpleNamespace(meta={"needs": "mnist"}, file=SimpleNamespace(src_path="digits.md"))
    markdown = "# Digits\n\nText.\n\n```python\nprint(1)\n```\n\n![a](assets/a.png)\n"
    hook.on_pre_build({})
    try:
        monkeypatch.setenv("ZOO_DATA_ROOT", str(tmp_path / "empty"))
        unrun = hook.on_page_markdown(markdown, page, {}, None)
        assert "This build did not run this page" in unrun
        assert "lacks train-images-idx3-ubyte" in unrun and "t10k-labels" in unrun
        assert 'exec="on"' not in unrun
        monkeypatch.setenv("ZOO_DATA_ROOT", str(write_small_mnist(tmp_path / "data")))
        run = hook.on_page_markdown(markdown, page, {}, None)
        assert '```python exec="on" session="digits" source="block"' in run
        assert "did not run" not in run
        (hook._scratch / "a.png").write_bytes(b"drawn")  # what the page's code saved
        (hook._scratch / "b.png").write_bytes(b"not shown")
        scratch = hook._scratch
        hook.on_post_build({"site_dir": str(tmp_path / "site")})
    finally:
        hook.on_build_error(None)
    assert sorted(p.name for p in (tmp_path / "site" / "assets").iterdir()) == ["a.png"]
    assert not scratch.exists()  # the pages' runs and files leave nothing behind
