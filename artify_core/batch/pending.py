"""Which videos of a scan have nothing to do: the one decision the folder flow makes per video,
and that ``artify batch`` makes for the whole listing before starting a run at all."""

from __future__ import annotations

from artify_core.batch.failures import known_failure
from artify_core.batch.listing import BatchItem, Listing
from artify_core.batch.manifest import BatchParameters, up_to_date
from artify_core.batch.outcome import VideoOutcome
from artify_core.storage.uri import remote_identity


def settled(item: BatchItem, identity: str, parameters: BatchParameters, *, need_metrics: bool,
            retry_failed: bool) -> VideoOutcome | None:
    """``skipped`` when the video's manifest is current, ``skipped-failed`` when these very bytes
    failed before (unless retried); None when it must be stylized."""
    if up_to_date(item, identity, parameters, need_metrics=need_metrics):
        return VideoOutcome(item.relative, item.input_uri, item.output_uri, "skipped")
    earlier = None if retry_failed else known_failure(item.failure_uri, identity)
    if earlier is not None:
        return VideoOutcome(item.relative, item.input_uri, None, "skipped-failed", earlier.reason)
    return None


def all_settled(listing: Listing, parameters: BatchParameters, *, need_metrics: bool,
                retry_failed: bool) -> list[VideoOutcome] | None:
    """Every video's outcome when none needs stylizing; None at the first that does."""
    outcomes = []
    for item in listing.items:
        outcome = settled(item, remote_identity(item.input_uri), parameters, need_metrics=need_metrics,
                          retry_failed=retry_failed)
        if outcome is None:
            return None
        outcomes.append(outcome)
    return outcomes
