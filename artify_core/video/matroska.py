"""A minimal Matroska stream of raw RGB frames, each with its own presentation time.

ffmpeg's rawvideo input has no timestamps: every frame is 1/framerate after
the last, so a variable-frame-rate video cannot be re-encoded through a plain
pipe (there is no side channel for times; the usual ways are a container that
carries them, or mkvmerge's timestamp files afterwards). This module writes
such a container on the fly: an EBML header, one video track of
``V_UNCOMPRESSED`` RGB24 (ColourSpace FourCC ``RGB\\x18``, which ffmpeg's
Matroska demuxer maps to rgb24), and one cluster per frame holding its
timestamp and a block with its duration. Timestamps are in nanoseconds
(TimestampScale 1), so any source time base survives to well under 1 ms.
"""

from __future__ import annotations

import struct
from fractions import Fraction

NANOSECONDS = 1_000_000_000
# Element IDs from the Matroska specification (RFC 9559).
_EBML, _SEGMENT, _INFO, _TRACKS, _TRACK_ENTRY, _VIDEO = (
    b"\x1a\x45\xdf\xa3", b"\x18\x53\x80\x67", b"\x15\x49\xa9\x66", b"\x16\x54\xae\x6b", b"\xae", b"\xe0")
_CLUSTER, _TIMESTAMP, _BLOCK_GROUP, _BLOCK, _BLOCK_DURATION = (
    b"\x1f\x43\xb6\x75", b"\xe7", b"\xa0", b"\xa1", b"\x9b")
# A segment of unknown size: the stream is written once, front to back, into a pipe.
_UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"
RGB24_FOURCC = b"RGB\x18"


def _size(length: int) -> bytes:
    # Always the 8-byte form: simple, and large enough for an 8K frame.
    return b"\x01" + length.to_bytes(7, "big")


def _element(element_id: bytes, payload: bytes) -> bytes:
    return element_id + _size(len(payload)) + payload


def _uint(element_id: bytes, value: int) -> bytes:
    return _element(element_id, value.to_bytes(8, "big"))


def stream_header(width: int, height: int) -> bytes:
    """The bytes before the first frame: EBML header, segment start, info (ns timestamps), the track."""
    ebml = _element(_EBML, _uint(b"\x42\x86", 1) + _uint(b"\x42\xf7", 1) + _uint(b"\x42\xf2", 4)
                    + _uint(b"\x42\xf3", 8) + _element(b"\x42\x82", b"matroska") + _uint(b"\x42\x87", 4)
                    + _uint(b"\x42\x85", 2))
    info = _element(_INFO, _uint(b"\x2a\xd7\xb1", 1))
    video = _element(_VIDEO, _uint(b"\xb0", width) + _uint(b"\xba", height)
                     + _element(b"\x2e\xb5\x24", RGB24_FOURCC))
    track = _element(_TRACK_ENTRY, _uint(b"\xd7", 1) + _uint(b"\x73\xc5", 1) + _uint(b"\x83", 1)
                     + _element(b"\x86", b"V_UNCOMPRESSED") + video)
    return ebml + _SEGMENT + _UNKNOWN_SIZE + info + _element(_TRACKS, track)


def frame_prefix(time: Fraction, duration: Fraction, frame_bytes: int) -> bytes:
    """Everything of one frame's cluster that precedes its pixels (``frame_bytes`` of RGB24).

    The cluster is laid out as [timestamp][block group: [block duration][block: header + pixels]],
    so the pixels can follow straight from the caller's array, without a copy.
    """
    start, length = _nanoseconds(time), max(1, _nanoseconds(duration))
    block_header = b"\x81" + struct.pack(">h", 0) + b"\x00"  # track 1, offset 0 from the cluster, no flags
    block_start = _BLOCK + _size(len(block_header) + frame_bytes) + block_header
    group_payload = len(_uint(_BLOCK_DURATION, 0)) + len(block_start) + frame_bytes
    group_start = _BLOCK_GROUP + _size(group_payload) + _uint(_BLOCK_DURATION, length)
    cluster_payload = len(_uint(_TIMESTAMP, 0)) + len(group_start) + len(block_start) + frame_bytes
    return _CLUSTER + _size(cluster_payload) + _uint(_TIMESTAMP, start) + group_start + block_start


def _nanoseconds(seconds: Fraction) -> int:
    return round(Fraction(seconds) * NANOSECONDS)
