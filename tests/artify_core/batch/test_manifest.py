"""Manifests: round trip, what makes one current, nothing secret in them."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pytest

from artify_core.batch import (
    BatchParameters,
    BatchResult,
    Manifest,
    VideoOutcome,
    build_manifest,
    failure_reason,
    is_current,
    plan_item,
    read_manifest,
    up_to_date,
    write_manifest,
)
from artify_core.batch.outcome import BatchFailedError
from artify_core.errors import VideoError
from artify_core.settings import StylizeSettings

VERSION = "arbitrary-1+w1+fp32"


@pytest.fixture()
def style(tmp_path):
    path = tmp_path / "styles" / "starry.jpg"
    path.parent.mkdir()
    path.write_bytes(b"pixels")
    return path


def parameters_for(style, version: str = VERSION, **settings) -> BatchParameters:
    return BatchParameters.create(StylizeSettings(style=[str(style)], height=64, **settings), version)


@pytest.fixture()
def PARAMS(style) -> BatchParameters:
    return parameters_for(style)


def manifest_for(item, identity="cd" * 32, parameters=None, metrics=None) -> Manifest:
    return build_manifest(item, identity, parameters, frames=10, chunks=1, seconds=3.21,
                          metrics=metrics, created=datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc))


def test_round_trip_local(tmp_path, PARAMS):
    item = plan_item(str(tmp_path / "in"), str(tmp_path / "out"), "trip/a.mp4")
    metrics = {"warping_error": np.float32(0.25), "frames": np.int64(10), "ssim": 0.5}
    manifest = manifest_for(item, parameters=PARAMS, metrics=metrics)
    write_manifest(item.manifest_uri, manifest)
    assert (tmp_path / "out/trip/a.stylized.mp4.manifest.json").is_file()
    assert [p.name for p in (tmp_path / "out/trip").iterdir()] == ["a.stylized.mp4.manifest.json"]
    loaded = read_manifest(item.manifest_uri)
    assert loaded.metrics == {"warping_error": 0.25, "frames": 10, "ssim": 0.5}
    assert loaded == Manifest.from_json(manifest.to_json())
    assert (loaded.input_uri, loaded.output_uri, loaded.frames) == (item.input_uri, item.output_uri, 10)
    assert loaded.created == "2026-11-25T09:00:00+00:00"
    assert set(loaded.packages) == {"artify", "torch", "prefect"} and loaded.packages["artify"]


def test_round_trip_s3_and_no_secrets(s3_env, s3_client, bucket, PARAMS):
    from tests.conftest import ACCESS_KEY_ID, SECRET

    item = plan_item(f"s3://{bucket}/in", f"s3://{bucket}/out", "a.mp4")
    manifest = manifest_for(item, identity=f"s3://{bucket}/in/a.mp4#0123abcd", parameters=PARAMS)
    write_manifest(item.manifest_uri, manifest)
    body = s3_client.get_object(Bucket=bucket, Key="out/a.stylized.mp4.manifest.json")["Body"].read().decode()
    assert SECRET not in body and ACCESS_KEY_ID not in body and "AWS_" not in body
    assert read_manifest(item.manifest_uri) == manifest
    assert read_manifest(f"s3://{bucket}/out/missing.manifest.json") is None


@pytest.mark.parametrize("text", ["", "{", "[]", '{"format": 2}', '{"format": 1}',
                                  '{"format": 1, "input_uri": "x", "surprise": 1}'])
def test_unreadable_manifest_is_none(tmp_path, text):
    path = tmp_path / "a.manifest.json"
    path.write_text(text)
    assert read_manifest(str(path)) is None
    with pytest.raises(ValueError):
        Manifest.from_json(text)


def test_current_only_for_same_input_and_parameters(tmp_path, style, PARAMS):
    item = plan_item(str(tmp_path / "in"), str(tmp_path / "out"), "a.mp4")
    manifest = manifest_for(item, parameters=PARAMS)
    assert is_current(manifest, "cd" * 32, PARAMS)
    assert not is_current(None, "cd" * 32, PARAMS)
    assert not is_current(manifest, "ef" * 32, PARAMS)  # the input's bytes changed
    for change in ({"strength": 0.5}, {"height": None}, {"smoothing": {"smooth": False}},
                   {"encoding": {"crf": 20}}, {"schedule": {"transition": 2.0}}):
        changed = BatchParameters.create(StylizeSettings(**{"style": [str(style)], "height": 64, **change}), VERSION)
        assert not is_current(manifest, "cd" * 32, changed), change
    assert not is_current(manifest, "cd" * 32, parameters_for(style, version="arbitrary-2+w1+fp32"))
    # Where and how a run happens does not change the output.
    for same in ({"execution": {"chunk_frames": 25, "device": "cpu"}}, {"gatys": {}}):
        assert is_current(manifest, "cd" * 32, parameters_for(style, **same)), same
    # The same style bytes under another name are the same parameters; other bytes are not.
    moved = tmp_path / "elsewhere.jpg"
    moved.write_bytes(style.read_bytes())
    assert is_current(manifest, "cd" * 32, BatchParameters.create(
        StylizeSettings(style=[str(moved)], height=64), VERSION))
    moved.write_bytes(b"other pixels")
    assert not is_current(manifest, "cd" * 32, BatchParameters.create(
        StylizeSettings(style=[str(moved)], height=64), VERSION))
    assert not is_current(manifest, "cd" * 32, PARAMS, need_metrics=True)
    assert is_current(manifest_for(item, parameters=PARAMS, metrics={"ssim": 0.9}), "cd" * 32, PARAMS,
                      need_metrics=True)


def test_up_to_date_needs_the_output_too(tmp_path, PARAMS):
    item = plan_item(str(tmp_path / "in"), str(tmp_path / "out"), "a.mp4")
    write_manifest(item.manifest_uri, manifest_for(item, parameters=PARAMS))
    assert not up_to_date(item, "cd" * 32, PARAMS)  # manifest without its output: redo
    (tmp_path / "out/a.stylized.mp4").write_bytes(b"video")
    assert up_to_date(item, "cd" * 32, PARAMS)
    assert not up_to_date(item, "ef" * 32, PARAMS)


def test_failure_reason_is_one_line():
    assert failure_reason(VideoError("in/a.mp4: not a video; re-export it")) == "in/a.mp4: not a video; re-export it"
    assert failure_reason(RuntimeError("boom\nTraceback ...")) == "RuntimeError: boom"
    assert failure_reason(KeyError()) == "KeyError"


def test_batch_result_and_failure_message():
    outcomes = (VideoOutcome("a.mp4", "in/a.mp4", "out/a.stylized.mp4", "done", frames=10, seconds=1.5),
                VideoOutcome("b.mp4", "in/b.mp4", "out/b.stylized.mp4", "skipped"),
                VideoOutcome("c.mp4", "in/c.mp4", None, "failed", "in/c.mp4: cut mid-stream"))
    result = BatchResult("in", "out", outcomes)
    assert result.summary() == "3 videos under in: 1 done, 1 skipped, 1 failed"
    assert [row["status"] for row in result.table()] == ["done", "skipped", "failed"]
    assert json.dumps(result.table())  # a table artifact must be JSON
    assert outcomes[2].line() == "failed   c.mp4: in/c.mp4: cut mid-stream"
    assert outcomes[0].line() == "done     a.mp4 -> out/a.stylized.mp4"
    error = BatchFailedError(result)
    assert str(error) == "1 of 3 videos failed: c.mp4: in/c.mp4: cut mid-stream"
    import pickle

    assert pickle.loads(pickle.dumps(error)).result == result


def test_parameters_name_a_missing_style(tmp_path):
    from artify_core.errors import InputError

    with pytest.raises(InputError, match="missing.jpg: no such style"):
        BatchParameters.create(StylizeSettings(style=[str(tmp_path / "missing.jpg")]), VERSION)


def test_failure_records_are_keyed_on_the_input(tmp_path):
    from artify_core.batch import clear_failure, known_failure, record_failure

    item = plan_item(str(tmp_path / "in"), str(tmp_path / "out"), "a.mp4")
    (tmp_path / "out").mkdir()
    record_failure(item.failure_uri, item.input_uri, "cd" * 32, "in/a.mp4: cut mid-stream")
    assert known_failure(item.failure_uri, "cd" * 32).reason == "in/a.mp4: cut mid-stream"
    assert known_failure(item.failure_uri, "ef" * 32) is None  # new bytes: try again
    clear_failure(item.failure_uri)
    assert known_failure(item.failure_uri, "cd" * 32) is None and not list((tmp_path / "out").iterdir())
