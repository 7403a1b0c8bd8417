"""Previews: a few frames per style, stylized as the full run would, on one labelled sheet.

Before a long run a user wants to see how each candidate painting looks on
their footage. ``render_preview`` takes a handful of times (``--at``, default:
a quarter, half and three quarters of the way), and for each style stylizes
those frames through ``iter_stylized`` — the very code of a chunk: same
model, strength, style scale, height and temporal smoothing, with the
smoothing's warm-up frames before each one — so a frame of the sheet matches
that frame of the full run (up to the smoothing's warm-up residual, under 2
levels, and scene cuts, which a preview does not search for). It costs a few
frames per style and time, so a sheet comes back in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
from PIL import Image, ImageDraw

from artify_core.errors import InputError
from artify_core.images import fitted_text, label_font, load_image
from artify_core.keyframes.schedule import single_schedule
from artify_core.models.base import StyleImage, StylizationModel
from artify_core.pipeline.chunks import Chunk
from artify_core.pipeline.recipe import ChunkRecipe
from artify_core.pipeline.scale import check_style_scale
from artify_core.pipeline.styles import StylePlan
from artify_core.pipeline.stylize import iter_stylized
from artify_core.temporal.smoothing import SmoothingSettings, settings_from_options
from artify_core.video import VideoInfo, iter_frames
from artify_core.video.timing import parse_time

if TYPE_CHECKING:
    from artify_core.settings import PreviewRequest

DEFAULT_FRACTIONS = (0.25, 0.5, 0.75)
MAX_TIMES = 8
CELL_WIDTH = 360
_PAD, _LINE = 6, 20
_FONT_SIZE = 16  # pixels: readable at the sheet's own width


@dataclass(frozen=True)
class PreviewSettings:
    """What a preview shows and how it stylizes (the full run's settings).

    Attributes:
        at: times to show, seconds or HH:MM:SS.mmm, at most 8; empty: 25 %, 50 % and 75 % of the video.
        height: the run's ``--height`` (None: the video's own).
        strength: the run's style strength, 0..1.
        style_scale: the run's brush-stroke scale (None: strokes at the output size).
        smoothing: the run's temporal smoothing (None: off).
        cell_width: width of each picture on the sheet, in pixels.
    """

    at: tuple[str, ...] = ()
    height: int | None = None
    strength: float = 1.0
    style_scale: float | None = None
    smoothing: SmoothingSettings | None = SmoothingSettings()
    cell_width: int = CELL_WIDTH

    def __post_init__(self) -> None:
        if len(self.at) > MAX_TIMES:
            raise InputError(f"at most {MAX_TIMES} times on one sheet; got {len(self.at)}", fields=(("at", None),))
        if not 0.0 <= self.strength <= 1.0:
            raise InputError("must be between 0 and 1", fields=(("strength", self.strength),))
        check_style_scale(self.style_scale)
        if not 64 <= self.cell_width <= 1920:
            raise InputError(f"cell_width {self.cell_width}: must be between 64 and 1920 pixels")


@dataclass(frozen=True)
class PreviewSheet:
    """The sheet (RGB uint8 (H, W, 3)): a row per time, the content then one column per style."""

    image: np.ndarray
    frames: tuple[int, ...]
    seconds: tuple[float, ...]
    styles: tuple[str, ...]

    def save(self, path: str | Path, quality: int = 88) -> Path:
        Image.fromarray(self.image).save(path, quality=quality)
        return Path(path)


def preview_frames(info: VideoInfo, at: Sequence[str] = ()) -> list[int]:
    """The frames shown at the given times (the first frame at or after each), or at
    25/50/75 % of the duration; sorted, without repeats."""
    times = info.times
    if at:
        seconds = [parse_time(t, "--at") for t in at]
        late = [t for t, s in zip(at, seconds) if s >= times.duration]
        if late:
            raise InputError(f"{info.path} lasts only {float(times.duration):.3f} s", fields=(("at", late[0]),))
    else:
        seconds = [Fraction(f).limit_denominator(100) * times.duration for f in DEFAULT_FRACTIONS]
    return sorted({min(times.frame_at(s), info.frames - 1) for s in seconds})


def render_preview(info: VideoInfo, model: StylizationModel, styles: Sequence[str | Path],
                   settings: PreviewSettings = PreviewSettings()) -> PreviewSheet:
    """Stylizes the preview frames with each style image and lays them out with labels."""
    if not styles:
        raise InputError("give at least one style image to preview", fields=(("style", None),))
    frames = preview_frames(info, settings.at)
    schedule = single_schedule(0, info.frames, info.fps)
    columns = [_content_column(info, frames, settings.height)]
    for style in styles:
        plan = StylePlan((model.prepare_style([StyleImage(load_image(style), name=str(style))]),), schedule)
        columns.append([_stylized_frame(info, frame, model, plan, settings) for frame in frames])
    seconds = tuple(float(info.times.time(f)) for f in frames)
    names = tuple(Path(s).name for s in styles)
    sheet = _layout(columns, ["content", *names], [f"{s:.2f} s (frame {f})" for s, f in zip(seconds, frames)],
                    settings.cell_width)
    return PreviewSheet(sheet, tuple(frames), seconds, names)


def _content_column(info: VideoInfo, frames: Sequence[int], height: int | None) -> list[np.ndarray]:
    return [next(iter_frames(info.path, start=f, end=f + 1, height=height, info=info))[0] for f in frames]


def _stylized_frame(info: VideoInfo, frame: int, model: StylizationModel, plan: StylePlan,
                    settings: PreviewSettings) -> np.ndarray:
    recipe = ChunkRecipe(height=settings.height, strength=settings.strength, style_scale=settings.style_scale,
                         smoothing=settings.smoothing)
    batches = iter_stylized(info, Chunk(0, frame, frame + 1), model, plan, recipe)
    return np.concatenate(list(batches))[-1]


def _layout(columns: list[list[np.ndarray]], headers: Sequence[str], row_labels: Sequence[str],
            cell_width: int) -> np.ndarray:
    font = label_font(_FONT_SIZE)
    first = columns[0][0]
    cell_height = max(1, round(first.shape[0] * cell_width / first.shape[1]))
    label_width = round(max(font.getlength(label) for label in row_labels)) + 2 * _PAD
    width = label_width + len(columns) * (cell_width + _PAD) + _PAD
    height = _LINE + 2 * _PAD + len(row_labels) * (cell_height + _PAD) + _PAD
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    for c, header in enumerate(headers):
        draw.text((label_width + c * (cell_width + _PAD) + _PAD, _PAD), fitted_text(header, cell_width, font),
                  fill="black", font=font)
    for r, label in enumerate(row_labels):
        top = _LINE + 2 * _PAD + r * (cell_height + _PAD)
        draw.text((_PAD, top + cell_height // 2 - _LINE // 2), label, fill="black", font=font)
        for c, column in enumerate(columns):
            cell = Image.fromarray(column[r]).resize((cell_width, cell_height), Image.LANCZOS)
            sheet.paste(cell, (label_width + c * (cell_width + _PAD) + _PAD, top))
    return np.asarray(sheet)


def preview_settings(request: "PreviewRequest") -> PreviewSettings:
    """The preview's settings from a request: the full run's, field for field."""
    smoothing = settings_from_options(request.smoothing)
    return PreviewSettings(at=tuple(request.at), height=request.height, strength=request.strength,
                           style_scale=request.style_scale, smoothing=smoothing)


def check_preview_request(request: "PreviewRequest", output: str | None = None) -> tuple[VideoInfo, Path]:
    """Probes the (local) content, reads every style and checks where the sheet goes: one clear
    error before any model loads. Returns the content's description and the sheet's path."""
    from artify_core.pipeline.preflight import check_styles
    from artify_core.video import check_writable, ensure_complete, probe_video

    info = ensure_complete(probe_video(request.content))
    preview_frames(info, request.at)
    check_styles(request.style)
    out = Path(output or request.output or Path(request.content).with_suffix(".preview.jpg"))
    if out.suffix.lower() not in (".jpg", ".jpeg", ".png"):
        raise InputError("the sheet is an image; give a .jpg or .png path", fields=(("output", out),))
    check_writable(out)
    return info, out


def render_preview_request(request: "PreviewRequest", info: VideoInfo,
                           styles: Sequence[str] | None = None) -> PreviewSheet:
    """``render_preview`` with the request's model and settings (``styles``: local copies of its styles)."""
    from artify_core.models import load_model

    options = dict(request.model_options)
    if request.execution.memory_budget is not None and request.model == "arbitrary":
        options["memory_budget"] = request.execution.memory_budget * 2**20
    model = load_model(request.model, device=request.execution.device, **options)
    return render_preview(info, model, styles or request.style, preview_settings(request))
