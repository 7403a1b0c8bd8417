"""Variable frame rate kept through decode → chunked encode → concat, with the audio."""

from pathlib import Path

import numpy as np

from artify_core.pipeline.chunks import plan_chunks
from artify_core.video import VideoWriter, concat_segments, iter_frames, probe_video, read_frames


def test_probe_reports_variable_rate(vfr_clip):
    info = probe_video(vfr_clip)
    assert info.frames == 85 and info.variable_rate and info.has_audio
    shortest, longest = info.times.intervals()
    assert abs(float(shortest) - 1 / 30) < 1e-4 and abs(float(longest) - 1 / 15) < 1e-4
    assert abs(float(info.times.time(84)) - (50 / 30 + 34 / 15)) < 1e-4  # the last frame's time


def test_seek_is_frame_exact_across_the_rate_change(vfr_clip):
    everything = read_frames(vfr_clip)
    for start in (30, 49, 50, 51, 70):
        np.testing.assert_array_equal(read_frames(vfr_clip, start=start, end=start + 3), everything[start:start + 3])


def test_chunked_output_keeps_every_frame_time_and_the_audio(vfr_clip, tmp_path):
    info = probe_video(vfr_clip)
    segments = []
    for chunk in plan_chunks(info.frames, 30):
        segment = tmp_path / f"seg{chunk.index}.mp4"
        # "fast" has B-frames: the MP4's own duration then misses the end of a long last frame.
        with VideoWriter(segment, width=info.width, height=info.height, fps=info.fps, preset="fast",
                         times=info.times.window(chunk.start, chunk.end)) as writer:
            for batch in iter_frames(vfr_clip, start=chunk.start, end=chunk.end, info=info):
                writer.write(batch)
        segments.append(segment)
    out = probe_video(concat_segments(segments, tmp_path / "out.mp4", audio_source=vfr_clip, audio_codec="aac"))
    assert out.frames == 85 and out.variable_rate and out.has_audio
    assert np.abs(out.times.seconds() - info.times.seconds()).max() < 1e-3
    source, back = read_frames(vfr_clip).astype(int), read_frames(Path(out.path)).astype(int)
    assert np.abs(source - back).mean(axis=(1, 2, 3)).max() < 4  # the same frames, in order


def test_writer_refuses_frames_beyond_its_times(vfr_clip, tmp_path):
    import pytest

    info = probe_video(vfr_clip)
    with pytest.raises(ValueError, match="times for 2 frames"):
        with VideoWriter(tmp_path / "x.mp4", width=info.width, height=info.height, fps=info.fps,
                         times=info.times.window(48, 50)) as writer:
            writer.write(read_frames(vfr_clip, start=48, end=51))
    assert not (tmp_path / "x.mp4").exists()
