"""Encoding batches of RGB frames to H.264 in-process (PyAV), published atomically.

Output is H.264 yuv420p, BT.709 limited range and tagged so, with +faststart:
at the input's rational frame rate or, for a variable-rate video, with every
frame at its own time (the encoder takes each frame's timestamp directly, in
the source's time base). yuv420p needs even dimensions, and H.264 can only crop
4:2:0 pictures in steps of two pixels, so an odd width or height cannot be
delivered exactly: it is rounded up by repeating the last column or row
(``encoded_size``). Everything is written to a temporary file beside the
target and renamed into place only when encoding has finished without error.
"""

from __future__ import annotations

import os
import queue
import threading
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import numpy as np

from artify_core.errors import OutputError, VideoError
from artify_core.foundation.filesystem import is_out_of_space, out_of_space
from artify_core.foundation.publish import temporary_sibling as _temporary_sibling
from artify_core.video.color import ENCODE_FILTERS, OUTPUT_COLORSPACE, OUTPUT_PRIMARIES, OUTPUT_RANGE, OUTPUT_TRANSFER
from artify_core.video.encoders import NVENC_PRESETS
from artify_core.video.filters import FrameFilter
from artify_core.video.timing import FrameTimes

# Batches waiting for the encoder: enough to keep it busy, few enough to bound memory.
QUEUED_BATCHES = 2
# Frames larger than 1080p get a shorter x264 lookahead (see _encoder_options).
LARGE_FRAME_PIXELS = 1920 * 1088
LARGE_FRAME_LOOKAHEAD = 10
MP4_OPTIONS = {"movflags": "+faststart"}
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


def track_timescale(times: FrameTimes) -> int:
    """Ticks per second of an output track that holds ``times`` exactly when it can:
    the source's own time base (1/N), else MP4's customary 90 kHz."""
    base = times.time_base
    if base is not None and base.numerator == 1 and 1000 <= base.denominator <= 10_000_000:
        return base.denominator
    return 90_000


class VideoWriter:
    """Streams RGB uint8 (n, H, W, 3) batches into an H.264 MP4 at ``path``.

    ``times``: when each frame is shown, relative to the first (e.g.
    ``info.times.window(start, end)``); a variable-rate one is kept frame by
    frame, and the writer then takes at most ``times.frames`` frames.
    Use as a context manager: on an exception the partial file is removed and
    nothing appears at ``path``. A thread converts and encodes while the
    caller works (FFmpeg's scaling and encoding run without the GIL).
    ``codec``: "libx264" or "h264_nvenc" (``resolve_encoder``); ``crf`` and
    ``preset`` are x264's, mapped to NVENC's constant quality and presets.
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
        times: FrameTimes | None = None,
        codec: str = "libx264",
    ) -> None:
        import av

        self.path = Path(path)
        self.width, self.height, self.fps = width, height, Fraction(fps)
        self.encoded_width, self.encoded_height = encoded_size(width, height)
        self.times = times if times is not None and times.variable else None
        check_writable(self.path)
        self._temp = temporary_sibling(self.path, self.path.suffix or ".mp4")
        options = dict(MP4_OPTIONS)
        if self.times is not None:
            options["video_track_timescale"] = str(track_timescale(self.times))
        try:
            self._container = av.open(str(self._temp), "w", format="mp4", options=options)
            self._stream = _video_stream(self._container, codec, self.encoded_width, self.encoded_height,
                                         self.fps, self.times, crf, preset)
        except (av.error.FFmpegError, OSError) as error:
            self._temp.unlink(missing_ok=True)
            raise _output_error(self.path, error, "cannot start encoding") from None
        self._convert = FrameFilter(ENCODE_FILTERS, width=self.encoded_width, height=self.encoded_height,
                                    pix_fmt="rgb24", time_base=self._stream.codec_context.time_base)
        # Batches reach the encoder from a feeder thread, so the caller (the model) never waits for x264.
        self._pending: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=QUEUED_BATCHES)
        self._broken: BaseException | None = None
        self._feeder = threading.Thread(target=self._feed, daemon=True, name="artify-encode")
        self._feeder.start()
        self.frames_written = 0
        pts = self.times.pts if self.times is not None else ()
        self._durations = {pts[i]: pts[i + 1] - pts[i] for i in range(len(pts) - 1)}

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
        try:
            self._container.close()
        except (OSError, Exception) as error:  # av's errors derive from OSError or ValueError
            self._temp.unlink(missing_ok=True)
            raise _output_error(self.path, error, "finishing the file failed") from None
        os.replace(self._temp, self.path)
        return self.path

    def abort(self) -> None:
        _discard(self._pending)
        if self._feeder.is_alive():
            self._pending.put(None)
            self._feeder.join(timeout=30)
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - the file is being thrown away
            pass
        self._temp.unlink(missing_ok=True)

    def _feed(self) -> None:
        import av

        fed = 0
        try:
            while (frames := self._pending.get()) is not None:
                if self._broken is not None:
                    continue  # the encoder failed: drop what was queued, wait for the end marker
                for pixels in frames:
                    frame = self._convert(av.VideoFrame.from_ndarray(pixels, format="rgb24"))
                    _tag_output(frame)
                    frame.pts, frame.duration = self._timestamp(fed)
                    self._mux(self._stream.encode(frame))
                    fed += 1
            if self._broken is None:
                self._mux(self._stream.encode(None))  # flush the encoder's delayed frames
        except BaseException as error:  # noqa: BLE001 - reported to the caller by _raise_if_broken
            self._broken = error
            _discard(self._pending)

    def _timestamp(self, index: int) -> tuple[int, int]:
        """(pts, duration) of frame ``index`` in the codec's time base."""
        if self.times is None:
            return index, 1  # the time base is 1/fps
        pts = self.times.pts
        return pts[index], pts[index + 1] - pts[index]

    def _mux(self, packets) -> None:
        if self.times is not None:
            # The encoder gives every packet the average rate's duration; the MP4 keeps it for the
            # last frame, whose real duration the next chunk's start depends on.
            for packet in packets:
                packet.duration = self._durations[packet.pts]
        self._container.mux(packets)

    def _raise_if_broken(self) -> None:
        if self._broken is not None:
            cause = self._broken
            self.abort()
            raise _output_error(self.path, cause, "the encoder stopped") from cause

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _video_stream(container, codec: str, width: int, height: int, fps: Fraction, times: FrameTimes | None,
                  crf: int, preset: str):
    stream = container.add_stream(codec, rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    # Frame threads, as the ffmpeg command line runs x264: PyAV's default (slice threads only) makes
    # x264 split each picture instead of working on several, slower and coded differently.
    stream.codec_context.thread_type = "AUTO"
    # The encoder's clock: one tick per frame at a constant rate; the source's own time base for a
    # variable one, so every frame keeps its exact time.
    stream.codec_context.time_base = times.time_base if times is not None else 1 / fps
    stream.codec_context.colorspace = OUTPUT_COLORSPACE
    stream.codec_context.color_primaries = OUTPUT_PRIMARIES
    stream.codec_context.color_trc = OUTPUT_TRANSFER
    stream.codec_context.color_range = OUTPUT_RANGE
    stream.options = _encoder_options(codec, width, height, crf, preset)
    return stream


def _encoder_options(codec: str, width: int, height: int, crf: int, preset: str) -> dict[str, str]:
    if codec == "h264_nvenc":
        # Variable bit rate held at a constant quality, as x264's crf; NVENC's cq runs on a similar scale.
        return {"preset": NVENC_PRESETS.get(preset, "p5"), "rc": "vbr", "cq": str(crf), "b": "0"}
    options = {"crf": str(crf), "preset": preset}
    # x264 keeps its rate-control lookahead (40 frames at the medium preset) in memory:
    # 0.8 GB at 4K. Above 1080p it looks 10 frames ahead (about 1-2 % more bits).
    if codec == "libx264" and width * height > LARGE_FRAME_PIXELS:
        options["x264-params"] = f"rc-lookahead={LARGE_FRAME_LOOKAHEAD}"
    return options


def _tag_output(frame) -> None:
    frame.colorspace, frame.color_range = OUTPUT_COLORSPACE, OUTPUT_RANGE
    frame.color_primaries, frame.color_trc = OUTPUT_PRIMARIES, OUTPUT_TRANSFER


def _discard(pending: queue.Queue) -> None:
    while True:
        try:
            pending.get_nowait()
        except queue.Empty:
            return


def _output_error(path: Path, error: BaseException, what: str) -> Exception:
    """An ``OutputError`` that names the cause the user can act on (a full disk names its
    filesystem), a ``VideoError`` for anything else; programming errors pass through."""
    if isinstance(error, OSError) and error.errno is not None:
        return os_error(path, error)
    if isinstance(error, (ValueError, TypeError)) and not _is_av_error(error):
        return error  # a bug, not a video problem: keep its type and traceback
    return VideoError(f"{path}: {what}: {getattr(error, 'strerror', None) or error}")


def os_error(path: Path, error: OSError) -> Exception:
    """What a failed write of ``path`` tells the user: a full file system named, or why it cannot write."""
    if is_out_of_space(error):
        return out_of_space(path)
    return OutputError(f"{path}: cannot write it ({error.strerror or error}); choose a writable location")


def _is_av_error(error: BaseException) -> bool:
    return type(error).__module__.startswith("av")
