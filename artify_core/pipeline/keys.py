"""Every cache key, in one place.

Keys come from content and settings, never from paths: the identity of the
content (sha256 of a local file's bytes, or key + ETag of an object), the
identities of the styles, the model's version (code + weights digest), the
canonical digest of the settings that shape the pixels
(``StylizeSettings.output_digest``) and the frame range. Renaming or moving a
video keeps its cache; replacing its bytes, or any of those settings,
invalidates it. Bump a version below when code changes what it produces.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from artify_core.foundation.hashing import combine, params_digest

# Bump when the chunk stage (decode → model → temporal smoothing → encode) changes its output;
# the history of bumps: docs/cache-keys.md.
PIPELINE_VERSION = "chunk-10"
# Bump when the scene cuts of a content video change (temporal resets, scenes schedules, evaluation).
CUTS_VERSION = "cuts-1"
# Bump when the keyframes of a style video change (scenes, clustering, medoid keyframes).
KEYFRAMES_VERSION = "keyframes-1"
# Bump when the prepared styles, their schedule over the content or their stored form change.
PLAN_VERSION = "plan-2"


def cuts_key(content_identity: str) -> str:
    return combine(content_identity, CUTS_VERSION)


def keyframes_key(video_identity: str, embedder_version: str) -> str:
    return combine(video_identity, embedder_version, KEYFRAMES_VERSION)


def plan_key(model_version: str, style_identities: Sequence[str], layers: dict[str, object],
             schedule: dict[str, object], frames: int, timeline: str, cuts: Sequence[int]) -> str:
    """The style plan: model, styles (by identity, in order), how many per layer, the schedule
    settings and the content's timeline (frame count, ``timeline_identity``, cuts)."""
    return combine(model_version, *style_identities, params_digest(
        {"layers": layers, "schedule": schedule, "frames": frames, "timeline": timeline, "cuts": list(cuts),
         "version": PLAN_VERSION, "keyframes": KEYFRAMES_VERSION}))


def timeline_identity(fps: Fraction, seconds: Sequence[float] | None = None) -> str:
    """The rate of a constant-rate video; a digest of every frame's time for a variable-rate one
    (schedules follow real time, so their transitions move when the times do)."""
    if seconds is None:
        return str(fps)
    return combine(*(f"{t:.6f}" for t in seconds))


def chunk_key(content_identity: str, plan: str, settings_digest: str, start: int, end: int) -> str:
    """Frames ``[start, end)`` of the content, stylized with ``plan`` and these settings."""
    return combine(content_identity, plan, settings_digest, PIPELINE_VERSION, f"{start}-{end}")


def chunk_object(key: str) -> str:
    """Where a stylized chunk lives in the artifact store."""
    return f"chunks/{key}.mp4"


def cuts_object(key: str) -> str:
    return f"cuts/{key}.json"


def plan_object(key: str) -> str:
    return f"plans/{key}.npz"


def keyframes_prefix(key: str) -> str:
    return f"keyframes/{key}"
