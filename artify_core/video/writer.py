"""Encoding batches of RGB frames to H.264 through an ffmpeg pipe, published atomically.

Output is H.264 yuv420p, BT.709 limited range and tagged so, with +faststart:
at the input's rational frame rate, or, for a variable-rate video, with every
frame at its own time (frames then travel to ffmpeg in a Matroska stream that
carries their timestamps, see ``matroska.py``).
yuv420p needs even dimensions, and H.264 can only crop 4:2:0 pictures in steps
of two pixels, so an odd width or height cannot be delivered exactly: it is
rounded up by repeating the last column or row (``encoded_size``). Callers see
this size in ``VideoWriter.encoded_width``/``encoded_height``.
Everything is written to a temporary file beside the target and renamed into
place only when ffmpeg has finished without error.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Sequence

import numpy as np

from artify_core.errors import OutputError, VideoError
from artify_core.foundation.publish import temporary_sibling as _temporary_sibling
import artify_core.video.matroska as matroska
from artify_core.video.binary import ffmpeg_exe
from artify_core.video.color import ENCODE_FILTER, OUTPUT_TAGS
from artify_core.video.probe import segment_duration
from artify_core.video.timing import FrameTimes

# Audio codecs an MP4 can carry as they are; anything else is re-encoded to AAC.
_MP4_AUDIO = {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"}

# Batches waiting for the encoder: enough to keep it busy, few enough to bound memory.
QUEUED_BATCHES = 2
# Frames larger than 1080p get a shorter x264 lookahead (see _lookahead_args).
LARGE_FRAME_PIXELS = 1920 * 1088
LARGE_FRAME_LOOKAHEAD = 10


def encoded_size(width: int, height: int) -> tuple[int, int]:
    """The size yuv420p H.264 can carry for a (width, height) picture: each rounded up to even."""
    return width + width % 2, height + height % 2


def temporary_sibling(target: Path, suffix: str) -> Path:
    """``foundation.publish.temporary_sibling``, failing as ``OutputError`` naming the folder."""
    try:
        return _temporary_sibling(target, suffix)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write to {target.parent} ({exc.strerror})") from exc


def check_writable(target: Path) -> None:
    """Raises ``OutputError`` before any work when ``target`` cannot be created."""
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"{target}: is a directory, expected an output file path")
    if not parent.is_dir():
        raise OutputError(f"{target}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{target}: the directory {parent} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputError(f"{target}: exists and is not writable")


class VideoWriter:
    """Streams RGB uint8 (n, H, W, 3) batches into an H.264 MP4 at ``path``.

    ``times``: when each frame is shown, relative to the first (e.g.
    ``info.times.window(start, end)``); a variable-rate one is kept frame by
    frame, and the writer then takes at most ``times.frames`` frames.
    Use as a context manager: on an exception the partial file is removed and
    nothing appears at ``path``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        width: int,
        height: int,
        fps: Fraction,
        crf: int = 18,
        preset: str = "medium",
        audio_source: str | Path | None = None,
        audio_codec: str | None = None,
        times: FrameTimes | None = None,
    ) -> None:
        self.path = Path(path)
        self.width, self.height, self.fps = width, height, Fraction(fps)
        self.encoded_width, self.encoded_height = encoded_size(width, height)
        self.times = times if times is not None and times.variable else None
        check_writable(self.path)
        self._temp = temporary_sibling(self.path, self.path.suffix or ".mp4")
        command = _encoder_command(
            self._temp, self.encoded_width, self.encoded_height, self.fps, crf, preset,
            audio_source, audio_codec, self.times,
        )
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._stderr: list[bytes] = []
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        # Batches reach the encoder from a feeder thread: a pipe holds 64 KiB, so writing a
        # batch directly would stall the caller (the model) while x264 takes it in.
        self._pending: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=QUEUED_BATCHES)
        self._broken: BaseException | None = None
        self._feeder = threading.Thread(target=self._feed, daemon=True)
        self._feeder.start()
        self.frames_written = 0

    def write(self, frames: np.ndarray) -> None:
        """Queues a batch for encoding (the writer keeps it: do not modify it afterwards)."""
        if frames.ndim != 4 or frames.shape[1:] != (self.height, self.width, 3) or frames.dtype != np.uint8:
            raise ValueError(
                f"expected uint8 frames of shape (n, {self.height}, {self.width}, 3), got "
                f"{frames.dtype} {frames.shape}"
            )
        pad_rows, pad_cols = self.encoded_height - self.height, self.encoded_width - self.width
        if pad_rows or pad_cols:
            frames = np.pad(frames, ((0, 0), (0, pad_rows), (0, pad_cols), (0, 0)), mode="edge")
        if self.times is not None and self.frames_written + len(frames) > self.times.frames:
            raise ValueError(f"{self.path}: the writer has times for {self.times.frames} frames; "
                             f"got {self.frames_written + len(frames)}")
        self._raise_if_broken()
        self._pending.put(np.ascontiguousarray(frames))
        self.frames_written += len(frames)

    def close(self) -> Path:
        """Finishes encoding and moves the file into place; returns its path."""
        self._pending.put(None)
        self._feeder.join()
        self._raise_if_broken()
        self._process.stdin.close()
        code = self._process.wait()
        self._drain.join(timeout=10)
        if code != 0:
            self._temp.unlink(missing_ok=True)
            raise VideoError(f"{self.path}: encoding failed: {self._error_tail()}")
        os.replace(self._temp, self.path)
        return self.path

    def abort(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        _discard(self._pending)
        if self._feeder.is_alive():
            self._pending.put(None)
            self._feeder.join(timeout=10)
        self._temp.unlink(missing_ok=True)

    def _feed(self) -> None:
        fed = 0
        if self.times is not None:
            self._write_or_break(matroska.stream_header(self.encoded_width, self.encoded_height))
        while (frames := self._pending.get()) is not None:
            if self._broken is not None:
                continue  # the encoder is gone: drop what was queued, wait for the end marker
            if self.times is None:
                self._write_or_break(frames.data)
                continue
            for frame in frames:
                start, end = self.times.time(fed), self.times.time(fed + 1)
                self._write_or_break(matroska.frame_prefix(start, end - start, frame.nbytes))
                self._write_or_break(frame.data)
                fed += 1

    def _write_or_break(self, data: bytes | memoryview) -> None:
        if self._broken is not None:
            return
        try:
            self._process.stdin.write(data)
        except (BrokenPipeError, OSError, ValueError) as exc:
            self._broken = exc

    def _raise_if_broken(self) -> None:
        if self._broken is not None:
            cause = self._broken
            self.abort()
            raise VideoError(f"{self.path}: the encoder stopped: {self._error_tail()}") from cause

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _read_stderr(self) -> None:
        for line in iter(self._process.stderr.readline, b""):
            self._stderr.append(line)

    def _error_tail(self) -> str:
        text = b"".join(self._stderr[-3:]).decode("utf-8", "replace").strip()
        return text or "ffmpeg gave no detail"


def _discard(pending: queue.Queue) -> None:
    while True:
        try:
            pending.get_nowait()
        except queue.Empty:
            return


def concat_segments(
    segments: Sequence[Path],
    path: str | Path,
    *,
    audio_source: str | Path | None = None,
    audio_codec: str | None = None,
    audio_window: tuple[float, float] | None = None,
) -> Path:
    """Joins H.264 MP4 segments (same size and rate) without re-encoding, adds the
    audio of ``audio_source`` if it has any, and publishes ``path`` atomically.

    Each segment's frames keep their own times (variable-rate segments stay so):
    the next segment starts where the previous one's last frame ends
    (``segment_duration``, given to the concat demuxer explicitly).
    ``audio_window``: (start, duration) in seconds of the source's audio to use,
    for an excerpt; it is cut sample-exactly, so it is re-encoded (AAC).
    """
    target = Path(path)
    check_writable(target)
    listing = temporary_sibling(target, ".txt")
    temp = temporary_sibling(target, target.suffix or ".mp4")
    try:
        listing.write_text("".join(f"file '{_concat_escape(s)}'\nduration {float(segment_duration(s)):.9f}\n"
                                   for s in segments))
        command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-y",
                   "-f", "concat", "-safe", "0", "-i", str(listing)]
        command += _audio_input_args(audio_source, audio_window)
        command += ["-map", "0:v:0", "-c:v", "copy"]
        command += _audio_output_args(audio_source, None if audio_window else audio_codec)
        command += ["-movflags", "+faststart", "-f", "mp4", str(temp)]
        result = subprocess.run(command, capture_output=True, text=True, errors="replace")
        if result.returncode != 0:
            raise VideoError(f"{target}: joining {len(segments)} segments failed: {result.stderr.strip()[-400:]}")
        os.replace(temp, target)
        return target
    finally:
        listing.unlink(missing_ok=True)
        temp.unlink(missing_ok=True)


def _concat_escape(path: Path) -> str:
    return str(Path(path).resolve()).replace("'", "'\\''")


def _encoder_command(
    temp: Path, width: int, height: int, fps: Fraction, crf: int, preset: str,
    audio_source: str | Path | None, audio_codec: str | None, times: FrameTimes | None = None,
) -> list[str]:
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-y"]
    if times is None:
        rate = f"{fps.numerator}/{fps.denominator}"
        command += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-framerate", rate,
                    "-thread_queue_size", "2", "-i", "pipe:0"]
    else:
        # Timestamps from the Matroska stream, kept frame by frame: no frame dropped or
        # repeated, the encoder's clock that of the stream, the MP4 track's that of the source.
        command += ["-f", "matroska", "-thread_queue_size", "2", "-i", "pipe:0"]
    command += _audio_input_args(audio_source)
    command += ["-map", "0:v:0"]
    if times is not None:
        command += ["-fps_mode", "passthrough", "-enc_time_base", "demux",
                    "-video_track_timescale", str(track_timescale(times))]
    command += ["-vf", ENCODE_FILTER, "-c:v", "libx264", "-preset", preset, "-crf", str(crf),
                "-pix_fmt", "yuv420p", *_lookahead_args(width, height), *OUTPUT_TAGS]
    command += _audio_output_args(audio_source, audio_codec)
    command += ["-movflags", "+faststart", "-f", "mp4", str(temp)]
    return command


def _lookahead_args(width: int, height: int) -> list[str]:
    # x264 keeps its rate-control lookahead (40 frames at the medium preset) in memory:
    # 0.8 GB at 4K. Above 1080p it looks 10 frames ahead (about 1-2 % more bits).
    return ["-x264-params", f"rc-lookahead={LARGE_FRAME_LOOKAHEAD}"] if width * height > LARGE_FRAME_PIXELS else []


def track_timescale(times: FrameTimes) -> int:
    """Ticks per second of an output track that holds ``times`` exactly when it can:
    the source's own time base (1/N), else MP4's customary 90 kHz."""
    base = times.time_base
    if base is not None and base.numerator == 1 and 1000 <= base.denominator <= 10_000_000:
        return base.denominator
    return 90_000


def _audio_input_args(audio_source: str | Path | None, window: tuple[float, float] | None = None) -> list[str]:
    if audio_source is None:
        return []
    # Input options: decode from the start of the window for its duration (accurate seek).
    trim = ["-ss", f"{window[0]:.6f}", "-t", f"{window[1]:.6f}"] if window is not None else []
    return [*trim, "-i", str(audio_source)]


def _audio_output_args(audio_source: str | Path | None, audio_codec: str | None) -> list[str]:
    if audio_source is None:
        return []
    codec = "copy" if (audio_codec or "") in _MP4_AUDIO else "aac"
    # The trailing '?' keeps sources without audio working.
    return ["-map", "1:a:0?", "-c:a", codec]
