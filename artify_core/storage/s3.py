"""An S3 bucket (AWS or any S3-compatible server) as artifact store.

The client is configured the standard AWS way (environment, ``~/.aws``, instance
roles); ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_S3`` point it at SeaweedFS,
Garage, Ceph or a test server, and botocore then addresses buckets path-style.
"""

from __future__ import annotations

import mimetypes
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from artify_core.storage.base import (
    ObjectInfo,
    StorageError,
    StorageUnavailableError,
    validate_key,
)
from artify_core.foundation.environment import environment as artify_environment
from artify_core.foundation.publish import temporary_sibling
from artify_core.storage.digest import Digest, check_digest

MiB = 1 << 20
# S3 refuses parts below 5 MiB (except the last) and more than 10,000 parts.
MIN_PART_SIZE = 5 * MiB

_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,254}")
_MISSING_OBJECT = {"404", "NoSuchKey", "NotFound"}
_DENIED = {"403", "AccessDenied", "Forbidden", "AllAccessDisabled", "AccountProblem"}
_BAD_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken",
                    "TokenRefreshRequired", "InvalidClientTokenId", "UnrecognizedClientException"}
# User metadata (x-amz-meta-*) an object's digest is recorded in when the store writes it.
SHA256_METADATA, SIZE_METADATA = "artify-sha256", "artify-size"


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket/prefix`` split; ``prefix`` has no leading or trailing '/'."""

    bucket: str
    prefix: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


def parse_s3_uri(uri: str) -> S3Location:
    """``s3://bucket[/prefix]`` → bucket and prefix; ``StorageError`` when malformed."""
    if not uri.startswith("s3://"):
        raise StorageError(f"{uri}: not an s3:// URI; expected s3://BUCKET[/PREFIX]")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    prefix = prefix.rstrip("/")
    if not _BUCKET.fullmatch(bucket):
        raise StorageError(f"{uri}: {bucket!r} is not a bucket name; expected s3://BUCKET[/PREFIX]")
    if prefix:
        try:
            validate_key(prefix)
        except ValueError:
            raise StorageError(f"{uri}: the prefix must be a relative path without '..', '.', "
                               "'//' or backslashes") from None
    return S3Location(bucket, prefix)


class S3Store:
    """Objects are ``<prefix>/<key>`` in ``bucket``.

    Writes are atomic by S3's own rule: an object appears only when a single PUT
    or a multipart upload completes. A multipart upload that fails is aborted,
    so its parts neither linger nor cost storage. Reads download to a temp file
    beside the destination and rename it into place.

    Transient failures (throttling, 5xx, dropped connections) are retried with
    exponential backoff by botocore, ``retry_mode`` ``"standard"`` or
    ``"adaptive"``; ``AWS_RETRY_MODE`` / ``AWS_MAX_ATTEMPTS`` win when set and
    the arguments are not.
    """

    def __init__(
        self,
        uri: str,
        *,
        multipart_threshold: int = 64 * MiB,
        multipart_chunksize: int = 16 * MiB,
        max_concurrency: int = 4,
        retry_mode: str | None = None,
        max_attempts: int | None = None,
        list_page_size: int = 1000,
    ) -> None:
        location = parse_s3_uri(uri)
        if multipart_chunksize < MIN_PART_SIZE:
            raise ValueError(f"multipart_chunksize={multipart_chunksize}: S3 parts must be at least 5 MiB")
        self.bucket, self.prefix, self.uri = location.bucket, location.prefix, location.uri
        self._root = f"{self.prefix}/" if self.prefix else ""
        self._transfer_options = dict(multipart_threshold=multipart_threshold,
                                      multipart_chunksize=multipart_chunksize,
                                      max_concurrency=max_concurrency)
        self._retries = _retry_settings(retry_mode, max_attempts)
        self._page_size = list_page_size
        self._bucket_exists = False

    def __repr__(self) -> str:
        return f"S3Store({self.uri!r})"

    def __getstate__(self) -> dict[str, Any]:
        # Clients hold sockets and credentials: rebuild them in the new process.
        state = self.__dict__.copy()
        state.pop("client", None)
        state.pop("_transfer", None)
        state.pop("_signing_client", None)
        return state

    @cached_property
    def client(self) -> Any:
        """A botocore S3 client, created on first use (thread-safe once created)."""
        from botocore.config import Config

        # SigV4 for everything, presigned URLs included (botocore would presign some
        # of them with SigV2, which AWS is retiring and which ignores the 7-day cap).
        config = Config(retries=self._retries, connect_timeout=10, read_timeout=120, signature_version="s3v4")
        environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
        with _session_lock:  # a session is not safe to create clients from concurrently
            return _session(environment).client("s3", config=config)

    def check(self) -> None:
        """One HEAD of the bucket with a short budget (2 attempts, 3 s to connect): a store that is
        down before a run fails it in seconds rather than after every task's retries."""
        from botocore.config import Config

        config = Config(retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=3,
                        read_timeout=10, signature_version="s3v4")
        environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
        with _session_lock:
            client = _session(environment).client("s3", config=config)
        with self._errors(None):
            client.head_bucket(Bucket=self.bucket)
        self._bucket_exists = True

    @cached_property
    def _transfer(self) -> Any:
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(use_threads=True, **self._transfer_options)

    def object_key(self, key: str) -> str:
        """The bucket key for a store key (validated: it cannot leave the prefix)."""
        return self._root + validate_key(key)

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except FileNotFoundError:
            return False
        return True

    def stat(self, key: str) -> ObjectInfo:
        name = self.object_key(key)
        with self._errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=name)
        return ObjectInfo(int(head["ContentLength"]), head["ETag"].strip('"'))

    def put_file(self, key: str, source: Path) -> str:
        name = self.object_key(key)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        digest = Digest.of_file(source)
        self._require_bucket(key)
        with self._errors(key):
            # s3transfer aborts a multipart upload whose parts or completion fail.
            self.client.upload_file(str(source), self.bucket, name, Config=self._transfer,
                                    ExtraArgs={"ContentType": content_type, "Metadata": _metadata(digest)})
        return key

    def recorded(self, key: str) -> Digest | None:
        """The digest recorded when ``key`` was written (its metadata); None when there is none."""
        with self._errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        return _recorded(head)

    def verify(self, key: str) -> None:
        """Streams the object through sha256 (one GET, nothing written) and checks it."""
        with self._errors(key):
            response = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
            actual = Digest.of_blocks(response["Body"].iter_chunks(1 << 20))
        check_digest(f"{self.uri}/{key}", _recorded(response), actual)

    def fetch(self, key: str, destination: Path) -> Path:
        """Downloads the version whose digest its metadata records (pinned to its ETag, see
        :meth:`download`) and checks the bytes against it before renaming them into place."""
        with self._errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        recorded, etag = _recorded(head), head["ETag"].strip('"')
        where = f"{self.uri}/{key}"
        return self.download(key, destination, if_match=etag,
                             check=lambda temp: check_digest(where, recorded, Digest.of_file(temp)))

    def download(self, key: str, destination: Path, *, if_match: str | None = None,
                 check: Callable[[Path], None] | None = None) -> Path:
        """Downloads the object as it is (an input of a user's, no digest of ours) to
        ``destination`` (temp file beside it, then rename). With ``if_match`` (an ETag from
        :meth:`stat`) it fails with ``StorageError`` rather than return the bytes of another
        version; ``check(temp)`` may refuse the bytes before they are renamed into place."""
        name, destination = self.object_key(key), Path(destination)
        temp = temporary_sibling(destination)
        try:
            with self._errors(key):
                if if_match:
                    self._download_pinned(name, temp, f'"{if_match}"')
                else:
                    self.client.download_file(self.bucket, name, str(temp), Config=self._transfer)
            if check is not None:
                check(temp)
            os.replace(temp, destination)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return destination

    def _download_pinned(self, name: str, temp: Path, etag: str) -> None:
        """Downloads exactly the version ``etag`` (quoted) names.

        s3transfer sends ``If-Match`` only on ranged GETs, with the ETag of its own
        HEAD; giving it our size and ETag up front, and a threshold of one byte so
        every download is ranged, makes each GET fail with 412 instead of
        mixing in bytes of a newer version.
        """
        from boto3.s3.transfer import TransferConfig, create_transfer_manager
        from s3transfer.subscribers import BaseSubscriber

        size = self.client.head_object(Bucket=self.bucket, Key=name, IfMatch=etag)["ContentLength"]
        if size == 0:
            return  # the temp file is already the empty object; a ranged GET would get 416

        class Pin(BaseSubscriber):
            def on_queued(self, future: Any, **kwargs: Any) -> None:
                future.meta.provide_transfer_size(size)
                future.meta.provide_object_etag(etag)

        config = TransferConfig(use_threads=True, **{**self._transfer_options, "multipart_threshold": 1})
        with create_transfer_manager(self.client, config) as manager:
            manager.download(self.bucket, name, str(temp), subscribers=[Pin()]).result()

    def local_path(self, key: str) -> Path | None:
        return None

    def put_bytes(self, key: str, data: bytes) -> str:
        name = self.object_key(key)
        self._require_bucket(key)
        with self._errors(key):
            self.client.put_object(Bucket=self.bucket, Key=name, Body=data,
                                   Metadata=_metadata(Digest.of_bytes(data)))
        return key

    def get_bytes(self, key: str) -> bytes:
        name = self.object_key(key)
        with self._errors(key):
            response = self.client.get_object(Bucket=self.bucket, Key=name)
            data = response["Body"].read()
        check_digest(f"{self.uri}/{key}", _recorded(response), Digest.of_bytes(data))
        return data

    def list(self, prefix: str = "") -> Iterator[str]:
        """Store keys starting with ``prefix``, in S3's (byte-wise) order. Keys the
        store cannot address (folder markers ending in '/', '..' parts) are skipped."""
        if prefix and (prefix.startswith("/") or ".." in prefix.split("/") or "\\" in prefix):
            raise ValueError(f"invalid key prefix {prefix!r}: use a relative POSIX path without '..'")
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._root + prefix,
            PaginationConfig={"PageSize": self._page_size})
        with self._errors(prefix or None):
            for page in pages:
                for item in page.get("Contents", ()):
                    key = item["Key"][len(self._root):]
                    if _addressable(key):
                        yield key

    def presigned_url(self, key: str, expires: int = 7 * 24 * 3600) -> str:
        """A URL a browser can GET the object from for ``expires`` seconds, e.g. for a
        link in the Prefect UI. SigV4 caps the lifetime at 7 days. The URL carries the
        access key ID and a signature, never the secret key; signing is local (no request)."""
        if not 1 <= expires <= 7 * 24 * 3600:
            raise ValueError(f"expires={expires}: a presigned URL lives 1 s to 7 days (604800 s)")
        name = self.object_key(key)
        with self._errors(key):
            return self._signing_client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": name}, ExpiresIn=expires)

    @cached_property
    def _signing_client(self) -> Any:
        """The client presigned URLs are made with: the address browsers reach the store at
        (``$ARTIFY_S3_PUBLIC_ENDPOINT_URL``, e.g. http://localhost:8333 when workers use
        http://seaweedfs:8333 inside docker compose), else the workers' own endpoint."""
        public = artify_environment().s3_public_endpoint_url
        if not public:
            return self.client
        from botocore.config import Config

        environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
        with _session_lock:
            return _session(environment).client("s3", endpoint_url=public,
                                                config=Config(signature_version="s3v4"))

    def delete(self, key: str) -> None:
        name = self.object_key(key)
        with self._errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=name)

    @contextmanager
    def _errors(self, key: str | None) -> Iterator[None]:
        """Turns botocore failures into one-line errors naming the URI; never
        includes credentials (botocore's own messages carry none either)."""
        from boto3.exceptions import RetriesExceededError, S3UploadFailedError
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectionError,
            HTTPClientError,
            NoCredentialsError,
            PartialCredentialsError,
        )
        from s3transfer.exceptions import S3DownloadFailedError

        where = f"{self.uri}/{key}" if key else self.uri
        try:
            yield
        except (S3UploadFailedError, S3DownloadFailedError, RetriesExceededError) as error:
            # boto3 wraps the client error of a failed transfer; the code is in the cause.
            cause = getattr(error, "last_exception", None) or error.__context__
            if isinstance(cause, (ClientError, BotoCoreError)):
                raise self._translate(cause, where) from error
            if isinstance(error, RetriesExceededError):  # socket errors mid-download
                raise StorageUnavailableError(f"{where}: the download kept failing "
                                              f"({type(cause).__name__}); check the network") from error
            raise StorageError(f"{where}: transfer failed: {error}") from error
        except (ClientError, NoCredentialsError, PartialCredentialsError, ConnectionError,
                HTTPClientError) as error:
            raise self._translate(error, where) from error

    def _translate(self, error: Exception, where: str) -> Exception:
        from botocore.exceptions import (
            ClientError,
            ConnectionError,
            HTTPClientError,
            NoCredentialsError,
            PartialCredentialsError,
        )

        if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
            return StorageError(f"{where}: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
                                "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE")
        if isinstance(error, (ConnectionError, HTTPClientError)):
            return StorageUnavailableError(
                f"{where}: cannot reach the S3 endpoint {self._endpoint()} after retries "
                f"({type(error).__name__}); check AWS_ENDPOINT_URL and the network")
        if not isinstance(error, ClientError):
            return StorageError(f"{where}: {type(error).__name__}: {error}")
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if code == "NoSuchBucket" or (code in _MISSING_OBJECT and not self._bucket_found()):
            return StorageError(f"{self.uri}: bucket {self.bucket!r} does not exist at "
                                f"{self._endpoint()}; create it or fix the URI")
        if code in _MISSING_OBJECT:
            return FileNotFoundError(f"{where}: no such object")
        if code in _BAD_CREDENTIALS:
            return StorageError(f"{where}: the S3 endpoint rejected the credentials ({code}); check "
                                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE")
        if code in _DENIED:
            return StorageError(f"{where}: access denied; the credentials lack permission on "
                                f"bucket {self.bucket!r}")
        if code in ("PreconditionFailed", "412"):
            return StorageError(f"{where}: the object changed while it was read; run again")
        if status.startswith("5") or code in ("SlowDown", "ServiceUnavailable", "InternalError"):
            return StorageUnavailableError(f"{where}: the S3 endpoint failed after retries ({code})")
        message = error.response.get("Error", {}).get("Message", "")
        return StorageError(f"{where}: S3 refused the request: {code} {message}".rstrip())

    def _require_bucket(self, key: str) -> None:
        """Refuses to write into a bucket that does not exist. AWS would refuse the PUT itself, but
        SeaweedFS creates the bucket on the fly: a typo in a URI would quietly make a new bucket.
        An unreachable endpoint fails here, after the client's retries, as it would on the PUT."""
        if self._bucket_exists:
            return
        from botocore.exceptions import ClientError

        with self._errors(key):
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", ""))
                if code in ("404", "NoSuchBucket", "NotFound"):
                    raise StorageError(f"{self.uri}: bucket {self.bucket!r} does not exist at "
                                       f"{self._endpoint()}; create it or fix the URI") from None
                if code not in _DENIED:  # without ListBucket rights HEAD says 403: let the PUT decide
                    raise
        self._bucket_exists = True

    def _bucket_found(self) -> bool:
        """Whether the bucket exists, asked once: HEAD answers a bare 404 both for a
        missing object and a missing bucket. Unknown (403, no ListBucket right) → True."""
        if not self._bucket_exists:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code", ""))
                return code not in ("404", "NoSuchBucket", "NotFound")
            except BotoCoreError:
                return True
            # Only a positive answer is kept: the bucket may be created later.
            self._bucket_exists = True
        return True

    def _endpoint(self) -> str:
        """The endpoint's scheme, host and port: never user-info from a URL."""
        parts = urlsplit(self.client.meta.endpoint_url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"


_session_lock = threading.Lock()


@lru_cache(maxsize=4)
def _session(environment: tuple[tuple[str, str], ...]) -> Any:
    """One boto3 session per AWS_* environment: a session parses the service model
    once (about 0.15 s) and caches the credentials it resolved, so a changed
    environment (another profile, rotated keys) gets a new one."""
    import boto3

    return boto3.session.Session()


def _retry_settings(mode: str | None, max_attempts: int | None) -> dict[str, Any]:
    """botocore ``retries``: explicit arguments, else the user's AWS_* variables
    (left for botocore to read), else standard mode with 8 attempts (about a
    minute of backoff at most: enough for a restarting S3-compatible server)."""
    retries: dict[str, Any] = {}
    if mode or not os.environ.get("AWS_RETRY_MODE"):
        if (mode or "standard") not in ("standard", "adaptive", "legacy"):
            raise ValueError(f"retry_mode={mode!r}: expected 'standard', 'adaptive' or 'legacy'")
        retries["mode"] = mode or "standard"
    if max_attempts or not os.environ.get("AWS_MAX_ATTEMPTS"):
        retries["total_max_attempts"] = max_attempts or 8
    return retries


def _addressable(key: str) -> bool:
    try:
        validate_key(key)
    except ValueError:
        return False
    return True


def _metadata(digest: Digest) -> dict[str, str]:
    return {SHA256_METADATA: digest.sha256, SIZE_METADATA: str(digest.size)}


def _recorded(response: dict[str, Any]) -> Digest | None:
    """The digest in a HEAD or GET response's metadata; None when it records none."""
    metadata = {k.lower(): v for k, v in (response.get("Metadata") or {}).items()}
    return Digest.parse(f"sha256:{metadata.get(SHA256_METADATA, '')} {metadata.get(SIZE_METADATA, '')}")
