"""Evaluating the assembled video: figures, a report, Prefect artifacts, progress while it runs."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from artify_core.models.base import StyleImage
from artify_core.pipeline.styles import StylePlan
from artify_core.video import probe_video
from tasks.artifacts import ProgressArtifact, artifact_key, publish_evaluation_artifacts


@task(cache_policy=NO_CACHE, task_run_name="evaluate")
def evaluate_output(output: str, content: str, references: list[StyleImage], plan: StylePlan,
                    cuts: list[int], report_dir: str, store_uri: str, name: str, identity: str,
                    content_start: int = 0) -> dict[str, Any]:
    """Warping error, SSIM and style distance of ``output`` (which starts at content frame
    ``content_start``: an excerpt); writes the report into ``report_dir``.

    With several scheduled styles each frame is measured against its own.
    """
    from artify_core.metrics import evaluate_video  # torch: only when a run evaluates

    schedule = plan.schedule if len(references) == plan.schedule.n_styles and plan.schedule.n_styles > 1 else None
    frames = probe_video(output).frames
    progress = ProgressArtifact(artifact_key(name, identity, "evaluation-progress"), frames,
                                f"evaluating {name}: {frames} frames")
    result = evaluate_video(output, content, references, cuts=cuts, schedule=schedule, report_dir=report_dir,
                            on_frames=progress.advance, content_start=content_start)
    publish_evaluation_artifacts(result, store_uri, name, identity)
    summary = result.to_dict()
    summary.pop("per_frame")
    return summary
