"""Decoding videos to batches of RGB frames through an ffmpeg pipe."""

from __future__ import annotations

import queue
import subprocess
import threading
from pathlib import Path
from typing import Iterator

import numpy as np

from artify_core.errors import VideoError
from artify_core.video.binary import ffmpeg_exe
from artify_core.video.color import decode_filters
from artify_core.video.probe import VideoInfo, probe_video


# Decoded batches held ahead of the caller: enough to hide decoding, few enough to bound memory.
QUEUED_BATCHES = 2


def output_size(info: VideoInfo, height: int | None) -> tuple[int, int]:
    """(width, height) of decoded frames when resized to ``height`` (aspect kept, even width)."""
    if height is None or height == info.height:
        return info.width, info.height
    if height < 16:
        raise VideoError(f"{info.path}: target height {height} is too small (need >= 16)")
    width = int(round(info.width * height / info.height / 2)) * 2
    return max(width, 2), height


def iter_frames(
    path: str | Path,
    *,
    batch_frames: int = 32,
    height: int | None = None,
    start: int = 0,
    end: int | None = None,
    info: VideoInfo | None = None,
) -> Iterator[np.ndarray]:
    """Yields RGB uint8 batches of shape (n, H, W, 3), n <= ``batch_frames``, for frames
    ``[start, end)`` in order.

    Rotation metadata is honoured (ffmpeg autorotates), so frames come upright.
    Seeking to ``start`` is frame-exact: ffmpeg decodes from the previous
    keyframe and drops frames before the requested time, which sits half-way
    between frame ``start - 1`` and ``start`` (by their real times, so
    variable-rate videos seek exactly too). Colours are converted as
    ``video.color`` says (the file's range and matrix; HDR tone-mapped to SDR).
    """
    info = info or probe_video(path)
    end = info.frames if end is None else min(end, info.frames)
    if not 0 <= start <= end:
        raise VideoError(f"{path}: frame range [{start}, {end}) is outside 0..{info.frames}")
    count = end - start
    if count == 0:
        return
    width, out_height = output_size(info, height)
    process = _spawn_decoder(Path(path), info, start, count, width, out_height, height)
    stderr_lines: list[str] = []
    drain = threading.Thread(target=_drain, args=(process.stderr, stderr_lines), daemon=True)
    drain.start()
    frame_bytes = width * out_height * 3
    # A reader thread keeps the next batches decoded while the caller works on this one
    # (the pipe itself holds only 64 KiB, so ffmpeg would otherwise wait for each read).
    batches: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=QUEUED_BATCHES)
    stop = threading.Event()

    def offer(item: np.ndarray | None) -> None:
        while not stop.is_set():
            try:
                batches.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        read = 0
        try:
            while read < count and not stop.is_set():
                n = min(batch_frames, count - read)
                # A fresh writable array per batch, filled in place: consumers may keep
                # it or hand it to torch without a copy.
                batch = np.empty((n, out_height, width, 3), np.uint8)
                got = _read_into(process.stdout, memoryview(batch).cast("B")) // frame_bytes
                if got:
                    offer(batch[:got])
                    read += got
                if got < n:
                    break
        except (OSError, ValueError):  # the consumer stopped early and the decoder was killed
            pass
        finally:
            offer(None)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    delivered = 0
    try:
        while (batch := batches.get()) is not None:
            yield batch
            delivered += len(batch)
    finally:
        stop.set()
        process.kill() if delivered < count else None
        producer.join(timeout=10)
        process.stdout.close()
        process.wait()
        drain.join(timeout=5)
    if delivered < count:
        detail = stderr_lines[-1].strip() if stderr_lines else "the decoder stopped early"
        raise VideoError(
            f"{path}: decoded only {start + delivered} of {end} frames ({detail})"
        )


def read_frames(path: str | Path, **kwargs) -> np.ndarray:
    """All requested frames in one array (N, H, W, 3); for short clips and tests."""
    batches = list(iter_frames(path, **kwargs))
    if not batches:
        return np.zeros((0, 0, 0, 3), np.uint8)
    return np.concatenate(batches)


def _spawn_decoder(path: Path, info: VideoInfo, start: int, count: int, width: int, height: int,
                   resize: int | None) -> subprocess.Popen:
    command = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error"]
    if start > 0:
        # Half-way between frame start-1 and start (real times: the rate may vary).
        command += ["-ss", f"{info.times.seek_seconds(start):.6f}"]
    size = (width, height) if resize is not None else None
    filters = decode_filters(info.color, min(info.width, info.height), size)
    # passthrough: frames leave as decoded. Under the default constant-rate mode a
    # filter graph after a seek re-times the first frame and duplicates it, and a
    # variable-rate video would get frames repeated or dropped.
    command += ["-i", str(path), "-map", "0:v:0", "-vf", ",".join(filters), "-frames:v", str(count),
                "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:"]
    # A buffered pipe: read(n) then returns n bytes unless the decoder ended.
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1 << 20)


def _read_into(stream, view: memoryview) -> int:
    """Fills ``view`` from a pipe; returns the bytes read, fewer only at end of stream."""
    filled = 0
    while filled < len(view):
        got = stream.readinto(view[filled:])
        if not got:
            break
        filled += got
    return filled


def _drain(stream, sink: list[str]) -> None:
    # Read stderr concurrently: a chatty decoder would otherwise block on a full pipe.
    for raw in iter(stream.readline, b""):
        sink.append(raw.decode("utf-8", "replace"))
    stream.close()
