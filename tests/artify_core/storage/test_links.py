"""Links for people: presigned S3 URLs and file:// URLs, and small reads and writes by URI."""

from __future__ import annotations

import urllib.request

import pytest

from artify_core.storage import S3Store
from artify_core.storage.uri import browser_url, exists, publish_bytes, read_bytes

from .conftest import SECRET


def test_presigned_url_downloads_the_object_without_credentials(s3_env, s3_client, bucket):
    s3_client.put_object(Bucket=bucket, Key="out/a.stylized.mp4", Body=b"video bytes")
    url = S3Store(f"s3://{bucket}/out").presigned_url("a.stylized.mp4", expires=600)
    assert SECRET not in url and "X-Amz-Signature=" in url and "X-Amz-Expires=600" in url
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # a plain client, no AWS config
    with opener.open(url, timeout=10) as response:
        assert response.read() == b"video bytes"
    assert browser_url(f"s3://{bucket}/out/a.stylized.mp4", 60).startswith(url.split("?")[0])


def test_presigned_url_for_a_public_endpoint(s3_env, s3_endpoint, s3_client, bucket):
    # Workers reach the store at 127.0.0.1, browsers at "localhost": links are signed for the latter.
    s3_client.put_object(Bucket=bucket, Key="a.mp4", Body=b"public bytes")
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    s3_env.setenv("ARTIFY_S3_PUBLIC_ENDPOINT_URL", public)
    url = S3Store(f"s3://{bucket}").presigned_url("a.mp4", expires=600)
    assert url.startswith(public)
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=10) as response:
        assert response.read() == b"public bytes"


@pytest.mark.parametrize("expires", [0, 7 * 24 * 3600 + 1])
def test_presigned_url_lifetime_is_bounded(s3_env, bucket, expires):
    with pytest.raises(ValueError, match="7 days"):
        S3Store(f"s3://{bucket}").presigned_url("a", expires=expires)


def test_local_links_and_bytes(tmp_path):
    target = tmp_path / "sub" / "m.json"
    assert not exists(str(target))
    publish_bytes(b"{}", str(target))
    assert exists(str(target)) and read_bytes(str(target)) == b"{}"
    assert browser_url(str(target)) == target.resolve().as_uri()
    assert [p.name for p in target.parent.iterdir()] == ["m.json"]  # no temp file left


def test_s3_bytes(s3_env, bucket):
    uri = f"s3://{bucket}/out/m.json"
    assert not exists(uri)
    publish_bytes(b"{}", uri)
    assert exists(uri) and read_bytes(uri) == b"{}"
    with pytest.raises(FileNotFoundError):
        read_bytes(f"s3://{bucket}/out/none.json")
