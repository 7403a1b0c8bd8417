"""Style images: any mode, upright, reduced when huge without warnings, refused when absurd."""

import numpy as np
import pytest
from PIL import Image

from artify_core.errors import ImageError
from artify_core.images import load_image


def test_load_image_and_errors(tmp_path):
    path = tmp_path / "rgba.png"
    Image.fromarray(np.zeros((10, 12, 4), np.uint8)).save(path)
    assert load_image(path).shape == (10, 12, 3)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    with pytest.raises(ImageError, match="not a readable image"):
        load_image(broken)
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "missing.jpg")


def test_huge_style_image_is_reduced_without_warnings(tmp_path, recwarn):
    from artify_core.images import MAX_STYLE_SIDE

    path = tmp_path / "scan.jpg"
    Image.new("RGB", (12000, 9500), (200, 30, 40)).save(path, quality=80)
    pixels = load_image(path)
    assert pixels.shape == (round(9500 * MAX_STYLE_SIDE / 12000), MAX_STYLE_SIDE, 3)
    assert np.abs(pixels.reshape(-1, 3).mean(axis=0) - (200, 30, 40)).max() < 3
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


def test_reduction_keeps_exif_orientation(tmp_path):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated by 90 degrees
    Image.new("RGB", (5000, 100), (10, 200, 10)).save(path, exif=exif)
    assert load_image(path).shape == (4096, 82, 3)
    assert load_image(path, max_side=None).shape == (5000, 100, 3)


def test_absurd_style_image_is_refused_with_one_line(tmp_path):
    path = tmp_path / "absurd.png"
    Image.new("1", (13000, 13000)).save(path)  # 169 megapixels, a few kB on disk
    with pytest.raises(ImageError, match="too large to use as a style") as error:
        load_image(path)
    assert "\n" not in str(error.value) and "13000x13000" in str(error.value)
