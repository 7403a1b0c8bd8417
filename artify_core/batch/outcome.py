"""What happened to each video of a batch, and the batch as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

from artify_core.batch.listing import RefusedItem
from artify_core.errors import ArtifyError

# skipped-failed: an earlier run failed on these very bytes (a failure record); not tried again.
Status = Literal["done", "skipped", "failed", "skipped-failed"]


@dataclass(frozen=True)
class VideoOutcome:
    relative: str
    input_uri: str
    output_uri: str | None
    status: Status
    reason: str | None = None
    frames: int | None = None
    seconds: float | None = None
    report_uri: str | None = None  # the evaluation report's folder, when evaluated

    def line(self) -> str:
        """One line for a terminal: ``done     trip/a.mp4 -> out/trip/a.stylized.mp4``."""
        if self.status in ("failed", "skipped-failed"):
            return f"{self.status:<8} {self.relative}: {self.reason}"
        return f"{self.status:<8} {self.relative} -> {self.output_uri}"


@dataclass(frozen=True)
class BatchResult:
    source: str
    destination: str
    outcomes: tuple[VideoOutcome, ...]

    @classmethod
    def collect(cls, source: str, destination: str, outcomes: Sequence[VideoOutcome],
                refused: Sequence[RefusedItem]) -> "BatchResult":
        """The outcomes of the videos tried and the refused ones (failed), by name."""
        failed = [VideoOutcome(r.relative, r.input_uri, None, "failed", r.reason) for r in refused]
        return cls(source, destination, tuple(sorted([*outcomes, *failed], key=lambda o: o.relative)))

    def count(self, status: Status) -> int:
        return sum(outcome.status == status for outcome in self.outcomes)

    @property
    def failed(self) -> tuple[VideoOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if outcome.status == "failed")

    def summary(self) -> str:
        total = len(self.outcomes)
        known = (f", {self.count('skipped-failed')} failed before (retry them with --retry-failed)"
                 if self.count("skipped-failed") else "")
        return (f"{total} video{'' if total == 1 else 's'} under {self.source}: {self.count('done')} done, "
                f"{self.count('skipped')} skipped, {self.count('failed')} failed{known}")

    def table(self) -> list[dict[str, Any]]:
        """Rows for a table artifact, one per video."""
        return [{"video": o.relative, "status": o.status, "output": o.output_uri or "",
                 "reason": o.reason or "", "frames": o.frames, "seconds": o.seconds} for o in self.outcomes]


class BatchFailedError(ArtifyError):
    """Some videos of a batch failed (the others were published); ``result`` has them all."""

    advice = ("Each failed video's reason is in the summary table: fix or replace those files and run again. A video "
              "that failed for a reason of its own is not tried again until it changes, unless Retry failed videos "
              "is on.")

    def __init__(self, result: BatchResult) -> None:
        first = result.failed[0]
        more = f" (and {len(result.failed) - 1} more)" if len(result.failed) > 1 else ""
        super().__init__(f"{len(result.failed)} of {len(result.outcomes)} videos failed: "
                         f"{first.relative}: {first.reason}{more}")
        self.result = result

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.result,))


def failure_reason(error: BaseException) -> str:
    """One line for a report: Artify's own messages as they are (they name the input
    and what to do), anything else prefixed with its type."""
    text = (str(error).strip().splitlines() or [""])[0]
    if isinstance(error, ArtifyError) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
