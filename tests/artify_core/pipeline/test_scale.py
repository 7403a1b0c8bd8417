import numpy as np
import pytest

from artify_core.errors import InputError
from artify_core.pipeline.scale import guided_upsample, resize_frames, stylize_at_scale, working_size
from tests.conftest import moving_square_frames


@pytest.mark.parametrize("size,scale,expected", [
    ((1280, 720), 1.0, (1280, 720)), ((3840, 2160), 1.0, (1280, 720)), ((640, 360), 2.0, (640, 360)),
    ((640, 272), 0.5, (3388, 1440)), ((1920, 1080), 4.0, (320, 180)),
])
def test_working_size_depends_on_the_scale_not_the_output(size, scale, expected):
    assert working_size(*size, scale) == expected


def test_out_of_range_scale_is_refused():
    with pytest.raises(InputError, match="between 0.25 and 4"):
        working_size(640, 360, 8.0)


def test_model_sees_the_working_size_and_output_keeps_the_frame_size():
    seen = []

    def stylize(frames):
        seen.append(frames.shape)
        return 255 - frames

    frames = np.random.default_rng(0).integers(0, 255, (2, 90, 160, 3), dtype=np.uint8)
    out = stylize_at_scale(stylize, frames, 4.0)  # 720 / 4 = 180 lines
    assert seen == [(2, 180, 320, 3)] and out.shape == frames.shape
    assert stylize_at_scale(stylize, frames, None).shape == frames.shape and seen[-1] == frames.shape


def test_two_output_sizes_get_the_same_picture():
    # A model whose output depends on pixel scale (a 9-pixel blur): with a style scale, the
    # 720- and 360-line outputs are the same picture at two sizes.
    import cv2

    def stylize(frames):
        return np.stack([cv2.blur(f, (9, 9)) for f in frames])

    big = resize_frames(moving_square_frames(1, 48, 64), (1280, 720))
    small = resize_frames(big, (640, 360))
    a = resize_frames(stylize_at_scale(stylize, big, 2.0, detail=False), (640, 360)).astype(int)
    b = stylize_at_scale(stylize, small, 2.0, detail=False).astype(int)
    assert np.abs(a - b).mean() < 1.5
    plain_big = resize_frames(stylize(big), (640, 360)).astype(int)
    assert np.abs(plain_big - stylize(small).astype(int)).mean() > np.abs(a - b).mean()


def test_guided_upsample_brings_back_content_edges():
    content = np.zeros((64, 64, 3), np.uint8)
    content[:, 32:] = 255
    soft = resize_frames(resize_frames(content[None], (8, 8)), (64, 64))[0]
    restored = guided_upsample(soft, content)
    edge = slice(28, 36)
    assert np.abs(restored[:, edge].astype(int) - content[:, edge]).mean() < \
        np.abs(soft[:, edge].astype(int) - content[:, edge]).mean()
