import numpy as np
import pytest

from artify_core.keyframes.scenes import SceneConfig, detect_scenes
from tests.artify_core.keyframes.synthetic import batches, crossfade, look, shot


def shots(lengths, *, zoom=0.3, pan=0.2, seed=0):
    """Hard cuts between moving shots of distinct looks; returns (frames, cut frames)."""
    parts = [shot(look(seed * 10 + k + 1), n, zoom=zoom, pan=pan, seed=k) for k, n in enumerate(lengths)]
    return np.concatenate(parts), list(np.cumsum(lengths)[:-1])


def assert_tiles(detection):
    segments = detection.segments
    assert segments[0].start == 0 and segments[-1].end == detection.frames
    assert all(a.end == b.start for a, b in zip(segments, segments[1:]))
    assert all(s.start <= s.stable_start < s.stable_end <= s.end for s in segments)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hard_cuts_between_moving_shots(seed):
    frames, truth = shots([40, 25, 60, 30], seed=seed)
    detection = detect_scenes(batches(frames))
    assert detection.cut_frames == truth
    assert all(c.kind == "cut" and c.start == c.end == c.frame for c in detection.cuts)
    assert [(s.start, s.end) for s in detection.segments] == list(zip([0, *truth], [*truth, len(frames)]))
    assert_tiles(detection)


def test_result_does_not_depend_on_batching():
    frames, _ = shots([30, 30, 30])
    one = detect_scenes([frames])
    many = detect_scenes(batches(frames, size=7))
    assert one.cuts == many.cuts
    np.testing.assert_array_equal(one.scores, many.scores)


@pytest.mark.parametrize("zoom,pan", [(0.5, 0.0), (0.0, 0.5), (0.3, 0.3), (0.8, 0.5)],
                         ids=["zoom", "pan", "zoom+pan", "fast-zoom+pan"])
def test_camera_motion_without_cuts_gives_no_boundary(zoom, pan):
    frames = shot(look(7), 150, zoom=zoom, pan=pan, seed=1)
    detection = detect_scenes(batches(frames))
    assert detection.cuts == ()
    assert [(s.start, s.end) for s in detection.segments] == [(0, 150)]


@pytest.mark.parametrize("length", [3, 8, 25, 45])
@pytest.mark.parametrize("seed", [0, 1])
def test_crossfade_boundary_is_the_middle_and_not_a_scene(length, seed):
    first = shot(look(10 * seed + 1), 60 + length, zoom=0.3, pan=0.2 * seed, seed=seed)
    second = shot(look(10 * seed + 2), 80, zoom=0.25, pan=0.3, seed=seed + 5)
    frames = crossfade(first, second, 60, length)  # mixed frames: [60, 60 + length)
    detection = detect_scenes(batches(frames))
    (cut,) = detection.cuts
    assert cut.kind == "dissolve"
    assert abs(cut.frame - (60 + length / 2)) <= 1
    assert abs(cut.start - 60) <= 1 and abs(cut.end - (60 + length)) <= 1
    before, after = detection.segments
    assert (before.stable_start, before.stable_end) == (0, cut.start)
    assert (after.stable_start, after.stable_end) == (cut.end, len(frames))
    assert_tiles(detection)


def test_crossfade_then_cut():
    a = shot(look(1), 90, zoom=0.3, seed=1)
    b = shot(look(2), 70, zoom=0.2, pan=0.2, seed=2)
    c = shot(look(3), 50, pan=0.4, seed=3)
    frames = np.concatenate([crossfade(a, b, 60, 20), c])  # dissolve [60, 80), cut at 130
    detection = detect_scenes(batches(frames))
    assert [(c.kind, c.frame) for c in detection.cuts] == [("dissolve", 70), ("cut", 130)]


def test_dissolves_can_be_switched_off():
    frames = crossfade(shot(look(1), 80, seed=1), shot(look(2), 60, seed=2), 50, 20)
    assert detect_scenes(batches(frames), config=SceneConfig(dissolves=False)).cuts == ()


def test_min_scene_length_keeps_the_stronger_of_close_boundaries():
    frames, truth = shots([40, 10, 40])  # two real cuts 10 frames apart
    loose = detect_scenes(batches(frames), config=SceneConfig(min_scene_len=5))
    assert loose.cut_frames == truth
    strict = detect_scenes(batches(frames), config=SceneConfig(min_scene_len=15))
    (kept,) = strict.cuts
    assert kept == max(loose.cuts, key=lambda c: c.score)


def test_a_flash_gives_at_most_one_boundary():
    frames = shot(look(4), 60, zoom=0.2, seed=4)
    frames[30] = 255 - frames[30]  # one inverted frame: spikes into it and out of it
    assert len(detect_scenes(batches(frames)).cuts) <= 1


def test_short_scenes_at_either_end_are_kept():
    frames, truth = shots([8, 60, 9])
    assert detect_scenes(batches(frames)).cut_frames == truth


def test_empty_and_tiny_inputs():
    assert detect_scenes([]).segments == ()
    one = detect_scenes([shot(look(1), 1)])
    assert [(s.start, s.end) for s in one.segments] == [(0, 1)]


def test_config_is_validated():
    with pytest.raises(ValueError, match="min_scene_len"):
        SceneConfig(min_scene_len=0)
    with pytest.raises(ValueError, match="max_dissolve_frames"):
        SceneConfig(min_dissolve_frames=10, max_dissolve_frames=5)
