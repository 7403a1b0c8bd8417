"""Process-wide settings for a process that streams video frames; entry points call them
(the CLI, the chunk task in a worker), importing this module changes nothing.

numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) for every
array of 4 MiB or more. A 720p float frame is 11 MiB and the temporal stage makes
dozens of them per frame; where the kernel's THP ``defrag`` setting is ``madvise``
(this project's machines, and a common default) each fresh one is faulted in with
direct compaction. Measured on the project's 2-core machine, smoothing 720p frames
(single-threaded): 22.9 ms of system time per frame with huge pages, 8.8 ms without,
and 16.1 against 15.1 frames/s on both cores (``bench/bench_temporal.py`` part 3).
"""

from __future__ import annotations


def prefer_small_pages() -> bool:
    """Stops numpy from asking for huge pages for large arrays (see the module docstring).

    Returns whether numpy's switch was found; numpy keeps it private, so a numpy
    without it leaves the default in place rather than failing.
    """
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:
        return False
    _set_madvise_hugepage(False)
    return True
