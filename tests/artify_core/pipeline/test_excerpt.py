"""Excerpts end to end through artify_core: frame-exact, with the matching audio, chunks shared with a full run."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.pipeline.excerpt import plan_excerpt
from artify_core.pipeline.recipe import ChunkRecipe
from artify_core.pipeline.styles import StylePlan
from artify_core.pipeline.stylize import stylize_chunk
from artify_core.keyframes.schedule import single_schedule
from artify_core.video import concat_segments, probe_video, read_frames
from tests.media import audio_seconds


class Tint:
    """A stand-in model with no state: inverts the frames, so outputs are easy to check."""

    name, version = "tint", "tint-1"

    def prepare_style(self, images):
        return None

    def stylize(self, frames, style, *, strength=1.0):
        return 255 - frames


def audio_span(path: Path) -> float:
    """Seconds of audio in ``path`` (sum of its packets' durations)."""
    return audio_seconds(path)


def excerpt_video(content: Path, tmp_path: Path, start: str, duration: str, chunk_frames: int) -> tuple:
    info = probe_video(content)
    excerpt = plan_excerpt(info, chunk_frames, start, duration)
    plan = StylePlan((None,), single_schedule(0, info.frames, info.fps))
    segments = [stylize_chunk(info, chunk, Tint(), plan, tmp_path / f"c{chunk.index}.mp4",
                              ChunkRecipe(height=144, smoothing=None)).path for chunk in excerpt.chunks]
    out = concat_segments(segments, tmp_path / "excerpt.mp4", audio_source=content, audio_codec=info.audio_codec,
                          audio_window=excerpt.audio_window)
    return info, excerpt, probe_video(out)


def test_vfr_excerpt_is_frame_exact_with_its_audio(vfr_clip, tmp_path):
    info, excerpt, out = excerpt_video(vfr_clip, tmp_path, "1.5", "1.0", 20)
    # Frames at 45/30 .. 49/30, then 50/30 + k/15 below 2.5 s (k <= 12): 45..62.
    assert (excerpt.frames.start, excerpt.frames.end) == (45, 63)
    assert [c.index for c in excerpt.chunks] == [2, 3]
    assert out.frames == 18 and out.has_audio
    expected = info.times.seconds(45, 63) - info.times.seconds(45, 46)
    assert np.abs(out.times.seconds() - expected).max() < 1e-3
    np.testing.assert_allclose(audio_span(Path(out.path)), float(excerpt.frames.duration), atol=0.03)
    source = read_frames(vfr_clip, start=45, end=63, height=144).astype(int)
    assert np.abs((255 - source) - read_frames(Path(out.path)).astype(int)).mean() < 4


@pytest.mark.slow
def test_excerpt_chunks_are_the_full_runs_chunks(bunny, tmp_path):
    info, excerpt, out = excerpt_video(bunny, tmp_path, "00:00:01.000", "2", 25)
    assert (excerpt.frames.start, excerpt.frames.end, out.frames) == (25, 75, 50)
    assert [(c.start, c.end) for c in excerpt.chunks] == [(25, 50), (50, 75)]
    np.testing.assert_allclose(audio_span(Path(out.path)), 2.0, atol=0.03)


def test_bad_excerpts_are_one_line_errors(tiny_video):
    info = probe_video(tiny_video)
    with pytest.raises(InputError, match="lasts only"):
        plan_excerpt(info, 10, "5")
    with pytest.raises(InputError, match="not a time"):
        plan_excerpt(info, 10, "1:xx")


def test_an_output_must_show_every_planned_frame(tiny_video):
    from artify_core.pipeline.excerpt import IncompleteOutputError, check_complete
    from artify_core.video.timing import FrameTimes

    planned = probe_video(tiny_video).times
    check_complete(str(tiny_video), planned, output="out.mp4")
    with pytest.raises(IncompleteOutputError, match=r"^out.mp4: the assembled video has 12 frames where 13 were "
                                                    r"planned; nothing was published$"):
        check_complete(str(tiny_video), FrameTimes(13, planned.fps), output="out.mp4")
    # Twelve frames at a constant 25 fps are not the twelve frames of a variable-rate plan.
    variable = FrameTimes(12, Fraction(20), Fraction(1, 1000), (*range(0, 440, 40), 480, 600))
    with pytest.raises(IncompleteOutputError, match=r"^out.mp4: frame 11 of the assembled video is shown at "
                                                    r"0.4400 s where the plan has 0.4800 s; nothing was published$"):
        check_complete(str(tiny_video), variable, output="out.mp4")


def test_a_variable_rate_output_must_keep_every_frame_time(vfr_clip):
    from artify_core.pipeline.excerpt import IncompleteOutputError, check_complete
    from artify_core.video.timing import FrameTimes

    times = probe_video(vfr_clip).times
    check_complete(str(vfr_clip), times, output="out.mp4")
    moved = list(times.pts)
    moved[60] += int(Fraction(1, 60) / times.time_base)  # frame 60 planned 1/60 s later
    with pytest.raises(IncompleteOutputError, match=r"frame 60 of the assembled video is shown at"):
        check_complete(str(vfr_clip), FrameTimes(times.frames, times.fps, times.time_base, tuple(moved)),
                       output="out.mp4")
