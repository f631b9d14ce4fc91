"""zoo.tasks.summaries: what runs log to TensorBoard (decision boundaries that animate,
filters, feature maps, templates, confusion matrices and misclassified digits)."""

import pytest
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import zoo
from zoo.plots import (
    logged_images,
    save_animation,
)

from ..conftest import digit_like_images, write_idx, write_small_mnist


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


def test_cnn_learns_synthetic_digits_and_logs_figures(config, small_mnist):
    # every tenth test label is wrong, so there are always misclassified digits to show
    _, labels = digit_like_images(200, 1)
    labels[::10] = (labels[::10] + 1) % 10
    write_idx(small_mnist / "MNIST" / "raw" / "t10k-labels-idx1-ubyte", labels)
    cfg = config(
        "model=cnn",
        f"data.root={small_mnist}",
        "data.val_size=100",
        "data.batch_size=50",
        "model.channels=[8,16]",
        "trainer.max_epochs=6",
        "data.augment=false",
        "task.lr=0.05",
    )
    metrics = zoo.train(cfg).metrics
    assert 0.7 <= metrics["test/acc"] <= 0.9  # chance is 0.1; at most 90% labels are right
    events = EventAccumulator(f"{cfg.output_dir}/tensorboard").Reload()
    images = events.Tags()["images"]
    assert "test/confusion_matrix" in images and "test/misclassified" in images, images
    for tag in ("train/acc", "val/acc", "test/acc", "train/loss_step", "val/loss"):
        assert tag in events.Tags()["scalars"], tag
