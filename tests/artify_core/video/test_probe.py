from fractions import Fraction

import numpy as np
import pytest

from artify_core.errors import VideoError
from artify_core.video import VideoWriter, ensure_complete, probe_video
from tests.media import stream_copy


def test_probe_tiny_video(tiny_video):
    info = probe_video(tiny_video)
    assert (info.width, info.height, info.frames) == (64, 48, 12)
    assert info.fps == Fraction(25) and info.fps_str == "25/1"
    assert info.duration == pytest.approx(12 / 25)
    assert not info.has_audio and not info.truncated and info.rotation == 0


def test_ntsc_rate_stays_rational(tmp_path):
    path = tmp_path / "ntsc.mp4"
    with VideoWriter(path, width=32, height=32, fps=Fraction(30000, 1001), preset="ultrafast") as w:
        w.write(np.zeros((7, 32, 32, 3), np.uint8))
    info = probe_video(path)
    assert info.fps == Fraction(30000, 1001)
    assert info.frames == 7


def test_probe_shared_media(bikes, bunny):
    bikes_info = probe_video(bikes)
    assert (bikes_info.width, bikes_info.height, bikes_info.frames, bikes_info.fps_str) == (640, 272, 250, "25/1")
    bunny_info = probe_video(bunny)
    assert (bunny_info.width, bunny_info.height, bunny_info.frames) == (1280, 720, 132)
    assert bunny_info.has_audio and bunny_info.audio_codec == "aac"


def test_rotation_metadata_swaps_display_size(tmp_path, tiny_video):
    from artify_core.video import read_frames

    upright = read_frames(tiny_video)
    for counter_clockwise, clockwise in ((90, 270), (-90, 90), (180, 180)):
        rotated = stream_copy(tiny_video, tmp_path / f"rotated{clockwise}.mp4",
                              input_options={"display_rotation": counter_clockwise})
        info = probe_video(rotated)
        assert info.rotation == clockwise
        assert (info.width, info.height) == ((48, 64) if clockwise != 180 else (64, 48))
        # Decoded upright: the stored frames turned by the display matrix, as players show them. Turning
        # the 4:2:0 picture before its chroma is interpolated swaps which axis the chroma is co-sited
        # on: a rounding step or two at colour edges (measured: max 1), nothing elsewhere.
        difference = np.abs(read_frames(rotated).astype(int)
                            - np.rot90(upright, counter_clockwise // 90, axes=(1, 2)).astype(int))
        assert difference.mean() < 0.05 and difference.max() <= 2


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"this is not a video at all\n" * 100, "not a video"),
], ids=["zero-length", "text-file"])
def test_bad_files_raise_one_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(VideoError, match=message) as error:
        probe_video(path)
    assert str(path) in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(VideoError, match="no such file"):
        probe_video(tmp_path / "missing.mp4")


def test_no_index_and_cut_mid_stream(tmp_path, bikes):
    data = bikes.read_bytes()  # moov at the end: a cut file has no index
    no_index = tmp_path / "no_index.mp4"
    no_index.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError, match="no index"):
        probe_video(no_index)

    faststart = stream_copy(bikes, tmp_path / "faststart.mp4", movflags="+faststart")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(faststart.read_bytes()[: int(faststart.stat().st_size * 0.6)])
    info = probe_video(cut)
    assert info.truncated and 100 < info.frames < 250
    with pytest.raises(VideoError, match="cut mid-stream"):
        ensure_complete(info)
    assert ensure_complete(info, allow_truncated=True) is info
