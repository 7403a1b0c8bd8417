"""Storing a keyframe set as a directory: ``keyframes.json``, ``style_NNN.png`` and
``contact_sheet.png``.

``keyframes.json``::

    {"video": "...", "fps": "25/1", "frames": 300,
     "segments": [{"start_frame": 0, "end_frame": 75, "start": 0.0, "end": 3.0, "style": 0}, ...],
     "styles": [{"id": 0, "keyframe_frame": 37, "image": "style_000.png", "embedding": [100 floats]}, ...]}

``end_frame`` is exclusive; segments are in time order and cover every frame.
The set is written into a temporary sibling directory and moved into place,
so a failure never leaves a half-written set under the final name.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from artify_core.errors import InputError, OutputError
from artify_core.images import load_image, save_image
from artify_core.keyframes.contact_sheet import render_contact_sheet
from artify_core.keyframes.keyframe_set import KeyframeSet, KeyframeStyle, StyleSegment

KEYFRAMES_JSON = "keyframes.json"
CONTACT_SHEET = "contact_sheet.png"


def save_keyframes(keyframes: KeyframeSet, directory: str | Path) -> Path:
    """Writes the set to ``directory`` (replacing a previous set there); returns its JSON path."""
    directory = Path(directory)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    except OSError as exc:
        raise OutputError(f"{directory}: cannot create the keyframe directory ({exc}); "
                          f"check that its parent is writable") from exc
    try:
        _write_set(keyframes, staging)
        _move_into_place(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory / KEYFRAMES_JSON


def load_keyframes(directory: str | Path) -> KeyframeSet:
    """Reads a set written by ``save_keyframes``; raises ``InputError`` naming what is wrong."""
    path = Path(directory) / KEYFRAMES_JSON
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no keyframe set here; extract one with extract_keyframes first") from exc
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable keyframe set ({exc})") from exc
    try:
        return _from_json(data, Path(directory))
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise InputError(f"{path}: does not follow the keyframes.json format ({exc.__class__.__name__}: {exc})") from exc


def to_json(keyframes: KeyframeSet) -> dict[str, Any]:
    """The ``keyframes.json`` document of a set."""
    return {
        "video": keyframes.video,
        "fps": f"{keyframes.fps.numerator}/{keyframes.fps.denominator}",
        "frames": keyframes.frames,
        "segments": [
            {"start_frame": s.start_frame, "end_frame": s.end_frame,
             "start": keyframes.seconds(s.start_frame), "end": keyframes.seconds(s.end_frame), "style": s.style}
            for s in keyframes.segments
        ],
        "styles": [
            {"id": s.id, "keyframe_frame": s.keyframe_frame, "image": s.image,
             "embedding": [float(v) for v in np.asarray(s.embedding, np.float32)]}
            for s in keyframes.styles
        ],
    }


def _from_json(data: dict[str, Any], directory: Path) -> KeyframeSet:
    segments = tuple(StyleSegment(int(s["start_frame"]), int(s["end_frame"]), int(s["style"]))
                     for s in data["segments"])
    styles = []
    for s in data["styles"]:
        image = str(s["image"])
        if Path(image).name != image:
            raise ValueError(f"style image {image!r} must be a file name inside the set's directory")
        styles.append(KeyframeStyle(int(s["id"]), int(s["keyframe_frame"]), image,
                                    load_image(directory / image), np.asarray(s["embedding"], np.float32)))
    return KeyframeSet(str(data["video"]), Fraction(data["fps"]), int(data["frames"]), segments, tuple(styles))


def _write_set(keyframes: KeyframeSet, staging: Path) -> None:
    try:
        for style in keyframes.styles:
            save_image(np.asarray(style.pixels, np.uint8), staging / style.image)
        render_contact_sheet(keyframes).save(staging / CONTACT_SHEET)
        (staging / KEYFRAMES_JSON).write_text(json.dumps(to_json(keyframes), indent=1))
    except OSError as exc:
        raise OutputError(f"{staging}: cannot write the keyframe set ({exc})") from exc


def _move_into_place(staging: Path, directory: Path) -> None:
    # A directory cannot be replaced atomically while it has contents: the old set is
    # renamed aside first, so at every moment the final name holds a complete set or
    # nothing at all.
    retired = None
    try:
        if directory.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{directory.name}.old.", dir=directory.parent))
            os.replace(directory, retired / directory.name)
        os.replace(staging, directory)
    except OSError as exc:
        if retired is not None and not directory.exists():
            os.replace(retired / directory.name, directory)  # put the previous set back
        raise OutputError(f"{directory}: cannot move the new keyframe set into place ({exc})") from exc
    finally:
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
