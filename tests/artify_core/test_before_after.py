"""The before/after loop: the most moving window, side by side, within its byte budget."""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from artify_core.before_after import most_moving, pair_motion, panel_size, render_before_after
from artify_core.images import animated_image
from artify_core.video import VideoWriter, probe_video
from tests.conftest import moving_square_frames


def test_pair_motion_is_the_mean_absolute_grey_difference():
    frames = np.zeros((3, 4, 4, 3), np.uint8)
    frames[1, :2] = 30  # half of frame 1 brighter by 30 levels: 15 on average, then back
    assert pair_motion(frames).tolist() == [15.0, 15.0]


def test_the_most_moving_window_wins_and_cuts_count_as_still():
    motion = np.array([1, 1, 9, 9, 9, 1, 1, 80, 1], float)  # pair i: frames i, i+1; a cut at frame 8
    assert (most_moving(motion, 4).start, most_moving(motion, 4).end) == (5, 9)  # around the cut, if counted
    chosen = most_moving(motion, 4, cuts=[8])
    assert (chosen.start, chosen.end, chosen.motion) == (2, 6, 9.0)
    assert (most_moving(motion, 4, cuts=[108], offset=100).start) == 102  # cuts and windows in video frames
    assert most_moving(np.ones(3), 10).frames == 4  # never longer than the video
    assert most_moving(np.zeros(5), 3).start == 0  # ties: the earliest


@pytest.mark.parametrize("size,expected", [((640, 272), (368, 156)), ((1280, 720), (320, 180)),
                                           ((64, 48), (64, 48)), ((1080, 1920), (180, 320))])
def test_panel_size_keeps_the_aspect_within_its_pixels(size, expected):
    assert panel_size(*size) == expected


def test_animated_image_fits_its_budget_by_dropping_frames_quality_and_size():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (24, 120, 320, 3), dtype=np.uint8)  # texture: many bytes a frame
    roomy = animated_image(noise, 25, max_bytes=10_000_000)
    tight = animated_image(noise, 25, max_bytes=len(roomy.data) // 5)
    assert (roomy.mime, roomy.frames, roomy.width, roomy.fps) == ("image/webp", 24, 320, 25.0)
    assert len(tight.data) <= len(roomy.data) // 5 and tight.frames < 24
    with Image.open(io.BytesIO(tight.data)) as image:
        assert image.format == "WEBP" and image.n_frames == tight.frames and image.width == tight.width


def test_render_before_after_puts_the_content_beside_the_output(tmp_path):
    frames = moving_square_frames(count=40)  # the square moves for 20 frames, then is gone
    content, output = tmp_path / "content.mp4", tmp_path / "output.mp4"
    for path, pixels in ((content, frames), (output, 255 - frames)):
        with VideoWriter(path, width=64, height=48, fps=Fraction(25), crf=0, preset="ultrafast") as writer:
            writer.write(pixels)
    loop = render_before_after(probe_video(content), output, seconds=0.6, max_bytes=200_000)
    assert loop.window.frames == 15 and loop.seconds == pytest.approx(0.6) and not loop.whole
    assert loop.window.start <= 20 - 15  # the square leaves the frame after frame 20: still from there
    with Image.open(io.BytesIO(loop.image.data)) as image:
        assert image.size == (128, 48) and image.n_frames == 15
        image.seek(10)
        left, right = np.asarray(image.convert("RGB"))[:, :64].astype(int), np.asarray(image.convert("RGB"))[:, 64:]
    assert np.abs(left + right - 255).mean() < 12  # the output is the content's negative: lossy, not exact
