"""`artify preview` and the timing and colour lines of `artify info`, through the command itself."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.test_cli import artify, assert_one_line_error


def test_info_says_variable_rate_and_colour(vfr_clip):
    result = artify("info", str(vfr_clip))
    assert result.returncode == 0, result.stderr
    assert "variable (33.33 to 66.67 ms between frames" in result.stdout
    assert "colour: BT.601 (untagged: assumed), limited range" in result.stdout


def test_info_says_constant_rate(bikes):
    assert "rate: constant (40.00 ms between frames)" in artify("info", str(bikes)).stdout


@pytest.mark.slow
def test_preview_writes_a_sheet(bikes_clip, starrynight, tmp_path):
    out = tmp_path / "sheet.jpg"
    result = artify("preview", str(bikes_clip), "--style", str(starrynight), "--at", "0.5", "--height", "136",
                    "--no-smooth", "--device", "cpu", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"{out}: 1 styles at 0.52 s" in result.stdout
    assert Image.open(out).size[1] > 136


@pytest.mark.parametrize("args,fragment", [
    (["--at", "99"], "lasts only"), (["--at", "1:xx"], "not a time"), (["--style-scale", "9"], "--style-scale"),
])
def test_preview_bad_input_is_one_line(bikes_clip, starrynight, args, fragment):
    assert_one_line_error(artify("preview", str(bikes_clip), "--style", str(starrynight), *args), fragment)
