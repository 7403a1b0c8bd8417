"""Stored values are data, never code: plans round-trip as .npz, and a pickle at a plan's key runs nothing."""

from __future__ import annotations

import io
import logging
import pickle
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from artify_core.keyframes.schedule import images_schedule, single_schedule
from artify_core.pipeline.keys import plan_object
from artify_core.pipeline.stored import cuts_codec, plan_codec
from artify_core.pipeline.styles import LayeredStylePlan, StylePlan
from artify_core.storage import LocalStore, S3Store
from artify_core.storage.data import DataFormatError, decode, encode
from artify_core.storage.memo import remembered
from artify_core.video.timing import FrameTimes

VFR = FrameTimes(6, Fraction(20), Fraction(1, 90000), (0, 3000, 6000, 12000, 18000, 27000, 30000))


def arbitrary_plan() -> StylePlan:
    styles = tuple(np.linspace(i, i + 1, 100, dtype=np.float32) for i in range(2))
    return StylePlan(styles, images_schedule(2, 6, VFR.fps, transition_seconds=0.1, times=VFR), ("a.jpg", "b.jpg"))


def gatys_plan() -> StylePlan:
    from artify_core.models.gatys.model import GatysStyle

    style = GatysStyle({"relu1_1": np.eye(4, dtype=np.float32), "relu2_1": np.ones((8, 8), np.float32)},
                       "vgg19-1", False)
    return StylePlan((style,), single_schedule(0, 6, Fraction(25)), ("a.jpg",))


def layered_plan() -> LayeredStylePlan:
    from artify_core.models.segmented.model import LayeredStyle

    foreground = StylePlan((LayeredStyle(np.zeros(100, np.float32), None),), single_schedule(0, 6, Fraction(25)))
    return LayeredStylePlan(foreground, None)


@pytest.mark.parametrize("make", [arbitrary_plan, gatys_plan, layered_plan], ids=["arbitrary", "gatys", "layered"])
def test_plans_round_trip_as_data(make):
    plan, codec = make(), plan_codec()
    data = codec.encode(plan)
    assert data[:2] == b"PK"  # a zip of .npy files, no pickle inside
    back = codec.decode(data)
    assert type(back) is type(plan)
    assert codec.encode(back) == data
    reference = back.reference if isinstance(back, LayeredStylePlan) else back
    original = plan.reference if isinstance(plan, LayeredStylePlan) else plan
    np.testing.assert_array_equal(reference.schedule.mix, original.schedule.mix)
    assert reference.schedule.times == original.schedule.times


def test_data_keeps_types_exactly():
    value = {"t": (1, 2.5, None, "x"), "f": Fraction(30000, 1001), "a": np.arange(6, dtype=np.int16).reshape(2, 3),
             "s": np.float32(0.25), 3: [True, {"nested": np.array(["a", "b"])}]}
    back = decode(encode(value, {}), {})
    assert back["t"] == (1, 2.5, None, "x") and back["f"] == Fraction(30000, 1001) and back[3][0] is True
    assert back["a"].dtype == np.int16 and back["a"].shape == (2, 3)
    assert type(back["s"]) is np.float32 and back["s"] == np.float32(0.25)
    np.testing.assert_array_equal(back[3][1]["nested"], ["a", "b"])


def test_only_the_named_types_are_built():
    with pytest.raises(TypeError, match="not among the types"):
        encode(arbitrary_plan(), {})
    data = plan_codec().encode(gatys_plan())
    with pytest.raises(DataFormatError, match="'gatys-style' is not among those accepted"):
        decode(data, {"style-plan": "artify_core.pipeline.styles:StylePlan",
                      "style-schedule": "artify_core.keyframes.schedule:StyleSchedule"})
    with pytest.raises(DataFormatError, match="expected a style plan"):
        plan_codec().decode(encode([1, 2], {}))


@pytest.mark.parametrize("payload", [
    pickle.dumps({"a": 1}),
    b"\x93NUMPY" + b"\x00" * 20,
    b"garbage",
    b"",
], ids=["pickle", "broken-npy", "garbage", "empty"])
def test_anything_else_is_refused(payload):
    with pytest.raises(DataFormatError):
        plan_codec().decode(payload)


def test_an_object_array_is_neither_written_nor_read():
    with pytest.raises(TypeError, match="Python objects"):
        encode(np.array([{"a": 1}], dtype=object), {})
    buffer = io.BytesIO()
    np.savez(buffer, tree=np.frombuffer(b'{"$array": "a0"}', np.uint8), a0=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataFormatError, match="allow_pickle"):
        decode(buffer.getvalue(), {})


class Payload:
    """Unpickling this creates ``path``: what an attacker's object in the bucket would run instead."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return Path.touch, (self.path,)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    return S3Store(f"s3://{request.getfixturevalue('bucket')}/store")


def test_a_malicious_pickle_at_a_plans_key_runs_nothing(store, tmp_path, caplog):
    marker = tmp_path / "pwned"
    malicious = pickle.dumps(Payload(marker))
    pickle.loads(malicious)  # the payload does run when unpickled ...
    assert marker.exists()
    marker.unlink()

    key = plan_object("k" * 64)
    store.put_bytes(key, malicious)  # ... written through the store: its digest is valid
    with caplog.at_level(logging.WARNING):
        memo = remembered(store, key, arbitrary_plan, plan_codec())
    assert not marker.exists()  # ... but reading the plan never unpickles
    assert not memo.cached and isinstance(memo.value, StylePlan)
    assert any("not a value Artify can read" in r.getMessage() for r in caplog.records)
    assert remembered(store, key, arbitrary_plan, plan_codec()).cached  # recomputed and stored as data
    assert not marker.exists()


def test_cuts_are_json_frame_numbers():
    codec = cuts_codec()
    assert codec.decode(codec.encode([0, 75, 150])) == [0, 75, 150]
    for garbage in (b'{"a": 1}', b"[1, -2]", b"[true]", b"[1.5]"):
        with pytest.raises(ValueError):
            codec.decode(garbage)
