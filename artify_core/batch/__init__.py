"""Stylizing every video under a folder or ``s3://`` prefix: which videos, where
their outputs go, the manifests that say an output is up to date, and the
failure records that keep a broken video from being retried on every scan."""

from artify_core.batch.failures import FailureRecord, clear_failure, known_failure, read_failure, record_failure
from artify_core.batch.listing import (
    FAILURE_SUFFIX,
    MANIFEST_SUFFIX,
    VIDEO_EXTENSIONS,
    BatchItem,
    Listing,
    RefusedItem,
    is_video,
    list_videos,
    plan_item,
    prepare_output,
    staged_report,
)
from artify_core.batch.manifest import (
    BatchParameters,
    Manifest,
    build_manifest,
    is_current,
    package_versions,
    read_manifest,
    up_to_date,
    write_manifest,
)
from artify_core.batch.outcome import BatchFailedError, BatchResult, VideoOutcome, failure_reason

__all__ = [
    "FAILURE_SUFFIX", "MANIFEST_SUFFIX", "VIDEO_EXTENSIONS", "BatchFailedError", "BatchItem", "BatchParameters",
    "BatchResult", "FailureRecord", "Listing", "Manifest", "RefusedItem", "VideoOutcome", "build_manifest",
    "clear_failure", "failure_reason", "is_current", "is_video", "known_failure", "list_videos",
    "package_versions", "plan_item", "prepare_output", "read_failure", "read_manifest", "record_failure",
    "staged_report", "up_to_date", "write_manifest",
]
