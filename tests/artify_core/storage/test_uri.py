"""URI helpers: inputs and outputs given as local paths or s3:// URIs."""

from __future__ import annotations

import pytest

from artify_core.errors import InputError, OutputError
from artify_core.foundation.hashing import file_digest
from artify_core.storage import S3Store
from artify_core.storage.uri import destination_key, is_remote, materialize, publish_file, remote_identity


def test_is_remote():
    assert is_remote("s3://bucket/clip.mp4")
    assert not is_remote("/data/clip.mp4") and not is_remote("clip.mp4")


def test_local_inputs_are_used_in_place(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"video")
    assert materialize(str(clip), tmp_path / "scratch") == clip
    assert remote_identity(clip) == file_digest(clip)
    assert not (tmp_path / "scratch").exists()
    with pytest.raises(InputError, match="gs://b/clip.mp4"):
        materialize("gs://b/clip.mp4", tmp_path / "scratch")


def test_s3_input_is_downloaded_once_per_version(bucket, s3_client, tmp_path):
    uri = f"s3://{bucket}/in/clip.mp4"
    s3_client.put_object(Bucket=bucket, Key="in/clip.mp4", Body=b"version 1")

    first = materialize(uri, tmp_path)
    assert first.name == "clip.mp4" and first.read_bytes() == b"version 1"
    identity = remote_identity(uri)
    assert identity.startswith(f"{uri}#")

    mtime = first.stat().st_mtime_ns
    assert materialize(uri, tmp_path) == first and first.stat().st_mtime_ns == mtime

    s3_client.put_object(Bucket=bucket, Key="in/clip.mp4", Body=b"version 2!")
    second = materialize(uri, tmp_path)
    assert second != first and second.read_bytes() == b"version 2!"
    assert remote_identity(uri) != identity


def test_missing_s3_input_is_named(bucket, tmp_path):
    with pytest.raises(FileNotFoundError, match=f"s3://{bucket}/in/none.mp4"):
        materialize(f"s3://{bucket}/in/none.mp4", tmp_path)
    with pytest.raises(InputError, match="not an object"):
        materialize(f"s3://{bucket}", tmp_path)


@pytest.mark.parametrize("moment", ["before", "during"])
def test_pinned_download_refuses_a_replaced_object(bucket, s3_client, tmp_path, moment):
    s3_client.put_object(Bucket=bucket, Key="clip.mp4", Body=b"old")
    store = S3Store(f"s3://{bucket}")
    etag = store.stat("clip.mp4").etag

    def replace(**_):
        s3_client.put_object(Bucket=bucket, Key="clip.mp4", Body=b"new")

    if moment == "before":
        replace()
    else:  # between the download's HEAD and its GET
        store.client.meta.events.register("after-call.s3.HeadObject", replace)
    with pytest.raises(InputError, match="changed while it was read"):
        store.download("clip.mp4", tmp_path / "clip.mp4", if_match=etag)
    assert list(tmp_path.iterdir()) == []


def test_publish_to_a_local_path_moves_the_file(tmp_path):
    result = tmp_path / "scratch" / "out.mp4"
    result.parent.mkdir()
    result.write_bytes(b"stylized")
    target = tmp_path / "outputs" / "day1" / "clip.stylized.mp4"
    assert publish_file(result, str(target)) == str(target)
    assert target.read_bytes() == b"stylized" and not result.exists()


def test_publish_to_an_unwritable_path_is_an_output_error(tmp_path):
    result = tmp_path / "out.mp4"
    result.write_bytes(b"stylized")
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(OutputError, match="cannot write the output"):
        publish_file(result, str(blocker / "clip.mp4"))


def test_publish_to_s3(bucket, s3_client, tmp_path):
    result = tmp_path / "out.mp4"
    result.write_bytes(b"stylized")
    uri = f"s3://{bucket}/outputs/day1/clip.stylized.mp4"
    assert publish_file(result, uri) == uri
    body = s3_client.get_object(Bucket=bucket, Key="outputs/day1/clip.stylized.mp4")["Body"].read()
    assert body == b"stylized"


@pytest.mark.parametrize(("prefix", "name", "expected"), [
    ("s3://b/out", "trip/day1.mp4", "s3://b/out/trip/day1.mp4"),
    ("s3://b/out/", "day1.mp4", "s3://b/out/day1.mp4"),
    ("/data/out", "a b.mp4", "/data/out/a b.mp4"),
    ("", "x.mp4", "x.mp4"),
], ids=["s3", "trailing-slash", "directory", "no-prefix"])
def test_destination_key_joins(prefix, name, expected):
    assert destination_key(prefix, name) == expected


@pytest.mark.parametrize("name", ["../x.mp4", "a/../../x.mp4", "/etc/passwd", "a\\..\\..\\x.mp4",
                                  "C:/x.mp4", "a//x.mp4", "./x.mp4", "", "x\x00.mp4"],
                         ids=["dotdot", "nested-dotdot", "absolute", "backslash", "drive", "empty-part",
                              "dot", "empty", "nul"])
def test_destination_key_refuses_escapes(name):
    with pytest.raises(InputError, match="destination|drive"):
        destination_key("s3://b/out", name)
