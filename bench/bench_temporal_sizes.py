"""The temporal smoother at every frame size: which scale-dependent choices, measured, and the
default against ``--no-smooth`` through the whole pipeline, before and after; writes docs/temporal.md.

Clips: ``bench/make_temporal_clips.py`` (176×144 to 1920×1080, a dissolve clip, generated fast
motion; made on first use). Style: starrynight.jpg, arbitrary model, CPU.

1. ``sweep``: each clip is stylized once per frame (as the pipeline does with ``--no-smooth``; the
   model's outputs cached under ``--out``); smoother variants run over those same frames, and each
   result is encoded (crf 18, as the pipeline does) and scored by ``artify_core.metrics.evaluate_video``.
   The evaluation's content flows (DIS "medium", full resolution) are cached on disk by frame content,
   so each clip's flows are estimated once for all variants (the same numbers: the same estimator on
   the same frames).
2. ``pipeline``: ``artify stylize``'s flow (``flows.stylize_video``) with the default smoothing and
   with ``--no-smooth``, for this tree ("after") and for ``--before`` (a git revision, checked out
   into a temporary directory and run in a subprocess: "before"), each evaluated once with every
   frame pair measured, from which three warping-error ratios come:

   * ``ratio``: the project's evaluator, pairs across the content's cuts (``detect_video_cuts``:
     hard cuts and dissolves) left out, as ``artify evaluate`` does;
   * ``incl. missed cuts``: only pairs across the hard cuts a strict detector finds left out
     (``strict_hard_cuts``: the mean luma change over 30 levels and 4× its neighbours'), so
     frames across any cut the project's detector would miss count;
   * ``every pair``: nothing left out (what an evaluation that knows no cuts reports).

3. ``speed``: smoothing alone at 720p (bigbuckbunny_720p, stylized frames given, streamed as a chunk
   feeds it: ``bench_temporal.py`` part 3's measure), ``--before``'s smoother and this tree's in
   alternating subprocesses, three of each; the ratio of the medians.
4. ``docs``: the tables of parts 1–3 (from their JSON under ``--out``) into docs/temporal.md, and
   pictures of the smallest and the largest clip (``--no-smooth`` above default) into docs/images/.

    python bench/bench_temporal_sizes.py [--parts sweep pipeline speed docs] [--clips phone176 ...]
                                         [--before REV] [--out bench-out/temporal-sizes]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
SHARED = REPO.parent / "shared" / "media"
STYLE = SHARED / "style" / "starrynight.jpg"
# The revision the change is measured against: main when this study began.
BEFORE = "8200d43"

STABLE = "perfectly stable stylization"
# The smoother's settings before this study (8200d43): the flow at most 288 lines, never upsampled;
# the restoration's band 2 px at every size and its gain per 16-pixel block; carried content compared
# pixel by pixel; the strength whole wherever the masks trust the flow, nothing beyond; one strength
# (0.7) for every size.
BEFORE_SETTINGS = dict(flow_min_height=0, detail_band=2, photometric_range=False, graded=False, size_strength=False,
                       strength=0.7, energy_block=16)
# The first pass of this study (stop 31's default): strength 0.7, its memory growing as sqrt(288 / height)
# below 288 lines (0.788 at 144), the gain per 16-pixel block.
FIRST_PASS = dict(strength=0.7, energy_block=16, size_memory_power=0.5)
# (label, SmoothingSettings keywords) smoothed over the same per-frame frames; None: those frames.
VARIANTS: dict[str, dict | None] = {
    "no-smooth": None,
    STABLE: None,  # pan360 only
    "before": BEFORE_SETTINGS,
    "before, no photometric check": dict(BEFORE_SETTINGS, photometric=0.0),
    "before, flow >= 288 lines": dict(BEFORE_SETTINGS, flow_min_height=288),
    "before, flow >= 432 lines": dict(BEFORE_SETTINGS, flow_min_height=432),
    "before, photometric range": dict(BEFORE_SETTINGS, photometric_range=True),
    "before, graded trust": dict(BEFORE_SETTINGS, graded=True),
    "before, strength 0.8": dict(BEFORE_SETTINGS, strength=0.8),
    "before, band by stroke size": dict(BEFORE_SETTINGS, detail_band=None),
    "first pass": FIRST_PASS,
    "first pass, one strength": dict(FIRST_PASS, size_strength=False),
    "first pass, strength 0.8": dict(FIRST_PASS, size_strength=False, strength=0.8),
    "first pass, graded falloff 2": dict(FIRST_PASS, graded=2.0),
    "first pass, 4-px blocks": dict(FIRST_PASS, energy_block=4),
    "first pass, 4-px blocks, strength 0.65": dict(FIRST_PASS, energy_block=4, strength=0.65),
    "default": {},
    "default, strength 0.7": dict(strength=0.7),
    "default, 16-px blocks": dict(energy_block=16),
    "default, one strength": dict(size_strength=False),
    "default, flow at most 432 lines": dict(flow_height=432),
    "default, band 2 px": dict(detail_band=2),
    "default, detail 0.5": dict(detail=0.5),
}


def clip_path(name: str, out: Path) -> Path:
    from make_temporal_clips import make_clip

    folder = out.parent / "temporal-clips"
    folder.mkdir(parents=True, exist_ok=True)
    return make_clip(name, folder)


def per_frame_outputs(name: str, clip: Path, out: Path, style_scale: float | None = None):
    """(content, stylized): RGB uint8 (N, H, W, 3), the model's outputs as the pipeline makes them
    with ``--no-smooth`` (``iter_stylized`` without smoothing), cached under ``out``."""
    from artify_core.images import load_image
    from artify_core.keyframes.schedule import single_schedule
    from artify_core.models import StyleImage, load_model
    from artify_core.pipeline.chunks import Chunk
    from artify_core.pipeline.recipe import ChunkRecipe
    from artify_core.pipeline.stylize import iter_stylized
    from artify_core.pipeline.styles import StylePlan
    from artify_core.video import probe_video, read_frames

    info = probe_video(clip)
    content = read_frames(clip)
    path = out / f"{name}{'' if style_scale is None else f'.scale{style_scale:g}'}.stylized.npy"
    if path.exists():
        return content, np.load(path)
    model = load_model("arbitrary", device="cpu")
    plan = StylePlan((model.prepare_style([StyleImage(load_image(STYLE))]),), single_schedule(0, info.frames, info.fps))
    recipe = ChunkRecipe(smoothing=None, style_scale=style_scale)
    stylized = np.concatenate(list(iter_stylized(info, Chunk(0, 0, info.frames), model, plan, recipe)))
    np.save(path, stylized)
    return content, stylized


def stable_reference(out: Path) -> np.ndarray:
    """pan360's frames as a perfectly stable stylization would make them: square.jpg stylized once
    (1280×720, the same model and style) and seen through pan360's camera (``make_temporal_clips.pan_windows``)."""
    from make_temporal_clips import pan_windows

    from artify_core.images import load_image
    from artify_core.models import StyleImage, load_model

    path = out / "pan360.stable.npy"
    if not path.exists():
        model = load_model("arbitrary", device="cpu")
        embedding = model.prepare_style([StyleImage(load_image(STYLE))])
        canvas = model.stylize(load_image(SHARED / "images" / "square.jpg")[None], embedding)[0]
        np.save(path, pan_windows(canvas))
    return np.load(path)


class CachedFlow:
    """The evaluation's flow estimator (DIS "medium", full resolution) with each pair's flow kept
    on disk, keyed by the two frames' bytes: variants of one clip share its content flows."""

    name = "dis"
    preset = "medium"
    scale = 1.0

    def __init__(self, folder: Path):
        from artify_core.metrics.report import EVALUATION_FLOW
        from artify_core.temporal.estimators import load_flow_estimator

        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._flow = load_flow_estimator("dis", **EVALUATION_FLOW)

    def estimate(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        return np.stack([self._pair(a, b) for a, b in zip(source, target)]) if len(source) else \
            self._flow.estimate(source, target)

    def _pair(self, source: np.ndarray, target: np.ndarray) -> np.ndarray:
        key = hashlib.blake2b(np.ascontiguousarray(source).data, digest_size=12)
        key.update(np.ascontiguousarray(target).data)
        path = self.folder / f"{key.hexdigest()}.npy"
        if path.exists():
            return np.load(path)
        flow = self._flow.estimate(source[None], target[None])[0]
        np.save(path, flow)
        return flow


def strict_hard_cuts(content_path: Path) -> list[int]:
    """Frames t where the content's mean absolute luma change from t − 1 exceeds 30 levels and 4× the
    median change of the 8 pairs either side: unmistakable hard cuts only (no dissolve, no soft cut)."""
    from artify_core.metrics.ssim import luminance
    from artify_core.video import iter_frames

    changes, previous = [], None
    for batch in iter_frames(content_path, batch_frames=32, height=144):
        luma = luminance(batch) * 255.0
        if previous is not None:
            luma_all = np.concatenate([previous[None], luma])
        else:
            luma_all = luma
            changes.append(0.0)
        changes += list(np.abs(np.diff(luma_all, axis=0)).mean(axis=(1, 2)))
        previous = luma[-1]
    changes = np.asarray(changes)
    cuts = []
    for t in range(1, len(changes)):
        around = np.concatenate([changes[max(1, t - 8):t], changes[t + 1:t + 9]])
        if changes[t] > 30 and (around.size == 0 or changes[t] > 4 * np.median(around)):
            cuts.append(t)
    return cuts


@dataclass(frozen=True)
class Scores:
    """One output's figures: warping-error ratios to the content's own (three ways of skipping
    cuts), mean Gram style distance, mean SSIM to the content."""

    ratio: float
    ratio_strict: float
    ratio_all: float
    gram: float
    ssim: float

    def row(self) -> dict:
        return dict(ratio=self.ratio, ratio_strict=self.ratio_strict, ratio_all=self.ratio_all, gram=self.gram,
                    ssim=self.ssim)


def ratio_without(output: np.ndarray, content: np.ndarray, cuts: list[int]) -> float:
    """Mean output error over mean content error, pairs (t − 1, t) for t in ``cuts`` left out (NaN-aware)."""
    keep = np.isfinite(output) & np.isfinite(content)
    keep[[c for c in cuts if c < len(keep)]] = False
    return float(output[keep].mean() / content[keep].mean())


class Scorer:
    """Evaluates outputs of one clip as ``artify evaluate`` does, with every pair measured once."""

    def __init__(self, clip: Path, out: Path, backbone):
        from artify_core.keyframes import detect_video_cuts

        self.clip, self.backbone = clip, backbone
        self.flow = CachedFlow(out / "flows" / clip.stem)
        self.cuts = detect_video_cuts(clip)
        self.strict = strict_hard_cuts(clip)

    def score_video(self, video: Path) -> Scores:
        from artify_core.metrics import evaluate_video

        result = evaluate_video(video, self.clip, [str(STYLE)], flow=self.flow, backbone=self.backbone, cuts=())
        output, content = result.per_frame.warping_error, result.per_frame.warping_error_content
        return Scores(ratio_without(output, content, self.cuts), ratio_without(output, content, self.strict),
                      ratio_without(output, content, []), result.style_distance, result.ssim)

    def score_frames(self, frames: np.ndarray, video: Path) -> Scores:
        from artify_core.video import VideoWriter, probe_video

        info = probe_video(self.clip)
        video.parent.mkdir(parents=True, exist_ok=True)
        with VideoWriter(video, width=frames.shape[2], height=frames.shape[1], fps=info.fps, crf=18,
                         preset="medium") as writer:
            writer.write(frames)
        return self.score_video(video)


def sweep(names: list[str], variants: list[str], out: Path, style_scale: float | None = None) -> list[dict]:
    from artify_core.metrics import arbitrary_backbone
    from artify_core.temporal.smoothing import SmoothingSettings, smooth_frames

    backbone, rows = arbitrary_backbone(), []
    for name in names:
        clip = clip_path(name, out)
        content, stylized = per_frame_outputs(name, clip, out, style_scale)
        scorer = Scorer(clip, out, backbone)
        for label in variants:
            if label == STABLE and name != "pan360":
                continue
            options = VARIANTS[label]
            started = time.perf_counter()
            frames = stable_reference(out) if label == STABLE else stylized if options is None else smooth_frames(
                content, stylized, SmoothingSettings(**{"style_scale": style_scale, **options}), cuts=scorer.cuts)
            ms = 1000 * (time.perf_counter() - started) / len(content)
            slug = "".join(c if c.isalnum() else "-" for c in label)
            scale = "" if style_scale is None else f".scale{style_scale:g}"
            scores = scorer.score_frames(frames, out / "sweep" / f"{name}{scale}.{slug}.mp4")
            row = dict(clip=name, style_scale=style_scale, variant=label, **scores.row(),
                       ms_per_frame=None if options is None else ms)
            rows.append(row)
            print(f"  {name:11s} {label:34s} ratio {scores.ratio:6.2f} (strict {scores.ratio_strict:6.2f}, "
                  f"all {scores.ratio_all:6.2f})  gram {scores.gram:.4f}  ssim {scores.ssim:.3f}"
                  + ("" if options is None else f"  {ms:6.1f} ms/frame"), flush=True)
            with open(out / "sweep.jsonl", "a") as log:
                log.write(json.dumps(row) + "\n")
    return rows


def checkout(revision: str, folder: Path) -> Path:
    """The tree at ``revision`` (``git archive``) under ``folder``, once; returns its root."""
    tree = folder / f"tree-{revision}"
    if not (tree / "artify_core").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def run_stylize(tree: Path, clip: Path, video: Path, smooth: bool, out: Path) -> float:
    """``artify stylize`` of ``tree`` (its own code: PYTHONPATH and working directory) on ``clip``;
    CPU, a store of its own. Returns the wall time in seconds."""
    if video.exists():
        return float("nan")
    env = dict(os.environ, PYTHONPATH=str(tree), PREFECT_HOME=str(out / f"prefect-{tree.name}"))
    command = [sys.executable, "-m", "artify_cli.main", "stylize", str(clip), "--style", str(STYLE), "--out",
               str(video), "--device", "cpu", "--store", str(out / f"store-{tree.name}"),
               "--smooth" if smooth else "--no-smooth"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def pipeline(names: list[str], before: str, out: Path) -> list[dict]:
    """Default vs ``--no-smooth`` through ``artify stylize``, before and after, every clip."""
    from artify_core.metrics import arbitrary_backbone

    backbone, rows = arbitrary_backbone(), []
    trees = {"before": checkout(before, out), "after": REPO}
    for name in names:
        clip = clip_path(name, out)
        scorer = Scorer(clip, out, backbone)
        # --no-smooth writes the same pixels before and after (nothing on its path changed), so it runs once.
        runs = [("no-smooth", "after", False), ("default", "before", True), ("default", "after", True)]
        for label, tree, smooth in runs:
            video = out / "pipeline" / f"{name}.{tree}.{label}.mp4"
            video.parent.mkdir(parents=True, exist_ok=True)
            seconds = run_stylize(trees[tree], clip, video, smooth, out)
            scores = scorer.score_video(video)
            row = dict(clip=name, tree=tree, revision=before if tree == "before" else "", run=label, **scores.row(),
                       seconds=seconds, cuts=scorer.cuts,
                       strict_cuts=scorer.strict)
            rows.append(row)
            print(f"  {name:11s} {tree:6s} {label:9s} ratio {scores.ratio:6.2f} (strict {scores.ratio_strict:6.2f}, "
                  f"all {scores.ratio_all:6.2f})  gram {scores.gram:.4f}  ssim {scores.ssim:.3f}", flush=True)
    (out / "pipeline.json").write_text(json.dumps(rows, indent=1))
    return rows


SPEED_PASS = """
import json, sys, time
import numpy as np
from artify_core.foundation.runtime import configure_for_frames, let_idle_threads_sleep
let_idle_threads_sleep()
configure_for_frames((720, 1280))
from artify_core.keyframes import detect_video_cuts
from artify_core.temporal.smoothing import SmoothingSettings, TemporalSmoother
from artify_core.video import read_frames
clip, stylized_path, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
content, stylized, cuts = read_frames(clip), np.load(stylized_path), detect_video_cuts(clip)

def stream():
    smoother, finished = TemporalSmoother(SmoothingSettings(), cuts=cuts), 0
    for first in range(0, len(content), 8):
        smoother.submit(content[first:first + 8])
        finished += len(smoother.process(content[first:first + 8], stylized[first:first + 8]))
    return finished + len(smoother.finish())

stream()
fps = []
for _ in range(passes):
    started = time.perf_counter()
    assert stream() == len(content)
    fps.append(len(content) / (time.perf_counter() - started))
print(json.dumps(fps))
"""


def speed(before: str, out: Path, rounds: int = 3) -> dict:
    """Smoothing-only frames/s at 720p, ``before``'s smoother and this tree's in alternating
    subprocesses (each: a warm-up, then the median of three passes)."""
    clip = clip_path("bunny720", out)
    per_frame_outputs("bunny720", clip, out)
    stylized = out / "bunny720.stylized.npy"
    trees = {"before": checkout(before, out), "after": REPO}
    found: dict[str, list[float]] = {"before": [], "after": []}
    for number in range(rounds):
        for label in (("before", "after") if number % 2 == 0 else ("after", "before")):
            env = dict(os.environ, PYTHONPATH=str(trees[label]))
            done = subprocess.run([sys.executable, "-c", SPEED_PASS, str(clip), str(stylized), "3"], env=env,
                                  capture_output=True, text=True, check=True, cwd=trees[label])
            passes = json.loads(done.stdout.strip().splitlines()[-1])
            found[label].append(sorted(passes)[1])
            print(f"  720p smoothing only, {label}: {sorted(passes)[1]:.1f} frames/s "
                  f"(passes {', '.join(f'{p:.1f}' for p in passes)})", flush=True)
    median = {label: float(np.median(values)) for label, values in found.items()}
    row = dict(before=before, fps=found, median=median, after_over_before=median["after"] / median["before"])
    print(f"  after / before: {row['after_over_before']:.3f}", flush=True)
    (out / "speed.json").write_text(json.dumps(row, indent=1))
    return row


DOC = REPO / "docs" / "temporal.md"
IMAGES = REPO / "docs" / "images"
# Issue 28's targets, default against --no-smooth on every clip.
TARGET_RATIO, TARGET_GRAM = 0.2, 1.08
# The clips pictured: the smallest and the largest real footage (pan1080 is generated).
PICTURED = ("phone176", "bunny1080")


def latest_rows(out: Path) -> dict[tuple[str, str], dict]:
    """(clip, variant) → the last sweep row written for it (``sweep.jsonl``), style scale None only."""
    rows: dict[tuple[str, str], dict] = {}
    path = out / "sweep.jsonl"
    for line in path.read_text().splitlines() if path.exists() else []:
        row = json.loads(line)
        if row.get("style_scale") is None:
            rows[row["clip"], row["variant"]] = row
    return rows


def gram_quotient(rows: dict[tuple[str, str], dict], name: str, variant: str) -> float | None:
    """``variant``'s Gram distance over ``--no-smooth``'s on clip ``name``; None where either is unmeasured."""
    if (name, variant) not in rows or (name, "no-smooth") not in rows:
        return None
    return rows[name, variant]["gram"] / rows[name, "no-smooth"]["gram"]


def _met(value: float, ok: bool) -> str:
    return f"{value:.3f} {'✓' if ok else '✗'}"


def targets_table(rows: dict[tuple[str, str], dict], names: list[str], smoothed: str) -> list[str]:
    """Per clip: ``--no-smooth`` and ``smoothed`` side by side, and the issue's ratios between them."""
    lines = ["| clip | run | ratio vs content | incl. missed cuts | every pair | Gram | SSIM |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    checks = ["| clip | ratio (≤ 0.2×) | ratio incl. missed cuts | ratio, every pair | Gram (≤ 1.08×) "
              "| SSIM (≥ no-smooth's) |", "| --- | --- | --- | --- | --- | --- |"]
    for name in names:
        plain, smooth = rows.get((name, "no-smooth")), rows.get((name, smoothed))
        if plain is None or smooth is None:
            continue
        for label, row in (("no-smooth", plain), (smoothed, smooth)):
            lines.append(f"| {name} | {label} | {row['ratio']:.2f} | {row['ratio_strict']:.2f} | "
                         f"{row['ratio_all']:.2f} | {row['gram']:.4f} | {row['ssim']:.3f} |")
        ratio = smooth["ratio"] / plain["ratio"]
        gram = smooth["gram"] / plain["gram"]
        checks.append(f"| {name} | {_met(ratio, ratio <= TARGET_RATIO)} | "
                      f"{smooth['ratio_strict'] / plain['ratio_strict']:.3f} | "
                      f"{smooth['ratio_all'] / plain['ratio_all']:.3f} | {_met(gram, gram <= TARGET_GRAM)} | "
                      f"{_met(smooth['ssim'] - plain['ssim'], smooth['ssim'] >= plain['ssim'])} |")
    return lines + ["", f"{smoothed.capitalize()} against `--no-smooth` (quotients of the rows above; SSIM: the "
                    "difference):", ""] + checks


def variants_table(rows: dict[tuple[str, str], dict], names: list[str]) -> list[str]:
    """Every variant measured, per clip, as quotients to that clip's ``--no-smooth``."""
    lines = ["| clip | variant | ratio | incl. missed cuts | Gram | SSIM − no-smooth's | ms/frame |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in names:
        plain = rows.get((name, "no-smooth"))
        if plain is None:
            continue
        for label in VARIANTS:
            row = rows.get((name, label))
            if row is None or label == "no-smooth":
                continue
            ms = "" if row.get("ms_per_frame") is None else f"{row['ms_per_frame']:.0f}"
            lines.append(f"| {name} | {label} | {row['ratio'] / plain['ratio']:.3f} | "
                         f"{row['ratio_strict'] / plain['ratio_strict']:.3f} | {row['gram'] / plain['gram']:.3f} | "
                         f"{row['ssim'] - plain['ssim']:+.3f} | {ms} |")
    return lines


def sweep_video(name: str, label: str, out: Path) -> Path:
    """The encoded sweep output of ``label`` on clip ``name``; ``--no-smooth``'s encoded from the cached
    per-frame outputs when the sweep's copy is gone (the same encoder and settings as ``Scorer.score_frames``)."""
    from artify_core.video import VideoWriter, probe_video

    slug = "".join(c if c.isalnum() else "-" for c in label)
    video = out / "sweep" / f"{name}.{slug}.mp4"
    if not video.exists() and label == "no-smooth":
        clip = clip_path(name, out)
        _, stylized = per_frame_outputs(name, clip, out)
        video.parent.mkdir(parents=True, exist_ok=True)
        with VideoWriter(video, width=stylized.shape[2], height=stylized.shape[1], fps=probe_video(clip).fps,
                         crf=18, preset="medium") as writer:
            writer.write(stylized)
    return video


def picture(name: str, out: Path, smoothed: str = "default") -> Path:
    """docs/images/temporal_sizes_NAME.jpg: ``--no-smooth`` above ``smoothed``, each row two
    consecutive frames t, t + 1 and |frame t + 1 − frame t carried along the content's flow| × 4 (the
    evaluator's flow and masks; black where the masks distrust the flow): the flicker the warping error
    counts. The pair: the clip's median content change among pairs that change (no repeated frame, no
    cut); 1080p is cropped to its middle 640×360, small frames shown twice their size."""
    import cv2

    from artify_core.keyframes import detect_video_cuts
    from artify_core.metrics.report import EVALUATION_FLOW
    from artify_core.temporal.estimators import load_flow_estimator
    from artify_core.temporal.functional import consistency_mask, warp
    from artify_core.video import read_frames

    path = IMAGES / f"temporal_sizes_{name}.jpg"
    sources = [sweep_video(name, label, out) for label in ("no-smooth", smoothed)]
    if path.exists() and all(path.stat().st_mtime > source.stat().st_mtime for source in sources):
        return path  # drawn from these very outputs already
    clip = clip_path(name, out)
    content, cuts = read_frames(clip), set(detect_video_cuts(clip))
    change = np.abs(np.diff(content.astype(np.int16), axis=0)).mean(axis=(1, 2, 3))
    pairs = [t for t in range(8, len(change) - 8) if change[t] > 1.0 and t + 1 not in cuts]
    first = sorted(pairs, key=lambda t: change[t])[len(pairs) // 2]
    flow_estimator = load_flow_estimator("dis", **EVALUATION_FLOW)
    later, earlier = content[first + 1][None], content[first][None]
    flow = flow_estimator.estimate(later, earlier)  # t + 1 → t, on t + 1's grid
    mask = consistency_mask(flow, flow_estimator.estimate(earlier, later))[0]
    height, width = content.shape[1:3]
    crop_h, crop_w = min(height, 360), min(width, 640)
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    window = (slice(top, top + crop_h), slice(left, left + crop_w))
    rows = []
    for source in sources:
        frames = read_frames(source)[first:first + 2]
        carried = warp(frames[:1], flow)[0]
        difference = np.abs(frames[1].astype(np.float32) - carried) * mask[..., None] * 4
        difference = np.clip(difference, 0, 255).astype(np.uint8)
        rows.append(np.concatenate([frames[0][window], frames[1][window], difference[window]], axis=1))
    image = np.concatenate(rows, axis=0)
    if image.shape[1] < 900:
        image = cv2.resize(image, (image.shape[1] * 2, image.shape[0] * 2), interpolation=cv2.INTER_NEAREST)
    IMAGES.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 88])
    print(f"  {path.relative_to(REPO)}: frames {first}-{first + 1} (content change {change[first]:.1f} levels)",
          flush=True)
    return path


def docs(names: list[str], out: Path) -> None:
    """docs/temporal.md from the parts' results under ``out``, and the pictures."""
    import platform

    from artify_core.temporal.modes import DEFAULT_STRENGTH
    from artify_core.temporal.scaling import ENERGY_BLOCK, SIZE_MEMORY_POWER, strength_at

    rows = latest_rows(out)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    text = ["# Temporal smoothing at every frame size", "",
            "Written by `python bench/bench_temporal_sizes.py --parts docs` from the results of its other parts "
            f"(under `{out.relative_to(REPO) if out.is_relative_to(REPO) else out}`); clips made by "
            "`bench/make_temporal_clips.py` (sizes and sources in its docstring). Style starrynight.jpg, the "
            f"arbitrary model, CPU ({cpu}, {os.cpu_count()} cores).", "",
            "Warping errors are the project's evaluator's (`artify_core.metrics.evaluate_video`: DIS \"medium\" "
            "on the content at full resolution, Ruder et al.'s masks), as a ratio to the content's own warping "
            "error over the same pairs, counted three ways:", "",
            "* *ratio vs content*: pairs across the cuts `detect_video_cuts` finds left out, as `artify "
            "evaluate` does;",
            "* *incl. missed cuts*: only pairs across unmistakable hard cuts (mean luma change over 30 levels "
            "and 4× its neighbours') left out, so frames across any cut the project's detector misses count;",
            "* *every pair*: nothing left out.", "",
            "Each clip is stylized once per frame (as `--no-smooth` does); the smoother runs over those same "
            "outputs, and each result is encoded (x264 crf 18) and evaluated.", ""]
    text += ["## The scale-dependent choices (`artify_core.temporal.scaling`)", "",
             "* The smoother's flow (DIS \"fast\") is estimated on 288 lines for every frame: larger frames reduced "
             "(as before), smaller ones now upsampled (bicubic) to it.",
             f"* The default strength is {DEFAULT_STRENGTH:g} (0.7 before; *first pass* below"
             + "".join(f"; its Gram distance on {name}: {gram_quotient(rows, name, 'first pass'):.3f}×"
                       for name in ("bikes272", "pan360") if gram_quotient(rows, name, "first pass") is not None)
             + ").",
             f"* Frames under 288 lines get a longer memory: the recursion's `1 / (1 − strength)` frames grow as "
             f"`(288 / height) ** {SIZE_MEMORY_POWER:g}` ({DEFAULT_STRENGTH:g} → "
             f"{strength_at(DEFAULT_STRENGTH, 272):.3f} at 272 lines, {strength_at(DEFAULT_STRENGTH, 144):.3f} at 144; "
             "the first pass: `sqrt`, 0.7 → 0.788 at 144).",
             f"* The texture restoration's gain is set per {ENERGY_BLOCK}-pixel block (16 before): a few strokes, "
             "so it follows the texture, not the mean of a shape's busy and smooth parts.",
             "* The masks are graded: beyond the forward–backward tolerance the strength falls as "
             "`tolerance / round-trip error` instead of dropping to 0 (fast motion, occlusion, dissolves), and "
             "the photometric check compares carried content with the range of its 3×3 neighbourhood.",
             "* With `--style-scale` the texture restoration's band (2 px) and the absolute consistency tolerance "
             "grow with the strokes' size in output pixels (output height ÷ the model's working height). "
             "Not measured here: every row below is without `--style-scale`, where the band stays 2 px.", "",
             "## Default against `--no-smooth`", ""] + targets_table(rows, names, "default") + [""]
    text += ["## Where the ways of counting disagree", "",
             "| clip | cuts `detect_video_cuts` finds | unmistakable hard cuts |", "| --- | --- | --- |"]
    for name in names:
        if (name, "default") in rows:
            from artify_core.keyframes import detect_video_cuts

            clip = clip_path(name, out)
            text.append(f"| {name} | {list(detect_video_cuts(clip)) or '–'} | {strict_hard_cuts(clip) or '–'} |")
    text += ["", "Pairs across a cut count in *incl. missed cuts* only where the strict detector does not see the "
             "cut, and in *every pair* always. Across a cut both outputs change entirely and no smoothing can help, "
             "so every such pair pulls the default's quotient towards 1: on bikes272 the soft cut at frame 76 "
             "that only the project's detector finds, and all five cuts in *every pair*. dissolve360's two "
             "15-frame dissolves are found by neither detector: its pairs through them count in every column.", ""]
    if any(label == "before" for _, label in rows):
        text += ["## Before issue 28", "",
                 "The smoother's settings before this work (`BEFORE_SETTINGS`: flow at most 288 lines, never "
                 "upsampled; band 2 px; pixel-by-pixel photometric check; masks 0 or 1; one strength) over the "
                 "same per-frame outputs, where measured:", ""] + targets_table(rows, names, "before") + [""]
    if any(label == "first pass" for _, label in rows):
        text += ["## The first pass", "",
                 "This study's first defaults (`FIRST_PASS`: strength 0.7, its memory growing as `sqrt(288 / height)`, "
                 "the gain per 16-pixel block; the other choices as now), over the same per-frame outputs:", ""] \
            + targets_table(rows, names, "first pass") + [""]
    if any(label not in ("no-smooth", "default", STABLE) for _, label in rows):
        text += ["## Each choice", "",
                 "Variants over the same per-frame outputs, as quotients to `--no-smooth` on the same clip. "
                 "*before*: the smoother's settings before issue 28 (flow at most 288 lines, never upsampled; "
                 "band 2 px; pixel-by-pixel photometric check; masks 0 or 1; one strength). *first pass*: this "
                 "study's first defaults (strength 0.7, `sqrt` memory law, 16-pixel blocks).", ""] \
            + variants_table(rows, names) + ["", "ms/frame: the smoother's wall time per frame in the sweep, on a "
                                                     "machine shared with other work; indicative only (speed: below).",
                                                     ""]
    stable = rows.get(("pan360", STABLE))
    if stable is not None:
        plain, smooth = rows.get(("pan360", "no-smooth")), rows.get(("pan360", "default"))
        text += ["## What limits the ratio vs content", "",
                 f"pan360 is a still picture under a panning camera, so a *perfectly stable* stylization of it "
                 f"exists: the picture stylized once and seen through the same camera. Its warping error is "
                 f"{stable['ratio']:.2f}× the content's"
                 + (f" (`--no-smooth` {plain['ratio']:.2f}×, default {smooth['ratio']:.2f}×)" if plain and smooth
                    else "")
                 + ". The stylized texture has more fine detail than the content, and the evaluator's bilinear "
                   "warp and sub-pixel flow errors cost more on it, so a ratio vs content near 1 is out of reach "
                   "for any output that keeps the style's texture; the smoother goes below the stable figure by "
                   "softening that texture (its SSIM to the content rises). The Gram distance does not reward "
                   "stability: the stable stylization's is "
                   + (f"{stable['gram'] / plain['gram']:.2f}× `--no-smooth`'s" if plain else "higher")
                   + " (each frame painted anew fits the style's statistics in that frame), so part of a smoother's "
                   "Gram excess on this clip is the price of any stable output, not lost style.", ""]
    pipeline_rows = json.loads((out / "pipeline.json").read_text()) if (out / "pipeline.json").exists() else []
    if not pipeline_rows:
        text += ["The `pipeline` part (`artify stylize` end to end, this tree and `--before`'s) has not been run "
                 "for this page: *before* above is the former settings over the same per-frame outputs.", ""]
    if pipeline_rows:
        by_run = {(r["clip"], r["tree"], r["run"]): r for r in pipeline_rows}
        before = next((r["revision"] for r in pipeline_rows if r.get("revision")), "`--before`")
        text += ["## Through the pipeline, before and after", "",
                 "`artify stylize` end to end (CPU, a fresh store each), default and `--no-smooth`: *after* this "
                 f"tree, *before* `{before}` (`--before`; its `--no-smooth` writes the same pixels, so it runs once). "
                 "The quotients are to `--no-smooth`'s row of the same clip.", "",
                 "| clip | tree | run | ratio vs content | incl. missed cuts | every pair | Gram | SSIM | ratio ÷ "
                 "| Gram ÷ |",
                 "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for r in pipeline_rows:
            plain = by_run.get((r["clip"], "after", "no-smooth"))
            quotients = (f"{r['ratio'] / plain['ratio']:.3f} | {r['gram'] / plain['gram']:.3f}"
                         if plain is not None and r["run"] != "no-smooth" else "| ")
            text.append(f"| {r['clip']} | {r['tree']} | {r['run']} | {r['ratio']:.2f} | {r['ratio_strict']:.2f} | "
                        f"{r['ratio_all']:.2f} | {r['gram']:.4f} | {r['ssim']:.3f} | {quotients} |")
        text += [""]
    if (out / "speed.json").exists():
        speed_row = json.loads((out / "speed.json").read_text())
        text += ["## Speed at 720p", "",
                 f"Smoothing alone, bigbuckbunny_720p: before {speed_row['median']['before']:.1f} frames/s, after "
                 f"{speed_row['median']['after']:.1f} (after ÷ before {speed_row['after_over_before']:.3f}; "
                 "medians of alternating subprocesses; before = "
                 f"`{speed_row.get('before', '--before')}`). Each subprocess's median pass, in order: before "
                 f"{', '.join(f'{v:.1f}' for v in speed_row['fps']['before'])}; after "
                 f"{', '.join(f'{v:.1f}' for v in speed_row['fps']['after'])}. Where these spread by more than the "
                 "difference between the medians, the machine was busy and the quotient says nothing: rerun "
                 "`--parts speed docs` on a quiet machine.", ""]
    pictures = [picture(name, out) for name in PICTURED if (name, "default") in rows]
    if pictures:
        text += ["## Pictures", "",
                 "Each: `--no-smooth` above default; frames t and t + 1 and |frame t + 1 − frame t carried along "
                 "the content's flow| × 4 (the evaluator's flow and masks, black where they distrust it): the "
                 "flicker the warping error counts. The pair has the clip's median content change.", ""]
        text += [f"![{path.stem}](images/{path.name})" for path in pictures] + [""]
    DOC.write_text("\n".join(text))
    print(f"  wrote {DOC.relative_to(REPO)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "bench-out" / "temporal-sizes"))
    parser.add_argument("--clips", nargs="+")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument("--parts", nargs="+", default=["sweep"], choices=["sweep", "pipeline", "speed", "docs"])
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--style-scale", type=float, help="sweep: the model paints with this --style-scale")
    args = parser.parse_args()
    from make_temporal_clips import CLIPS

    from artify_core.foundation.runtime import configure_for_frames, let_idle_threads_sleep

    let_idle_threads_sleep()
    configure_for_frames((1080, 1920))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = args.clips or list(CLIPS)
    if "sweep" in args.parts:
        sweep(names, args.variants, out, args.style_scale)
    if "pipeline" in args.parts:
        pipeline(names, args.before, out)
    if "speed" in args.parts:
        speed(args.before, out)
    if "docs" in args.parts:
        docs(names, out)


if __name__ == "__main__":
    main()
