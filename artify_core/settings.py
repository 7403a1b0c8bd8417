"""Every option of a stylization run, defined once.

Each field carries its type, default, range or choices, title and description.
Everything else derives from these models: the ``artify stylize`` and
``artify batch`` flags (``artify_cli.options``), the flows' parameters and so
the Prefect run form (titles, descriptions, drop-downs), the manifests of
folder runs, and the digests in cache keys (``output_digest``).

Choices come from the registries (models, mask sources, flow estimators) or
from the one definition here (schedules, composite modes, x264 presets).
This module imports neither torch nor Prefect: the CLI validates a whole
request before either is loaded.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Iterator, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from artify_core.errors import InputError
from artify_core.foundation.hashing import params_digest
from artify_core.models import MODELS
from artify_core.video.encoders import ENCODERS
from artify_core.models.arbitrary.backends import BACKEND_CHOICES
from artify_core.models.gatys.spec import BACKBONES, DEFAULT_BACKBONE
from artify_core.segmentation.masks import mask_choices, mask_help, parse_mask_spec
from artify_core.segmentation.modes import COMPOSITE_MODE_HELP, CompositeMode, InpaintMethod
from artify_core.temporal.estimators import DEFAULT_FLOW, FLOW_ESTIMATORS
from artify_core.temporal.modes import DEFAULT_DETAIL, DEFAULT_METHOD, DEFAULT_STRENGTH, METHOD_HELP, TemporalMethod

# --- Metadata the CLI reads (never shown in the Prefect form) ------------------------------------


@dataclass(frozen=True)
class Cli:
    """How a field appears on the command line when ``--field-name`` will not do.

    ``flag``: the option string (``--out``), or None for a positional argument;
    ``metavar``: the placeholder in ``--help``.
    """

    flag: str | None = ""
    metavar: str | None = None


class Runtime:
    """Marks a field that does not shape the output's pixels (where and how a run
    happens): it is left out of ``output_digest`` and so of cache keys and manifests."""


class PlanKeyed:
    """Marks a field that shapes the pixels through the style plan (styles, schedules): the plan's
    key hashes it (``pipeline.keys.plan_key``), so ``output_digest`` leaves it out; never a
    model builder's option."""


class VersionKeyed:
    """Marks a model option whose effect on the pixels the model's version names (the backend that
    runs, which "auto" resolves per machine): a builder option, left out of ``output_digest`` so
    that naming the backend "auto" picks anyway shares its cache."""


RUNTIME = Runtime()
PLAN = PlanKeyed()
VERSION = VersionKeyed()
_LOCATION = "a local path on the worker or an s3://BUCKET/KEY URI"

ScheduleChoice = Literal["auto", "mix", "proportional", "scenes", "single"]
SCHEDULE_CHOICES: tuple[str, ...] = ScheduleChoice.__args__
X264Preset = Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                     "veryslow"]
Device = Literal["auto", "cpu", "cuda"]
ModelName = Literal[MODELS.names()]  # type: ignore[valid-type]
ArbitraryBackend = Literal[BACKEND_CHOICES]  # type: ignore[valid-type]
GatysBackbone = Literal[BACKBONES.names()]  # type: ignore[valid-type]
FlowName = Literal[FLOW_ESTIMATORS.names()]  # type: ignore[valid-type]
NO_STYLE = "none"
# The largest frame side the decoder is asked for: 8K UHD's height (and a 16:9 frame's width at it).
MAX_HEIGHT = 4320


def _form_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The JSON schema as Prefect's run form and its server should read it.

    * An optional value (``X | None``, default None) is described as a plain X that may be left
      out: Prefect's form draws ``anyOf [X, null]`` as a switch between X and "None", and a typed
      property without a default as a plain field; Prefect's validation (``preprocess_schema``)
      accepts null for a property that is not required and has no default, so requests dumped
      with their ``None`` values still pass. An optional choice keeps null among its values (the
      form lists only the strings). What pydantic validates (None included) is unchanged.
    * A request needs a style unless both layers have their own (``StylizeSettings._consistent``);
      said here too, the server refuses such a run (HTTP 409) before a worker sees it.
    """
    for prop in schema.get("properties", {}).values():
        members = prop.get("anyOf", [])
        if len(members) == 2 and {"type": "null"} in members and prop.get("default", ...) is None:
            plain = next(member for member in members if member != {"type": "null"})
            del prop["anyOf"], prop["default"]
            prop.update(plain)
            if "enum" in plain:
                prop["enum"] = [*plain["enum"], None]
    if issubclass(model, StylizeSettings):
        schema.update(copy.deepcopy(STYLE_RULE))


class OptionGroup(BaseModel):
    """Base of every settings model: unknown keys are refused (a typo is an error,
    not a silently ignored option) and values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_form_schema)

    def changed(self) -> dict[str, Any]:
        """The fields whose value differs from the default."""
        return {name: value for name, value in self if value != type(self).model_fields[name].get_default(
            call_default_factory=True)}


# --- Groups --------------------------------------------------------------------------------------


class ScheduleOptions(OptionGroup):
    """How several styles, or a style video's styles, spread over the content."""

    model_config = ConfigDict(title="Style schedule")

    schedule: Annotated[ScheduleChoice, Field(
        title="Schedule",
        description="How styles spread over time: a style video's timeline stretched over the content's "
                    "(proportional, its default), the next style at each content cut (scenes), one style "
                    "(single); several images are mixed into one style (mix, their default).")] = "auto"
    transition: Annotated[float, Field(
        title="Transition (s)", ge=0.0, le=600.0,
        description="Seconds over which one scheduled style blends into the next."), Cli(metavar="SECONDS")] = 1.0
    style_weights: Annotated[list[Annotated[float, Field(ge=0.0)]], Field(
        title="Style weights",
        description="One non-negative weight per style image when mixing them. Empty: equal weights."),
        Cli(flag="--style-weight", metavar="W")] = []


class SmoothingOptions(OptionGroup):
    """Flow-guided temporal smoothing against flicker."""

    model_config = ConfigDict(title="Temporal smoothing")

    smooth: Annotated[bool, Field(
        title="Smooth", description="Blend each output frame with its neighbours carried along the "
                                    "content's optical flow, where the flow is reliable; restarts at cuts.")] = True
    method: Annotated[TemporalMethod, Field(
        title="Temporal method",
        description="How frames are blended along the flow: "
                    + "; ".join(f"{name}: {text}" for name, text in METHOD_HELP.items()) + "."),
        Cli(flag="--smooth-method")] = DEFAULT_METHOD
    strength: Annotated[float, Field(
        title="Smoothing strength", ge=0.0, le=0.95,
        description="How much of the neighbouring outputs is carried along the flow (0 = none); higher "
                    "steadies more and costs texture."),
        Cli(flag="--smooth-strength", metavar="A")] = DEFAULT_STRENGTH
    detail: Annotated[float, Field(
        title="Texture restoration", ge=0.0, le=1.0,
        description="How much of the stylized frames' fine texture energy to restore after blending "
                    "(0 = none, 1 = all)."),
        Cli(flag="--smooth-detail", metavar="D")] = DEFAULT_DETAIL
    flow: Annotated[FlowName, Field(
        title="Optical flow",
        description="The flow smoothing follows: "
                    + " or ".join(FLOW_ESTIMATORS.entry(name).summary for name in FLOW_ESTIMATORS) + ".")] = DEFAULT_FLOW


class ArbitraryOptions(OptionGroup):
    """Options of the arbitrary model (ignored by the others)."""

    model_config = ConfigDict(title="Arbitrary model")

    feature_smoothing: Annotated[float, Field(
        title="Feature smoothing", ge=0.0, le=0.95,
        description="Within a shot, blend each frame's network features with the previous frame's carried "
                    "along the content's flow, so the same surface gets the same brush texture (0 = off; "
                    "0.5 on top of the output smoothing: about 20 % less flicker, 4-8 % more style "
                    "distance). Restarts at cuts."), Cli(metavar="A")] = 0.0
    backend: Annotated[ArbitraryBackend, Field(
        title="Backend",
        description="What runs the network: auto (on a CPU in fp32 the fastest installed: openvino, then "
                    "onnxruntime; torch on a GPU and in bf16), torch, openvino or onnxruntime (CPU, fp32). "
                    "Pixels can differ by a level between backends, so each has its own cache keys."),
        VERSION] = "auto"


class GatysOptions(OptionGroup):
    """Options of the gatys model (ignored by the others)."""

    model_config = ConfigDict(title="Gatys model")

    backbone: Annotated[GatysBackbone, Field(
        title="Feature network",
        description="; ".join(f"{name}: {BACKBONES.entry(name).summary}" for name in BACKBONES) + ".")] = DEFAULT_BACKBONE
    iterations: Annotated[int, Field(
        title="Iterations per frame", ge=1, le=10_000,
        description="Optimisation steps per frame (a shot's first frame gets twice as many)."),
        Cli(metavar="N")] = 100


class SegmentedOptions(OptionGroup):
    """Options of the segmented model: subject and background stylized apart and merged."""

    model_config = ConfigDict(title="Segmented model")

    fg_style: Annotated[list[str], Field(
        title="Foreground style",
        description=f"Style of the subject: images or a style video, each {_LOCATION}; 'none' keeps its "
                    "pixels. Empty: the main style."), Cli(metavar="IMAGE|VIDEO|none"), PLAN] = []
    bg_style: Annotated[list[str], Field(
        title="Background style",
        description="Style of the background, as the foreground's."), Cli(metavar="IMAGE|VIDEO|none"), PLAN] = []
    fg_schedule: Annotated[Optional[ScheduleChoice], Field(
        title="Foreground schedule",
        description="How the foreground's styles spread over time (as Schedule). Empty: the run's "
                    "schedule."), PLAN] = None
    bg_schedule: Annotated[Optional[ScheduleChoice], Field(
        title="Background schedule", description="As the foreground's, for the background."), PLAN] = None
    fg_transition: Annotated[Optional[float], Field(
        title="Foreground transition (s)", ge=0.0, le=600.0,
        description="Seconds over which the foreground's styles blend. Empty: the run's transition."),
        Cli(metavar="SECONDS"), PLAN] = None
    bg_transition: Annotated[Optional[float], Field(
        title="Background transition (s)", ge=0.0, le=600.0,
        description="As the foreground's, for the background."), Cli(metavar="SECONDS"), PLAN] = None
    mask: Annotated[str, Field(
        title="Mask source",
        description=f"Where the subject's masks come from: {mask_help()}."),
        Cli(metavar="|".join(mask_choices()))] = "motion"
    composite: Annotated[CompositeMode, Field(
        title="Composite", description="How the layers meet: " + "; ".join(
            f"{mode}: {text}" for mode, text in COMPOSITE_MODE_HELP.items()) + ".")] = "feather"
    feather_radius: Annotated[int, Field(
        title="Feather radius (px)", ge=0, le=256, description="Cross-fade at the edge, in pixels."),
        Cli(metavar="PX")] = 8
    inpaint_method: Annotated[InpaintMethod, Field(
        title="Inpainting", description="Composite inpaint: the classical fill where no frame of the shot "
                                        "showed the background (OpenCV's Telea or Navier–Stokes).")] = "telea"
    temporal_inpaint: Annotated[bool, Field(
        title="Fill from other frames", description="Composite inpaint: fill the background's hole from "
                                                    "earlier frames of the shot (a background plate that "
                                                    "follows the camera); off: the classical fill "
                                                    "only.")] = True
    inpaint_foreground: Annotated[bool, Field(
        title="Inpaint around the subject", description="Composite inpaint: also fill the foreground layer's "
                                                        "surroundings (measured rougher and less steady).")] = False
    crop_smoothing: Annotated[float, Field(
        title="Crop steadiness", ge=0.0, le=0.99,
        description="Composite resize: how steady the crop box is along a shot (0.8 is about 9 frames; 0: "
                    "each frame's own box)."), Cli(metavar="A")] = 0.8

    def layer_schedule(self, layer: str, run: ScheduleOptions) -> ScheduleOptions:
        """The schedule of layer "fg" or "bg": its own choice and transition where given, else the run's."""
        choice, transition = getattr(self, f"{layer}_schedule"), getattr(self, f"{layer}_transition")
        return run.model_copy(update={"schedule": choice or run.schedule,
                                      "transition": run.transition if transition is None else transition})

    @field_validator("mask")
    @classmethod
    def _known_mask(cls, mask: str) -> str:
        try:
            parse_mask_spec(mask)
        except InputError:
            raise ValueError(f"use one of {', '.join(mask_choices())}") from None
        return mask


class EncodingOptions(OptionGroup):
    """How the output is encoded (H.264, yuv420p)."""

    model_config = ConfigDict(title="Encoding")

    crf: Annotated[int, Field(title="Quality (CRF)", ge=0, le=51,
                              description="x264 constant rate factor: lower is better and larger.")] = 18
    preset: Annotated[X264Preset, Field(title="x264 preset",
                                        description="Encoding speed against file size.")] = "medium"
    encoder: Annotated[Literal[("auto", *ENCODERS)], Field(  # type: ignore[valid-type]
        title="Encoder",
        description="H.264 encoder: x264 on the CPU, or NVENC on an NVIDIA GPU (quality and preset mapped to "
                    "its own). auto: NVENC when the run computes on CUDA and the GPU's encoder opens.")] = "auto"


class ExecutionOptions(OptionGroup):
    """Where and how the work runs; none of it changes the output."""

    model_config = ConfigDict(title="Execution")

    device: Annotated[Device, Field(title="Device", description="auto picks the worker's GPU when it has "
                                                                "one."), RUNTIME] = "auto"
    chunk_frames: Annotated[int, Field(
        title="Frames per chunk", ge=1, le=100_000,
        description="The unit of caching, retries and parallel work; each chunk pays a seek and a few "
                    "warm-up frames."), Cli(metavar="N"), RUNTIME] = 100
    store: Annotated[str, Field(
        title="Artifact store", description="Directory or s3://BUCKET/PREFIX for chunks and caches. Empty: "
                                            "$ARTIFY_STORE, else ~/.cache/artify/store."),
        Cli(metavar="DIR|s3://..."), RUNTIME] = ""
    workers: Annotated[int, Field(
        title="Dask workers", ge=0, le=256,
        description="Stylize chunks on a local Dask cluster of N worker processes (one per GPU with "
                    "dask-cuda); 0 runs them in the flow's process."), Cli(metavar="N"), RUNTIME] = 0
    dask_address: Annotated[str, Field(
        title="Dask scheduler", pattern=r"^$|^(tcp|tls|ucx|inproc)://\S+$",
        description="An existing Dask scheduler whose workers stylize the chunks (tcp://HOST:8786). Empty: "
                    "none."), Cli(metavar="tcp://HOST:8786"), RUNTIME] = ""
    allow_truncated: Annotated[bool, Field(
        title="Allow truncated input", description="Stylize the decodable part of a video cut mid-stream "
                                                   "instead of refusing it."), RUNTIME] = False
    memory_budget: Annotated[Optional[int], Field(
        title="Memory budget (MiB)", ge=256, le=1_048_576,
        description="Working memory of the arbitrary model: frames per pass follow from it, and frames too "
                    "large for one pass are stylized in tiles (whole-frame statistics, so no seams). Empty: "
                    "1024 on CPU, 6144 on a GPU."), Cli(metavar="MIB"), RUNTIME] = None


# --- Requests ------------------------------------------------------------------------------------


def _group(model: type[OptionGroup]) -> FieldInfo:
    """A group of options shown as one titled section of the form (its model's title and docstring)."""
    return Field(title=model.model_config["title"], description=(model.__doc__ or "").strip())



# Both layers given their own style (``segmented.fg_style`` and ``segmented.bg_style``).
_BOTH_LAYERS = {"required": ["segmented"], "properties": {"segmented": {
    "required": ["fg_style", "bg_style"], "properties": {"fg_style": {"minItems": 1}, "bg_style": {"minItems": 1}}}}}
# Unless both layers have a style, the main style is required; when both have, the model is segmented.
STYLE_RULE = {"if": {"not": _BOTH_LAYERS},
              "then": {"required": ["style"], "properties": {"style": {"minItems": 1}}},
              "else": {"required": ["model"], "properties": {"model": {"const": "segmented"}}}}


class StylizeSettings(OptionGroup):
    """How to stylize: shared by one video (``VideoRequest``) and a folder (``FolderRequest``)."""

    style: Annotated[list[str], Field(
        title="Style", description=f"Style images, each {_LOCATION} (several are mixed or scheduled), or "
                                   "one style video whose styles are scheduled over the content. Required, "
                                   "unless the segmented model has both a foreground and a background "
                                   "style."),
        Cli(metavar="IMAGE|VIDEO"), PLAN] = []
    model: Annotated[ModelName, Field(
        title="Model", description="arbitrary: fast feed-forward (Ghiasi et al.); gatys: per-frame "
                                   "optimisation with a temporal loss, slow; segmented: subject and "
                                   "background stylized separately and merged.")] = "arbitrary"
    strength: Annotated[float, Field(
        title="Style strength", ge=0.0, le=1.0,
        description="0 keeps the content's own look, 1 applies the full style.")] = 1.0
    height: Annotated[Optional[int], Field(
        title="Output height (px)", ge=16, le=MAX_HEIGHT,
        description="Resize to this height, aspect ratio kept (even width). Empty keeps the source "
                    "size."), Cli(metavar="PX")] = None
    style_scale: Annotated[Optional[float], Field(
        title="Style scale", ge=0.25, le=4.0,
        description="Brush-stroke size relative to the frame, whatever the output size: 1 paints the "
                    "model's strokes on a 720-line frame, 2 strokes twice as large. Empty: strokes follow the "
                    "output's resolution."), Cli(metavar="X")] = None
    evaluate: Annotated[bool, Field(
        title="Evaluate", description="Also measure the result (warping error, SSIM, style distance) and "
                                      "write a report."), RUNTIME] = False
    schedule: Annotated[ScheduleOptions, _group(ScheduleOptions)] = ScheduleOptions()
    smoothing: Annotated[SmoothingOptions, _group(SmoothingOptions)] = SmoothingOptions()
    arbitrary: Annotated[ArbitraryOptions, _group(ArbitraryOptions)] = ArbitraryOptions()
    gatys: Annotated[GatysOptions, _group(GatysOptions)] = GatysOptions()
    segmented: Annotated[SegmentedOptions, _group(SegmentedOptions)] = SegmentedOptions()
    encoding: Annotated[EncodingOptions, _group(EncodingOptions)] = EncodingOptions()
    execution: Annotated[ExecutionOptions, _group(ExecutionOptions)] = ExecutionOptions()

    @model_validator(mode="after")
    def _consistent(self) -> "StylizeSettings":
        layered = bool(self.segmented.fg_style or self.segmented.bg_style)
        if layered and self.model != "segmented":
            raise _rule("{option} needs {model} segmented, not " + self.model,
                        option="segmented.fg_style" if self.segmented.fg_style else "segmented.bg_style",
                        model="model")
        if not self.style and not (self.segmented.fg_style and self.segmented.bg_style):
            raise _rule("{style}: give a style (or, with {model} segmented, both {fg} and {bg})",
                        style="style", model="model", fg="segmented.fg_style", bg="segmented.bg_style")
        weights = self.schedule.style_weights
        if weights and (len(weights) != len(self.style) or sum(weights) <= 0):
            raise _rule(f"{{weights}}: give one non-negative weight per {{style}} ({len(self.style)}) with a "
                        f"positive sum; got {' '.join(f'{w:g}' for w in weights)}",
                        weights="schedule.style_weights", style="style")
        for model in MODEL_GROUPS:
            changed = getattr(self, model).changed()
            if changed and model != self.model:
                raise _rule(f"{{option}} belongs to {{model}} {model}, not {self.model}",
                            option=f"{model}.{next(iter(changed))}", model="model")
        if self.execution.workers and self.execution.dask_address:
            raise _rule("choose {workers} or {address}, not both", workers="execution.workers",
                        address="execution.dask_address")
        return self

    @property
    def model_options(self) -> dict[str, Any]:
        """The chosen model's builder options (its group's fields that are builder keywords)."""
        if self.model not in MODEL_GROUPS:
            return {}
        group = getattr(self, self.model)
        return {name: value for name, value in group if not _is_runtime(type(group).model_fields[name])}

    def layer_styles(self) -> dict[str, list[str]]:
        """The style paths of each layer a run stylizes: ``style``, or ``fg`` and ``bg`` (each its
        own or the main style) when a layer has a style of its own."""
        fg, bg = self.segmented.fg_style, self.segmented.bg_style
        if not fg and not bg:
            return {"style": self.style}
        return {"fg": fg or self.style, "bg": bg or self.style}

    def output_digest(self) -> str:
        """sha256 of every setting that shapes the output's pixels, as canonical JSON. Styles,
        schedules, devices and locations are keyed elsewhere (by content) or do not matter."""
        return params_digest(output_fields(self))


class _VideoLocations(OptionGroup):
    content: Annotated[str, Field(title="Content video", min_length=1,
                                  description=f"The video to stylize, {_LOCATION}."),
                       Cli(flag=None), RUNTIME]
    output: Annotated[str, Field(
        title="Output video", description=f"Where to publish the result, {_LOCATION}. Empty: "
                                          "NAME.stylized.mp4 beside the content NAME.mp4."),
        Cli(flag="--out", metavar="OUT"), RUNTIME] = ""


class VideoRequest(StylizeSettings, _VideoLocations):
    """One stylization run: ``flows/stylize_video.py:stylize_video``. (Bases in this order put
    the locations first in the form and in ``--help``.)"""

    model_config = ConfigDict(title="Stylize a video")

    start: Annotated[str, Field(
        title="Excerpt start", description="Stylize only from this time: seconds or HH:MM:SS.mmm (the first "
                                           "frame shown at or after it). Empty: the beginning."),
        Cli(metavar="TIME"), RUNTIME] = ""
    duration: Annotated[str, Field(
        title="Excerpt duration", description="Stylize only this long from the start: seconds or HH:MM:SS.mmm. "
                                              "Empty: to the end."), Cli(metavar="TIME"), RUNTIME] = ""

    @field_validator("start", "duration")
    @classmethod
    def _a_time(cls, text: str) -> str:
        if text:
            from artify_core.video.timing import parse_time

            try:
                parse_time(text)
            except InputError as error:  # "time '1:xx': not a time; give …" → the reason alone
                raise ValueError(str(error).split(": ", 1)[-1]) from None
        return text

    report: Annotated[str, Field(
        title="Report folder", description="Where Evaluate writes its report. Empty: NAME.stylized.report "
                                           "beside a local output NAME.stylized.mp4."),
        Cli(metavar="DIR"), RUNTIME] = ""

    def settings(self) -> StylizeSettings:
        """The stylization settings alone."""
        return StylizeSettings.model_validate(self.model_dump(include=set(StylizeSettings.model_fields)))


class _FolderLocations(OptionGroup):
    source: Annotated[str, Field(title="Source folder", min_length=1,
                                 description="Folder or s3://BUCKET/PREFIX holding the videos (searched "
                                             "recursively)."), Cli(flag=None), RUNTIME]
    destination: Annotated[str, Field(
        title="Destination folder", min_length=1,
        description="Folder or s3://BUCKET/PREFIX the stylized videos are published under, with the same "
                    "relative names."), Cli(flag=None), RUNTIME]


class FolderRequest(StylizeSettings, _FolderLocations):
    """Every video under a folder or prefix: ``flows/stylize_folder.py:stylize_folder``."""

    model_config = ConfigDict(title="Stylize a folder")

    max_concurrent: Annotated[int, Field(
        title="Videos at once", ge=1, le=16,
        description="How many videos are stylized at the same time; 1 on a single GPU."),
        Cli(metavar="N"), RUNTIME] = 2
    retry_failed: Annotated[bool, Field(
        title="Retry failed videos", description="Try again videos whose last run failed for a reason of "
                                                 "their own (corrupt, unsupported) although they have not "
                                                 "changed."), RUNTIME] = False

    def settings(self) -> StylizeSettings:
        """The stylization settings alone, as each video's run takes them."""
        return StylizeSettings.model_validate(self.model_dump(include=set(StylizeSettings.model_fields)))


class PreviewRequest(StylizeSettings):
    """A few frames per style, stylized as the full run would: ``flows/preview.py:preview``."""

    model_config = ConfigDict(title="Preview styles")

    content: Annotated[str, Field(title="Content video", min_length=1,
                                  description=f"The video to preview, {_LOCATION}."),
                       Cli(flag=None), RUNTIME]
    at: Annotated[list[str], Field(
        title="Times", max_length=8,
        description="Times to show, seconds or HH:MM:SS.mmm (at most 8). Empty: 25 %, 50 % and 75 % of the "
                    "video."), Cli(metavar="TIME"), RUNTIME] = []
    output: Annotated[str, Field(
        title="Sheet", description="Where the sheet is written (.jpg or .png). Empty: NAME.preview.jpg beside "
                                   "the content NAME.mp4 (in the scratch folder for an s3:// content)."),
        Cli(flag="--out", metavar="SHEET"), RUNTIME] = ""

    @field_validator("at")
    @classmethod
    def _times(cls, times: list[str]) -> list[str]:
        for text in times:
            VideoRequest._a_time(text)
        return times


# Options of a preview: what it shows and what shapes the pixels as the full run would.
PREVIEW_OPTIONS = {"content", "style", "at", "output", "model", "strength", "height", "style_scale",
                   "smoothing.smooth", "smoothing.method", "smoothing.strength", "smoothing.detail", "smoothing.flow",
                   "execution.device",
                   "execution.memory_budget"}


# Groups named after the model they configure: their fields are that model's builder options.
MODEL_GROUPS: tuple[str, ...] = tuple(name for name in ("arbitrary", "gatys", "segmented") if name in MODELS)


# --- Walking fields ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """One option: its path in the nested model (``("smoothing", "strength")``) and definition."""

    path: tuple[str, ...]
    field: FieldInfo
    group: type[BaseModel]

    @property
    def cli(self) -> Cli:
        return next((m for m in self.field.metadata if isinstance(m, Cli)), Cli())

    @property
    def flag(self) -> str | None:
        """``--smooth-strength``; None for a positional argument."""
        flag = self.cli.flag
        return "--" + self.path[-1].replace("_", "-") if flag == "" else flag

    @property
    def label(self) -> str:
        """How a message names the option: its flag or, for a positional argument, its name."""
        return self.flag or self.path[-1].upper()


def leaves(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[Leaf]:
    """Every option of ``model``, groups expanded, in field order."""
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, OptionGroup):
            yield from leaves(annotation, (*prefix, name))
        else:
            yield Leaf((*prefix, name), info, model)


def _is_runtime(info: FieldInfo) -> bool:
    """Not part of ``output_digest`` and not a model option: runtime, or keyed by the style plan."""
    return any(isinstance(m, (Runtime, PlanKeyed)) for m in info.metadata)


def output_fields(settings: StylizeSettings) -> dict[str, Any]:
    """The settings that shape the output's pixels: non-runtime fields of the request and its
    groups, the other models' groups left out."""
    data: dict[str, Any] = {}
    for leaf in leaves(StylizeSettings):
        group = leaf.path[0] if len(leaf.path) > 1 else None
        if _is_runtime(leaf.field) or group == "schedule" or (group in MODEL_GROUPS and group != settings.model):
            continue
        if any(isinstance(m, VersionKeyed) for m in leaf.field.metadata):
            continue  # in the model's version, resolved
        value: Any = settings
        for part in leaf.path:
            value = getattr(value, part)
        if group == "smoothing" and not settings.smoothing.smooth and leaf.path[-1] != "smooth":
            continue  # smoothing off: its other settings change nothing
        data[".".join(leaf.path)] = value
    return data


# --- Errors users can act on ---------------------------------------------------------------------


def validation_message(error: ValidationError, model: type[BaseModel],
                       name_of: Any = None) -> str:
    """One line for the first problem: the option as the user knows it (``name_of(leaf)``: a CLI
    flag; default: its title), the value, and what is allowed."""
    problem = error.errors(include_url=False)[0]
    if problem["type"] == "settings_rule":
        return _rule_message(problem, model, name_of)
    location = tuple(str(part) for part in problem["loc"] if not isinstance(part, int))
    leaf = _leaf_at(model, location)
    if leaf is None:  # a model-level rule: its message already names the options
        return re.sub(r"^Value error, ", "", problem["msg"])
    label = name_of(leaf) if name_of is not None else leaf.field.title or ".".join(leaf.path)
    value = problem.get("input")
    shown = "" if isinstance(value, (dict, BaseModel)) else f" {_shown(value)}"
    return f"{label}{shown}: {_allowed(leaf, problem)}"


def _rule(template: str, **options: str) -> PydanticCustomError:
    """A rule across fields; ``{name}`` placeholders are option paths, named as the user knows
    them (a flag, a form title) when the message is shown."""
    return PydanticCustomError("settings_rule", template, {"options": options})


def _rule_message(problem: dict[str, Any], model: type[BaseModel], name_of: Any) -> str:
    names = {}
    for placeholder, path in problem["ctx"]["options"].items():
        leaf = _leaf_at(model, tuple(path.split(".")))
        names[placeholder] = (name_of(leaf) if name_of else leaf.field.title) if leaf else path
    template = problem["ctx"].get("template") or problem["msg"]
    return template.format(**names)


def _leaf_at(model: type[BaseModel], location: tuple[str, ...]) -> Leaf | None:
    for leaf in leaves(model):
        if location[:len(leaf.path)] == leaf.path:
            return leaf
    return None


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def _allowed(leaf: Leaf, problem: dict[str, Any]) -> str:
    bounds = {type(m).__name__: m for m in leaf.field.metadata}
    low, high = bounds.get("Ge"), bounds.get("Le")
    if problem["type"] in ("greater_than_equal", "less_than_equal", "greater_than", "less_than") \
            and low is not None and high is not None:
        return f"must be between {low.ge:g} and {high.le:g}"
    if problem["type"] == "literal_error":
        return "choose from " + problem["ctx"]["expected"].replace("'", "")
    if problem["type"] == "string_pattern_mismatch":
        return f"expected the form {leaf.cli.metavar or problem['ctx']['pattern']}"
    if problem["type"] == "extra_forbidden":
        return "not an option here"
    return re.sub(r"^Value error, ", "", problem["msg"]).rstrip(".").replace("Input should", "must")


def parse_request(model: type[OptionGroup], data: dict[str, Any], name_of: Any = None) -> Any:
    """``model.model_validate(data)``, a ``ValidationError`` turned into one ``InputError`` line."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError(validation_message(error, model, name_of)) from None


def canonical_json(settings: BaseModel) -> str:
    """The settings as sorted JSON: what manifests record and digests hash."""
    return json.dumps(settings.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
