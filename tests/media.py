"""Synthetic test media made with the ffmpeg command line: ffmpeg-python builds the commands and
the static ffmpeg of imageio-ffmpeg runs them, whatever ffmpeg is (or is not) on PATH. Artify
itself runs no ffmpeg binary (its video I/O is in-process, on PyAV)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import ffmpeg


def ffmpeg_binary() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run(stream, *, input: bytes | None = None) -> bytes:
    """Runs an ffmpeg-python output stream quietly and returns what it wrote to stdout; raises with
    ffmpeg's message on failure."""
    args = ["-v", "error"] if input is not None else ["-v", "error", "-nostdin"]
    try:
        return stream.global_args(*args).overwrite_output().run(
            cmd=ffmpeg_binary(), input=input, capture_stdout=True, capture_stderr=True)[0]
    except ffmpeg.Error as error:
        raise RuntimeError(f"ffmpeg failed: {error.stderr.decode(errors='replace').strip()}") from None


def stream_copy(source: Path, target: Path, *, input_options: dict | None = None, **output_options) -> Path:
    """``target``: the streams of ``source`` copied as they are (``t=1`` to cut, ``movflags`` …)."""
    run(ffmpeg.input(str(source), **(input_options or {})).output(str(target), c="copy", **output_options))
    return target


def audio_seconds(path: Path) -> float:
    """Seconds of audio in ``path``: the sum of its packets' durations."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        ticks = sum(packet.duration or 0 for packet in container.demux(stream) if packet.size)
        return float(ticks * Fraction(stream.time_base))
