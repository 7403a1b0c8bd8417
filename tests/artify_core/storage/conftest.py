"""A real S3 HTTP endpoint on loopback (moto's server in a thread) for store tests.

Every S3 test talks HTTP to it through boto3's ordinary configuration
(``AWS_ENDPOINT_URL`` and credentials from the environment), as a deployment
pointed at SeaweedFS or AWS would.
"""

from __future__ import annotations

import itertools
import os
import urllib.request

import pytest

# Distinctive so a test can assert it never appears in a message or a repr.
SECRET = "artify-test-secret-Zq81vLw3"
ACCESS_KEY_ID = "AKIAARTIFYTESTKEY01"

_buckets = itertools.count()


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_endpoint, monkeypatch, tmp_path):
    """Environment of a user configured for the loopback endpoint, and nothing
    from this machine's own AWS configuration."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS",
                 "AWS_ENDPOINT_URL_S3", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("NO_PROXY", ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"])))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # No instance-metadata probe (a 1 s timeout per try) when credentials are missing.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


@pytest.fixture
def s3_client(s3_env):
    import boto3

    return boto3.client("s3")


@pytest.fixture
def bucket(s3_client) -> str:
    """A fresh, empty bucket per test."""
    name = f"artify-test-{next(_buckets)}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def moto_auth(s3_endpoint):
    """Makes the server check credentials and permissions (it accepts anything by
    default) after ``free_requests`` more requests; restores that afterwards."""

    def set_auth_count(value: str) -> None:
        request = urllib.request.Request(f"{s3_endpoint}/moto-api/reset-auth", data=value.encode(),
                                         method="POST", headers={"Content-Type": "text/plain"})
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as response:
            response.read()

    yield lambda free_requests=0: set_auth_count(str(free_requests))
    set_auth_count("inf")
