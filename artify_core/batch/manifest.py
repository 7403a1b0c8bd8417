"""Manifests: a JSON file beside each published output saying what it was made
from, so a later scan can skip a video whose input and parameters are unchanged.

A manifest records identities, parameters, versions and figures, never
credentials or the environment. It is published after the output, so a
manifest always describes a complete output.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from artify_core.batch.listing import BatchItem
from artify_core.errors import InputError
from artify_core.foundation.hashing import combine, params_digest
from artify_core.pipeline.keys import PIPELINE_VERSION
from artify_core.settings import NO_STYLE, StylizeSettings, canonical_json
from artify_core.storage.uri import exists, publish_bytes, read_bytes, remote_identity

MANIFEST_FORMAT = 2
PACKAGES = ("artify", "torch", "prefect")


@dataclass(frozen=True)
class BatchParameters:
    """Everything that shapes an output's pixels: the settings (their canonical JSON), the styles'
    identities (sha256 locally, URI + ETag on S3, so a replaced style image counts) and the
    model's version."""

    settings: dict[str, Any]
    style_identities: tuple[str, ...]
    model_version: str
    digest: str

    @classmethod
    def create(cls, settings: StylizeSettings, model_version: str) -> "BatchParameters":
        """Reads each style's identity (a hash, or one HEAD on S3); ``InputError`` naming a
        style that is missing, so a bad style fails the scan once rather than every video."""
        styles = [*settings.style, *settings.segmented.fg_style, *settings.segmented.bg_style]
        identities = []
        for style in styles:
            if style == NO_STYLE:
                identities.append(NO_STYLE)
                continue
            try:
                identities.append(remote_identity(style))
            except (FileNotFoundError, IsADirectoryError):
                raise InputError(f"{style}: no such style image or video; check the path or URI") from None
        digest = combine(settings.output_digest(), params_digest(settings.schedule.model_dump(mode="json")),
                         *identities, model_version, PIPELINE_VERSION)
        return cls(json.loads(canonical_json(settings)), tuple(identities), model_version, digest)

    @property
    def model(self) -> str:
        return self.settings["model"]

    def to_dict(self) -> dict[str, Any]:
        return {"settings": self.settings, "style_identities": list(self.style_identities),
                "model_version": self.model_version, "pipeline": PIPELINE_VERSION}


@dataclass(frozen=True)
class Manifest:
    input_uri: str
    input_identity: str
    output_uri: str
    parameters: dict[str, Any]
    parameters_hash: str
    model: str
    model_version: str
    frames: int
    chunks: int
    seconds: float
    created: str  # ISO 8601, UTC
    packages: dict[str, str | None] = field(default_factory=dict)
    metrics: dict[str, Any] | None = None
    format: int = MANIFEST_FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, default=_plain) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> "Manifest":
        """``ValueError`` when ``text`` is not a manifest of this format."""
        data = json.loads(text)
        names = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not names >= data.keys():
            raise ValueError(f"not an Artify manifest of format {MANIFEST_FORMAT}")
        try:
            return cls(**data)
        except TypeError as error:  # a required field missing
            raise ValueError(f"incomplete Artify manifest: {error}") from None


def build_manifest(item: BatchItem, input_identity: str, parameters: BatchParameters, *, frames: int,
                   chunks: int, seconds: float, metrics: dict[str, Any] | None = None,
                   created: datetime | None = None) -> Manifest:
    return Manifest(
        input_uri=item.input_uri, input_identity=input_identity, output_uri=item.output_uri,
        parameters=parameters.to_dict(), parameters_hash=parameters.digest, model=parameters.model,
        model_version=parameters.model_version, frames=frames, chunks=chunks, seconds=round(seconds, 3),
        created=(created or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        packages=package_versions(), metrics=metrics)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape an output (None: not installed)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def read_manifest(uri: str) -> Manifest | None:
    """The manifest at ``uri``; None when there is none or it is unreadable as one
    (a scan then stylizes the video again rather than failing on it)."""
    try:
        return Manifest.from_json(read_bytes(uri))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        return None


def write_manifest(uri: str, manifest: Manifest) -> str:
    """Publishes ``manifest`` at ``uri`` atomically; call it after the output is published."""
    return publish_bytes(manifest.to_json().encode(), uri)


def is_current(manifest: Manifest | None, input_identity: str, parameters: BatchParameters, *,
               need_metrics: bool = False) -> bool:
    """Whether ``manifest`` describes an output of these input bytes and parameters
    (and carries metrics when they are wanted)."""
    return (manifest is not None and manifest.input_identity == input_identity
            and manifest.parameters_hash == parameters.digest
            and (manifest.metrics is not None or not need_metrics))


def up_to_date(item: BatchItem, input_identity: str, parameters: BatchParameters, *,
               need_metrics: bool = False) -> bool:
    """A current manifest and its output still there: the video can be skipped."""
    return (is_current(read_manifest(item.manifest_uri), input_identity, parameters, need_metrics=need_metrics)
            and exists(item.output_uri))


def _plain(value: Any) -> Any:
    """numpy scalars and arrays in metrics → JSON numbers and lists."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
