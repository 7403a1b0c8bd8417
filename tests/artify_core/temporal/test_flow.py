"""Flow estimators: DIS on known shifts; RAFT's mechanics with a randomly initialised network (never downloads)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artify_core.errors import InputError, WeightsUnavailableError
from artify_core.temporal.estimators import load_flow_estimator
from artify_core.temporal.flow import RAFT_WEIGHTS_ENV, FlowEstimator, RaftFlow, raft


@pytest.mark.parametrize("preset, scale", [("fast", 1.0), ("medium", 1.0), ("medium", 0.5)],
                         ids=["fast", "medium", "medium-half-res"])
def test_dis_recovers_a_known_shift(make_panning, preset, scale):
    pytest.importorskip("cv2")
    frames = make_panning(2, height=96, width=128, step=(4, 2))
    estimator = load_flow_estimator("dis", preset=preset, scale=scale)
    assert isinstance(estimator, FlowEstimator)
    flow = estimator.estimate(frames[1:], frames[:1])  # frame 1 -> frame 0: +step
    assert flow.shape == (1, 96, 128, 2) and flow.dtype == np.float32
    interior = flow[0, 12:-12, 12:-12].reshape(-1, 2)
    np.testing.assert_allclose(np.median(interior, axis=0), [4.0, 2.0], atol=0.15)
    assert np.mean(np.linalg.norm(interior - [4.0, 2.0], axis=1) < 0.5) > 0.9


def test_dis_rejects_unknown_presets():
    pytest.importorskip("cv2")
    with pytest.raises(InputError, match="unknown DIS preset 'slow'"):
        load_flow_estimator("dis", preset="slow")


def test_unknown_estimator_names_the_known_ones():
    with pytest.raises(InputError, match="choose from dis, raft"):
        load_flow_estimator("farneback")


@pytest.fixture(scope="module")
def random_raft() -> RaftFlow:
    torch.manual_seed(0)
    return raft(size="small", weights=None, num_flow_updates=2)


@pytest.mark.parametrize("height, width", [(64, 96), (50, 70), (136, 132)], ids=["multiple-of-8", "tiny", "odd"])
def test_raft_pads_and_crops_to_the_frame_size(random_raft, make_panning, height, width):
    frames = make_panning(3, height=height, width=width)
    flow = random_raft.estimate(frames[1:], frames[:-1])
    assert flow.shape == (2, height, width, 2) and flow.dtype == np.float32
    assert np.all(np.isfinite(flow))


def test_raft_batches_do_not_change_the_result(random_raft, make_panning):
    frames = make_panning(4)
    together = random_raft.estimate(frames[1:], frames[:-1])
    one_by_one = np.concatenate([random_raft.estimate(frames[i + 1:i + 2], frames[i:i + 1]) for i in range(3)])
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)


def test_missing_raft_weights_file_says_how_to_provide_them(monkeypatch, tmp_path):
    monkeypatch.setenv(RAFT_WEIGHTS_ENV, str(tmp_path / "absent.pth"))
    with pytest.raises(WeightsUnavailableError) as caught:
        raft(size="small")
    message = str(caught.value)
    assert "absent.pth" in message and RAFT_WEIGHTS_ENV in message
    assert "https://download.pytorch.org/models/raft_small_C_T_V2-01064c6d.pth" in message


def test_raft_weights_file_is_checked_against_torchvisions_digest(monkeypatch, tmp_path):
    path = tmp_path / "raft_small.pth"
    torch.manual_seed(1)
    reference = raft(size="small", weights=None)
    torch.save(reference.network.state_dict(), path)
    monkeypatch.setenv(RAFT_WEIGHTS_ENV, str(path))
    with pytest.raises(WeightsUnavailableError, match="does not start with 01064c6d"):
        raft(size="small")
    loaded = raft(size="small", verify=False)
    for name, value in reference.network.state_dict().items():
        torch.testing.assert_close(loaded.network.state_dict()[name], value)


def test_unknown_raft_weights_are_named():
    with pytest.raises(InputError, match="C_T_V2"):
        raft(size="small", weights="C_T_V9")
