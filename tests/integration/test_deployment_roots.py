"""Runs from a deployment stay inside their bounds, against a real Prefect server and worker.

``deployments/deploy.py`` registers ``stylize-video`` with ``ARTIFY_ALLOWED_ROOTS`` set to one
folder: the server itself refuses (HTTP 409, Prefect 3.9's answer to parameters its schema
refuses) a run whose form names a local path elsewhere, a '..'
escape or an http URL, and accepts one inside. A second deployment registered with a wider root
(as an operator who widened it, or registered without the schema, would) is held by the flow's own
check on the worker: the run fails at once, before anything is read or written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.test_deployment import REPO, Process, free_port, http_ok

pytestmark = [pytest.mark.integration, pytest.mark.slow]

POOL = "artify-roots-pool"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("roots")
    (root / "allowed" / "in").mkdir(parents=True)
    (root / "elsewhere").mkdir()
    return root


@pytest.fixture(scope="module")
def environment(workdir) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AWS_", "ARTIFY_"))}
    env.update({"PREFECT_HOME": str(workdir / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_WORKER_QUERY_SECONDS": "1", "ARTIFY_CACHE": str(workdir / "cache"),
                "ARTIFY_ALLOWED_ROOTS": str(workdir / "allowed"), "OMP_NUM_THREADS": "1",
                "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"]))})
    return env


@pytest.fixture(scope="module")
def prefect_api(prefect_api, environment):
    """The session's Prefect server (conftest), for this module's deploy script and worker too."""
    environment["PREFECT_API_URL"] = prefect_api
    return prefect_api


@pytest.fixture(scope="module")
def deployments(prefect_api, environment):
    """``stylize-video`` confined to the allowed folder, and ``stylize-video-wide`` registered with '/'."""
    wide = ("from deployments.deploy import deploy, stylize_video_spec; import dataclasses; "
            f"deploy(dataclasses.replace(stylize_video_spec(), name='stylize-video-wide'), {POOL!r}, roots=['/'])")
    for args in ([sys.executable, "-m", "prefect", "work-pool", "create", POOL, "--type", "process", "--overwrite"],
                 [sys.executable, "-m", "deployments.deploy", "stylize-video", "--pool", POOL],
                 [sys.executable, "-c", wide]):
        done = subprocess.run(args, env=environment, cwd=REPO, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr


def create_run(prefect_api: str, deployment: str, request: dict):
    import httpx

    with httpx.Client(base_url=prefect_api, trust_env=False, timeout=30) as client:
        found = client.get(f"/deployments/name/stylize-video/{deployment}")
        found.raise_for_status()
        return client.post(f"/deployments/{found.json()['id']}/create_flow_run",
                           json={"parameters": {"request": request}})


def test_the_server_refuses_a_run_outside_the_roots(prefect_api, deployments, workdir, tiny_video, starrynight):
    import httpx

    allowed = workdir / "allowed"
    inside = {"content": f"{allowed}/in/clip.mp4", "style": [f"{allowed}/in/style.jpg"],
              "output": f"{allowed}/out/clip.mp4"}
    outside = {
        "output elsewhere": {"output": f"{workdir}/elsewhere/clip.mp4"},
        "content elsewhere": {"content": "/etc/passwd"},
        "a '..' escape": {"output": f"{allowed}/../elsewhere/clip.mp4"},
        "an http style": {"style": ["http://169.254.169.254/latest/meta-data/x.jpg"]},
        "a store elsewhere": {"execution": {"store": f"{workdir}/elsewhere/store"}},
        "a relative report": {"report": "report"},
    }
    answers = {}
    for case, fields in outside.items():
        response = create_run(prefect_api, "stylize-video", {**inside, **fields})
        answers[case] = response.status_code
        # Prefect 3.9 answers a run whose parameters break the deployment's schema with 409 Conflict.
        assert response.status_code == 409, (case, response.text)
        assert "Validation failed for field 'request." in response.text, response.text
    accepted = create_run(prefect_api, "stylize-video", {**inside, "execution": {"store": "s3://bucket/store"}})
    assert accepted.status_code == 201, accepted.text
    with httpx.Client(base_url=prefect_api, trust_env=False) as client:  # no worker runs it: remove it
        client.delete(f"/flow_runs/{accepted.json()['id']}")
    print(f"\nthe server's answers: {answers}; inside the roots: {accepted.status_code}")


def test_the_flow_checks_again_on_the_worker(prefect_api, deployments, environment, workdir, tiny_video,
                                             starrynight):
    import shutil

    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    allowed = workdir / "allowed"
    shutil.copy(tiny_video, allowed / "in" / "clip.mp4")
    shutil.copy(starrynight, allowed / "in" / "style.jpg")
    target = workdir / "elsewhere" / "clip.mp4"
    worker = Process("worker", [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--type",
                                "process", "--limit", "1"], environment, workdir)
    try:
        with temporary_settings({PREFECT_API_URL: prefect_api}):
            started = time.monotonic()
            run = run_deployment("stylize-video/stylize-video-wide", timeout=240, poll_interval=1, parameters={
                "request": {"content": f"{allowed}/in/clip.mp4", "style": [f"{allowed}/in/style.jpg"],
                            "output": str(target), "execution": {"device": "cpu"}}})
            seconds = time.monotonic() - started
    finally:
        worker.stop()
    assert run.state.is_failed(), f"{run.state.name}: {run.state.message}\n" + worker.tail()
    assert f"output {target}: runs from a deployment may use s3:// URIs and local paths under {allowed}" \
        in run.state.message, run.state.message
    assert list((workdir / "elsewhere").iterdir()) == []
    assert not (workdir / "cache").exists() or not any((workdir / "cache").rglob("chunks/*"))
    print(f"\nrefused on the worker in {seconds:.1f} s: {run.state.message}")
