"""Which H.264 encoder writes the output: x264 on the CPU, NVENC on an NVIDIA GPU (both in PyAV's wheel).

A GPU run stylizes far faster than x264 encodes on the CPU, so there NVENC
keeps the encoder from capping the run. The encoder changes the pixels, so
the one that runs (never "auto") is part of the chunk's key.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from artify_core.errors import InputError

# "auto" is NVENC when the run computes on CUDA and the GPU's encoder opens, else x264.
ENCODERS = ("libx264", "h264_nvenc")
# x264's speed presets → NVENC's (p1 fastest … p7 slowest); NVENC's default is p4.
NVENC_PRESETS = {"ultrafast": "p1", "superfast": "p2", "veryfast": "p3", "faster": "p3", "fast": "p4",
                 "medium": "p5", "slow": "p6", "slower": "p7", "veryslow": "p7"}


def resolve_encoder(encoder: str, device: str) -> str:
    """The encoder that runs: ``encoder`` itself (checked), or what "auto" picks for the run's device.
    Raises ``InputError`` for NVENC where it cannot open."""
    if encoder == "auto":
        return "h264_nvenc" if device.startswith("cuda") and nvenc_available() else "libx264"
    if encoder not in ENCODERS:
        raise InputError(f"unknown encoder {encoder!r}; use auto, {', '.join(ENCODERS)}")
    if encoder == "h264_nvenc" and not nvenc_available():
        raise InputError("encoder 'h264_nvenc' needs an NVIDIA GPU with its driver's encoder, which this machine "
                         "lacks; use encoder 'auto' or 'libx264'")
    return encoder


@lru_cache(maxsize=1)
def nvenc_available() -> bool:
    """Whether NVENC opens here: PyAV's wheel always carries it; a GPU and its driver decide."""
    import av

    try:
        context = av.CodecContext.create("h264_nvenc", "w")
        context.width, context.height, context.pix_fmt = 256, 256, "yuv420p"
        context.time_base = Fraction(1, 25)
        context.open()
        return True
    except (av.error.FFmpegError, OSError, ValueError):
        return False
