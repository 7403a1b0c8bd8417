"""Decoding videos to batches of RGB frames, in-process (PyAV: FFmpeg's libraries in its wheel)."""

from __future__ import annotations

import queue
import threading
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from artify_core.errors import VideoError
from artify_core.video.color import decode_filters
from artify_core.video.filters import FrameFilter, rotation_filters
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

    Rotation metadata is honoured, so frames come upright. Seeking to ``start``
    is frame-exact: decoding starts at the keyframe before it and frames shown
    before the time half-way between frame ``start - 1`` and ``start`` are
    dropped (real times, so variable-rate videos seek exactly too). Colours
    are converted as ``video.color`` says (the file's range and matrix; HDR
    tone-mapped to SDR). A thread decodes the next batches while the caller
    works on this one; FFmpeg's decoding and scaling run without the GIL.
    """
    info = info or probe_video(path)
    end = info.frames if end is None else min(end, info.frames)
    if not 0 <= start <= end:
        raise VideoError(f"{path}: frame range [{start}, {end}) is outside 0..{info.frames}")
    count = end - start
    if count == 0:
        return
    width, out_height = output_size(info, height)
    batches: queue.Queue[np.ndarray | BaseException | None] = queue.Queue(maxsize=QUEUED_BATCHES)
    stop = threading.Event()

    def offer(item: np.ndarray | BaseException | None) -> None:
        while not stop.is_set():
            try:
                batches.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            frames = _decoded(Path(path), info, start, count, (width, out_height) if height is not None else None)
            while not stop.is_set():
                # A fresh writable array per batch, filled in place: consumers may keep it
                # or hand it to torch without a copy.
                batch = np.empty((min(batch_frames, count), out_height, width, 3), np.uint8)
                got = 0
                for got, frame in enumerate(frames, 1):
                    batch[got - 1] = frame
                    if got == len(batch):
                        break
                if got:
                    offer(batch[:got])
                if got < len(batch):
                    break
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            offer(error)
        finally:
            offer(None)

    producer = threading.Thread(target=produce, daemon=True, name="artify-decode")
    producer.start()
    delivered = 0
    try:
        while (item := batches.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
            delivered += len(item)
            if delivered >= count:
                break
    finally:
        stop.set()
        producer.join(timeout=10)
    if delivered < count:
        raise VideoError(f"{path}: decoded only {start + delivered} of {end} frames (the data ends early)")


def read_frames(path: str | Path, **kwargs) -> np.ndarray:
    """All requested frames in one array (N, H, W, 3); for short clips and tests."""
    batches = list(iter_frames(path, **kwargs))
    if not batches:
        return np.zeros((0, 0, 0, 3), np.uint8)
    return np.concatenate(batches)


def _pixels(frame) -> np.ndarray:
    """An rgb24 frame's pixels as an (H, W, 3) uint8 view of its buffer (valid while the frame
    lives): the caller copies it once, into its batch."""
    plane = frame.planes[0]
    rows = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
    return rows[:, :frame.width * 3].reshape(frame.height, frame.width, 3)


def _decoded(path: Path, info: VideoInfo, start: int, count: int,
             size: tuple[int, int] | None) -> Iterator[np.ndarray]:
    """RGB frames ``[start, start + count)``, upright, converted and resized: (H, W, 3) uint8 views,
    each valid until the next is asked for."""
    import av

    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        time_base = Fraction(stream.time_base) if stream.time_base and info.start_pts is not None else None
        origin = info.start_pts or 0
        threshold = Fraction(info.times.seek_seconds(start)) if start else None
        if threshold is not None and time_base:
            # The keyframe at or before the first frame wanted; frames before it are decoded, then dropped.
            container.seek(origin + int(threshold / time_base), stream=stream, backward=True)
        convert: FrameFilter | None = None
        skipped, produced = 0, 0
        try:
            for frame in container.decode(stream):
                if threshold is not None:
                    if frame.pts is not None and time_base:
                        if (frame.pts - origin) * time_base < threshold:
                            continue
                    elif skipped < start:  # no timestamps to seek by: count frames from the start
                        skipped += 1
                        continue
                if convert is None:
                    convert = FrameFilter(rotation_filters(info.rotation)
                                          + decode_filters(info.color, min(info.width, info.height), size),
                                          width=frame.width, height=frame.height, pix_fmt=frame.format.name,
                                          time_base=time_base or Fraction(1, 90_000))
                yield _pixels(convert(frame))
                produced += 1
                if produced == count:
                    return
        except av.error.FFmpegError as error:
            raise VideoError(f"{path}: decoded only {start + produced} of {start + count} frames "
                             f"({getattr(error, 'strerror', None) or error})") from None
