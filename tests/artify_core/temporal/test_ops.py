"""The two frame-op backends agree, and each operation does what the methods rely on."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artify_core.temporal.functional import warp as reference_warp
from artify_core.temporal.methods import restore_detail, texture_energy
from artify_core.temporal.ops import OpenCVOps, TorchOps, frame_ops

pytest.importorskip("cv2")


@pytest.fixture(scope="module")
def frame(make_panning):
    return make_panning(1, height=48, width=64)[0]


@pytest.fixture(scope="module")
def flow():
    rng = np.random.default_rng(1)
    return (rng.normal(0, 2, (12, 16, 2)) + [1.5, -0.5]).astype(np.float32)


def both():
    return OpenCVOps(), TorchOps(device="cpu")


def as_hwc(ops, frame):
    return frame if isinstance(frame, np.ndarray) else frame.permute(1, 2, 0).numpy()


def test_the_cpu_gets_opencv_and_an_accelerator_torch():
    assert frame_ops("cpu").name == "opencv" and frame_ops(torch.device("cpu")).name == "opencv"
    assert isinstance(frame_ops("meta"), TorchOps)


def test_load_and_store_round_trip(frame):
    for ops in both():
        np.testing.assert_array_equal(ops.store(ops.load(frame)), frame)


def test_warping_agrees_with_the_reference_and_across_backends(frame, flow):
    results = []
    for ops in both():
        field = ops.load_flow(flow, frame.shape[:2])
        results.append(as_hwc(ops, ops.warp(ops.load(frame), field, "bilinear")))
    upsampled = TorchOps(device="cpu").load_flow(flow, frame.shape[:2]).numpy()
    expected = reference_warp(frame[None].astype(np.float32), upsampled[None])[0]
    for result in results:
        assert np.abs(result - expected).max() < 0.6  # interpolation rounding only
    for ops in both():
        bicubic = as_hwc(ops, ops.warp(ops.load(frame), ops.load_flow(flow, frame.shape[:2]), "bicubic"))
        assert np.abs(bicubic - expected).mean() < 6


def test_an_upsampled_flow_is_in_full_resolution_pixels():
    small = np.full((10, 20, 2), [1.0, 2.0], np.float32)
    ramp = np.arange(40 * 80, dtype=np.float32).reshape(40, 80)
    frame = np.stack([ramp, ramp.T.copy().T * 0 + ramp // 80, ramp % 80], axis=-1)  # value, row, column
    for ops in both():
        warped = as_hwc(ops, ops.warp(ops.load(frame), ops.load_flow(small, (40, 80)), "bilinear"))
        # (1, 2) pixels of a 4x smaller grid are (4, 8) here: out[y, x] = frame[y + 8, x + 4].
        np.testing.assert_allclose(warped[:32, :76, 1], frame[8:, 4:, 1], atol=1e-2)
        np.testing.assert_allclose(warped[:32, :76, 2], frame[8:, 4:, 2], atol=1e-2)


@pytest.mark.parametrize("small, size", [((12, 16), (48, 64)), ((7, 9), (20, 31)), ((360, 640), (1080, 1920)),
                                         ((20, 30), (20, 30))])
def test_opencv_sampling_positions_are_the_grid_plus_the_upsampled_flow(small, size):
    # OpenCVOps builds positions at the flow's resolution and upsamples them; the border rows and
    # columns, where the upsampling holds edge values, must still sample their own positions.
    flow = np.random.default_rng(3).normal(0, 2, (*small, 2)).astype(np.float32)
    positions = OpenCVOps().load_flow(flow, size)
    ys, xs = np.mgrid[:size[0], :size[1]].astype(np.float32)
    expected = TorchOps(device="cpu").load_flow(flow, size).numpy() + np.stack([xs, ys], axis=-1)
    np.testing.assert_allclose(positions, expected, atol=5e-3)  # resize rounding; remap quantises to 1/32 px


def test_mix_lowpass_and_poisson_agree_across_backends(frame):
    cv_ops, torch_ops = both()
    other = np.roll(frame, 3, axis=1)
    weight = np.linspace(0, 1, frame.shape[0] * frame.shape[1], dtype=np.float32).reshape(frame.shape[:2])
    mixed = [as_hwc(o, o.mix(o.load(frame), o.load(other), o.load_mask(weight, frame.shape[:2])))
             for o in (cv_ops, torch_ops)]
    np.testing.assert_allclose(mixed[0], mixed[1], atol=5e-3)  # blendLinear divides by (1 + 1e-5)
    blurred = [as_hwc(o, o.lowpass(o.load(frame), 4)) for o in (cv_ops, torch_ops)]
    assert np.abs(blurred[0] - blurred[1]).mean() < 1.0
    solved = [as_hwc(o, o.screened_poisson(o.load(frame), 0.01, 2)) for o in (cv_ops, torch_ops)]
    assert np.abs(solved[0] - solved[1]).mean() < 1.0


def test_the_screened_poisson_low_pass_keeps_the_mean_and_removes_fine_detail(frame):
    ops = OpenCVOps()
    image = ops.load(frame)
    low = ops.screened_poisson(image, 0.01, 1)
    np.testing.assert_allclose(low.mean(axis=(0, 1)), image.mean(axis=(0, 1)), rtol=1e-3)
    detail = lambda x: np.abs(np.diff(x, axis=1)).mean()  # noqa: E731
    assert detail(low) < 0.3 * detail(image)


def test_restoring_detail_brings_back_texture_energy_without_moving_the_base(frame):
    ops = OpenCVOps()
    grain = np.random.default_rng(2).normal(0, 20, frame.shape)  # brush texture at the pixel scale
    stylized = ops.load(np.clip(frame + grain, 0, 255).astype(np.uint8))
    flat = ops.lowpass(stylized, 2) * 0.5 + stylized * 0.5  # texture weakened, as averaging does
    restored = restore_detail(ops, flat, texture_energy(ops, stylized), 1.0)
    energy = lambda x: np.square(x - ops.lowpass(x, 2)).mean()  # noqa: E731
    assert energy(flat) < 0.6 * energy(stylized)
    assert 0.8 * energy(stylized) < energy(restored) < 1.2 * energy(stylized)
    assert np.abs(ops.lowpass(restored, 8) - ops.lowpass(flat, 8)).mean() < 1.5
    np.testing.assert_array_equal(restore_detail(ops, flat, texture_energy(ops, stylized), 0.0), flat)
