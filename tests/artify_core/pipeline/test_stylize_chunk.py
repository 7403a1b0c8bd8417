"""One chunk: decode → model → smoothing → encode, and chunks that join without seams."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import numpy as np
import pytest

from artify_core.keyframes.schedule import single_schedule
from artify_core.pipeline.chunks import plan_chunks
from artify_core.pipeline.styles import StylePlan
from artify_core.pipeline.stylize import stylize_chunk
from artify_core.settings import EncodingOptions
from artify_core.temporal.smoothing import SmoothingSettings
from artify_core.video import VideoWriter, concat_segments, probe_video, read_frames
from tests.conftest import moving_square_frames

LOSSLESS = EncodingOptions(crf=0, preset="ultrafast")


class FlickeringModel:
    """Content plus noise seeded by the frame's bytes: deterministic per frame, but it
    flickers from frame to frame the way per-frame stylization does."""

    name = "flicker"
    version = "flicker-1"

    def prepare_style(self, images):
        return None

    def stylize(self, frames, style, *, strength=1.0):
        out = []
        for frame in frames:
            seed = int.from_bytes(hashlib.sha256(frame.tobytes()).digest()[:4], "little")
            noise = np.random.default_rng(seed).normal(0, 25, frame.shape)
            out.append(np.clip(frame + noise, 0, 255).astype(np.uint8))
        return np.stack(out)


@pytest.fixture(scope="module")
def video30(tmp_path_factory):
    path = tmp_path_factory.mktemp("media") / "square30.mp4"
    with VideoWriter(path, width=64, height=48, fps=Fraction(25), crf=0, preset="ultrafast") as writer:
        writer.write(moving_square_frames(30, 48, 64))
    return path


def run_chunks(video, directory, chunk_frames, smoothing, overlap=None):
    info = probe_video(video)
    plan = StylePlan((None,), single_schedule(0, info.frames, info.fps))
    segments = []
    for chunk in plan_chunks(info.frames, chunk_frames):
        result = stylize_chunk(info, chunk, FlickeringModel(), plan, directory / f"c{chunk.index}.mp4",
                               smoothing=smoothing, overlap=overlap, encode=LOSSLESS, batch_frames=4)
        assert result.frames == chunk.frames
        segments.append(result.path)
    out = concat_segments(segments, directory / f"out{chunk_frames}-{overlap}.mp4")
    return read_frames(out).astype(int)


def test_overlapping_chunks_match_one_pass(tmp_path, video30):
    smoothing = SmoothingSettings(strength=0.5)
    whole = run_chunks(video30, tmp_path, 30, smoothing)
    chunked = run_chunks(video30, tmp_path, 12, smoothing)  # warm-up of 6 frames before 12 and 24
    cold = run_chunks(video30, tmp_path, 12, smoothing, overlap=0)
    assert whole.shape == chunked.shape == (30, 48, 64, 3)
    seam_error = np.abs(chunked - whole)[[12, 24]].mean()
    cold_error = np.abs(cold - whole)[[12, 24]].mean()
    assert seam_error < 1.0, seam_error
    assert cold_error > 5 * max(seam_error, 0.5), (cold_error, seam_error)  # without warm-up the seam shows


def test_smoothing_reduces_flicker_and_can_be_turned_off(tmp_path, video30):
    content = read_frames(video30).astype(int)
    raw = run_chunks(video30, tmp_path, 30, None)
    smoothed = run_chunks(video30, tmp_path, 30, SmoothingSettings(strength=0.5))
    # The background is static: frame-to-frame change there is pure flicker.
    background = (slice(30, 48), slice(0, 64))
    raw_flicker = np.abs(np.diff(raw[:, background[0], background[1]], axis=0)).mean()
    smooth_flicker = np.abs(np.diff(smoothed[:, background[0], background[1]], axis=0)).mean()
    assert smooth_flicker < 0.75 * raw_flicker, (smooth_flicker, raw_flicker)
    assert np.abs(raw - content).mean() > 10  # the model did change the pixels


class RecordingSequenceModel(FlickeringModel):
    """A stateful model: records what its sequences were shown, to check the chunk's context."""

    def __init__(self):
        self.sequences = []

    def open_sequence(self, style, *, strength=1.0, start_frame=0, cuts=()):
        model = self

        class Sequence:
            def __init__(self):
                self.start, self.warm, self.seen = start_frame, 0, 0
                model.sequences.append(self)

            def warm_up_stream(self, batches, first_frame):
                count = sum(len(batch) for batch in batches)
                assert first_frame == self.start - count
                self.warm += count

            def stylize(self, frames, styles=None):
                self.seen += len(frames)
                return model.stylize(frames, style)

        return Sequence()


def test_sequences_get_context_before_the_chunk_and_restart_at_cuts(tmp_path, video30):
    from artify_core.pipeline.chunks import Chunk

    info = probe_video(video30)
    plan = StylePlan((None,), single_schedule(0, info.frames, info.fps))
    model = RecordingSequenceModel()
    for chunk, cuts in ((Chunk(0, 0, 10), ()), (Chunk(1, 20, 30), ()), (Chunk(1, 20, 30), (17,))):
        stylize_chunk(info, chunk, model, plan, tmp_path / "c.mp4", smoothing=None, cuts=cuts, encode=LOSSLESS)
    first, middle, after_cut = model.sequences
    assert (first.start, first.warm, first.seen) == (0, 0, 10)
    # 6 warm-up frames are stylized (not written); every frame before them back to the start is context.
    assert (middle.start, middle.warm, middle.seen) == (14, 14, 16)
    assert (after_cut.start, after_cut.warm, after_cut.seen) == (17, 0, 13)  # nothing from before the cut
