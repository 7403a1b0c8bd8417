"""Joining H.264 segments into one MP4 without re-encoding, with the content's audio (PyAV remux).

Segment k's frames keep their own times, shifted to start where segment k−1's
last frame ends (its latest presentation time plus that frame's duration, read
from its packets), so variable-rate segments stay variable and every frame
keeps the time the source gave it. The audio is copied as it is when MP4 can
carry it, else re-encoded to AAC; an excerpt's audio is cut sample-exactly to
its window and re-encoded. Packets of both streams are written in time order.
"""

from __future__ import annotations

import heapq
import os
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Sequence

from artify_core.errors import VideoError
from artify_core.video.writer import MP4_OPTIONS, check_writable, os_error, temporary_sibling

# Audio codecs an MP4 can carry as they are; anything else is re-encoded to AAC.
MP4_AUDIO = {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"}
# Audio decoded before an excerpt's start, so the decoder has settled when the window opens.
AUDIO_PREROLL_SECONDS = 1


def concat_segments(
    segments: Sequence[Path],
    path: str | Path,
    *,
    audio_source: str | Path | None = None,
    audio_codec: str | None = None,
    audio_window: tuple[float, float] | None = None,
    starts: Sequence[Fraction] | None = None,
) -> Path:
    """Joins H.264 MP4 segments (same size and codec settings) without re-encoding, adds the
    audio of ``audio_source`` if it has any, and publishes ``path`` atomically.

    ``starts``: when each segment's first frame is shown, in seconds from the first segment's
    (the plan's times, exact); None: each segment starts where the previous one's last frame
    ends, as measured from its packets (with B-frames an MP4 stores a last frame's duration in
    decoding order, so the measure can be a frame interval off on variable-rate video).
    ``audio_window``: (start, duration) in seconds of the source's audio to use, for an
    excerpt; it is cut sample-exactly, so it is re-encoded (AAC).
    """
    import av

    target = Path(path)
    check_writable(target)
    if not segments:
        raise VideoError(f"{target}: no segments to join")
    if starts is not None and len(starts) != len(segments):
        raise ValueError(f"{len(starts)} start times for {len(segments)} segments")
    temp = temporary_sibling(target, target.suffix or ".mp4")
    try:
        with av.open(str(temp), "w", format="mp4", options=dict(MP4_OPTIONS)) as output:
            with av.open(str(segments[0])) as first:
                video = output.add_stream_from_template(first.streams.video[0])
            streams = [_segment_packets(segments, video, starts)]
            if audio_source is not None:
                streams.append(_audio_packets(Path(audio_source), output, audio_codec, audio_window))
            for _, _, packet in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
                output.mux_one(packet)
        os.replace(temp, target)
        return target
    except (OSError, av.error.FFmpegError) as error:
        if isinstance(error, OSError) and error.errno:
            raise os_error(target, error) from None
        raise VideoError(f"{target}: joining {len(segments)} segments failed: {error}") from None
    finally:
        temp.unlink(missing_ok=True)


def segment_duration(path: str | Path) -> Fraction:
    """Seconds from a segment's first frame to the end of its last: the latest presentation
    time plus that frame's duration (the MP4 header's duration is not this for variable-rate
    H.264 with B-frames: the muxer derives it from decoding times)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stamps = [(p.pts, p.duration or 0) for p in container.demux(stream) if p.size and p.pts is not None]
        if not stamps:
            raise VideoError(f"{path}: no timestamps to measure its duration")
        first = min(pts for pts, _ in stamps)
        return (max(pts + duration for pts, duration in stamps) - first) * Fraction(stream.time_base)


def _segment_packets(segments: Sequence[Path], video,
                     starts: Sequence[Fraction] | None) -> Iterator[tuple[float, int, object]]:
    """(time in seconds, stream order, packet) of every segment's video packets, re-timed
    to follow one another, in decoding order."""
    import av

    offset = Fraction(0)  # where the current segment starts, in seconds
    order = 0
    for index, segment in enumerate(segments):
        if starts is not None:
            offset = Fraction(starts[index])
        with av.open(str(segment)) as container:
            stream = container.streams.video[0]
            base = Fraction(stream.time_base)
            origin = stream.start_time or 0
            shift = round(offset / base) - origin
            end = 0
            frames = 0
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                end = max(end, packet.pts + (packet.duration or 0))
                frames += 1
                packet.pts += shift
                packet.dts = (packet.dts if packet.dts is not None else packet.pts - shift) + shift
                packet.stream = video
                order += 1
                yield float(packet.dts * base), order, packet
            if frames == 0:
                raise VideoError(f"{segment}: the segment holds no frames")
            offset += (end - origin) * base


def _audio_packets(source: Path, output, codec: str | None,
                   window: tuple[float, float] | None) -> Iterator[tuple[float, int, object]]:
    """The source's first audio stream for ``output``: copied, or decoded and re-encoded."""
    import av

    container = av.open(str(source), metadata_errors="ignore")
    try:
        if not container.streams.audio:
            return
        audio = container.streams.audio[0]
        if window is None and (codec or audio.codec_context.name) in MP4_AUDIO:
            copy = output.add_stream_from_template(audio)
            origin = audio.start_time or 0
            base = Fraction(audio.time_base)
            for order, packet in enumerate(container.demux(audio)):
                if packet.size == 0 or packet.dts is None:
                    continue
                packet.pts, packet.dts = packet.pts - origin, packet.dts - origin
                packet.stream = copy
                yield float(packet.dts * base), order, packet
            return
        yield from _reencoded_audio(container, audio, output, window)
    finally:
        container.close()


def _reencoded_audio(container, audio, output, window: tuple[float, float] | None
                     ) -> Iterator[tuple[float, int, object]]:
    """AAC of the source's audio, whole or cut sample-exactly to ``window`` = (start, duration)."""
    import av
    import numpy as np

    rate = audio.codec_context.sample_rate
    encoded = output.add_stream("aac", rate=rate)
    encoded.codec_context.layout = audio.codec_context.layout
    resampler = av.AudioResampler(format=encoded.codec_context.format or "fltp",
                                  layout=audio.codec_context.layout, rate=rate)
    first, last = (0, None) if window is None else (round(window[0] * rate), round(sum(window) * rate))
    origin = audio.start_time or 0
    if first > AUDIO_PREROLL_SECONDS * rate:
        container.seek(origin + int((first / rate - AUDIO_PREROLL_SECONDS) / audio.time_base), stream=audio)
    fifo = av.AudioFifo()
    written = 0
    order = 0

    def drain(final: bool) -> Iterator[tuple[float, int, object]]:
        nonlocal written, order
        size = encoded.codec_context.frame_size or 1024
        while (frame := fifo.read(size, partial=final)) is not None:
            frame.pts, frame.sample_rate = written, rate
            frame.time_base = Fraction(1, rate)
            written += frame.samples
            for packet in encoded.encode(frame):
                order += 1
                yield float(packet.dts * packet.time_base), order, packet

    position = None
    for decoded in container.decode(audio):
        for frame in resampler.resample(decoded):
            start = (round((decoded.pts - origin) * audio.time_base * rate) if decoded.pts is not None
                     else position or 0)
            position = start + frame.samples
            keep_from, keep_to = max(first, start), position if last is None else min(last, position)
            if keep_to <= keep_from:
                if last is not None and start >= last:
                    break
                continue
            samples = frame.to_ndarray()
            kept = samples[..., keep_from - start:keep_to - start] if samples.ndim == 2 else samples
            piece = av.AudioFrame.from_ndarray(np.ascontiguousarray(kept), format=frame.format.name,
                                               layout=frame.layout.name)
            piece.sample_rate = rate
            fifo.write(piece)
            yield from drain(final=False)
        if last is not None and position is not None and position >= last:
            break
    yield from drain(final=True)
    for packet in encoded.encode(None):
        order += 1
        yield float(packet.dts * packet.time_base), order, packet
