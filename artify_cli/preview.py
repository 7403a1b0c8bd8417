"""``artify preview``: a few frames per style, stylized as the full run would, on one sheet.

Runs in this process without Prefect (a sheet takes seconds, Prefect's start-up
would dominate); the ``preview`` flow (flows/preview.py) shows the same sheet as
a Prefect artifact. Its flags are the stylize flags that shape the pixels,
generated from the same settings (``artify_core.settings.PreviewRequest``).
"""

from __future__ import annotations

import argparse
import time

from artify_cli.options import add_options, request_from
from artify_core.settings import PREVIEW_OPTIONS, PreviewRequest

EXIT_OK = 0


def add_preview_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    preview = commands.add_parser("preview", help="a few frames per style on one sheet, before a long run",
                                  description="Stylize a few frames of CONTENT with each --style, exactly as "
                                              "`artify stylize` would, and lay them out on one labelled sheet.")
    add_options(preview, PreviewRequest, only=PREVIEW_OPTIONS)
    return preview


def run_preview(args: argparse.Namespace) -> int:
    from artify_core.preview import check_preview_request, render_preview_request

    started = time.perf_counter()
    request = request_from(args, PreviewRequest)
    info, out = check_preview_request(request)
    sheet = render_preview_request(request, info)
    sheet.save(out)
    seconds = ", ".join(f"{s:.2f}" for s in sheet.seconds)
    print(f"{out}: {len(sheet.styles)} styles at {seconds} s, {time.perf_counter() - started:.1f} s")
    return EXIT_OK
