"""Style from a style video, measured.

1. Keyframe extraction time on paintings4.mp4 (model loaded beforehand; best of 3).
2. bikes.mp4 taken as a style video: the cuts found, and a strip of the frames
   either side of each cut (``bikes_cuts.png``) to check them by eye.
3. bikes.mp4 stylized with paintings4.mp4 (proportional, 1 s transitions),
   evaluated against the scheduled keyframes: an 8-frame contact sheet, and per
   frame the Gram distance to its scheduled style and to the others.

    python bench/bench_keyframes.py [--out bench-out/keyframes]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "media"


def cuts_strip(video: Path, cuts: list[int], path: Path) -> Path:
    """One row per cut: frames cut-1 and cut side by side, labelled."""
    import numpy as np
    from PIL import Image, ImageDraw

    from artify_core.video import read_frames

    rows = []
    for cut in cuts:
        pair = read_frames(video, start=cut - 1, end=cut + 1, height=136)
        row = Image.fromarray(np.concatenate(list(pair), axis=1))
        ImageDraw.Draw(row).text((4, 4), f"frames {cut - 1} | {cut}", fill="yellow")
        rows.append(row)
    sheet = Image.new("RGB", (rows[0].width, sum(r.height for r in rows)))
    for k, row in enumerate(rows):
        sheet.paste(row, (0, k * row.height))
    sheet.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "bench-out" / "keyframes"))
    args = parser.parse_args()

    import numpy as np

    from artify_core.keyframes import detect_video_cuts, extract_keyframes, save_keyframes
    from artify_core.keyframes.schedule import proportional_schedule
    from artify_core.metrics import evaluate_video
    from artify_core.models import load_model
    from artify_core.models.base import StyleImage
    from artify_core.video import probe_video
    from artify_core.settings import VideoRequest
    from flows.stylize_video import stylize_video

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paintings, bikes = SHARED / "style_video" / "paintings4.mp4", SHARED / "content" / "bikes.mp4"
    model = load_model("arbitrary", device="cpu")

    timings = []
    for _ in range(3):
        started = time.perf_counter()
        keyframes = extract_keyframes(paintings, model.embed_style)
        timings.append(time.perf_counter() - started)
    save_keyframes(keyframes, out / "paintings4")
    print(f"paintings4.mp4: {len(keyframes.segments)} segments at "
          f"{[s.start_frame for s in keyframes.segments[1:]]}, {len(keyframes.styles)} styles, keyframes "
          f"{[s.keyframe_frame for s in keyframes.styles]}; extraction {min(timings):.2f} s (best of 3, "
          f"{[round(t, 2) for t in timings]})")

    bikes_cuts = detect_video_cuts(bikes)
    bikes_styles = extract_keyframes(bikes, model.embed_style)
    print(f"bikes.mp4 as a style video: cuts {bikes_cuts}; segments "
          f"{[(s.start_frame, s.end_frame, s.style) for s in bikes_styles.segments]}; "
          f"frames either side: {cuts_strip(bikes, bikes_cuts, out / 'bikes_cuts.png')}")

    video = out / "bikes.paintings4.mp4"
    started = time.perf_counter()
    stylize_video(VideoRequest(content=str(bikes), style=[str(paintings)], output=str(video),
                               schedule={"schedule": "proportional", "transition": 1.0},
                               execution={"device": "cpu", "store": str(out / "store")}))
    print(f"stylized {video} in {time.perf_counter() - started:.1f} s")
    info = probe_video(bikes)
    schedule = proportional_schedule(keyframes.segments, info.frames, info.fps, transition_seconds=1.0)
    result = evaluate_video(video, bikes, [StyleImage(s.pixels) for s in keyframes.styles], cuts=bikes_cuts,
                            schedule=schedule, report_dir=out / "bikes.paintings4.report", contact_frames=8)
    table = result.per_frame.style_distance_by_style
    scheduled = np.where(schedule.mix >= 0.5, schedule.style_b, schedule.style_a)
    pure = schedule.mix == 0
    nearest = table.argmin(axis=1)
    others = np.array([np.delete(row, s).mean() for row, s in zip(table, scheduled)])
    summary = {
        "contact_sheet": str(result.report.contact_sheet),
        "plot": str(result.report.plot),
        "frames_nearest_to_scheduled_style_outside_transitions": f"{int((nearest == scheduled)[pure].sum())}"
                                                                  f"/{int(pure.sum())}",
        "mean_distance_to_scheduled": float(result.style_distance),
        "mean_distance_to_other_styles": float(others.mean()),
        "per_run": [{"style": int(s), "frames": int((scheduled == s).sum()),
                     "to_scheduled": float(table[scheduled == s, s].mean()),
                     "to_others": float(others[scheduled == s].mean())} for s in schedule.runs],
    }
    print(json.dumps(summary, indent=1))
    (out / "summary.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
