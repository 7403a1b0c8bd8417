from fractions import Fraction

import json

import numpy as np
import pytest

from artify_core.keyframes.keyframe_set import StyleSegment
from artify_core.keyframes.schedule import (
    StyleSchedule,
    images_schedule,
    proportional_schedule,
    scenes_schedule,
    single_schedule,
)

FPS = Fraction(25)
# paintings4.mp4's layout: four styles, 75 frames each.
PAINTINGS4 = [StyleSegment(0, 75, 0), StyleSegment(75, 150, 1), StyleSegment(150, 225, 2), StyleSegment(225, 300, 3)]


def switches(schedule: StyleSchedule) -> list[int]:
    """Frames where style_a changes (hard switches)."""
    return [int(i) for i in np.flatnonzero(np.diff(schedule.style_a)) + 1]


def test_proportional_stretches_the_style_timeline():
    schedule = proportional_schedule(PAINTINGS4, 100, FPS, transition_seconds=0)
    assert [t.at for t in schedule.transitions] == [25.0, 50.0, 75.0]
    assert switches(schedule) == [25, 50, 75]
    assert schedule.runs == (0, 1, 2, 3)
    np.testing.assert_array_equal(schedule.mix, 0)


def test_proportional_with_fractional_boundaries():
    schedule = proportional_schedule(PAINTINGS4, 250, FPS, transition_seconds=0)  # boundaries 62.5, 125, 187.5
    assert switches(schedule) == [62, 125, 187]  # frame 62's centre, 62.5, is on the boundary


def test_transition_ramps_linearly_centred_on_the_boundary_and_sums_to_one():
    schedule = proportional_schedule(PAINTINGS4, 300, FPS, transition_seconds=0.4)  # 10-frame ramps
    mix, a, b = schedule.mix, schedule.style_a, schedule.style_b
    ramp = np.arange(70, 80)
    np.testing.assert_allclose(mix[ramp], (np.arange(10) + 0.5) / 10, atol=1e-6)
    assert set(a[ramp]) == {0} and set(b[ramp]) == {1}
    np.testing.assert_allclose(np.diff(mix[ramp]), 0.1, atol=1e-6)
    assert mix[69] == 0 and a[69] == b[69] == 0 and mix[80] == 0 and a[80] == b[80] == 1
    np.testing.assert_allclose(mix[74] + mix[75], 1.0, atol=1e-6)  # symmetric about the boundary
    weights = schedule.blend_weights_for(0, 300)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-6)
    assert (np.count_nonzero(weights, axis=1) <= 2).all()


def test_transitions_are_clamped_so_ramps_never_overlap():
    segments = [StyleSegment(0, 10, 0), StyleSegment(10, 14, 1), StyleSegment(14, 30, 2)]
    schedule = proportional_schedule(segments, 30, FPS, transition_seconds=2.0)  # 50 frames asked
    assert [t.width for t in schedule.transitions] == [4.0, 4.0]
    ramps = [(t.at - t.width / 2, t.at + t.width / 2) for t in schedule.transitions]
    assert ramps[0][0] >= 0 and ramps[0][1] <= ramps[1][0] and ramps[1][1] <= 30
    np.testing.assert_allclose(schedule.blend_weights_for(0, 30).sum(axis=1), 1.0, atol=1e-6)


def test_embeddings_interpolate_between_styles():
    table = np.array([[0.0, 0.0], [10.0, 20.0]], np.float32)
    schedule = proportional_schedule(PAINTINGS4[:2], 100, FPS, transition_seconds=0.4)
    emb = schedule.embeddings_for(40, 60, table)
    assert emb.shape == (20, 2) and emb.dtype == np.float32
    weight_of_1 = schedule.blend_weights_for(40, 60)[:, 1:]
    np.testing.assert_allclose(emb, weight_of_1 * table[1], atol=1e-5)
    assert 0 < weight_of_1[5, 0] < 1  # frame 45 is mid-ramp (ramp 45..54 around 50)
    np.testing.assert_allclose(schedule.embeddings_for(0, 5, table), 0)
    with pytest.raises(ValueError, match="n_styles"):
        schedule.embeddings_for(0, 5, table[:1])
    with pytest.raises(ValueError, match="outside"):
        schedule.embeddings_for(90, 101, table)


def test_scenes_mode_advances_at_each_content_cut_and_cycles():
    schedule = scenes_schedule([0, 1, 2], [30, 76, 137, 187, 242], 250, FPS)
    assert switches(schedule) == [30, 76, 137, 187, 242]
    assert [int(schedule.style_a[f]) for f in (0, 30, 76, 137, 187, 242)] == [0, 1, 2, 0, 1, 2]
    np.testing.assert_array_equal(schedule.mix, 0)  # hard switches by default


def test_scenes_mode_merges_repeats_and_ignores_cuts_outside_the_video():
    schedule = scenes_schedule([4], [0, 50, 300], 100, FPS, n_styles=5)
    assert schedule.runs == (4,) and schedule.transitions == ()
    np.testing.assert_array_equal(schedule.style_a, 4)


def test_single_mode():
    schedule = single_schedule(2, 50, FPS, n_styles=3)
    np.testing.assert_array_equal(schedule.style_a, 2)
    weights = schedule.blend_weights_for(0, 50)
    np.testing.assert_array_equal(weights[:, 2], 1)
    assert weights.sum() == 50


def test_still_images_are_spread_evenly_with_transitions():
    schedule = images_schedule(3, 300, FPS, transition_seconds=1.0)
    assert [t.at for t in schedule.transitions] == [100.0, 200.0]
    assert [t.width for t in schedule.transitions] == [25.0, 25.0]
    assert schedule.runs == (0, 1, 2) and schedule.n_styles == 3
    assert schedule.mix[99] == pytest.approx(0.5 - 0.5 / 25) and schedule.mix[100] == pytest.approx(0.5 + 0.5 / 25)


def test_json_round_trip():
    schedule = proportional_schedule(PAINTINGS4, 1001, Fraction(30000, 1001), transition_seconds=0.5)
    text = json.dumps(schedule.to_json())
    back = StyleSchedule.from_json(json.loads(text))
    assert back == schedule
    np.testing.assert_array_equal(back.mix, schedule.mix)
    assert back.fps == Fraction(30000, 1001)


def test_invalid_schedules_are_rejected():
    with pytest.raises(ValueError, match="style ids"):
        single_schedule(3, 10, FPS, n_styles=2)
    with pytest.raises(ValueError, match="at least one style image"):
        images_schedule(0, 10, FPS)
    with pytest.raises(ValueError, match="segments"):
        proportional_schedule([], 10, FPS)


def test_variable_rate_transitions_last_their_seconds():
    from fractions import Fraction

    from artify_core.keyframes.schedule import StyleSchedule, images_schedule
    from artify_core.video.timing import FrameTimes

    # 50 frames 1/30 s apart, then 35 frames 1/15 s apart (4 s); two images, a 1 s transition.
    pts = [3000 * i for i in range(50)] + [150000 + 6000 * k for k in range(35)]
    times = FrameTimes.from_timestamps(pts, pts[-1] + 6000, Fraction(1, 90000))
    schedule = images_schedule(2, 85, times.fps, transition_seconds=1.0, times=times)
    seconds = times.seconds()
    ramp = (schedule.mix > 0) & (schedule.mix < 1)
    # The switch sits at half the duration (2 s), the ramp spans 1 s of real time around it.
    assert abs(seconds[ramp].min() - 1.5) < 0.07 and abs(seconds[ramp].max() - 2.5) < 0.11  # within a frame (1/15 s)
    middles = seconds + np.diff(times.seconds(0, 86)) / 2  # each frame's centre, as for constant rates
    np.testing.assert_allclose(schedule.mix[ramp], middles[ramp] - 1.5, atol=1e-5)
    constant = images_schedule(2, 85, times.fps, transition_seconds=1.0)
    assert not np.array_equal(constant.mix, schedule.mix)  # frame counts alone would put the switch at frame 42
    assert StyleSchedule.from_json(schedule.to_json()) == schedule
