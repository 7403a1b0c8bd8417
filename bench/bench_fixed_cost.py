"""Fixed cost of a command, as whole processes (issue 26): the sample's cached rerun, the first frame
of a fresh run, and a folder with nothing new, for this tree and a revision before (``--before``).

Each measure runs in fresh processes, this tree and the revision alternating, ``--pairs`` times:

* ``first frame``: ``artify stylize examples/bikes_3s.mp4 --style examples/starrynight.jpg`` into a
  fresh store: seconds from the command's start to the first progress update with a frame
  stylized (the progress bar, on a pseudo-terminal), and to its end (``fresh run``).
* ``rerun``: the same command again, as a user types it (its output there): "up to date" where the
  tree records publications, a run from the store before.
* ``cached rerun``: the same command again, its output removed: every chunk from the store.
* ``folder rerun``: ``artify batch`` on a folder of two 1-second clips, twice: the second's seconds.

The local Prefect server this tree's commands share is started before the pairs (the first command
of a day starts it: its cost is printed on its own) and stopped at the end. The revision is
checked out with ``git archive`` into a temporary directory and run with ``PYTHONPATH`` on it.
Writes docs/fixed_cost.md and prints it.

    python bench/bench_fixed_cost.py [--before 8200d43] [--pairs 3] [--out bench-out/fixed_cost]
"""

from __future__ import annotations

import argparse
import fcntl
import io
import os
import pty
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tarfile
import tempfile
import termios
import time
from pathlib import Path

from machine import cpu_description  # bench/ is on sys.path when a script runs

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "bikes_3s.mp4"
STYLE = REPO / "examples" / "starrynight.jpg"
DOC = REPO / "docs" / "fixed_cost.md"
# Before the local shared server, the lazy imports and PyAV: every command started Prefect's
# temporary server and imported torch.
BEFORE = "8200d43"
PROGRESS = re.compile(r"\b([1-9]\d*)/(\d+)\b")


def tree_of(revision: str, into: Path) -> Path:
    """The files of ``revision`` under ``into`` (git archive; no checkout of this tree changes)."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", revision], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(into, filter="data")
    return into


def environment(tree: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ARTIFY_"))}
    env.update({"PYTHONPATH": str(tree), "PREFECT_HOME": str(home / "prefect"), "ARTIFY_CACHE": str(home / "cache"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    return env


def artify(tree: Path, env: dict[str, str], *args: str) -> tuple[float, float | None, int]:
    """(seconds, seconds to the first stylized frame or None, exit code) of one ``artify`` command,
    its stderr on a pseudo-terminal (the progress bar is drawn on terminals only)."""
    master, terminal = pty.openpty()
    # A terminal of 120 columns: on one of 0 (a new pseudo-terminal's) the bar draws nothing.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "artify_cli.main", *args], cwd=tree, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    first, seen = None, ""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        seen = (seen + chunk.decode(errors="replace"))[-4096:]
        if first is None and PROGRESS.search(seen):
            first = time.monotonic() - started
    code = process.wait()
    os.close(master)
    return time.monotonic() - started, first, code


def make_folder(folder: Path) -> None:
    """Two 1-second clips cut from the sample (Artify's own reader and writer: no ffmpeg needed)."""
    sys.path.insert(0, str(REPO))
    from artify_core.video import VideoWriter, probe_video, read_frames

    info = probe_video(SAMPLE)
    folder.mkdir(parents=True)
    for name, start in (("a.mp4", 0), ("b.mp4", 25)):
        frames = read_frames(SAMPLE, start=start, end=start + 25, height=136)
        with VideoWriter(folder / name, width=frames.shape[2], height=frames.shape[1], fps=info.fps) as writer:
            writer.write(frames)


def measure(label: str, tree: Path, work: Path, folder: Path) -> dict[str, float | None]:
    env = environment(tree, work)
    out, store = work / "out.mp4", work / f"store-{time.monotonic_ns()}"  # a fresh store per pair
    run = ["stylize", str(SAMPLE), "--style", str(STYLE), "--out", str(out), "--store", str(store)]
    figures: dict[str, float | None] = {}
    out.unlink(missing_ok=True)
    seconds, first, code = artify(tree, env, *run)
    assert code == 0, f"{label}: a fresh run failed ({code})"
    figures["fresh run"], figures["first frame"] = seconds, first
    seconds, _, code = artify(tree, env, *run)
    assert code == 0 and out.exists(), f"{label}: the rerun failed ({code})"
    figures["rerun"] = seconds
    out.unlink()
    seconds, _, code = artify(tree, env, *run)
    assert code == 0 and out.exists(), f"{label}: the cached rerun failed ({code})"
    figures["cached rerun"] = seconds
    batch = ["batch", str(folder), str(work / f"folder-out-{time.monotonic_ns()}"), "--style", str(STYLE),
             "--store", str(store)]
    artify(tree, env, *batch)
    seconds, _, code = artify(tree, env, *batch)
    assert code == 0, f"{label}: the folder rerun failed ({code})"
    figures["folder rerun"] = seconds
    return figures


def stop_server(tree: Path, work: Path) -> None:
    subprocess.run([sys.executable, "-m", "artify_cli.main", "server", "stop"], cwd=tree,
                   env=environment(tree, work), capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--out", default=str(REPO / "bench-out" / "fixed_cost"))
    args = parser.parse_args()

    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    folder = out / "folder"
    make_folder(folder)
    with tempfile.TemporaryDirectory() as temporary:
        trees = {"before": tree_of(args.before, Path(temporary) / "before"), "after": REPO}
        works = {label: out / label for label in trees}
        for work in works.values():
            (work / "prefect").mkdir(parents=True)
        # This tree's first command starts the shared local server: measured on its own.
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", "from artify_cli.local_server import use_prefect_api; use_prefect_api()"],
                       cwd=REPO, env=environment(REPO, works["after"]), check=True)
        server_start = time.monotonic() - started
        rows: dict[str, dict[str, list[float]]] = {label: {} for label in trees}
        try:
            for _ in range(args.pairs):
                for label, tree in trees.items():
                    for name, value in measure(label, tree, works[label], folder).items():
                        if value is not None:
                            rows[label].setdefault(name, []).append(value)
        finally:
            stop_server(REPO, works["after"])
    lines = ["# Fixed cost of a command", "",
             "Written by `python bench/bench_fixed_cost.py`. Whole `artify` processes, this tree and "
             f"`{args.before}` alternating, {args.pairs} of each; medians, every run in brackets.",
             f"Measured on {cpu_description()}.", "",
             "| measure | before (s) | after (s) | after ÷ before |", "| --- | --- | --- | --- |"]
    for name in ("rerun", "cached rerun", "first frame", "fresh run", "folder rerun"):
        before, after = rows["before"].get(name, []), rows["after"].get(name, [])
        if not before or not after:
            continue
        ratio = statistics.median(after) / statistics.median(before)
        lines.append(f"| {name} | {statistics.median(before):.1f} ({', '.join(f'{v:.1f}' for v in before)}) | "
                     f"{statistics.median(after):.1f} ({', '.join(f'{v:.1f}' for v in after)}) | {ratio:.2f} |")
    lines += ["", f"Starting the shared local Prefect server (the first command after it stopped): {server_start:.1f} s.",
              "`first frame`: from the command's start to the first progress update with a frame stylized "
              "(since the progress counts frames out of the model, before that frames written after the "
              "smoother's window).",
              "`rerun`: the same command again with its output there (a user's second try): this tree "
              "answers \"up to date\" from hashes without a run; `cached rerun`: its output removed, so a "
              "run with every chunk from the store.", ""]
    text = "\n".join(lines)
    DOC.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
