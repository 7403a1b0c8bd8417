"""Probing videos: what the container says, read by a library (PyAV), not parsed from a log.

One demux pass over the video packets (no decoding) gives the exact frame count
and every frame's presentation time in the stream's time base, so 30000/1001
stays 30000/1001 and a variable frame rate is seen frame by frame; the first
frame is decoded for what only frames carry (the display rotation). A file cut
mid-stream (its index lists more frames than its data holds) is decoded to
count the frames that survive.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from artify_core.errors import VideoError
from artify_core.video.color import ColorInfo
from artify_core.video.timing import FrameTimes


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
    # The first frame's timestamp in the stream's time base, when packets carry timestamps (seeking
    # needs them: a raw .h264 stream has none and is decoded from its start instead).
    start_pts: int | None = 0

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
    import av

    path = Path(path)
    _check_readable_file(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as error:
        raise VideoError(f"{path}: {_explain_unreadable(error, path)}") from None
    with container:
        if not container.streams.video:
            raise VideoError(f"{path}: " + ("has no video stream (audio only)" if container.streams.audio
                                            else "not a video file: it holds no video stream"))
        stream = container.streams.video[0]
        packets = _demux_video(container, stream)
        indexed = stream.frames  # what the container's index promises (0 when it has none)
    truncated = packets.failed or (indexed > 0 and packets.count < indexed)
    if packets.count == 0:
        raise VideoError(f"{path}: no video frames could be read ({packets.error or 'the stream is empty'})")
    first = _first_frame(path)
    if first is None:
        raise VideoError(f"{path}: no video frame could be decoded")
    rotation, codec_color, coded_size = first
    frames = _count_decodable_frames(path) if truncated else packets.count
    if frames == 0:
        raise VideoError(f"{path}: no video frame could be decoded ({packets.error or 'cut before its first frame'})")
    times = _frame_times(packets, frames)
    fps = times.fps if times is not None else _constant_rate(packets, stream)
    width, height = coded_size
    if rotation % 180 == 90:
        width, height = height, width
    return VideoInfo(
        path=str(path), width=width, height=height, fps=fps, frames=frames,
        duration=float(times.duration if times is not None else frames / fps), rotation=rotation,
        pix_fmt=codec_color[0], codec=packets.codec, has_audio=packets.audio_codec is not None,
        audio_codec=packets.audio_codec, container_duration=packets.container_duration, truncated=truncated,
        frame_times=times if times is not None and times.variable else None, color=codec_color[1],
        start_pts=min(pts for pts, _ in packets.stamps) if packets.stamps else None,
    )


@dataclass(frozen=True)
class _Packets:
    """The video packets as demuxed: how many, their (pts, duration) in stream order, the time base."""

    count: int
    time_base: Fraction
    # (pts, duration) of each packet; empty when some packet has no timestamp (raw .h264 streams).
    stamps: tuple[tuple[int, int], ...]
    codec: str
    audio_codec: str | None
    container_duration: float | None
    failed: bool = False
    error: str = ""


def _demux_video(container, stream) -> _Packets:
    import av

    stamps: list[tuple[int, int]] = []
    complete, count, error = True, 0, ""
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the demuxer's end-of-stream marker
                continue
            count += 1
            complete = complete and packet.pts is not None
            if complete:
                stamps.append((packet.pts, packet.duration or 0))
    except av.error.FFmpegError as failure:
        error = _reason(failure)
    audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
    duration = container.duration / 1_000_000 if container.duration else None
    return _Packets(count, Fraction(stream.time_base) if stream.time_base else Fraction(0),
                    tuple(stamps) if complete else (), stream.codec_context.name, audio, duration,
                    failed=bool(error), error=error)


def _first_frame(path: Path) -> tuple[int, tuple[str, ColorInfo], tuple[int, int]] | None:
    """(clockwise rotation, (pixel format, colour), coded size) of the first decodable frame."""
    import av

    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        try:
            for frame in container.decode(stream):
                color = ColorInfo.from_codec(pix_fmt=frame.format.name, color_range=int(frame.color_range),
                                             colorspace=int(frame.colorspace),
                                             primaries=int(frame.color_primaries), transfer=int(frame.color_trc))
                # FFmpeg gives the display matrix's counter-clockwise angle; Artify reports clockwise.
                return int(round(-(frame.rotation or 0))) % 360, (frame.format.name, color), (frame.width,
                                                                                             frame.height)
        except av.error.FFmpegError:
            return None
    return None


def _count_decodable_frames(path: Path) -> int:
    import av

    count = 0
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for _ in container.decode(stream):
                count += 1
        except av.error.FFmpegError:
            pass  # the data ends: what decoded so far is what a run can use
    return count


def _frame_times(packets: _Packets, frames: int) -> FrameTimes | None:
    """Every frame's time from the packets' timestamps (None without timestamps)."""
    if len(packets.stamps) < 2 or not packets.time_base or frames < 2:
        return None
    ordered = sorted(packets.stamps)
    kept = ordered[:frames]
    last_pts, last_duration = kept[-1]
    end = ordered[frames][0] if len(ordered) > frames else last_pts + max(last_duration, 1)
    return FrameTimes.from_timestamps([pts for pts, _ in kept], end, packets.time_base)


def _constant_rate(packets: _Packets, stream) -> Fraction:
    """A stream without timestamps: the rate its codec or container declares."""
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            return Fraction(rate)
    raise VideoError("cannot determine the frame rate: the stream has no timestamps and declares no rate")


def _check_readable_file(path: Path) -> None:
    if not path.exists():
        raise VideoError(f"{path}: no such file")
    if not path.is_file():
        raise VideoError(f"{path}: not a regular file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: the file is empty (0 bytes)")


def _starts_like_mp4(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(12)
    return head[4:8] in (b"ftyp", b"mdat", b"moov", b"free", b"wide", b"skip")


def _explain_unreadable(error: Exception, path: Path) -> str:
    # The MP4 demuxer refuses a file without its index (moov) as invalid data; only a file
    # that starts like an MP4 was really cut (a text file named .mp4 is merely not a video).
    if _starts_like_mp4(path):
        return "the file has no index (moov atom missing): it was truncated or not finalised"
    return f"not a video file FFmpeg can read ({_reason(error)})"


def _reason(error: Exception) -> str:
    text = getattr(error, "strerror", None) or str(error)
    return str(text).strip() or type(error).__name__


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
