"""S3Store against a real HTTP endpoint: multipart, atomicity, retries, errors."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ConnectionClosedError

from artify_core.errors import InputError
from artify_core.storage import S3Store, StorageError, StorageUnavailableError, open_store
from artify_core.storage.s3 import MiB, parse_s3_uri

from .conftest import ACCESS_KEY_ID, READER, SECRET


def _pending_uploads(client, bucket: str) -> list[dict]:
    return client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])


@pytest.fixture
def big_file(tmp_path):
    """11 MiB of random bytes: three 5 MiB parts, the last one short."""
    path = tmp_path / "big.mp4"
    path.write_bytes(os.urandom(11 * MiB))
    return path


def test_uri_parsing():
    assert parse_s3_uri("s3://bucket/a/b/").bucket == "bucket"
    assert parse_s3_uri("s3://bucket/a/b/").prefix == "a/b"
    assert parse_s3_uri("s3://bucket").prefix == ""
    for bad in ("s3://", "s3:///key", "s3://b/../x", "s3://b//x", "s3://bad bucket/x"):
        with pytest.raises(StorageError, match="s3://"):
            parse_s3_uri(bad)


def test_open_store_by_uri(s3_env):
    store = open_store("s3://bucket/runs/")
    assert isinstance(store, S3Store) and store.uri == "s3://bucket/runs"
    assert store.local_path("chunks/a.mp4") is None
    with pytest.raises(InputError, match="gs://b"):
        open_store("gs://b/x")


def test_a_store_survives_pickling(bucket):
    # Prefect may pickle task arguments and results; the client is rebuilt on arrival.
    store = S3Store(f"s3://{bucket}/p")
    store.put_bytes("k.json", b"{}")
    copy = pickle.loads(pickle.dumps(store))
    assert copy.uri == store.uri and copy.get_bytes("k.json") == b"{}"


def test_objects_live_under_the_prefix_and_prefixes_do_not_overlap(bucket, s3_client):
    S3Store(f"s3://{bucket}/a").put_bytes("k.json", b"1")
    S3Store(f"s3://{bucket}/ab").put_bytes("k.json", b"2")
    listed = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(listed) == ["a/k.json", "ab/k.json"]
    assert list(S3Store(f"s3://{bucket}/a").list()) == ["k.json"]
    assert S3Store(f"s3://{bucket}").get_bytes("ab/k.json") == b"2"


def test_multipart_upload_and_ranged_download(bucket, s3_client, big_file, tmp_path):
    store = S3Store(f"s3://{bucket}/p", multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    store.put_file("videos/big.mp4", big_file)

    head = s3_client.head_object(Bucket=bucket, Key="p/videos/big.mp4")
    assert head["ETag"].strip('"').endswith("-3")  # S3's mark of a three-part upload
    assert head["ContentType"] == "video/mp4"
    assert store.stat("videos/big.mp4").size == 11 * MiB
    assert _pending_uploads(s3_client, bucket) == []
    assert store.fetch("videos/big.mp4", tmp_path / "back.mp4").read_bytes() == big_file.read_bytes()


def test_failed_multipart_upload_publishes_nothing_and_is_aborted(bucket, s3_client, big_file):
    store = S3Store(f"s3://{bucket}", multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                    max_concurrency=1)
    store.put_bytes("videos/big.mp4", b"previous version")
    parts_sent = []

    def fail_on_second_part(request, **_):
        # A non-retryable failure while sending, as a worker killed mid-part would be.
        parts_sent.append(request.url)
        if len(parts_sent) == 2:
            raise RuntimeError("disk read error")

    store.client.meta.events.register("before-send.s3.UploadPart", fail_on_second_part)
    with pytest.raises(RuntimeError, match="disk read error"):
        store.put_file("videos/big.mp4", big_file)

    assert len(parts_sent) >= 2
    assert store.get_bytes("videos/big.mp4") == b"previous version"
    assert _pending_uploads(s3_client, bucket) == []


def test_transient_connection_errors_are_retried(bucket):
    store = S3Store(f"s3://{bucket}", max_attempts=3)
    attempts = []

    def drop_first_connection(request, **_):
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionClosedError(endpoint_url=request.url)

    store.client.meta.events.register("before-send.s3.PutObject", drop_first_connection)
    store.put_bytes("k.json", b"{}")
    assert len(attempts) == 2 and store.get_bytes("k.json") == b"{}"


def test_persistent_connection_errors_end_in_one_line(bucket):
    store = S3Store(f"s3://{bucket}/p", max_attempts=2)

    def always_drop(request, **_):
        raise ConnectionClosedError(endpoint_url=request.url)

    store.client.meta.events.register("before-send.s3.PutObject", always_drop)
    with pytest.raises(StorageUnavailableError, match=rf"^s3://{bucket}/p/k.json: cannot reach") as caught:
        store.put_bytes("k.json", b"{}")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("operation", ["exists", "put_bytes", "put_file", "list", "fetch"])
def test_missing_bucket_is_named(s3_env, operation, tmp_path):
    store = S3Store("s3://no-such-bucket/runs", multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    source = tmp_path / "s.bin"
    source.write_bytes(b"x")
    calls = {"exists": lambda: store.exists("k"), "put_bytes": lambda: store.put_bytes("k", b"x"),
             "put_file": lambda: store.put_file("k", source), "list": lambda: list(store.list()),
             "fetch": lambda: store.fetch("k", tmp_path / "k")}
    with pytest.raises(StorageError, match="bucket 'no-such-bucket' does not exist") as caught:
        calls[operation]()
    message = str(caught.value)
    assert message.startswith("s3://no-such-bucket/runs") and "\n" not in message


def test_no_credentials(s3_env, bucket):
    s3_env.delenv("AWS_ACCESS_KEY_ID")
    s3_env.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(StorageError, match=rf"^s3://{bucket}/k: no AWS credentials found"):
        S3Store(f"s3://{bucket}").put_bytes("k", b"x")


@pytest.mark.parametrize("access_key,secret", [(ACCESS_KEY_ID, "not-the-secret"),
                                               ("AKIAUNKNOWNKEY000001", SECRET)], ids=["wrong-secret", "unknown-key"])
def test_rejected_credentials_are_reported_without_secrets(bucket, s3_env, access_key, secret):
    s3_env.setenv("AWS_ACCESS_KEY_ID", access_key)
    s3_env.setenv("AWS_SECRET_ACCESS_KEY", secret)
    store = S3Store(f"s3://{bucket}/p")
    with pytest.raises(StorageError, match="rejected the credentials") as caught:
        store.get_bytes("k")
    for text in (str(caught.value), repr(store), repr(caught.value)):
        assert secret not in text and access_key not in text
    assert secret not in repr(store.__getstate__())


def test_importing_storage_loads_neither_prefect_nor_boto3():
    # Local-only runs should not pay for boto3's import, and artify_core never imports Prefect.
    code = ("import sys, artify_core.storage, artify_core.storage.uri; "
            "print(sorted(m for m in ('prefect', 'boto3', 'botocore') if m in sys.modules))")
    repo = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo)
    assert result.stdout.strip() == "[]"


def test_access_denied_is_named(bucket, s3_env):
    s3_env.setenv("AWS_ACCESS_KEY_ID", READER.access_key)  # may read and list, not write
    s3_env.setenv("AWS_SECRET_ACCESS_KEY", READER.secret_key)
    store = S3Store(f"s3://{bucket}/p")
    assert not store.exists("k.json")
    with pytest.raises(StorageError, match=rf"^s3://{bucket}/p/k.json: access denied") as caught:
        store.put_bytes("k.json", b"{}")
    assert READER.secret_key not in str(caught.value)


def test_check_fails_fast_when_the_endpoint_is_down(s3_env, tmp_path):
    import time

    from tests.s3server import free_ports

    s3_env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_ports(1)[0]}")  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError, match="cannot reach the S3 endpoint"):
        S3Store("s3://any-bucket/p").check()
    assert time.monotonic() - started < 15
