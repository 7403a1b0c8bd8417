"""Run parameters of Artify's deployments, typed so the Prefect UI draws a form.

``Literal`` fields become drop-downs; ``Field(title=, description=)`` label the
inputs. The field names are the flows' keyword arguments, so a flow can take
one of these models as its parameter, or the dict from ``model_dump()`` can be
passed to a flow with flat arguments (``deploy.py`` does the latter for the
scheduled deployment's fixed parameters).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

ModelName = Literal["arbitrary", "gatys", "segmented"]
Device = Literal["auto", "cpu", "cuda"]

_LOCATION = "a local path on the worker or an s3://BUCKET/KEY URI"


class StyleSettings(BaseModel):
    """How to stylize: shared by the one-video and the folder flows (whose
    models list their locations first, as the form shows them)."""

    model_config = ConfigDict(extra="forbid")

    style: list[str] = Field(
        title="Style",
        description=f"Style images, each {_LOCATION} (several are mixed), or one style video "
        "whose keyframes are scheduled over the content.",
        min_length=1,
    )
    model: ModelName = Field(
        "arbitrary",
        title="Model",
        description="arbitrary: fast feed-forward (Ghiasi et al.); gatys: per-frame optimisation "
        "with a temporal loss (Gatys, Ruder et al.), slow; segmented: subject and background "
        "stylized separately and merged.",
    )
    height: Optional[int] = Field(
        None,
        title="Output height (px)",
        description="Resize to this height, aspect ratio kept. Empty keeps the source size.",
        ge=16,
        le=4320,
    )
    strength: float = Field(
        1.0,
        title="Style strength",
        description="0 keeps the content's own look, 1 applies the full style.",
        ge=0.0,
        le=1.0,
    )
    chunk_frames: int = Field(
        100,
        title="Frames per chunk",
        description="The unit of caching, retries and parallelism.",
        ge=1,
        le=10_000,
    )
    smooth: bool = Field(
        True,
        title="Temporal smoothing",
        description="Flow-guided smoothing between frames against flicker.",
    )
    evaluate: bool = Field(
        False,
        title="Evaluate",
        description="Also compute the quality report (warping error, SSIM, style distance).",
    )
    device: Device = Field(
        "auto",
        title="Device",
        description="auto picks the worker's GPU when it has one.",
    )


class _VideoLocations(BaseModel):
    """What one run reads and writes."""

    content: str = Field(
        title="Content video",
        description=f"The video to stylize, {_LOCATION}.",
        min_length=1,
    )
    output: Optional[str] = Field(
        None,
        title="Output video",
        description=f"Where to publish the result, {_LOCATION}. "
        "Empty: <content name>.stylized.mp4 beside the content.",
    )


class StylizeVideoParams(StyleSettings, _VideoLocations):
    """Parameters of ``flows/stylize_video.py:stylize_video``."""


class _FolderLocations(BaseModel):
    """Where a scan looks and publishes."""

    source: str = Field(
        title="Source folder",
        description="Folder or s3://BUCKET/PREFIX watched for new videos.",
        min_length=1,
    )
    destination: str = Field(
        title="Destination folder",
        description="Folder or s3://BUCKET/PREFIX the stylized videos are published under, "
        "with the same relative names.",
        min_length=1,
    )


class StylizeFolderParams(StyleSettings, _FolderLocations):
    """Parameters of ``flows/stylize_folder.py:stylize_folder``: stylize every new
    video under ``source`` into the same relative name under ``destination``."""

    max_concurrent: int = Field(
        2,
        title="Videos at once",
        description="How many videos are stylized at the same time; 1 on a single GPU.",
        ge=1,
        le=16,
    )
