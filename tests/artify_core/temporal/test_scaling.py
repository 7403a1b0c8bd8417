"""The smoother's scale-dependent choices for given frame sizes and style scales."""

from __future__ import annotations

import pytest

from artify_core.temporal.scaling import (
    DETAIL_BAND,
    FLOW_HEIGHT,
    SIZE_MEMORY_POWER,
    detail_band,
    flow_working_height,
    strength_at,
    stroke_scale,
    tolerance_scale,
)
from artify_core.temporal.smoothing import SmoothingSettings, recommended_overlap


@pytest.mark.parametrize("height", [144, 360, 720, 1080, 2160])
def test_without_a_style_scale_strokes_keep_the_models_size(height):
    assert stroke_scale(height, None) == 1.0
    assert detail_band(height, None) == DETAIL_BAND
    assert tolerance_scale(height, None) == 1.0


@pytest.mark.parametrize("height, style_scale, strokes, band", [
    (1080, 1.0, 1.5, 3),   # the model paints 720 lines, upscaled 1.5x
    (720, 2.0, 2.0, 4),    # 360 lines, upscaled 2x
    (2160, 1.0, 3.0, 6),
    (720, 1.0, 1.0, 2),
    (144, 1.0, 0.2, 2),    # painted at 720 lines and reduced: finer than a pixel, the band stays 2
    (1080, 0.5, 0.75, 2),
])
def test_the_band_and_the_tolerance_grow_with_the_strokes(height, style_scale, strokes, band):
    assert stroke_scale(height, style_scale) == pytest.approx(strokes)
    assert detail_band(height, style_scale) == band
    assert tolerance_scale(height, style_scale) == pytest.approx(max(1.0, strokes) ** 2)


@pytest.mark.parametrize("height, working", [(144, FLOW_HEIGHT), (272, FLOW_HEIGHT), (288, 288), (360, 288),
                                             (720, 288), (1080, 288), (2160, 288)])
def test_every_frame_gets_one_working_height(height, working):
    assert flow_working_height(height) == working


def test_working_height_bounds_can_be_lifted():
    assert flow_working_height(144, 288, 0) == 144  # never enlarged: the frame's own (before issue 28)
    assert flow_working_height(720, 0, 288) == 720  # never reduced
    assert flow_working_height(720, 360, 0) == 360


@pytest.mark.parametrize("height, expected", [(1080, 0.65), (288, 0.65), (272, 0.6656), (144, 0.7990), (36, 0.9337)])
def test_smaller_frames_remember_longer(height, expected):
    # memory 1 / (1 - 0.65) = 20/7 frames, times (288 / height) ** 0.8
    assert strength_at(0.65, height) == pytest.approx(expected, abs=1e-4)


def test_the_strength_rule_keeps_off_off_and_stays_within_bounds():
    assert strength_at(0.0, 144) == 0.0
    assert strength_at(0.9, 16) == 0.95
    assert strength_at(0.97, 16) == 0.97  # never lowered
    memory = [1 / (1 - strength_at(s, 72)) for s in (0.3, 0.5, 0.7)]
    gain = 4 ** SIZE_MEMORY_POWER  # a quarter of the lines
    assert memory == pytest.approx([gain / 0.7, gain / 0.5, gain / 0.3])


def test_settings_are_sized_once_for_a_frame_height():
    sized = SmoothingSettings(style_scale=2.0).for_frames(720)
    assert (sized.detail_band, sized.flow_height, sized.strength, sized.absolute) == (4, FLOW_HEIGHT, 0.65, 8.0)
    assert sized.for_frames(144) is sized
    small = SmoothingSettings().for_frames(144)
    assert small.flow_height == FLOW_HEIGHT and small.strength == pytest.approx(strength_at(0.65, 144))
    assert small.lookahead == recommended_overlap(small.strength) > SmoothingSettings().lookahead
    fixed = SmoothingSettings(size_strength=False, detail_band=5, flow_min_height=0).for_frames(144)
    assert (fixed.strength, fixed.detail_band, fixed.flow_height) == (0.65, 5, 144)
