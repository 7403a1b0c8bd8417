"""Failure records: a video that failed for a reason of its own is not retried on every scan.

A corrupt or unsupported video fails the same way each time. When it fails, a
record ``<output>.failed.json`` beside where its output would go says why, keyed
on the input's identity (sha256, or key + ETag). Later scans skip the video while
its identity is unchanged, listing it as ``skipped-failed`` with the reason; a
new upload (new bytes) is tried again, and so is every recorded video when the
scan is asked to retry failures. Failures of the environment (a store that is
down, a full disk) leave no record: they are worth retrying.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from artify_core.storage.uri import delete, exists, publish_bytes, read_bytes

FAILURE_FORMAT = 1


@dataclass(frozen=True)
class FailureRecord:
    input_uri: str
    input_identity: str
    reason: str
    created: str  # ISO 8601, UTC
    format: int = FAILURE_FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def record_failure(uri: str, input_uri: str, input_identity: str, reason: str) -> FailureRecord:
    """Publishes the record at ``uri`` (atomically) and returns it."""
    record = FailureRecord(input_uri, input_identity, reason,
                           datetime.now(timezone.utc).isoformat(timespec="seconds"))
    publish_bytes(record.to_json().encode(), uri)
    return record


def read_failure(uri: str) -> FailureRecord | None:
    """The record at ``uri``; None when there is none or it is not one."""
    try:
        data = json.loads(read_bytes(uri))
        if not isinstance(data, dict) or data.get("format") != FAILURE_FORMAT:
            return None
        return FailureRecord(**data)
    except (FileNotFoundError, ValueError, TypeError, UnicodeDecodeError):
        return None


def known_failure(uri: str, input_identity: str) -> FailureRecord | None:
    """The record of an earlier failure of these very input bytes, if any."""
    record = read_failure(uri)
    return record if record is not None and record.input_identity == input_identity else None


def clear_failure(uri: str) -> None:
    """Removes the record (the video was published, or its input changed)."""
    if exists(uri):
        delete(uri)
