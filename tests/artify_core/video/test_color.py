"""Colour kept: clips of each kind (range, matrix, HDR) decode to the right RGB and survive
a decode → encode round trip (no stylization) within 2 levels."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import ffmpeg
import numpy as np
import pytest

from artify_core.video import VideoWriter, probe_video, read_frames
from artify_core.video.color import ColorInfo
from tests.media import run

HEIGHT, WIDTH = 96, 128
SDR_KINDS = {  # name: (swscale matrix, range, ffmpeg colorspace tag)
    "bt601-limited": ("bt601", "tv", "smpte170m"),
    "bt601-full": ("bt601", "pc", "smpte170m"),
    "bt709-limited": ("bt709", "tv", "bt709"),
    "bt709-full": ("bt709", "pc", "bt709"),
}
HDR_KINDS = {"pq": "smpte2084", "hlg": "arib-std-b67"}


def patches() -> np.ndarray:
    """RGB uint8 (3, 96, 128, 3): twelve flat 32x32 colour patches."""
    colours = np.random.default_rng(0).integers(16, 240, (12, 3))
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    for k, colour in enumerate(colours):
        row, col = divmod(k, 4)
        image[row * 32:(row + 1) * 32, col * 32:(col + 1) * 32] = colour
    return np.repeat(image[None], 3, axis=0)


def patch_centres(frames: np.ndarray) -> np.ndarray:
    """int (N, 3, 4, 16, 16, 3): the patches without their edges (4:2:0 chroma, interpolated
    with a bicubic kernel, blurs a few pixels either side of an edge)."""
    grid = frames.reshape(len(frames), 3, 32, 4, 32, 3)[:, :, 8:-8, :, 8:-8]
    return grid.transpose(0, 1, 3, 2, 4, 5).astype(int)


def encode_kind(path: Path, filters: str, tags: dict, codec: dict) -> Path:
    source = ffmpeg.input("pipe:", f="rawvideo", pix_fmt="rgb24", s=f"{WIDTH}x{HEIGHT}", r=25)
    run(source.output(str(path), vf=filters, **tags, **codec), input=patches().tobytes())
    return path


@pytest.fixture(scope="module")
def sdr_clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("colour")
    clips = {}
    for name, (matrix, range_, tag) in SDR_KINDS.items():
        clips[name] = encode_kind(
            folder / f"{name}.mp4", f"scale=out_color_matrix={matrix}:out_range={range_},format=yuv420p",
            {"colorspace": tag, "color_primaries": tag, "color_trc": tag, "color_range": range_},
            {"vcodec": "libx264", "qp": 0})
    return clips


@pytest.fixture(scope="module")
def hdr_clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hdr")
    clips = {}
    for name, transfer in HDR_KINDS.items():
        to_hdr = (f"zscale=tin=bt709:min=gbr:pin=bt709:rin=pc:t={transfer}:p=bt2020:m=bt2020nc:r=tv:npl=203,"
                  "format=yuv420p10le")
        clips[name] = encode_kind(
            folder / f"{name}.mp4", to_hdr,
            {"colorspace": "bt2020nc", "color_primaries": "bt2020", "color_trc": transfer, "color_range": "tv"},
            {"vcodec": "libx265", "x265-params": "log-level=error:lossless=1", "pix_fmt": "yuv420p10le"})
    return clips


def round_trip(clip: Path, tmp_path: Path) -> tuple[np.ndarray, np.ndarray, ColorInfo]:
    """(decoded source, decoded re-encode) as RGB uint8, and the re-encode's colour tags."""
    decoded = read_frames(clip)
    out = tmp_path / f"{clip.stem}.out.mp4"
    with VideoWriter(out, width=WIDTH, height=HEIGHT, fps=Fraction(25), crf=0, preset="ultrafast") as writer:
        writer.write(decoded)
    return decoded, read_frames(out), probe_video(out).color


@pytest.mark.parametrize("kind", list(SDR_KINDS))
def test_sdr_kinds_decode_and_round_trip(kind, sdr_clips, tmp_path):
    info = probe_video(sdr_clips[kind])
    assert info.color.range == SDR_KINDS[kind][1] and info.color.matrix == SDR_KINDS[kind][2]
    decoded, back, tags = round_trip(sdr_clips[kind], tmp_path)
    # 8-bit YUV holds the colours to a few levels; a wrong range or matrix is off by 10 to 40.
    assert np.abs(patch_centres(decoded) - patch_centres(patches())).max() <= 3
    difference = np.abs(patch_centres(back) - patch_centres(decoded))
    assert difference.mean() <= 1.0 and difference.max() <= 2
    assert (tags.matrix, tags.primaries, tags.transfer, tags.range) == ("bt709", "bt709", "bt709", "tv")


@pytest.mark.parametrize("kind", list(HDR_KINDS))
def test_hdr_is_tone_mapped_to_sdr_and_round_trips(kind, hdr_clips, tmp_path):
    info = probe_video(hdr_clips[kind])
    assert info.color.hdr and "tone-mapped to SDR BT.709" in info.color.describe(info.height)
    decoded, back, _ = round_trip(hdr_clips[kind], tmp_path)
    naive = run(ffmpeg.input(str(hdr_clips[kind])).output("pipe:", f="rawvideo", pix_fmt="rgb24"))
    washed_out = np.frombuffer(naive, np.uint8).reshape(-1, HEIGHT, WIDTH, 3)
    source = patch_centres(patches()).mean(axis=(3, 4))
    # Tone mapping keeps the patches' saturation (spread between channels) that reading as SDR loses.
    spread = lambda frames: np.ptp(patch_centres(frames).mean(axis=(3, 4)), axis=-1).mean()  # noqa: E731
    assert spread(decoded) > 1.15 * spread(washed_out)
    assert np.corrcoef(patch_centres(decoded).mean(axis=(3, 4)).ravel(), source.ravel())[0, 1] > 0.95
    difference = np.abs(patch_centres(back) - patch_centres(decoded))
    assert difference.mean() <= 1.0 and difference.max() <= 2


@pytest.mark.parametrize("enums,pix_fmt,expected", [
    ((1, 1, 1, 1), "yuv420p", ColorInfo("tv", "bt709", "bt709", "bt709")),
    ((2, 5, 5, 6), "yuvj420p", ColorInfo("pc", "bt470bg", "bt470bg", "smpte170m")),
    ((1, 9, 9, 16), "yuv420p10le", ColorInfo("tv", "bt2020nc", "bt2020", "smpte2084")),
    ((0, 2, 2, 2), "yuvj420p", ColorInfo("pc")),
    ((0, 2, 2, 2), "yuv420p", ColorInfo()),
    ((2, 0, 1, 13), "gbrp", ColorInfo("pc", None, "bt709", "iec61966-2-1", rgb=True)),
])
def test_colour_tags_from_the_codec(enums, pix_fmt, expected):
    """FFmpeg's enum values (range, matrix, primaries, transfer) under FFmpeg's names."""
    color_range, colorspace, primaries, transfer = enums
    assert ColorInfo.from_codec(pix_fmt=pix_fmt, color_range=color_range, colorspace=colorspace,
                                primaries=primaries, transfer=transfer) == expected


def test_untagged_matrix_follows_the_picture_height():
    assert ColorInfo().matrix_for(720) == "bt709" and ColorInfo().matrix_for(480) == "bt601"
    assert ColorInfo(matrix="smpte170m").matrix_for(1080) == "bt601"
