"""The steps of ``deployments/smoke.sh`` that run inside the compose stack, in a worker container
(its S3 keys, Prefect API address and auth string come from the compose file)::

    python -m deployments.smoke_check upload     # the sample clip and painting into the bucket
    python -m deployments.smoke_check run        # stylize-video through the API, then check the output

``run`` prints the run's final state, the time from submission to that state, the output's frame
count (decoded with OpenCV, independently of Artify's own video code) and the presigned link the
run published, for smoke.sh to fetch from outside the stack. It exits 1 when any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from pathlib import Path

SAMPLE = Path("examples/bikes_3s.mp4")
STYLE = Path("examples/starrynight.jpg")
EXPECTED_FRAMES = 75  # bikes_3s.mp4: 3 s at 25 fps
DEPLOYMENT = "stylize-video/stylize-video"


def upload(bucket: str, prefix: str) -> None:
    import boto3

    s3 = boto3.client("s3")
    for path in (SAMPLE, STYLE):
        s3.upload_file(str(path), bucket, f"{prefix}/{path.name}")
        print(f"uploaded {path} to s3://{bucket}/{prefix}/{path.name} ({path.stat().st_size} bytes)")


def count_frames(path: Path) -> tuple[int, int, int, float]:
    """Frames decoded one by one, with the stream's width, height and frame rate."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise SystemExit(f"{path}: OpenCV cannot open it")
    size = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = 0
    while capture.grab():
        frames += 1
    capture.release()
    return frames, size[0], size[1], fps


async def schedule_and_link(flow_run_id, object_path: str) -> tuple[str, str]:
    """The scheduled scan's registered schedule (to show ARTIFY_WATCH_* reached the container) and the
    link to ``object_path`` (``bucket/key``) among the run's artifacts (a link artifact is markdown)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        try:
            folder = await client.read_deployment_by_name("stylize-folder/stylize-folder")
            schedule = "; ".join(f"cron {s.schedule.cron!r} in {s.schedule.timezone}" for s in folder.schedules)
        except Exception as error:  # shown, not fatal: the run is what is checked
            schedule = f"stylize-folder unreadable: {error}"
        artifacts = await client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    urls = [url for a in artifacts for url in re.findall(r"\]\((https?://[^)\s]+)\)", str(a.data))]
    return schedule, next((url for url in urls if f"/{object_path}?" in url), "")


def run(bucket: str, prefix: str, timeout: float) -> int:
    import boto3
    from prefect.deployments import run_deployment

    output_key = f"{prefix}/out/{SAMPLE.stem}.stylized.mp4"
    request = {"content": f"s3://{bucket}/{prefix}/{SAMPLE.name}", "style": [f"s3://{bucket}/{prefix}/{STYLE.name}"],
               "output": f"s3://{bucket}/{output_key}"}
    print(f"running {DEPLOYMENT} through {os.environ['PREFECT_API_URL']}: {request}")
    started = time.monotonic()
    flow_run = run_deployment(DEPLOYMENT, parameters={"request": request}, timeout=timeout, as_subflow=False)
    elapsed = time.monotonic() - started
    state = flow_run.state
    print(f"run {flow_run.name} ({flow_run.id}): {state.type.value} ({state.name}) after {elapsed:.1f} s "
          f"from submission; the flow itself ran {flow_run.total_run_time.total_seconds():.1f} s")
    schedule, link = asyncio.run(schedule_and_link(flow_run.id, f"{bucket}/{output_key}"))
    print(f"stylize-folder schedule: {schedule}")
    if not state.is_completed():
        print(f"FAIL: the run ended {state.type.value}: {state.message}")
        return 1

    with tempfile.TemporaryDirectory() as scratch:
        local = Path(scratch) / "output.mp4"
        boto3.client("s3").download_file(bucket, output_key, str(local))
        frames, width, height, fps = count_frames(local)
        print(f"output s3://{bucket}/{output_key}: {local.stat().st_size} bytes, {frames} frames, "
              f"{width}x{height} at {fps:g} fps")
    print(f"link: {link or '(none published)'}")
    if frames != EXPECTED_FRAMES:
        print(f"FAIL: {frames} frames, expected {EXPECTED_FRAMES}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployments.smoke_check", description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=["upload", "run"])
    parser.add_argument("--bucket", default="artify")
    parser.add_argument("--prefix", default="smoke")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the run (default 1800)")
    args = parser.parse_args(argv)
    if args.step == "upload":
        upload(args.bucket, args.prefix)
        return 0
    return run(args.bucket, args.prefix, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
