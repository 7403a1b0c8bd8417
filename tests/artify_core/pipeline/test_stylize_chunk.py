"""One chunk: decode → model → smoothing → encode, and chunks that join without seams."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import numpy as np
import pytest

from artify_core.keyframes.schedule import single_schedule
from artify_core.pipeline.chunks import plan_chunks
from artify_core.pipeline.recipe import ChunkRecipe
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


class CountingModel(FlickeringModel):
    def __init__(self):
        self.frames = 0

    def stylize(self, frames, style, *, strength=1.0):
        self.frames += len(frames)
        return super().stylize(frames, style, strength=strength)


def run_chunks(video, directory, chunk_frames, smoothing, overlap=None, model=None, handover=None):
    info = probe_video(video)
    plan = StylePlan((None,), single_schedule(0, info.frames, info.fps))
    segments = []
    for chunk in plan_chunks(info.frames, chunk_frames):
        result = stylize_chunk(info, chunk, model or FlickeringModel(), plan, directory / f"c{chunk.index}.mp4",
                               ChunkRecipe(smoothing=smoothing, overlap=overlap, batch_frames=4), encode=LOSSLESS,
                               handover=handover)
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


def test_the_default_method_joins_chunks_without_seams_and_hands_over_shared_frames(tmp_path, video30, monkeypatch):
    from artify_core.pipeline.stylize import ChunkHandover
    from artify_core.temporal.motion import MotionEstimator

    estimated = []
    estimate = MotionEstimator._estimate
    monkeypatch.setattr(MotionEstimator, "_estimate", lambda self, *frames: estimated.append(1) or estimate(self, *frames))
    smoothing = SmoothingSettings()  # bidirectional: warm-up before and look-ahead after each chunk
    whole = run_chunks(video30, tmp_path, 30, smoothing)
    alone, handed = CountingModel(), CountingModel()
    estimated.clear()
    chunked = run_chunks(video30, tmp_path, 12, smoothing, model=alone)
    alone_pairs = len(estimated)
    estimated.clear()
    shared = run_chunks(video30, tmp_path, 12, smoothing, model=handed, handover=ChunkHandover())
    for result in (chunked, shared):
        assert np.abs(result - whole)[[11, 12, 23, 24]].mean() < 1.0
    # Without a hand-over each boundary's warm-up and look-ahead frames are stylized, and the motion
    # between them estimated, twice; with it each frame is stylized and each pair's motion estimated once.
    assert alone.frames > 30 + 2 * smoothing.lookahead and handed.frames == 30
    assert alone_pairs > 29 and len(estimated) == 29
    np.testing.assert_array_equal(shared, chunked)  # a deterministic model: the very same frames


def test_a_handover_serves_the_chunk_that_starts_there_once_and_within_its_memory():
    from artify_core.pipeline.stylize import ChunkHandover, Overlap
    from artify_core.temporal.motion import PairMotion

    flow, mask = np.zeros((9, 16, 2), np.float32), np.ones((9, 16), np.float32)
    overlap = Overlap(88, np.zeros((22, 48, 64, 3), np.uint8), {89: PairMotion(flow, flow, mask, mask)})
    assert overlap.nbytes == 22 * 48 * 64 * 3 + 2 * flow.nbytes + 2 * mask.nbytes
    handover = ChunkHandover()
    handover.put(overlap)
    assert handover.take(87) is None and handover.take(88) is None  # another chunk's; then forgotten
    handover.put(overlap)
    assert handover.take(88) is overlap
    small = ChunkHandover(max_bytes=overlap.nbytes - 1)
    small.put(overlap)
    assert small.take(88) is None  # over its memory limit: not kept


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
        stylize_chunk(info, chunk, model, plan, tmp_path / "c.mp4", ChunkRecipe(smoothing=None, cuts=cuts),
                      encode=LOSSLESS)
    first, middle, after_cut = [sequence for sequence in model.sequences if sequence.seen]  # opened and used
    assert (first.start, first.warm, first.seen) == (0, 0, 10)
    # 6 warm-up frames are stylized (not written), from 14 moved back to 8, where a single pass's batch of 8
    # starts; every frame before them back to the start is context.
    assert (middle.start, middle.warm, middle.seen) == (8, 8, 22)
    assert (after_cut.start, after_cut.warm, after_cut.seen) == (17, 0, 13)  # nothing from before the cut


class TintGrid:
    """A base for the segmented model: half the frame, half the style's colour, and a grid of fixed
    pitch (so a resize crop's zoom shows); a style is an RGB float32 colour, mixable as an array."""

    name = "tint-grid"
    version = "tint-grid-1"

    def prepare_style(self, images):
        return images[0].pixels.reshape(-1, 3).mean(0).astype(np.float32)

    def stylize(self, frames, style, *, strength=1.0):
        out = (frames.astype(np.float32) / 2 + np.asarray(style, np.float32) / 2).astype(np.uint8)
        out[:, ::5] = 0
        out[:, :, ::5] = 0
        return out


class KnownMasks:
    """Serves ``truth[frame]`` for the frames it is fed, from where it was reset (a ``MaskSource``)."""

    name = "known"

    def __init__(self, truth):
        self.truth = truth.astype(np.float32)
        self.reset()

    def reset(self, start_frame=0):
        self.position = start_frame

    def masks(self, frames):
        out = self.truth[self.position:self.position + len(frames)]
        self.position += len(frames)
        return out


@pytest.mark.parametrize("composite", ["inpaint", "resize"])
def test_segmented_chunks_with_both_layers_scheduled_match_one_pass(tmp_path, composite):
    from artify_core.keyframes.schedule import images_schedule
    from artify_core.models.segmented.model import segmented
    from artify_core.pipeline.styles import LayeredStylePlan
    from tests.artify_core.segmentation.conftest import moving_subject

    frames, truth = moving_subject(count=30, height=48, width=96, side=14, step=2)
    for t in range(30):  # the subject grows, so steady crops lag it and state matters
        truth[t, 20:34 + t // 3, 4 + 2 * t:18 + 2 * t + t // 3] = True
    video = tmp_path / "subject.mp4"
    with VideoWriter(video, width=96, height=48, fps=Fraction(25), crf=0, preset="ultrafast") as writer:
        writer.write(frames)
    info = probe_video(video)
    colours = [np.array(c, np.float32) for c in ((250, 0, 0), (0, 0, 250), (0, 250, 0), (250, 250, 0), (0, 0, 0))]
    # Both layers change style, with transitions that overlap in time.
    plan = LayeredStylePlan(StylePlan(tuple(colours[:2]), images_schedule(2, 30, info.fps, transition_seconds=0.4)),
                            StylePlan(tuple(colours[2:]), images_schedule(3, 30, info.fps, transition_seconds=0.4)))
    model = segmented(base=TintGrid(), mask=KnownMasks(truth), composite=composite, feather_radius=2,
                      stabilize=0.0)

    def run(chunk_frames):
        segments = []
        for chunk in plan_chunks(info.frames, chunk_frames):
            result = stylize_chunk(info, chunk, model, plan, tmp_path / f"{chunk_frames}-{chunk.index}.mp4",
                                   ChunkRecipe(smoothing=None, batch_frames=4), encode=LOSSLESS)
            segments.append(result.path)
        return read_frames(concat_segments(segments, tmp_path / f"out{chunk_frames}.mp4")).astype(int)

    whole, chunked = run(30), run(10)
    assert whole.shape == chunked.shape == (30, 48, 96, 3)
    assert np.abs(chunked - whole).mean() < 0.5 and np.percentile(np.abs(chunked - whole), 99.9) <= 4
    # The layers did follow their schedules: the foreground starts red and ends blue.
    inside = truth[2] & np.roll(truth[2], 3, 0) & np.roll(truth[2], -3, 0)
    assert whole[2][inside][:, 0].mean() > whole[2][inside][:, 2].mean() + 40
    inside = truth[28] & np.roll(truth[28], 3, 0) & np.roll(truth[28], -3, 0)
    assert whole[28][inside][:, 2].mean() > whole[28][inside][:, 0].mean() + 40


def test_grid_batches_break_where_a_pass_from_frame_zero_would(video30):
    from artify_core.pipeline.stylize import grid_batches

    sizes = [len(batch) for batch in grid_batches(video30, batch_frames=8, start=5, end=27)]
    assert sizes == [3, 8, 8, 3]  # 5-7, 8-15, 16-23, 24-26
    frames = np.concatenate(list(grid_batches(video30, batch_frames=8, start=5, end=27)))
    np.testing.assert_array_equal(frames, read_frames(video30, start=5, end=27))
    assert [len(b) for b in grid_batches(video30, batch_frames=8, start=16, end=20)] == [4]


def test_the_backward_pass_gets_a_thread_only_where_two_windows_fit():
    from types import SimpleNamespace

    from artify_core.memory import MemoryBudget
    from artify_core.pipeline.stylize import held_frame_bytes, smoothing_window

    budget = MemoryBudget().resolve("cpu")
    for width, height, threaded in ((1280, 720, True), (3840, 2160, False), (7680, 4320, False)):
        window, concurrent = smoothing_window(SimpleNamespace(width=width, height=height, path="clip.mp4"), None,
                                              batch_frames=8, lookahead=11)
        assert concurrent is threaded and window >= 11
        held = (2 if concurrent else 1) * (window + 11) * held_frame_bytes(width, height)
        assert held <= budget // 2 or window == 11  # the look-ahead is the least a window can be


def test_held_frames_count_their_texture_energy():
    from artify_core.pipeline.stylize import held_frame_bytes

    assert held_frame_bytes(640, 360, energy_block=4) == 640 * 360 * (3 + 12 / 16)
    assert held_frame_bytes(640, 360, energy_block=16) < held_frame_bytes(640, 360, energy_block=4)


def test_progress_counts_each_own_frame_once_as_the_model_makes_it(tmp_path, video30):
    """A middle chunk with warm-up and look-ahead: progress adds up to its own frames, and the first
    report comes with the first batch out of the model, before the smoother has written anything."""
    from artify_core.pipeline.stylize import iter_stylized

    info = probe_video(video30)
    plan = StylePlan((None,), single_schedule(0, info.frames, info.fps))
    chunk = plan_chunks(info.frames, 12)[1]
    reports, written = [], []
    recipe = ChunkRecipe(smoothing=SmoothingSettings(), batch_frames=4)
    batches = iter_stylized(info, chunk, FlickeringModel(), plan, recipe,
                            on_stylized=lambda n: reports.append((n, sum(written))))
    for batch in batches:
        written.append(len(batch))
    assert sum(n for n, _ in reports) == chunk.frames == sum(written)
    assert reports[0] == (reports[0][0], 0)  # reported before any frame was emitted
