"""Colour: which YUV↔RGB conversion a video needs, on decode and on encode.

Decoding: the models see RGB, so the video's own range (limited "tv" or full
"pc"/JPEG range, which phones often write) and matrix (BT.601 or BT.709) decide
the conversion. Tags the file carries win; an untagged matrix is taken as
BT.709 for HD (720 lines and up) and BT.601 below, as players do. HDR inputs
(PQ or HLG transfer, BT.2020) are tone-mapped to SDR BT.709 by swscale's colour
management (FFmpeg 8) — read as SDR they look washed out — and ``describe``
says so.

Encoding: outputs are BT.709, limited range, and tagged so (matrix, primaries,
transfer, range), so players show what the model produced.

Tags are kept under FFmpeg's names (``bt709``, ``smpte170m``, ``smpte2084``);
the container reports them as FFmpeg's enum values (``from_codec``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Range = Literal["tv", "pc"]
HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})
# FFmpeg's enums (libavutil/pixfmt.h) → its names, for the values videos carry.
_MATRICES = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco",
             9: "bt2020nc", 10: "bt2020c"}
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
              11: "smpte431", 12: "smpte432"}
_TRANSFERS = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
              13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 18: "arib-std-b67"}
_RANGES: dict[int, Range] = {1: "tv", 2: "pc"}
# FFmpeg's names for the matrix (colorspace) → swscale's in_color_matrix names.
_SWSCALE_MATRIX = {
    "bt709": "bt709", "bt470bg": "bt601", "smpte170m": "bt601", "bt601": "bt601", "fcc": "fcc",
    "smpte240m": "smpte240m", "bt2020nc": "bt2020", "bt2020c": "bt2020",
}
_FULL_RANGE_FORMATS = ("yuvj",)
# Without accurate rounding and full chroma interpolation swscale's YUV<->RGB steps
# are biased by about -1 level each way; with them a round trip errs by 0.3 on average.
SWSCALE_FLAGS = "bicubic+accurate_rnd+full_chroma_int"
# When also resizing, full chroma interpolation is left out: it sharpens chroma edges
# (up to ~60 levels on saturated edges of a downscale) and shifts what scene detection,
# which reads small frames, measures; accurate rounding alone removes most of the bias there.
RESIZE_FLAGS = "bicubic+accurate_rnd"
# What outputs are tagged with (FFmpeg's enum values: BT.709 matrix, primaries and transfer; limited range).
OUTPUT_COLORSPACE, OUTPUT_PRIMARIES, OUTPUT_TRANSFER, OUTPUT_RANGE = 1, 1, 1, 1
HD_LINES = 720

Filter = tuple[str, str]  # (filter name, its arguments) in an FFmpeg filter graph


@dataclass(frozen=True)
class ColorInfo:
    """A video stream's colour tags, FFmpeg's names (None: not tagged).

    ``range``: "tv" (limited, 16–235) or "pc" (full, 0–255); ``matrix``:
    the colorspace (bt709, bt470bg, smpte170m, bt2020nc …); ``primaries`` and
    ``transfer`` likewise (smpte2084 is PQ, arib-std-b67 HLG).
    """

    range: Range | None = None
    matrix: str | None = None
    primaries: str | None = None
    transfer: str | None = None
    rgb: bool = False

    @classmethod
    def from_codec(cls, *, pix_fmt: str, color_range: int, colorspace: int, primaries: int,
                   transfer: int) -> "ColorInfo":
        """From the enum values a decoder's context (or a frame) carries."""
        rgb = pix_fmt.startswith(("rgb", "bgr", "gbr", "argb", "abgr", "gray"))
        range_ = _RANGES.get(color_range) or ("pc" if pix_fmt.startswith(_FULL_RANGE_FORMATS) else None)
        matrix = None if rgb else _MATRICES.get(colorspace)
        return cls(range_, matrix, _PRIMARIES.get(primaries), _TRANSFERS.get(transfer), rgb)

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


def decode_filters(color: ColorInfo, height: int, size: tuple[int, int] | None = None) -> list[Filter]:
    """Filters that turn the decoded (and upright) stream into full-range RGB24, resized to
    ``size`` = (width, height) when given; ``height`` is the stream's own (for the assumed matrix).

    HDR: one swscale pass converts the transfer and primaries to BT.709 (FFmpeg 8's
    colour management compresses the highlights), then resizes in RGB. SDR: one
    swscale pass resizes and converts with the stream's (or the assumed) matrix and range.
    """
    resize = f"{size[0]}:{size[1]}:" if size is not None else ""
    if color.rgb:
        return ([("scale", f"{resize}flags={SWSCALE_FLAGS}")] if size is not None else []) + [("format", "rgb24")]
    if color.hdr:
        source = (f"in_color_matrix={color.matrix_for(height)}:in_range={color.range_or_default()}"
                  f":in_transfer={color.transfer}:in_primaries={color.primaries or 'bt2020'}")
        tone_map = ("scale", f"{source}:out_transfer=bt709:out_primaries=bt709:out_range=pc:flags={SWSCALE_FLAGS}")
        return [tone_map, ("format", "gbrp")] + ([("scale", f"{resize}flags={SWSCALE_FLAGS}")]
                                                 if size is not None else []) + [("format", "rgb24")]
    flags = RESIZE_FLAGS if size is not None else SWSCALE_FLAGS
    return [("scale", f"{resize}in_color_matrix={color.matrix_for(height)}:in_range={color.range_or_default()}"
                      f":out_range=pc:flags={flags}"), ("format", "rgb24")]


# RGB24 → the output's YUV: BT.709, limited range, the same accurate swscale steps as decoding.
ENCODE_FILTERS: list[Filter] = [("scale", f"out_color_matrix=bt709:out_range=tv:flags={SWSCALE_FLAGS}"),
                                ("format", "yuv420p")]
