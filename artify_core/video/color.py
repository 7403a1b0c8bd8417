"""Colour: which YUV↔RGB conversion a video needs, on decode and on encode.

Decoding: the models see RGB, so the video's own range (limited "tv" or full
"pc"/JPEG range, which phones often write) and matrix (BT.601 or BT.709) decide
the conversion. Tags the file carries win; an untagged matrix is taken as
BT.709 for HD (720 lines and up) and BT.601 below, as players do. HDR inputs
(PQ or HLG transfer, BT.2020) are tone-mapped to SDR BT.709 (Hable curve, via
zimg) — read as SDR they look washed out — and ``describe`` says so.

Encoding: outputs are BT.709, limited range, and tagged so (matrix, primaries,
transfer, range), so players show what the model produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Range = Literal["tv", "pc"]
HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})
# ffmpeg's names for the matrix (colorspace) → swscale's in_color_matrix names.
_SWSCALE_MATRIX = {
    "bt709": "bt709", "bt470bg": "bt601", "smpte170m": "bt601", "bt601": "bt601", "fcc": "fcc",
    "smpte240m": "smpte240m", "bt2020nc": "bt2020", "bt2020c": "bt2020",
}
_FULL_RANGE_FORMATS = ("yuvj",)
# Output tags: what the encoder's conversion does.
OUTPUT_TAGS = ("-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv")
# Without accurate rounding and full chroma interpolation swscale's YUV<->RGB steps
# are biased by about -1 level each way; with them a round trip errs by 0.3 on average.
SWSCALE_FLAGS = "flags=bicubic+accurate_rnd+full_chroma_int"
# When also resizing, full chroma interpolation is left out: it sharpens chroma edges
# (up to ~60 levels on saturated edges of a downscale) and shifts what scene detection,
# which reads small frames, measures; accurate rounding alone removes most of the bias there.
RESIZE_FLAGS = "flags=bicubic+accurate_rnd"
ENCODE_FILTER = (f"scale=out_color_matrix=bt709:out_range=tv:{SWSCALE_FLAGS},"
                 "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv")
HD_LINES = 720
# Nominal peak of SDR white in nits for tone mapping (zimg's npl).
SDR_WHITE_NITS = 100


@dataclass(frozen=True)
class ColorInfo:
    """A video stream's colour tags as ffmpeg prints them (None: not tagged).

    ``range``: "tv" (limited, 16–235) or "pc" (full, 0–255); ``matrix``:
    ffmpeg's colorspace name (bt709, bt470bg, smpte170m, bt2020nc …);
    ``primaries`` and ``transfer`` likewise (smpte2084 is PQ, arib-std-b67 HLG).
    """

    range: Range | None = None
    matrix: str | None = None
    primaries: str | None = None
    transfer: str | None = None
    rgb: bool = False

    @property
    def hdr(self) -> bool:
        return self.transfer in HDR_TRANSFERS

    def matrix_for(self, height: int) -> str:
        """The swscale matrix to decode with: the tagged one, else BT.709 for HD and BT.601 below."""
        if self.matrix in _SWSCALE_MATRIX:
            return _SWSCALE_MATRIX[self.matrix]
        return "bt709" if height >= HD_LINES else "bt601"

    def range_or_default(self) -> Range:
        return self.range or "tv"

    def describe(self, height: int) -> str:
        """One line for users: how this video's colours are read."""
        if self.rgb:
            return "RGB"
        range_name = "full range" if self.range_or_default() == "pc" else "limited range"
        tagged = "" if self.matrix in _SWSCALE_MATRIX else " (untagged: assumed)"
        if self.hdr:
            kind = "PQ" if self.transfer == "smpte2084" else "HLG"
            return f"HDR {kind} BT.2020, {range_name}: tone-mapped to SDR BT.709"
        return f"{self.matrix_for(height).upper().replace('BT', 'BT.')}{tagged}, {range_name}"


def parse_color(description: str | None, pix_fmt: str) -> ColorInfo:
    """``ColorInfo`` from the parenthesis ffmpeg prints after the pixel format,
    e.g. ``"tv, bt709, progressive"`` or ``"pc, bt470bg/bt470bg/smpte170m"``."""
    rgb = pix_fmt.startswith(("rgb", "bgr", "gbr", "argb", "abgr", "gray"))
    full = pix_fmt.startswith(_FULL_RANGE_FORMATS)
    range_: Range | None = "pc" if full else None
    matrix = primaries = transfer = None
    for token in (t.strip() for t in (description or "").split(",")):
        if token in ("tv", "pc"):
            range_ = token  # type: ignore[assignment]
        elif "/" in token:
            parts = token.split("/")
            if len(parts) == 3:
                matrix, primaries, transfer = (None if p == "unknown" else p for p in parts)
        elif token in _SWSCALE_MATRIX or token in ("bt2020nc",):
            matrix = primaries = transfer = token
    return ColorInfo(range_, matrix, primaries, transfer, rgb)


def decode_filters(color: ColorInfo, height: int, size: tuple[int, int] | None = None) -> list[str]:
    """ffmpeg video filters that turn the decoded stream into full-range RGB24, resized to
    ``size`` = (width, height) when given; ``height`` is the stream's own (for the assumed matrix).

    HDR: linearise with the stream's transfer, convert the primaries to BT.709,
    compress highlights with Hable's curve, re-apply the BT.709 transfer, then
    resize in RGB. SDR: one swscale pass resizes and converts with the
    stream's (or the assumed) matrix and range, as before colour was explicit.
    """
    resize = f"{size[0]}:{size[1]}:" if size is not None else ""
    if color.rgb:
        return ([f"scale={resize}{SWSCALE_FLAGS}"] if size is not None else []) + ["format=rgb24"]
    if color.hdr:
        source = (f"tin={color.transfer}:min={color.matrix or 'bt2020nc'}:pin={color.primaries or 'bt2020'}"
                  f":rin={'full' if color.range == 'pc' else 'limited'}")
        tone_map = [f"zscale={source}:t=linear:npl={SDR_WHITE_NITS}", "format=gbrpf32le", "zscale=p=bt709",
                    "tonemap=tonemap=hable:desat=0", "zscale=t=bt709:m=bt709:r=full", "format=gbrp"]
        return tone_map + ([f"scale={resize}{SWSCALE_FLAGS}"] if size is not None else []) + ["format=rgb24"]
    flags = RESIZE_FLAGS if size is not None else SWSCALE_FLAGS
    return [f"scale={resize}in_color_matrix={color.matrix_for(height)}:in_range={color.range_or_default()}"
            f":out_range=pc:{flags}", "format=rgb24"]
