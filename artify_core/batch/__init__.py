"""Stylizing every video under a folder or ``s3://`` prefix: which videos, where
their outputs go, and the manifests that say an output is up to date."""

from artify_core.batch.listing import (
    MANIFEST_SUFFIX,
    OUTPUT_SUFFIX,
    VIDEO_EXTENSIONS,
    BatchItem,
    Listing,
    RefusedItem,
    is_video,
    list_videos,
    output_name,
    plan_item,
    prepare_output,
    report_uri,
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
    "MANIFEST_SUFFIX",
    "OUTPUT_SUFFIX",
    "VIDEO_EXTENSIONS",
    "BatchFailedError",
    "BatchItem",
    "BatchParameters",
    "BatchResult",
    "Listing",
    "Manifest",
    "RefusedItem",
    "VideoOutcome",
    "build_manifest",
    "failure_reason",
    "is_current",
    "is_video",
    "list_videos",
    "output_name",
    "package_versions",
    "plan_item",
    "prepare_output",
    "report_uri",
    "staged_report",
    "read_manifest",
    "up_to_date",
    "write_manifest",
]
