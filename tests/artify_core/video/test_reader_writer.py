from fractions import Fraction

import numpy as np
import pytest

from artify_core.errors import OutputError, VideoError
from artify_core.video import VideoWriter, concat_segments, iter_frames, probe_video, read_frames
from tests.conftest import moving_square_frames


def test_lossless_roundtrip_and_batches(tiny_video):
    batches = list(iter_frames(tiny_video, batch_frames=5))
    assert [len(b) for b in batches] == [5, 5, 2]
    frames = np.concatenate(batches)
    assert frames.dtype == np.uint8 and frames.shape == (12, 48, 64, 3)
    # crf 0 in yuv420p loses only chroma subsampling: colours stay close.
    assert np.abs(frames.astype(int) - moving_square_frames()).mean() < 6


@pytest.mark.parametrize("start,end", [(0, 4), (3, 9), (11, 12), (5, 5)])
def test_seek_is_frame_exact(tiny_video, start, end):
    everything = read_frames(tiny_video)
    part = read_frames(tiny_video, start=start, end=end)
    if end > start:
        np.testing.assert_array_equal(part, everything[start:end])
    else:
        assert len(part) == 0


def test_seek_frame_exact_on_real_video(bikes):
    everything = read_frames(bikes, end=120)
    np.testing.assert_array_equal(read_frames(bikes, start=97, end=120), everything[97:120])


@pytest.mark.parametrize("start", [13, 28, 97])
def test_seek_with_resize_is_frame_exact(bikes, start):
    # A filter graph after a seek used to duplicate the first frame (constant-rate output mode).
    everything = read_frames(bikes, end=start + 6, height=136)
    np.testing.assert_array_equal(read_frames(bikes, start=start, end=start + 6, height=136),
                                  everything[start:])


def test_resize_keeps_aspect_even_width(bunny):
    frames = read_frames(bunny, height=144, end=2)
    assert frames.shape == (2, 144, 256, 3)


def test_range_outside_video(tiny_video):
    with pytest.raises(VideoError, match="outside"):
        list(iter_frames(tiny_video, start=20, end=30))


def test_odd_size_is_rounded_up_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    frames = np.random.default_rng(0).integers(0, 255, (3, 21, 33, 3), dtype=np.uint8)
    with VideoWriter(path, width=33, height=21, fps=Fraction(25), preset="ultrafast") as writer:
        writer.write(frames)
    info = probe_video(path)
    assert (info.width, info.height, info.frames) == (34, 22, 3)


def test_failed_write_leaves_nothing(tmp_path):
    path = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError):
        with VideoWriter(path, width=64, height=48, fps=Fraction(25)) as writer:
            writer.write(moving_square_frames(2))
            raise RuntimeError("model crashed")
    assert list(tmp_path.iterdir()) == []


def test_wrong_frame_shape_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="expected uint8 frames"):
        with VideoWriter(tmp_path / "x.mp4", width=64, height=48, fps=Fraction(25)) as writer:
            writer.write(np.zeros((1, 10, 10, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_unwritable_destination(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        VideoWriter(tmp_path / "no" / "such" / "dir.mp4", width=8, height=8, fps=Fraction(25))
    with pytest.raises(OutputError, match="is a directory"):
        VideoWriter(tmp_path, width=8, height=8, fps=Fraction(25))


def test_concat_keeps_frames_rate_and_audio(tmp_path, bunny):
    info = probe_video(bunny)
    frames = read_frames(bunny, height=72)
    segments = []
    for index, (start, end) in enumerate([(0, 50), (50, 100), (100, 132)]):
        segment = tmp_path / f"seg{index}.mp4"
        with VideoWriter(segment, width=128, height=72, fps=info.fps, preset="ultrafast") as writer:
            writer.write(frames[start:end])
        segments.append(segment)
    joined = concat_segments(segments, tmp_path / "joined.mp4", audio_source=bunny, audio_codec="aac")
    out = probe_video(joined)
    assert out.frames == 132 and out.fps == info.fps and out.has_audio
    assert abs(out.duration - info.duration) <= 1 / float(info.fps)
    back = read_frames(joined).astype(int)
    aligned = np.abs(back - frames).mean(axis=(1, 2, 3))
    shifted = np.abs(back[1:] - frames[:-1]).mean(axis=(1, 2, 3))
    assert aligned.mean() < 6  # codec noise at 128x72
    assert (aligned[1:] < shifted).mean() > 0.9  # no frame dropped or duplicated at the joins


@pytest.fixture
def small_disk(small_tmpfs):
    """A 192 kB tmpfs: room for a few frames, not for a clip."""
    return small_tmpfs("192k")


def test_a_full_disk_is_named_and_leaves_nothing(small_disk, bikes):
    from artify_core.errors import OutOfSpaceError

    frames = read_frames(bikes, end=40)
    with pytest.raises(OutOfSpaceError, match=f"out of space on the file system mounted at {small_disk} \\(tmpfs\\)"):
        with VideoWriter(small_disk / "out.mp4", width=640, height=272, fps=Fraction(25), crf=0,
                         preset="ultrafast") as writer:
            writer.write(frames)
    assert list(small_disk.iterdir()) == []


def test_joining_onto_a_full_disk_is_named_and_leaves_nothing(small_disk, bikes, tmp_path):
    from artify_core.errors import OutOfSpaceError

    segment = tmp_path / "segment.mp4"
    with VideoWriter(segment, width=640, height=272, fps=Fraction(25), crf=0, preset="ultrafast") as writer:
        writer.write(read_frames(bikes, end=40))
    with pytest.raises(OutOfSpaceError, match="out of space on the file system mounted at"):
        concat_segments([segment, segment], small_disk / "joined.mp4")
    assert list(small_disk.iterdir()) == []
