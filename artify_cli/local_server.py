"""One local Prefect server that ``artify`` commands share, started by the first and stopped when idle.

Prefect starts a temporary server in every process that has no API configured:
6–12 s before anything happens, on every command, and one more in every Dask
worker process. Instead, the first command without a configured API starts
``prefect server start`` on a free loopback port under a small supervisor, and
every later command (and its workers) uses it. Users who configured their own
server (``PREFECT_API_URL`` in the environment or their Prefect profile) keep it.

Commands hold a shared lock on ``clients.lock`` while they run; the supervisor
stops the server once nobody has held it for ``ARTIFY_SERVER_IDLE_MINUTES``.
Starting, reusing and stopping happen under ``start.lock``, so a command never
reaches a server that is going away. The kernel drops a dead command's locks,
so a ``kill -9`` never keeps the server alive for ever.

    python -m artify_cli.local_server supervise --port P --state DIR --idle SECONDS
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from artify_core.foundation.environment import environment

# How often the supervisor looks for clients; the idle time is counted in these steps.
CHECK_SECONDS = 5.0
STARTUP_TIMEOUT_SECONDS = 180.0


@dataclass(frozen=True)
class LocalServer:
    """A running server: where its API answers and the supervisor's process id."""

    url: str
    pid: int


def state_dir() -> Path:
    """Where the server is recorded: in the Prefect home whose database it serves, so there is one
    server per database (one per machine for most users, one per test session)."""
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser() / "artify-server"


def use_prefect_api(verbose: bool = False) -> None:
    """Runs go to the Prefect API the user configured (environment or profile); without one, to the
    local server artify commands share, started if none runs (said on stderr with ``verbose``;
    ``artify server`` tells where it is). Its address is put in the environment too, so Dask
    workers started by the run use it as well."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:
        return
    announce = (lambda line: print(line, file=sys.stderr)) if verbose else (lambda line: None)
    os.environ["PREFECT_API_URL"] = use_local_server(announce=announce)
    refresh_global_settings_context()


def stop_local_server(directory: Path | None = None) -> LocalServer | None:
    """Stops the shared local server now (its supervisor ends it); returns what was running."""
    server = running_server(directory or state_dir())
    if server is not None:
        os.kill(server.pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _alive(server.pid):
            time.sleep(0.2)
    return server


def use_local_server(*, announce=print) -> str:
    """The API URL of the shared local server, started if none runs; this process stays one of its
    clients until it exits. ``announce`` is told the UI's address when a server is started."""
    directory = state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory / "start.lock", fcntl.LOCK_EX):
        server = running_server(directory)
        if server is None:
            server = _start(directory, environment().server_idle_minutes * 60)
            announce(f"artify: started a local Prefect server, UI at {server.url.removesuffix('/api')} "
                     f"(stops after {environment().server_idle_minutes:g} idle minutes)")
        _become_client(directory)
    return server.url


def running_server(directory: Path) -> LocalServer | None:
    """The server recorded in ``directory`` if it answers, else None (a stale record is removed)."""
    record = directory / "server.json"
    try:
        server = LocalServer(**json.loads(record.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    if _alive(server.pid) and healthy(server.url):
        return server
    record.unlink(missing_ok=True)
    return None


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


_client_lock: int | None = None  # this process's shared hold on clients.lock, kept until it exits


def _become_client(directory: Path) -> None:
    global _client_lock
    if _client_lock is None:
        handle = os.open(directory / "clients.lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(handle, fcntl.LOCK_SH)
        _client_lock = handle


def _start(directory: Path, idle_seconds: float) -> LocalServer:
    port = _free_port()
    log = open(directory / "server.log", "ab")
    # The supervisor is reparented away from this process (a new session, its launcher gone), so
    # Ctrl-C here, which ends this command's own children, leaves the shared server running.
    launcher = subprocess.Popen(
        [sys.executable, "-m", "artify_cli.local_server", "launch", "--port", str(port), "--state", str(directory),
         "--idle", str(idle_seconds)], stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    launcher.wait()
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        server = running_server(directory)
        if server is not None:
            return server
        time.sleep(0.2)
    raise RuntimeError(f"the local Prefect server did not answer at {url} within {STARTUP_TIMEOUT_SECONDS:.0f} s; "
                       f"see {directory / 'server.log'}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _locked(path: Path, mode: int) -> Iterator[None]:
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, mode)
        yield
    finally:
        os.close(handle)


def _nobody_holds(path: Path) -> bool:
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(handle)


def supervise(port: int, directory: Path, idle_seconds: float) -> int:
    """Runs the server until it has had no client for ``idle_seconds``; records it while it answers."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": ""}
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--no-scheduler", "--no-late-runs", "--analytics-off"], env=env, stdin=subprocess.DEVNULL)
    url, record = f"http://127.0.0.1:{port}/api", directory / "server.json"
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    try:
        while server.poll() is None and not healthy(url, timeout=1.0):
            time.sleep(0.2)
        if server.poll() is not None:
            return 1
        record.write_text(json.dumps({"url": url, "pid": os.getpid()}))
        idle, step = 0.0, min(CHECK_SECONDS, idle_seconds / 3)
        while not stop["now"] and server.poll() is None:
            time.sleep(step)
            idle = idle + step if _nobody_holds(directory / "clients.lock") else 0.0
            if idle >= idle_seconds:
                # Under start.lock: no command can be joining while the record goes away.
                with _locked(directory / "start.lock", fcntl.LOCK_EX):
                    if _nobody_holds(directory / "clients.lock"):
                        record.unlink(missing_ok=True)
                        break
                idle = 0.0
        return 0
    finally:
        if record.exists() and json.loads(record.read_text() or "{}").get("pid") == os.getpid():
            record.unlink(missing_ok=True)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m artify_cli.local_server")
    parser.add_argument("action", choices=["launch", "supervise"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--idle", type=float, required=True)
    args = parser.parse_args(argv)
    if args.action == "launch":  # start the supervisor detached, then return at once
        subprocess.Popen([sys.executable, "-m", "artify_cli.local_server", "supervise", "--port", str(args.port),
                          "--state", str(args.state), "--idle", str(args.idle)],
                         stdin=subprocess.DEVNULL, start_new_session=True)
        return 0
    return supervise(args.port, args.state, args.idle)


if __name__ == "__main__":
    sys.exit(main())
