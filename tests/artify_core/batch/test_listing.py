"""Which files of a folder are videos, and where their outputs go."""

from __future__ import annotations

import pytest

from artify_core.batch import is_video, list_videos, plan_item
from artify_core.pipeline.naming import output_name, report_name
from artify_core.errors import InputError


def touch(root, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


@pytest.mark.parametrize("name,expected", [
    ("a.mp4", True), ("b.MOV", True), ("c.mkv", True), ("d.avi", True), ("e.webm", True), ("f.m4v", True),
    ("trip/day1.mp4", True), ("notes.txt", False), ("mp4", False), ("poster.jpg", False),
    (".a.mp4.x1y2.part", False), (".hidden.mp4", False), (".Trash/old.mp4", False),
])
def test_is_video(name, expected):
    assert is_video(name) is expected


@pytest.mark.parametrize("relative,expected", [
    ("a.mp4", "a.stylized.mp4"),
    ("trip/day1.MOV", "trip/day1.stylized.mp4"),
    ("x.y.webm", "x.y.stylized.mp4"),
])
def test_output_name(relative, expected):
    assert output_name(relative) == expected


def test_plan_item_names_output_and_manifest_under_destination():
    item = plan_item("s3://bucket/inbox", "s3://bucket/outbox/", "trip/day1.mov")
    assert item.input_uri == "s3://bucket/inbox/trip/day1.mov"
    assert item.output_uri == "s3://bucket/outbox/trip/day1.stylized.mp4"
    assert item.manifest_uri == "s3://bucket/outbox/trip/day1.stylized.mp4.manifest.json"


@pytest.mark.parametrize("relative", ["../escape.mp4", "a/../../b.mp4", "/etc/x.mp4", "a\\..\\b.mp4",
                                      "C:/x.mp4", "a//b.mp4", "./a.mp4"])
def test_plan_item_refuses_names_that_escape(relative):
    with pytest.raises(InputError, match="destination names must be relative|drive letter"):
        plan_item("/data/in", "/data/out", relative)


def test_list_local_folder_recursively_sorted(tmp_path):
    source = tmp_path / "in"
    touch(source, "b.mp4", "a.MOV", "trip/c.mkv", "notes.txt", ".d.mp4.abc.part", ".cache/e.mp4")
    listing = list_videos(str(source), str(tmp_path / "out"))
    assert [i.relative for i in listing.items] == ["a.MOV", "b.mp4", "trip/c.mkv"]
    assert listing.items[2].output_uri == f"{tmp_path}/out/trip/c.stylized.mp4"
    assert listing.refused == ()


def test_destination_inside_source_is_not_scanned(tmp_path):
    touch(tmp_path, "a.mp4", "stylized/a.stylized.mp4", "stylized-not/b.mp4")
    listing = list_videos(str(tmp_path), str(tmp_path / "stylized"))
    assert [i.relative for i in listing.items] == ["a.mp4", "stylized-not/b.mp4"]


def test_destination_equal_to_source_is_refused(tmp_path):
    with pytest.raises(InputError, match="the destination is the source folder"):
        list_videos(str(tmp_path), str(tmp_path) + "/")


def test_colliding_outputs_are_both_refused(tmp_path):
    touch(tmp_path / "in", "a.mp4", "a.mov", "b.mp4")
    listing = list_videos(str(tmp_path / "in"), str(tmp_path / "out"))
    assert [i.relative for i in listing.items] == ["b.mp4"]
    assert [r.relative for r in listing.refused] == ["a.mov", "a.mp4"]
    assert all("would both be published as a.stylized.mp4" in r.reason for r in listing.refused)


def test_local_names_that_cannot_be_keys_are_refused_not_fatal(tmp_path):
    touch(tmp_path / "in", "ok.mp4", "back\\slash.mp4")
    listing = list_videos(str(tmp_path / "in"), str(tmp_path / "out"))
    assert [i.relative for i in listing.items] == ["ok.mp4"]
    assert [r.relative for r in listing.refused] == ["back\\slash.mp4"]


@pytest.mark.parametrize("source,message", [
    ("{tmp}/missing", "no such folder"),
    ("{tmp}/file.mp4", "no such folder"),
    ("gs://bucket/videos", "unsupported URI scheme"),
])
def test_bad_source(tmp_path, source, message):
    touch(tmp_path, "file.mp4")
    with pytest.raises(InputError, match=message):
        list_videos(source.format(tmp=tmp_path), str(tmp_path / "out"))
    assert not (tmp_path / "missing").exists()


def test_list_s3_prefix(s3_env, s3_client, bucket):
    for key in ("inbox/a.mp4", "inbox/trip/b.webm", "inbox/readme.md", "inboxes/c.mp4", "outbox/a.stylized.mp4"):
        s3_client.put_object(Bucket=bucket, Key=key, Body=b"x")
    listing = list_videos(f"s3://{bucket}/inbox/", f"s3://{bucket}/outbox")
    assert [(i.relative, i.input_uri, i.output_uri) for i in listing.items] == [
        ("a.mp4", f"s3://{bucket}/inbox/a.mp4", f"s3://{bucket}/outbox/a.stylized.mp4"),
        ("trip/b.webm", f"s3://{bucket}/inbox/trip/b.webm", f"s3://{bucket}/outbox/trip/b.stylized.mp4"),
    ]
    nested = list_videos(f"s3://{bucket}", f"s3://{bucket}/outbox")
    assert [i.relative for i in nested.items] == ["inbox/a.mp4", "inbox/trip/b.webm", "inboxes/c.mp4"]


def test_missing_bucket_is_an_input_error(s3_env):
    with pytest.raises(InputError, match="does not exist"):
        list_videos("s3://no-such-bucket-artify/inbox", "s3://no-such-bucket-artify/out")


def test_staged_report_local_is_in_place(tmp_path):
    from artify_core.batch import staged_report

    item = plan_item(str(tmp_path / "in"), str(tmp_path / "out"), "trip/a.mp4")
    assert report_name(item.output_uri) == f"{tmp_path}/out/trip/a.stylized.report"
    with staged_report(item, evaluate=False) as folder:
        assert folder is None
    with staged_report(item, evaluate=True) as folder:
        assert folder == f"{tmp_path}/out/trip/a.stylized.report"


def test_staged_report_is_uploaded_only_after_success(s3_env, s3_client, bucket):
    from pathlib import Path

    from artify_core.batch import staged_report

    item = plan_item(f"s3://{bucket}/in", f"s3://{bucket}/out", "a.mp4")
    with pytest.raises(RuntimeError):
        with staged_report(item, evaluate=True) as folder:
            (Path(folder) / "metrics.json").write_text("{}")
            raise RuntimeError("evaluation failed")
    assert "Contents" not in s3_client.list_objects_v2(Bucket=bucket)
    with staged_report(item, evaluate=True) as folder:
        (Path(folder) / "metrics.json").write_text("{}")
        (Path(folder) / "per_frame.png").write_bytes(b"png")
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["out/a.stylized.report/metrics.json", "out/a.stylized.report/per_frame.png"]
    assert not Path(folder).exists()
