"""zoo.images: image files read as digits (transparent PNGs, light paper, broken and huge
files)."""

import numpy as np
import pytest
import torch
from PIL import Image

import zoo
from zoo.images import load_digit, load_digits

from .conftest import digit


def test_predict_reads_transparent_pngs_skips_bad_files_and_refuses_huge_ones(tmp_path):
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., 3] = 255 - digit(0, 255)  # black ink (alpha 255) on a transparent background
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "ink.png")
    Image.fromarray(digit()).save(tmp_path / "plain.png")
    read = load_digit(tmp_path / "ink.png")
    assert read.max() > 0.9 and torch.allclose(read, load_digit(tmp_path / "plain.png"))
    (tmp_path / "broken.png").write_bytes(b"not a png")
    files, images, skipped = load_digits([tmp_path])
    assert [f.name for f in files] == ["ink.png", "plain.png"] and len(images) == 2
    assert skipped[0][0].name == "broken.png" and "not a readable image" in skipped[0][1]
    Image.new("L", (7100, 7100)).save(tmp_path / "huge.png")
    with pytest.raises(zoo.DataError, match=r"7100 x 7100 pixels, too large"):
        load_digit(tmp_path / "huge.png")
