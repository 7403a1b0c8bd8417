"""The loopback S3 endpoint of the storage tests, for listing and manifests on S3."""

from tests.artify_core.storage.conftest import bucket, s3_client, s3_endpoint, s3_env  # noqa: F401
