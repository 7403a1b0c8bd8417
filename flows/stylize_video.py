"""The ``stylize_video`` flow: a content video and a style in, a stylized video out.

probe → fingerprint → prepare style → chunks → stylize each chunk (cached on
content) → assemble with the original audio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect import flow

from artify_core.hashing import combine, file_digest, params_digest
from artify_core.pipeline.chunks import plan_chunks
from artify_core.pipeline.stylize import EncodeSettings
from artify_core.storage import default_store_uri
from tasks.models import ModelSpec
from tasks.progress import report_frames
from tasks.style import model_version, prepare_style
from tasks.stylize import missing_chunks, stylize_chunk_task
from tasks.video import assemble, fingerprint, probe


@dataclass(frozen=True)
class StylizeResult:
    output: str
    frames: int
    chunks: int
    chunks_cached: int


def default_output_path(content: str) -> str:
    """``<content name>.stylized.mp4`` beside the content."""
    path = Path(content)
    return str(path.with_name(f"{path.stem}.stylized.mp4"))


@flow(name="stylize-video", log_prints=True)
def stylize_video(
    content: str,
    style: list[str],
    output: str | None = None,
    model: str = "arbitrary",
    height: int | None = None,
    strength: float = 1.0,
    device: str = "auto",
    chunk_frames: int = 50,
    style_weights: list[float] | None = None,
    crf: int = 18,
    preset: str = "medium",
    store: str | None = None,
    allow_truncated: bool = False,
) -> StylizeResult:
    output = output or default_output_path(content)
    store_uri = store or default_store_uri()
    spec = ModelSpec(name=model, device=device)
    weights = style_weights or [1.0] * len(style)
    encode = EncodeSettings(crf=crf, preset=preset)

    info = probe(content, allow_truncated)
    content_digest = fingerprint(content)
    version = model_version(spec)
    style_key = combine(version, params_digest(weights), *(file_digest(p) for p in style))
    style_value = prepare_style(style, weights, spec, style_key)

    params = params_digest({"height": height, "strength": strength, "crf": crf, "preset": preset})
    chunks = plan_chunks(info.frames, chunk_frames)
    chunk_keys = [combine(content_digest, style_key, params, f"{c.start}-{c.end}") for c in chunks]
    missing = missing_chunks(store_uri, chunk_keys)
    cached = 0
    segments = []
    for chunk, chunk_key in zip(chunks, chunk_keys):
        task = stylize_chunk_task.with_options(refresh_cache=chunk_key in missing)
        state = task(info, chunk, style_value, spec, height, strength, encode, store_uri, chunk_key,
                     return_state=True)
        if state.name == "Cached":
            cached += 1
            report_frames(chunk.frames)
        segments.append(state.result())
    published = assemble(store_uri, segments, info, output)
    return StylizeResult(published, info.frames, len(chunks), cached)


if __name__ == "__main__":
    import sys

    media = Path(__file__).resolve().parents[1] / "examples"
    print(stylize_video(sys.argv[1] if len(sys.argv) > 1 else str(media / "clip.mp4"),
                        [sys.argv[2] if len(sys.argv) > 2 else str(media / "style.jpg")]))
