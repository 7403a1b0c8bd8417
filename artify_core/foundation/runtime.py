"""Process-wide settings for a process that streams video frames; entry points call
``configure_for_frames`` (the CLI, the chunk task in a worker) and, before torch loads,
``let_idle_threads_sleep`` (the packages of the CLI, the flows and the tasks); importing this module
changes nothing.

OpenMP's idle threads: torch's OpenMP team spins between operators, taking the cores the
decoder, the encoder, the flow threads and the smoother share with the model; sleeping threads
made smoothed runs faster at no cost elsewhere. libgomp reads the policy once, when torch loads.

Fresh memory for every frame: the temporal stage and the models make and drop large arrays every
frame, and left to the defaults each is fresh memory, a page fault per 4 KiB: numpy asks for
transparent huge pages (faulted in with direct compaction where THP ``defrag`` is ``madvise``), and
glibc's malloc serves large blocks with fresh ``mmap``s, trims freed memory and gives each
contending thread an arena. ``prefer_small_pages`` and ``reuse_freed_memory`` have the heap keep
frame-sized blocks instead; large blocks come from the heap only while a float frame is at most
32 MiB (up to 1080p), since with 4K frames the freed float frames leave holes and the heap grows.
The measurements behind each choice: docs/runtime.md.
"""

from __future__ import annotations

import ctypes
import os
import sys

# Frames whose float working copy is at most this size count as small (1920x1080x3x4 B = 24.9 MB).
SMALL_FRAME_BYTES = 32 << 20
# Blocks up to this size come from the heap for small frames, model activations included ...
HEAP_BLOCKS_SMALL_FRAMES = 1 << 30
# ... and up to glibc's own ceiling for its moving threshold otherwise (and before frames are known).
HEAP_BLOCKS_LARGE_FRAMES = 32 << 20
# The heap keeps up to this much freed memory at its top for the next frame's arrays.
KEEP_FREED_UP_TO = 256 << 20
# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8


def configure_for_frames(frame_size: tuple[int, int] | None = None) -> None:
    """Both settings below, for frames of (height, width) ``frame_size`` (None: not known yet);
    what entry points call before the first frame. Calling it again, for another video, re-tunes."""
    prefer_small_pages()
    small = frame_size is not None and frame_size[0] * frame_size[1] * 3 * 4 <= SMALL_FRAME_BYTES
    reuse_freed_memory(HEAP_BLOCKS_SMALL_FRAMES if small else HEAP_BLOCKS_LARGE_FRAMES)


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


def reuse_freed_memory(heap_blocks_up_to: int = HEAP_BLOCKS_LARGE_FRAMES) -> bool:
    """Has glibc's malloc keep freed frame-sized blocks for reuse (see the module docstring):
    one arena for all threads (frames are made on one thread and freed on another), blocks up
    to ``heap_blocks_up_to`` bytes from the heap, up to ``KEEP_FREED_UP_TO`` of freed memory kept.

    Returns whether the settings were taken; elsewhere than glibc (macOS, musl) nothing changes.
    """
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        libc = ctypes.CDLL("libc.so.6")
    except (OSError, ValueError, AttributeError):
        return False
    # Setting either threshold also stops glibc moving the mmap threshold by itself.
    settings = ((_M_ARENA_MAX, 1), (_M_MMAP_THRESHOLD, heap_blocks_up_to), (_M_TRIM_THRESHOLD, KEEP_FREED_UP_TO))
    taken = [libc.mallopt(ctypes.c_int(option), ctypes.c_int(value)) == 1 for option, value in settings]
    return all(taken)


def let_idle_threads_sleep() -> bool:
    """Has OpenMP's idle threads sleep rather than spin (``OMP_WAIT_POLICY=PASSIVE``, see the
    module docstring) unless the environment already chose a policy.

    Returns whether the policy can still take effect: False once torch is loaded, since
    OpenMP read its environment then (a process that loads torch first keeps its own choice).
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return "torch" not in sys.modules
