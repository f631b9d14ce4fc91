"""zoo.transforms: raw inputs become what a shipped network reads, as training read them."""

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from zoo.timeseries import Panel
from zoo.timeseries.windows import forecast_windows
from zoo.weights import (
    SeriesWindow,
)

from .conftest import digit_like_images, shipped


def test_series_window_reads_what_the_forecaster_is_trained_on():
    series = [np.arange(1.0, 13.0), np.arange(1.0, 4.0) * 7]
    x, mask = SeriesWindow(input_length=8, positive=True)(series)
    expected = forecast_windows(Panel.from_arrays(["a", "b"], series), 8).__getitems__([0, 1])
    assert torch.equal(x, expected["x"]) and torch.equal(mask, expected["mask"])
    one, one_mask = SeriesWindow(input_length=8)(pd.Series(series[0]))
    assert one.shape == one_mask.shape == (1, 8)
    with pytest.raises(ValueError, match="positive"):
        SeriesWindow(input_length=8, positive=True)([1.0, 0.0, 2.0])


def test_digit_transform_takes_pil_images_uint8_and_float_tensors():
    weights = shipped("cnn.mnist")
    transform = weights.transforms()
    images, _ = digit_like_images(2, seed=0)
    as_uint8 = transform(torch.tensor(images, dtype=torch.uint8))  # (B, H, W)
    as_pil = transform(Image.fromarray(images[0].astype(np.uint8)))
    as_float = transform(torch.tensor(images[:1] / 255, dtype=torch.float32).unsqueeze(1))
    assert as_uint8.shape == (2, 1, 28, 28) and as_pil.shape == (1, 28, 28)
    assert torch.allclose(as_pil, as_uint8[0]) and torch.allclose(as_float[0], as_uint8[0])
    big = transform(Image.fromarray(images[0].astype(np.uint8)).resize((56, 56)))
    assert big.shape == (1, 28, 28)
