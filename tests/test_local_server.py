"""The local Prefect server artify commands share: started by the first, reused by the next,
stopped when idle, replaced when dead, and never started for users with their own API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from artify_cli.local_server import healthy, running_server

REPO = Path(__file__).resolve().parents[1]
CLIENT = "from artify_cli.local_server import use_local_server; print(use_local_server(announce=lambda _: None))"


def client(home: Path, idle_minutes: float) -> str:
    """The URL a fresh command process gets (it holds the server while it runs, then exits)."""
    env = {**os.environ, "PREFECT_HOME": str(home), "ARTIFY_SERVER_IDLE_MINUTES": str(idle_minutes)}
    env.pop("PREFECT_API_URL", None)
    out = subprocess.run([sys.executable, "-c", CLIENT], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=300, check=True)
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.integration
def test_one_server_is_shared_and_stops_when_idle(tmp_path):
    home, idle_minutes = tmp_path / "prefect", 0.1  # six idle seconds
    env = {**os.environ, "PREFECT_HOME": str(home), "ARTIFY_SERVER_IDLE_MINUTES": str(idle_minutes)}
    env.pop("PREFECT_API_URL", None)
    # A command that keeps running (it holds the server) until its stdin closes.
    running = subprocess.Popen([sys.executable, "-c", CLIENT + "; import sys; sys.stdout.flush(); sys.stdin.read()"],
                               cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        first = running.stdout.readline().strip()
        second = client(home, idle_minutes)
        assert second == first and healthy(first)  # reused, not started again
        server = running_server(home / "artify-server")
        assert server is not None and server.url == first
        time.sleep(3 * 6)  # longer than the idle time: the running command keeps the server up
        assert healthy(first)
    finally:
        running.communicate(timeout=60)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and healthy(first):
        time.sleep(1)
    assert not healthy(first) and not (home / "artify-server" / "server.json").exists()  # stopped when idle


def test_a_dead_server_record_is_forgotten(tmp_path):
    state = tmp_path / "artify-server"
    state.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (state / "server.json").write_text(json.dumps({"url": "http://127.0.0.1:9/api", "pid": int(dead.stdout)}))
    assert running_server(state) is None and not (state / "server.json").exists()
    (state / "server.json").write_text("{not json")
    assert running_server(state) is None


def test_a_configured_api_is_used_as_it_is(tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": "http://127.0.0.1:9/api"}
    code = ("from artify_cli.local_server import use_prefect_api; use_prefect_api(); "
            "import os; print(os.environ['PREFECT_API_URL'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "http://127.0.0.1:9/api", out.stderr
    assert not (tmp_path / "prefect" / "artify-server").exists()  # nothing started


def test_the_server_command_says_where_runs_go(tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    status = subprocess.run([sys.executable, "-m", "artify_cli.main", "server"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 0 and "no local Prefect server runs" in status.stdout
    stop = subprocess.run([sys.executable, "-m", "artify_cli.main", "server", "stop"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert stop.returncode == 0 and "no local Prefect server runs" in stop.stdout
    env["PREFECT_API_URL"] = "http://127.0.0.1:9/api"
    configured = subprocess.run([sys.executable, "-m", "artify_cli.main", "server"], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=120)
    assert "PREFECT_API_URL=http://127.0.0.1:9/api" in configured.stdout
