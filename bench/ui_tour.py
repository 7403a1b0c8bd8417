"""What a person sees in the Prefect UI, as screenshots from headless Chromium.

    python bench/ui_tour.py [--out bench-out/ui] [--clip CLIP] [--style IMAGE] [--skip-runs]

Starts a Prefect server on loopback (its own PREFECT_HOME), a process work pool with a worker,
registers Artify's deployments with ``deployments/deploy.py``, then:

1. screenshots the ``stylize-video`` run form (titles, descriptions, drop-downs);
2. submits a bad value through the API and prints the server's refusal (no worker runs it);
3. unless ``--skip-runs``: triggers ``stylize-video`` on a clip with evaluation, screenshots the run
   page, its artifacts while it runs and once done, the runs list, and prints the artifacts' sizes.

Needs Debian's ``chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def http_json(url: str, payload: dict | None = None, method: str | None = None) -> tuple[int, object]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"),
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def screenshot(url: str, path: Path, *, width: int = 1400, height: int = 2200, wait_ms: int = 12000) -> Path:
    """A full-page PNG of ``url`` once its scripts had ``wait_ms`` of virtual time."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("no chromium: apt-get install chromium")
    profile = path.parent / ".chromium-profile"
    subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                    f"--virtual-time-budget={wait_ms}", f"--screenshot={path}", url],
                   capture_output=True, timeout=180)
    return path


class Service:
    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.log = (logs / f"{name}.log").open("wb")
        self.popen = subprocess.Popen(args, env=env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
        self.log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    media = REPO.parent / "shared" / "media"
    parser.add_argument("--out", default=str(REPO / "bench-out" / "ui"))
    parser.add_argument("--clip", default=str(REPO / "examples" / "bikes_3s.mp4"))
    parser.add_argument("--style", default=str(media / "style" / "starrynight.jpg"))
    parser.add_argument("--skip-runs", action="store_true")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from tests.s3server import free_ports

    port = free_ports(1)[0]
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(out / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_API_URL": api, "PREFECT_WORKER_QUERY_SECONDS": "1",
                "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
                "ARTIFY_CACHE": str(out / "cache"),
                "ARTIFY_WATCH_SOURCE": str(out / "inbox"), "ARTIFY_WATCH_DESTINATION": str(out / "outbox"),
                "ARTIFY_WATCH_STYLE": args.style, "ARTIFY_WATCH_CRON": "0 0 1 1 *"})
    services = [Service("server", [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                   "--port", str(port)], env, out)]
    try:
        deadline = time.monotonic() + 180
        while not _up(api):
            if time.monotonic() > deadline:
                raise SystemExit("the Prefect server did not start")
            time.sleep(1)
        for command in ([sys.executable, "-m", "prefect", "work-pool", "create", "artify-gpu", "--type", "process"],
                        [sys.executable, "-m", "deployments.deploy"]):
            subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True, timeout=300)
        deployment = http_json(f"{api}/deployments/name/stylize-video/stylize-video")[1]
        ui = f"http://127.0.0.1:{port}"
        print("run form:", screenshot(f"{ui}/deployments/deployment/{deployment['id']}/run", out / "run_form.png"))

        bad = {"request": {"content": args.clip, "style": [args.style], "height": 0, "model": "Gatys"}}
        started = time.monotonic()
        status, body = http_json(f"{api}/deployments/{deployment['id']}/create_flow_run", {"parameters": bad})
        print(f"bad values (height 0, model 'Gatys'): HTTP {status} in {time.monotonic() - started:.2f} s: "
              f"{json.dumps(body)[:400]}")
        if args.skip_runs:
            return
        services.append(Service("worker", [sys.executable, "-m", "prefect", "worker", "start", "--pool",
                                           "artify-gpu", "--type", "process", "--limit", "1"], env, out))
        run_and_look(api, ui, deployment["id"], args, out)
    finally:
        for service in reversed(services):
            service.stop()


def _up(api: str) -> bool:
    try:
        return http_json(f"{api}/health")[0] == 200
    except OSError:
        return False


def run_and_look(api: str, ui: str, deployment: str, args: argparse.Namespace, out: Path) -> None:
    """Triggers a real run and screenshots what the UI shows while it runs and when it is done."""
    request = {"request": {"content": args.clip, "style": [args.style], "evaluate": True,
                           "output": str(out / "ui_tour.stylized.mp4"), "execution": {"device": "cpu"}}}
    status, run = http_json(f"{api}/deployments/{deployment}/create_flow_run", {"parameters": request})
    assert status == 201, run
    run_id, mid_run_taken, started = run["id"], False, time.monotonic()
    while True:
        state = http_json(f"{api}/flow_runs/{run_id}")[1]["state"]
        if not mid_run_taken and state["type"] == "RUNNING":
            artifacts = http_json(f"{api}/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]},
                                                                           "type": {"any_": ["progress"]}}})[1]
            moving = [a for a in artifacts if 0 < float(a.get("data") or 0) < 100]
            if moving:
                print(f"progress mid-run: {moving[0]['data']} %",
                      screenshot(f"{ui}/artifacts/artifact/{moving[0]['id']}", out / "progress_mid_run.png"))
                screenshot(f"{ui}/runs/flow-run/{run_id}", out / "run_page_mid_run.png")
                mid_run_taken = True
        if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            break
        time.sleep(2)
    print(f"run {run['name']}: {state['type']} after {time.monotonic() - started:.0f} s")
    for name, path in (("run_page.png", f"/runs/flow-run/{run_id}"),
                       ("run_artifacts.png", f"/runs/flow-run/{run_id}?tab=Artifacts"),
                       ("runs_list.png", "/runs")):
        print(name, screenshot(f"{ui}{path}", out / name))
    artifacts = http_json(f"{api}/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})[1]
    for artifact in sorted(artifacts, key=lambda a: -len(json.dumps(a.get("data")))):
        print(f"  artifact {artifact.get('key') or '(no key)'} {artifact['type']}: "
              f"{len(json.dumps(artifact.get('data'))):,} bytes")
        if artifact.get("key"):
            screenshot(f"{ui}/artifacts/artifact/{artifact['id']}", out / f"artifact_{artifact['key']}.png")


if __name__ == "__main__":
    main()
