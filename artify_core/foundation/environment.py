"""Every ``ARTIFY_*`` environment variable, defined once.

``ArtifyEnvironment`` is read fresh on each call of ``environment()`` (a test or a
worker may change the environment between runs); ``WatchEnvironment`` holds the
scheduled folder scan's fixed parameters, which ``deployments/deploy.py`` reads.
Empty variables count as unset. Options of a run are not here: they live in
``artify_core.settings`` and reach a run as flags, form fields or parameters.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "ARTIFY_"


class ArtifyEnvironment(BaseSettings):
    """Where Artify keeps things and finds its tools and weights on this machine."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True)

    cache: Path = Field(Path("~/.cache/artify"), description="Home of the store, scratch space and locks.")
    store: str = Field("", description="The artifact store (a directory or s3://BUCKET/PREFIX); empty: CACHE/store.")
    scratch: Path | None = Field(None, description="Downloads and outputs on their way to object storage; "
                                                   "empty: CACHE/scratch.")
    weights_dir: Path | None = Field(None, description="A directory of weight files for air-gapped machines; "
                                                       "empty: torch's checkpoint cache.")
    arbitrary_weights_dir: Path | None = Field(None, description="The directory holding the arbitrary model's two "
                                                                 "ONNX files (searched alone when set).")
    vgg19_weights: Path | None = Field(None, description="torchvision's VGG19 file for the gatys model.")
    deeplab_weights: Path | None = Field(None, description="torchvision's segmentation weights for --mask deeplab.")
    raft_weights: Path | None = Field(None, description="torchvision's RAFT weights for --flow raft.")
    s3_public_endpoint_url: str = Field("", description="Where browsers reach the S3 store, when that differs from "
                                                        "the workers' AWS_ENDPOINT_URL (signed links).")
    server_idle_minutes: float = Field(10.0, gt=0, description="The local Prefect server that artify commands share "
                                                              "(when no PREFECT_API_URL is configured) stops after "
                                                              "this long without a command.")
    allowed_roots: str = Field("", description="Directories under which runs from a deployment (the Prefect UI, "
                                               "the API) may read and write local paths, comma-separated; empty: "
                                               "s3:// URIs only. The CLI is not confined.")

    @property
    def cache_home(self) -> Path:
        return self.cache.expanduser()

    @property
    def roots(self) -> list[Path]:
        """``allowed_roots`` as absolute paths."""
        return [Path(root.strip()).expanduser().absolute() for root in self.allowed_roots.split(",") if root.strip()]


class WatchEnvironment(BaseSettings):
    """The scheduled folder scan (``deployments/deploy.py``): what it watches, with which styles, when."""

    model_config = SettingsConfigDict(env_prefix=PREFIX + "WATCH_", env_ignore_empty=True, extra="ignore",
                                      frozen=True)

    source: str = Field("", description="Folder or s3://BUCKET/PREFIX scanned for new videos.")
    destination: str = Field("", description="Where their stylized versions are published.")
    style: str = Field("", description="Style images, comma-separated.")
    cron: str = Field("*/15 * * * *", description="When the scan runs (cron syntax).")
    timezone: str = Field("UTC", description="The time zone of the cron schedule.")

    @property
    def styles(self) -> list[str]:
        return [s.strip() for s in self.style.split(",") if s.strip()]


def environment() -> ArtifyEnvironment:
    """The ``ARTIFY_*`` variables as they are now."""
    return ArtifyEnvironment()


def variable(field: str, model: type[BaseSettings] = ArtifyEnvironment) -> str:
    """The environment variable behind a field: ``variable("vgg19_weights")`` → ``ARTIFY_VGG19_WEIGHTS``."""
    if field not in model.model_fields:
        raise KeyError(f"{model.__name__} has no field {field!r}")
    return (model.model_config.get("env_prefix") or "") + field.upper()
