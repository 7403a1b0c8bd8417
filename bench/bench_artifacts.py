"""What the Prefect artifacts cost a run (issues 14 and 25): time spent making them, and their sizes.

Runs the ``stylize_video`` flow on the whole of bikes.mp4 (starrynight, device cpu, a
fresh store under ``--out``: nothing from cache; default settings, ``--evaluate`` adds
the evaluation and its artifacts) inside ``prefect_test_harness()``. For the length of
the run every function that makes or updates an artifact is wrapped in a timer:
``tasks.artifacts``' public functions and ``ProgressArtifact``'s methods (as the
flow and the tasks import them), ``before_after`` (the result's loop: only the
artifact uses it), and Prefect's ``create_*_artifact`` / ``update_progress_artifact``
as the calling modules see them. The timer adds up the wall time during which any
wrapped call is under way (one shared depth counter under a lock: nested calls and
calls overlapping in other threads are not counted twice). It prints the run's
seconds, the seconds in artifact code, their share, the number of calls (outermost,
and all with a per-function breakdown), then reads the run's artifacts back through
the Prefect API and prints each one's key, type and size of its ``data`` in bytes
(UTF-8 of a string, else of its JSON), and the largest.

Then the time the before/after adds, as ``--pairs`` interleaved A/B reruns of the same
request served from the cache the first run filled (so the stylization, which would
drown it, is not repeated): A makes the loop, B has ``before_after`` return None. It
prints each pair's seconds, the median difference and the median ratio B/A.

    python bench/bench_artifacts.py [--out bench-out/artifacts] [--clip ../shared/media/content/bikes.mp4]
                                    [--evaluate] [--pairs 3] [--docs docs/artifacts.md]

``--docs`` writes the figures to a page (the project's is docs/artifacts.md).

Timings depend on the machine's load: re-measure on a quiet machine with this command.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"

# Prefect's artifact functions, patched wherever a module imported them by name.
PREFECT_FUNCTIONS = ("create_link_artifact", "create_markdown_artifact", "create_table_artifact",
                     "create_progress_artifact", "update_progress_artifact", "create_image_artifact")


class ArtifactTimer:
    """Wall time during which at least one wrapped call is running, in any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._since = 0.0
        self.seconds = 0.0
        self.outermost_calls = 0
        self.calls: dict[str, int] = defaultdict(int)
        self.inclusive: dict[str, float] = defaultdict(float)  # per function, nested time included
        self._patches: list[tuple[object, str, object]] = []

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            with self._lock:
                if self._depth == 0:
                    self._since = time.perf_counter()
                    self.outermost_calls += 1
                self._depth += 1
                self.calls[name] += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                ended = time.perf_counter()
                with self._lock:
                    self.inclusive[name] += ended - started
                    self._depth -= 1
                    if self._depth == 0:
                        self.seconds += ended - self._since

        timed.__wrapped__ = function
        return timed

    def patch(self, owner: object, attribute: str, name: str) -> None:
        """Replaces ``owner.attribute`` by its timed version until ``restore()``."""
        original = getattr(owner, attribute)
        self._patches.append((owner, attribute, original))
        setattr(owner, attribute, self.wrap(name, original))

    def restore(self) -> None:
        for owner, attribute, original in reversed(self._patches):
            setattr(owner, attribute, original)
        self._patches.clear()


def patch_artifact_code(timer: ArtifactTimer) -> None:
    import prefect.artifacts
    import flows.stylize_video
    import tasks.artifacts
    import tasks.evaluate
    import tasks.folder
    import tasks.preview

    # Artify's artifact code, where its callers look it up (imported by name into flows/ and tasks/).
    ours = ("picture", "label_run", "publish_style_artifacts", "publish_result", "publish_evaluation_artifacts")
    for module in (tasks.artifacts, flows.stylize_video, tasks.evaluate, tasks.preview):
        for name in ours:
            if hasattr(module, name):
                timer.patch(module, name, name)
    for method in ("__init__", "advance"):  # the class object is shared by every importer
        timer.patch(tasks.artifacts.ProgressArtifact, method, f"ProgressArtifact.{method}")
    timer.patch(flows.stylize_video, "before_after", "before_after (result artifact's loop)")
    # Prefect's, as the calling modules see them (and the module itself, for imports made later).
    for module in (tasks.artifacts, tasks.preview, tasks.folder, prefect.artifacts):
        for name in PREFECT_FUNCTIONS:
            if hasattr(module, name):
                timer.patch(module, name, f"prefect {name}")


def data_bytes(data) -> int:
    if data is None:
        return 0
    text = data if isinstance(data, str) else json.dumps(data)
    return len(text.encode("utf-8"))


def read_run_artifacts(flow_run_id) -> list[tuple[str, str, int, str]]:
    """(key, type, bytes of data, note) of every artifact the flow run made, largest first; the note
    is a progress artifact's last value."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    rows = [(a.key or f"(no key) {a.id}", a.type or "?", data_bytes(a.data),
             f" (at {a.data} %)" if a.type == "progress" else "") for a in artifacts]
    return sorted(rows, key=lambda row: -row[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench-out" / "artifacts")
    parser.add_argument("--clip", type=Path, default=SHARED / "content" / "bikes.mp4")
    parser.add_argument("--style", default=str(SHARED / "style" / "starrynight.jpg"))
    parser.add_argument("--evaluate", action="store_true", help="evaluate too (its artifacts and their time)")
    parser.add_argument("--pairs", type=int, default=3, help="interleaved A/B reruns for the before/after's time")
    parser.add_argument("--docs", type=Path, help="write the figures to this markdown page")
    args = parser.parse_args()
    out = args.out.resolve()
    store = out / "store"
    shutil.rmtree(store, ignore_errors=True)  # a fresh store: every chunk stylized, nothing from cache
    out.mkdir(parents=True, exist_ok=True)

    from prefect.testing.utilities import prefect_test_harness

    from artify_core.settings import VideoRequest
    from flows.stylize_video import stylize_video

    request = VideoRequest(content=str(args.clip), style=[args.style], output=str(out / f"{args.clip.stem}.mp4"),
                           report=str(out / f"{args.clip.stem}.report"), evaluate=args.evaluate,
                           execution={"device": "cpu", "store": str(store)})
    timer = ArtifactTimer()
    with prefect_test_harness(server_startup_timeout=120):
        patch_artifact_code(timer)
        try:
            started = time.perf_counter()
            state = stylize_video(request, return_state=True)
            run_seconds = time.perf_counter() - started
        finally:
            timer.restore()
        result = state.result()
        print(f"run: {state.message}")
        print(f"total run seconds: {run_seconds:.1f}")
        print(f"seconds in artifact code: {timer.seconds:.2f}")
        print(f"share: {100 * timer.seconds / run_seconds:.2f} %")
        print(f"artifact calls: {timer.outermost_calls} outermost, {sum(timer.calls.values())} in all")
        for name, count in sorted(timer.calls.items(), key=lambda item: -timer.inclusive[item[0]]):
            print(f"  {name}: {count} call(s), {timer.inclusive[name]:.2f} s (nested calls included)")
        rows = read_run_artifacts(state.state_details.flow_run_id)
        print(f"artifacts of flow run {state.state_details.flow_run_id} ({len(rows)}):")
        for key, kind, size, note in rows:
            print(f"  {key}  {kind}  {size} bytes{note}")
        if rows:
            print(f"largest: {rows[0][0]} ({rows[0][1]}), {rows[0][2]} bytes")
        pairs = before_after_pairs(stylize_video, request, args.pairs)
        summary = dict(clip=str(args.clip), frames=result.frames, run_seconds=run_seconds,
                       artifact_seconds=timer.seconds, share=timer.seconds / run_seconds,
                       outermost_calls=timer.outermost_calls, calls=dict(timer.calls),
                       inclusive_seconds=dict(timer.inclusive),
                       artifacts=[dict(key=k, type=t, bytes=b) for k, t, b, _ in rows], before_after_pairs=pairs)
        (out / "summary.json").write_text(json.dumps(summary, indent=1))
        print(f"summary: {out / 'summary.json'}")
        if args.docs:
            write_docs(summary, state.message, args.docs)


def before_after_pairs(stylize_video, request, pairs: int) -> list[dict[str, float]]:
    """Reruns served from the cache, with the loop (A) and without (B), interleaved A B A B …"""
    import statistics

    import flows.stylize_video

    real = flows.stylize_video.before_after
    measured = []
    for _ in range(pairs):
        seconds = {}
        for arm in ("with", "without"):
            flows.stylize_video.before_after = real if arm == "with" else (lambda *args, **kwargs: None)
            try:
                started = time.perf_counter()
                state = stylize_video(request, return_state=True)
                seconds[arm] = time.perf_counter() - started
            finally:
                flows.stylize_video.before_after = real
            assert state.is_completed() and ": 0 stylized" in state.message, state.message
        measured.append(seconds)
        print(f"  rerun from cache with the before/after {seconds['with']:.2f} s, without {seconds['without']:.2f} s")
    if measured:
        added = statistics.median(m["with"] - m["without"] for m in measured)
        ratio = statistics.median(m["without"] / m["with"] for m in measured)
        print(f"before/after adds {added:.2f} s to a rerun from cache (median of {len(measured)} interleaved pairs; "
              f"median ratio without/with {ratio:.3f})")
    return measured


def write_docs(summary: dict, message: str, page: Path) -> None:
    """The run's artifacts, their sizes and the before/after's A/B as a markdown page."""
    import platform
    import statistics

    pairs = summary["before_after_pairs"]
    lines = ["# Prefect artifacts of a run", "",
             "Written by `python bench/bench_artifacts.py --docs docs/artifacts.md`: a default run (starrynight, "
             f"cpu, nothing from cache) on `{Path(summary['clip']).name}`, {summary['frames']} frames, "
             f"{'with' if any('evaluation' in a['key'] for a in summary['artifacts']) else 'without'} evaluation. "
             f"Measured on {platform.processor() or platform.machine()}, {os.cpu_count()} cores, a machine shared "
             "with other work: times are this run's, sizes are exact.", "",
             f"The run: {message}", "",
             "| artifact | type | bytes of data |", "| --- | --- | --- |",
             *(f"| {a['key']} | {a['type']} | {a['bytes']:,} |" for a in summary["artifacts"]), "",
             f"Artifact code took {summary['artifact_seconds']:.2f} s of the run's {summary['run_seconds']:.1f} s "
             f"({100 * summary['share']:.2f} %), the before/after included.", ""]
    if pairs:
        added = statistics.median(p["with"] - p["without"] for p in pairs)
        lines += ["## What the before/after adds", "",
                  f"{len(pairs)} interleaved pairs of reruns served from the cache (so that the stylization does not "
                  "drown it), with the before/after and with `before_after` returning nothing:", "",
                  "| pair | with (s) | without (s) | difference (s) |", "| --- | --- | --- | --- |",
                  *(f"| {k + 1} | {p['with']:.2f} | {p['without']:.2f} | {p['with'] - p['without']:.2f} |"
                    for k, p in enumerate(pairs)), "",
                  f"Median: the before/after adds {added:.2f} s to a run.", ""]
    page.write_text("\n".join(lines))
    print(f"written: {page}")


if __name__ == "__main__":
    main()
