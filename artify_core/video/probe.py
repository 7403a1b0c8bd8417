"""Probing videos with ffmpeg alone (no ffprobe: imageio-ffmpeg ships only ffmpeg).

Two cheap passes: ``ffmpeg -i`` for the stream description, then a demux-only
``-c copy -f framecrc`` pass over the video packets, which yields the exact
frame count and the packet duration in the stream time base. The frame rate is
taken from that duration as a rational, so 30000/1001 stays 30000/1001 instead
of the rounded "29.97 fps" that ``ffmpeg -i`` prints.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from artify_core.errors import VideoError
from artify_core.video.binary import ffmpeg_exe
from artify_core.video.color import ColorInfo, parse_color
from artify_core.video.timing import FrameTimes

_VIDEO_LINE = re.compile(
    r"Stream #\d+:\d+[^:]*: Video: (?P<codec>[^,]+), (?P<pix_fmt>[a-z0-9_]+)(?:\((?P<color>[^)]*)\))?, "
    r"(?P<width>\d+)x(?P<height>\d+)"
)
_FPS = re.compile(r", (?P<fps>[\d.]+k?) fps")
_DURATION = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>[\d.]+)")
_ROTATION = re.compile(r"rotation of (?P<deg>-?[\d.]+) degrees")
_AUDIO_LINE = re.compile(r"Stream #\d+:\d+[^:]*: Audio: (?P<codec>[a-z0-9_]+)")
_TIMEBASE = re.compile(r"^#tb 0: (?P<num>\d+)/(?P<den>\d+)", re.MULTILINE)
# Messages ffmpeg prints when the data ends before the index says it should.
_TRUNCATION_HINTS = ("partial file", "error reading header", "Truncat")


@dataclass(frozen=True)
class VideoInfo:
    """What Artify needs to know about a video. Sizes are display sizes
    (after rotation), the size of the frames the decoder hands out."""

    path: str
    width: int
    height: int
    fps: Fraction
    frames: int
    duration: float
    rotation: int
    pix_fmt: str
    codec: str
    has_audio: bool
    audio_codec: str | None
    container_duration: float | None
    truncated: bool
    # When each frame is shown; ``fps`` is the average rate of a variable-rate video.
    frame_times: FrameTimes | None = None
    color: ColorInfo = ColorInfo()

    @property
    def fps_str(self) -> str:
        return f"{self.fps.numerator}/{self.fps.denominator}"

    @property
    def times(self) -> FrameTimes:
        """Every frame's presentation time (constant rate when the probe found no variation)."""
        return self.frame_times if self.frame_times is not None else FrameTimes(self.frames, self.fps)

    @property
    def variable_rate(self) -> bool:
        return self.times.variable


def probe_video(path: str | Path) -> VideoInfo:
    """Probes ``path``; raises ``VideoError`` naming the file when it is not a usable video."""
    path = Path(path)
    _check_readable_file(path)
    header = _run_ffmpeg(["-hide_banner", "-nostdin", "-i", str(path)]).stderr
    match = _VIDEO_LINE.search(header)
    if match is None:
        raise VideoError(f"{path}: {_explain_unreadable(header, _starts_like_mp4(path))}")
    packets, timebase, demux_log = _count_video_packets(path)
    if packets.count == 0:
        raise VideoError(f"{path}: no video frames could be read ({_last_error(demux_log)})")
    rotation = _rotation(header)
    width, height = int(match["width"]), int(match["height"])
    if rotation % 180 == 90:
        width, height = height, width
    container_duration = _container_duration(header)
    audio = _AUDIO_LINE.search(header)
    truncated = any(hint in demux_log for hint in _TRUNCATION_HINTS)
    # Packets of a file cut mid-stream include a partial one; count what decodes.
    frames = _count_decodable_frames(path) if truncated else packets.count
    times = _frame_times(packets, frames, timebase)
    fps = times.fps if times is not None else _frame_rate(packets.durations, timebase, header)
    return VideoInfo(
        path=str(path), width=width, height=height, fps=fps, frames=frames,
        duration=float(times.duration if times is not None else frames / fps), rotation=rotation,
        pix_fmt=match["pix_fmt"], codec=match["codec"].split(" ")[0], has_audio=audio is not None,
        audio_codec=audio["codec"] if audio else None,
        container_duration=container_duration, truncated=truncated, frame_times=times,
        color=parse_color(match["color"], match["pix_fmt"]),
    )


@dataclass(frozen=True)
class _Packets:
    count: int
    durations: Counter
    # (pts, duration) of each packet in stream order; empty when some packet has no timestamp.
    stamps: tuple[tuple[int, int], ...] = ()


def _frame_times(packets: _Packets, frames: int, timebase: Fraction) -> FrameTimes | None:
    """The frames' times when they vary (None for a constant rate or missing timestamps)."""
    if len(packets.stamps) < 3 or not timebase or frames < 2:
        return None
    ordered = sorted(packets.stamps)[:frames]
    end = ordered[-1][0] + ordered[-1][1] if len(ordered) == len(packets.stamps) else sorted(packets.stamps)[frames][0]
    times = FrameTimes.from_timestamps([pts for pts, _ in ordered], end, timebase)
    return times if times.variable else None


def _check_readable_file(path: Path) -> None:
    if not path.exists():
        raise VideoError(f"{path}: no such file")
    if not path.is_file():
        raise VideoError(f"{path}: not a regular file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: the file is empty (0 bytes)")


def _run_ffmpeg(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ffmpeg_exe(), *args], capture_output=True, text=True, errors="replace", check=False
    )


def _count_video_packets(path: Path) -> tuple[_Packets, Fraction, str]:
    result = _run_ffmpeg([
        "-hide_banner", "-nostdin", "-v", "error", "-i", str(path),
        "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-",
    ])
    durations: Counter = Counter()
    stamps: list[tuple[int, int]] = []
    complete = True
    count = 0
    for line in result.stdout.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) >= 5:
            count += 1
            durations[int(fields[3])] += 1
            pts = _int_or_none(fields[2])
            complete = complete and pts is not None
            if complete:
                stamps.append((pts, int(fields[3])))
    tb = _TIMEBASE.search(result.stdout)
    timebase = Fraction(int(tb["num"]), int(tb["den"])) if tb else Fraction(0)
    return _Packets(count, durations, tuple(stamps) if complete else ()), timebase, result.stderr


def _int_or_none(text: str) -> int | None:
    # framecrc prints AV_NOPTS_VALUE (INT64_MIN) for a packet without a timestamp (raw .h264 streams).
    try:
        value = int(text)
    except ValueError:
        return None
    return None if value == -(2 ** 63) else value


def _count_decodable_frames(path: Path) -> int:
    result = _run_ffmpeg([
        "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:v:0", "-f", "null", "-",
    ])
    counts = re.findall(r"frame=\s*(\d+)", result.stderr)
    return int(counts[-1]) if counts else 0


def _frame_rate(durations: Counter, timebase: Fraction, header: str) -> Fraction:
    if durations and timebase:
        duration, _ = durations.most_common(1)[0]
        if duration > 0:
            return 1 / (duration * timebase)
    printed = _FPS.search(header)
    if printed is None:
        raise VideoError("cannot determine the frame rate")
    return _rational_from_printed_fps(printed["fps"])


def _rational_from_printed_fps(text: str) -> Fraction:
    value = float(text[:-1]) * 1000 if text.endswith("k") else float(text)
    ntsc = round(value * 1.001)
    # ffmpeg prints NTSC rates rounded ("29.97"); recover n*1000/1001 exactly.
    if abs(value - ntsc * 1000 / 1001) < 0.006 and abs(value - ntsc) > 0.006:
        return Fraction(ntsc * 1000, 1001)
    return Fraction(text).limit_denominator(1000) if "k" not in text else Fraction(int(value))


def _rotation(header: str) -> int:
    match = _ROTATION.search(header)
    if match is None:
        return 0
    # ffmpeg prints the display matrix's counter-clockwise angle; report clockwise.
    return int(round(-float(match["deg"]))) % 360


def _container_duration(header: str) -> float | None:
    match = _DURATION.search(header)
    if match is None:
        return None
    return int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])


def _starts_like_mp4(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(12)
    return head[4:8] in (b"ftyp", b"mdat", b"moov", b"free", b"wide", b"skip")


def _explain_unreadable(stderr: str, starts_like_mp4: bool) -> str:
    # ffmpeg guesses MP4 from the name alone and then reports a missing index
    # even for text files; only a file that starts like one was really cut.
    if "moov atom not found" in stderr and starts_like_mp4:
        return "the file has no index (moov atom missing): it was truncated or not finalised"
    if "Invalid data found" in stderr:
        return "not a video file ffmpeg can read (invalid data)"
    if re.search(r"Stream #\d+:\d+[^:]*: Audio", stderr):
        return "has no video stream (audio only)"
    return "not a video file: ffmpeg finds no video stream in it"


def _last_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "ffmpeg gave no detail"


def segment_duration(path: str | Path) -> Fraction:
    """Seconds from a video's first frame to the end of its last: the latest presentation
    time plus that frame's duration, from one demux pass.

    The MP4 header's duration is not this for variable-rate H.264 with B-frames:
    the muxer derives it from decoding times, whose reordering delay was
    spaced at the opening frames' rate.
    """
    packets, timebase, log = _count_video_packets(Path(path))
    if not packets.stamps or not timebase:
        raise VideoError(f"{path}: no timestamps to measure its duration ({_last_error(log)})")
    first = min(pts for pts, _ in packets.stamps)
    return (max(pts + duration for pts, duration in packets.stamps) - first) * timebase


def ensure_complete(info: VideoInfo, *, allow_truncated: bool = False) -> VideoInfo:
    """Refuses a video cut mid-stream unless the caller accepts its decodable part.

    Artify's policy: a truncated upload is an error by default, because a
    stylized video that silently ends early is worse than a clear failure.
    ``allow_truncated`` stylizes the frames that decode (``info.frames``).
    """
    if info.truncated and not allow_truncated:
        expected = f" of {info.container_duration:.2f} s" if info.container_duration else ""
        raise VideoError(
            f"{info.path}: the file is cut mid-stream: only {info.frames} frames "
            f"({info.duration:.2f} s{expected}) can be decoded; re-export or re-upload it, "
            "or pass --allow-truncated to stylize the part that decodes"
        )
    return info
