"""The deployments end to end, as in production: a real Prefect server, a real S3
server on loopback (SeaweedFS, as docker-compose runs it), a process work pool with
a worker subprocess, and runs triggered through the API.

Inputs are two 10-frame clips at 64 rows and one corrupt file in the bucket. The
first folder run publishes two outputs with manifests and reports the corrupt file,
leaving a failure record beside where its output would go, one summary table with
the outputs' links and the failure's reason, and failure reports; the second one
skips all three without stylizing anything. The video deployment refuses a request
without a style before a worker sees it, and runs one with both layer styles.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ACCESS_KEY_ID, SECRET

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
BUCKET = "artify-it"
POOL = "artify-it-pool"
DEPLOYMENT = "stylize-folder/stylize-folder"
CHUNK_TASKS = "stylize chunk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_ok(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Process:
    """A subprocess in its own process group (it starts children: uvicorn, flow runs),
    with its output in a log file shown when a test fails."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.log = name, logs / f"{name}.log"
        self._handle = self.log.open("wb")
        self.popen = subprocess.Popen(args, env=env, cwd=REPO, stdout=self._handle, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"--- last lines of {self.name} ---\n" + "\n".join(text)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self._handle.close()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("integration")


@pytest.fixture(scope="module")
def environment(workdir, s3_endpoint) -> dict[str, str]:  # s3_endpoint: the session's SeaweedFS
    """What the server, the deploy script and the worker (and so its flow runs) see:
    this machine's environment without its Prefect and AWS settings, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AWS_", "ARTIFY_"))}
    env.update({
        "PREFECT_HOME": str(workdir / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(workdir / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-aws-credentials"),
        "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"])),
        "ARTIFY_STORE": f"s3://{BUCKET}/store",
        "ARTIFY_SCRATCH": str(workdir / "scratch"),
        # Deployment runs may name local files here only (the clips, outputs, the shared paintings).
        "ARTIFY_ALLOWED_ROOTS": f"{workdir},{REPO.parent / 'shared' / 'media'}",
        "OMP_NUM_THREADS": "1",
    })
    return env


@pytest.fixture(scope="module")
def prefect_api(prefect_api, environment):
    """The session's Prefect server (conftest), for this module's deploy script and worker too."""
    environment["PREFECT_API_URL"] = prefect_api
    return prefect_api


@pytest.fixture(scope="module")
def bucket(s3_endpoint, workdir, bikes, starrynight):
    """``inbox/a.mp4``, ``inbox/trip/b.mov`` (10 frames, 64 rows), ``inbox/broken.mp4``
    (half of a.mp4) and ``styles/starrynight.jpg``."""
    import boto3

    from tests.flows.test_stylize_folder import write_clip

    client = boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id=ACCESS_KEY_ID,
                          aws_secret_access_key=SECRET, region_name="us-east-1")
    if BUCKET in {b["Name"] for b in client.list_buckets()["Buckets"]}:
        raise RuntimeError(f"bucket {BUCKET} already exists on the session's S3 server")
    client.create_bucket(Bucket=BUCKET)
    clips = workdir / "clips"
    write_clip(clips / "a.mp4", bikes, start=0)
    write_clip(clips / "b.mov", bikes, start=100)
    data = (clips / "a.mp4").read_bytes()
    client.put_object(Bucket=BUCKET, Key="inbox/a.mp4", Body=data)
    client.put_object(Bucket=BUCKET, Key="inbox/trip/b.mov", Body=(clips / "b.mov").read_bytes())
    client.put_object(Bucket=BUCKET, Key="inbox/broken.mp4", Body=data[: len(data) // 2])
    client.put_object(Bucket=BUCKET, Key="styles/starrynight.jpg", Body=starrynight.read_bytes())
    return client


@pytest.fixture(scope="module")
def deployment(prefect_api, environment, workdir, bucket):
    """The work pool, the deployment registered by ``deployments/deploy.py``, and a worker."""
    env = {**environment,
           "ARTIFY_WATCH_SOURCE": f"s3://{BUCKET}/inbox/",
           "ARTIFY_WATCH_DESTINATION": f"s3://{BUCKET}/outbox/",
           "ARTIFY_WATCH_STYLE": f"s3://{BUCKET}/styles/starrynight.jpg",
           "ARTIFY_WATCH_CRON": "0 0 1 1 *"}  # yearly: no scheduled run during the test
    for args in ([sys.executable, "-m", "prefect", "work-pool", "create", POOL, "--type", "process", "--overwrite"],
                 [sys.executable, "-m", "deployments.deploy", "stylize-folder", "stylize-video", "--pool", POOL]):
        done = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    worker = Process("worker", [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL,
                                "--type", "process", "--limit", "1"], environment, workdir)
    try:
        yield worker
    finally:
        worker.stop()


def run(prefect_api: str, worker: Process, **parameters):
    """Triggers the deployment through the API and waits for the flow run to end."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: prefect_api}):
        started = time.monotonic()
        request = {"source": f"s3://{BUCKET}/inbox/", "destination": f"s3://{BUCKET}/outbox/",
                   "style": [f"s3://{BUCKET}/styles/starrynight.jpg"], "height": 64,
                   "execution": {"device": "cpu"}, **parameters}
        flow_run = run_deployment(DEPLOYMENT, parameters={"request": request}, timeout=240, poll_interval=1)
        seconds = time.monotonic() - started
    assert flow_run.state.is_final(), f"still {flow_run.state.name} after 240 s\n" + worker.tail()
    return flow_run, seconds


def api_figures(prefect_api: str, flow_run_id) -> tuple[list[dict], int, int, list[str], dict[str, str]]:
    """The run's summary table, its stylize-video subflow runs, the stylize-chunk task
    runs anywhere below it (the chunk stage is a subflow of stylize-video), the links in
    its artifacts, and the failure reports of the run and its subflows by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentFlowRunId,
        TaskRunFilter,
        TaskRunFilterName,
    )
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: prefect_api}), get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
            key=ArtifactFilterKey(any_=["stylize-folder-summary"])))
        descendants, level = [], [flow_run_id]
        while level:
            level = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=level)))
            descendants += level
            level = [run.id for run in level]
        video_flow = client.read_flow_by_name("stylize-video").id
        video_runs = [run for run in descendants if run.flow_id == video_flow]
        chunks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id for run in descendants] or [flow_run_id])),
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_=CHUNK_TASKS)))
        chunks = [run for run in chunks if re.fullmatch(rf"{CHUNK_TASKS} \d+", run.name)]
        every = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id, *(run.id for run in video_runs)])))
    assert len(artifacts) == 1
    table = artifacts[0].data
    table = json.loads(table) if isinstance(table, str) else table
    links = [url for row in table for cell in row.values() if isinstance(cell, str)
             for url in re.findall(r"\[[^\]]*\]\(([^)]+)\)", cell)]
    failures = {a.key: a.data for a in every if (a.key or "").endswith("-failure")}
    return table, len(video_runs), len(chunks), links, failures


def bucket_keys(client) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))


def test_folder_deployment_on_s3_then_rerun_skips(prefect_api, deployment, bucket, s3_endpoint, record_property):
    s3_port = s3_endpoint.rsplit(":", 1)[1]
    test_started = time.monotonic()
    first, first_seconds = run(prefect_api, deployment, evaluate=True)
    assert first.state.is_failed(), deployment.tail()
    assert "1 of 3 videos failed: broken.mp4" in first.state.message

    keys = bucket_keys(bucket)
    report = ["contact_sheet.png", "metrics.json", "per_frame.png", "report.md"]
    assert [k for k in keys if k.startswith("outbox/")] == [
        "outbox/a.stylized.mp4", "outbox/a.stylized.mp4.manifest.json",
        *(f"outbox/a.stylized.report/{name}" for name in report),
        "outbox/broken.stylized.mp4.failed.json",
        "outbox/trip/b.stylized.mp4", "outbox/trip/b.stylized.mp4.manifest.json",
        *(f"outbox/trip/b.stylized.report/{name}" for name in report)]
    assert not any(".part" in k for k in keys)
    assert not bucket.list_multipart_uploads(Bucket=BUCKET).get("Uploads")  # nothing half-uploaded

    for name, source in (("a", "inbox/a.mp4"), ("trip/b", "inbox/trip/b.mov")):
        text = bucket.get_object(Bucket=BUCKET, Key=f"outbox/{name}.stylized.mp4.manifest.json")["Body"].read()
        assert SECRET.encode() not in text and ACCESS_KEY_ID.encode() not in text and b"AWS_" not in text
        manifest = json.loads(text)
        etag = bucket.head_object(Bucket=BUCKET, Key=source)["ETag"].strip('"')
        assert manifest["input_identity"] == f"s3://{BUCKET}/{source}#{etag}"
        assert manifest["output_uri"] == f"s3://{BUCKET}/outbox/{name}.stylized.mp4"
        assert manifest["frames"] == 10 and manifest["parameters"]["settings"]["height"] == 64
        assert manifest["metrics"]["frames"] == 10  # evaluated
        video = bucket.get_object(Bucket=BUCKET, Key=f"outbox/{name}.stylized.mp4")["Body"].read()
        assert video[4:8] == b"ftyp" and len(video) > 1000

    table, subflows, chunks, links, failures = api_figures(prefect_api, first.id)
    rows = {row["video"]: row for row in table}
    assert {v: r["status"] for v, r in rows.items()} == {"a.mp4": "done", "broken.mp4": "failed",
                                                         "trip/b.mov": "done"}
    assert rows["broken.mp4"]["reason"].startswith(f"s3://{BUCKET}/inbox/broken.mp4: ")  # not the download's path
    assert rows["broken.mp4"]["output"] == ""
    assert rows["a.mp4"]["output"].startswith("[a.stylized.mp4](http")  # one table: links and reasons
    assert (subflows, chunks) == (3, 2)  # the corrupt file's subflow failed before its chunk stage
    assert len(links) == 6  # each output, its plot and its contact sheet
    folder_report = next(text for key, text in failures.items() if key.startswith("inbox-"))
    assert "- **stage**: stylize videos" in folder_report and "1 of 3 videos failed: broken.mp4" in folder_report
    video_report = next(text for key, text in failures.items() if key.startswith("broken-"))
    assert "- **stage**: check inputs" in video_report or "- **stage**: fetch and probe" in video_report
    assert f"- **input**: [s3://{BUCKET}/inbox/broken.mp4](http://127.0.0.1:{s3_port}/{BUCKET}/inbox/" \
        in video_report
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for link in links:  # presigned URLs: no AWS configuration needed to follow them
        assert link.startswith(f"http://127.0.0.1:{s3_port}/{BUCKET}/outbox/") and SECRET not in link
        with opener.open(link, timeout=10) as response:
            head = response.read(8)
        assert head.startswith(b"\x89PNG") if link.split("?")[0].endswith(".png") else head[4:8] == b"ftyp"

    second, second_seconds = run(prefect_api, deployment)
    assert second.state.is_completed(), second.state.message
    table, subflows, chunks, links, failures = api_figures(prefect_api, second.id)
    assert {r["video"]: r["status"] for r in table} == {"a.mp4": "skipped", "broken.mp4": "skipped-failed",
                                                        "trip/b.mov": "skipped"}
    assert "broken.mp4" in {r["video"]: r["reason"] for r in table}["broken.mp4"]
    assert (subflows, chunks, len(failures)) == (0, 0, 0)  # nothing was tried again
    assert len(links) == 2  # the outputs published by the first run
    assert bucket_keys(bucket) == keys  # nothing rewritten or added

    figures = {"first_run_s": round(first_seconds, 1), "rerun_s": round(second_seconds, 1),
               "first_flow_run_s": first.total_run_time.total_seconds(),
               "rerun_flow_run_s": second.total_run_time.total_seconds(),
               "test_body_s": round(time.monotonic() - test_started, 1)}
    for name, value in figures.items():
        record_property(name, value)
    print(f"\nintegration figures: {figures}")


def test_video_deployment_needs_a_style_unless_both_layers_have_one(prefect_api, deployment, workdir, bucket):
    """The server refuses a run without a style before a worker sees it (the request model's JSON
    schema says so); both layer styles of the segmented model stand in for it."""
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    status, body = _post(f"{prefect_api}/deployments/name/stylize-video/stylize-video", None)
    assert status == 200
    create = f"{prefect_api}/deployments/{body['id']}/create_flow_run"
    clip = str(workdir / "clips" / "a.mp4")
    status, refusal = _post(create, {"parameters": {"request": {"content": clip}}})
    assert status == 409 and "style" in refusal["detail"], refusal

    styles = REPO.parent / "shared" / "media" / "style"
    request = {"content": clip, "output": str(workdir / "layers.mp4"), "model": "segmented",
               "execution": {"device": "cpu", "store": str(workdir / "layers-store")},
               "segmented": {"fg_style": [str(styles / "wave.jpg")], "bg_style": [str(styles / "candy.jpg")]}}
    with temporary_settings({PREFECT_API_URL: prefect_api}):
        flow_run = run_deployment("stylize-video/stylize-video", parameters={"request": request}, timeout=240,
                                  poll_interval=1)
    assert flow_run.state.is_completed(), f"{flow_run.state.message}\n" + deployment.tail()
    assert "layers.mp4: 10 frames" in flow_run.state.message
    assert flow_run.name == "a · fg wave / bg candy"


def _post(url: str, payload: dict | None) -> tuple[int, dict]:
    """(status, JSON body) of a request to the API: GET without a payload, else POST."""
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
