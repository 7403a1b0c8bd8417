"""Preview sheets: the frames at the asked times, stylized exactly as a chunk of the full run."""

from __future__ import annotations

import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.keyframes.schedule import single_schedule
from artify_core.pipeline.chunks import Chunk
from artify_core.pipeline.recipe import ChunkRecipe
from artify_core.pipeline.styles import StylePlan
from artify_core.pipeline.stylize import iter_stylized
from artify_core.preview import PreviewSettings, preview_frames, render_preview
from artify_core.temporal.smoothing import SmoothingSettings
from artify_core.video import probe_video


class Invert:
    """A stateless stand-in model whose look depends on the style image's mean colour."""

    name, version = "invert", "invert-1"

    def prepare_style(self, images):
        return images[0].pixels.reshape(-1, 3).mean(axis=0)

    def stylize(self, frames, style, *, strength=1.0):
        return np.clip(255 - frames.astype(np.float32) * 0.5 + style * 0.25, 0, 255).astype(np.uint8)


def test_preview_frames_at_times_or_quarters(bikes_clip):
    info = probe_video(bikes_clip)  # 30 frames at 25 fps
    assert preview_frames(info) == [8, 15, 23]  # the first frames at or after 0.3, 0.6, 0.9 s
    assert preview_frames(info, ["0.4", "00:00:00.040", "0.41"]) == [1, 10, 11]
    with pytest.raises(InputError, match="lasts only"):
        preview_frames(info, ["3"])


def test_sheet_cells_are_the_full_runs_frames(bikes_clip, starrynight, tmp_path):
    info = probe_video(bikes_clip)
    settings = PreviewSettings(at=("0.6",), smoothing=SmoothingSettings(), cell_width=640)
    sheet = render_preview(info, Invert(), [starrynight], settings)
    assert sheet.frames == (15,) and sheet.styles == ("starrynight.jpg",)
    # The same frame from a chunk of a full run (frames 10..20, warm-up from 4).
    model = Invert()
    from artify_core.images import load_image
    from artify_core.models.base import StyleImage

    plan = StylePlan((model.prepare_style([StyleImage(load_image(starrynight))]),), single_schedule(0, 30, info.fps))
    run = np.concatenate(list(iter_stylized(info, Chunk(0, 10, 20), model, plan,
                                            ChunkRecipe(smoothing=SmoothingSettings()))))
    cell = sheet.image[-info.height - 12:-12, -640 - 6:-6].astype(int)  # the last row, last column
    assert np.abs(cell - run[5]).mean() < 2.0  # the warm-up residual of smoothing and the sheet's resampling
    assert sheet.save(tmp_path / "sheet.jpg").stat().st_size > 10_000


def test_settings_are_checked():
    with pytest.raises(InputError, match="^style_scale 10: must be between") as raised:  # named by path here
        PreviewSettings(style_scale=10)
    assert raised.value.fields == (("style_scale", 10),)
    with pytest.raises(InputError, match="at most 8"):
        PreviewSettings(at=tuple(str(i) for i in range(9)))
