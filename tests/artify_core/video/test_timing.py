from fractions import Fraction

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.video.timing import FrameTimes, excerpt_range, parse_time


def vfr_times() -> FrameTimes:
    # 1/30 s apart for 5 frames, then 1/15 s: pts in a 1/90000 time base.
    pts = [3000 * i for i in range(5)] + [12000 + 6000 * k for k in range(1, 5)]
    return FrameTimes.from_timestamps(pts[::-1], pts[-1] + 6000, Fraction(1, 90000))


def test_constant_when_intervals_differ_by_one_tick():
    times = FrameTimes.from_timestamps([0, 33, 67, 100, 133, 167], 200, Fraction(1, 1000))
    assert not times.variable
    assert times.frames == 6


def test_variable_times_in_display_order():
    times = vfr_times()
    assert times.variable and times.frames == 9
    np.testing.assert_allclose(times.seconds(), [0, 1 / 30, 2 / 30, 3 / 30, 4 / 30, 6 / 30, 8 / 30, 10 / 30, 12 / 30])
    assert times.intervals() == (Fraction(1, 30), Fraction(1, 15))
    assert times.duration == Fraction(14, 30)
    assert times.fps == Fraction(9) / Fraction(14, 30)
    assert "variable" in times.describe() and "66.67" in times.describe()


def test_window_is_relative_to_its_first_frame():
    window = vfr_times().window(4, 7)
    assert window.frames == 3
    assert [window.time(i) for i in range(4)] == [0, Fraction(2, 30), Fraction(4, 30), Fraction(6, 30)]


def test_seek_lands_between_frames_and_positions_invert_times():
    times = vfr_times()
    assert times.seek_seconds(5) == pytest.approx(5 / 30)  # between 4/30 and 6/30
    np.testing.assert_allclose(times.position(times.seconds()), np.arange(9))


@pytest.mark.parametrize("text,seconds", [
    ("12.5", Fraction(25, 2)), ("0", Fraction(0)), ("01:02.5", Fraction(125, 2)),
    ("1:02:03.250", Fraction(3723250, 1000)), (3, Fraction(3)), (0.2, Fraction(1, 5)),
])
def test_parse_time(text, seconds):
    assert parse_time(text) == seconds


@pytest.mark.parametrize("text", ["abc", "1:2:3:4", "-3", "1:75:00", ""])
def test_parse_time_refuses_with_one_line(text):
    with pytest.raises(InputError, match="--start") as error:
        parse_time(text, "--start")
    assert "\n" not in str(error.value)


def test_excerpt_is_frame_exact_on_real_times():
    times = vfr_times()
    excerpt = excerpt_range(times, "0.1", "0.2")  # frames at 3/30, 4/30, 6/30, 8/30 lie in [0.1, 0.3)
    assert (excerpt.start, excerpt.end) == (3, 7)
    assert excerpt.start_seconds == Fraction(1, 10) and excerpt.end_seconds == Fraction(10, 30)
    assert excerpt_range(times, "0.2").end == 9
    constant = FrameTimes(250, Fraction(25))
    assert (excerpt_range(constant, "00:00:02.000", 1).start, excerpt_range(constant, 2, 1).end) == (50, 75)


@pytest.mark.parametrize("start,duration,message", [
    ("5", None, "lasts only"), ("0.14", "0.01", "no frame"), ("0", "0", "more than 0"),
])
def test_excerpt_outside_the_video(start, duration, message):
    with pytest.raises(InputError, match=message):
        excerpt_range(vfr_times(), start, duration)
