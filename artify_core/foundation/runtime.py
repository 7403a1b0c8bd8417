"""Process-wide settings for a process that streams video frames; entry points call
``configure_for_frames`` (the CLI, the chunk task in a worker) and, before torch loads,
``let_idle_threads_sleep`` (the packages of the CLI, the flows and the tasks); importing this module
changes nothing.

OpenMP's idle threads. torch runs the model's operators on an OpenMP team (GNU libgomp
in the Linux wheels) whose threads, between operators, spin on the CPU for a while before
they sleep. Alone, that saves a wake-up per operator; here the model shares the cores
with the decoder, the encoder, the flow threads and the smoother's passes, and the spinning takes their
time. Measured end to end at 720p on the project's 2-core machine, three interleaved
pairs each: smoothed 3.51-3.80 frames/s with spinning, 3.72-3.92 with sleeping threads
(the process's CPU per frame 424-463 -> 397-421 ms); unsmoothed 4.07-4.70 and 4.15-4.49,
the same within noise; the model alone 2-3 % slower in wall time at 3-4 % less CPU.
libgomp reads the policy once, when torch loads it.

Every frame the temporal stage and the models touch is a large array made and dropped
within a frame's time (a 720p float frame is 11 MiB; the smoother makes about twenty a
frame). Left to their defaults, the allocator and the kernel make each of them fresh
memory, and fresh memory costs a page fault per 4 KiB page:

* numpy asks for transparent huge pages (``madvise(MADV_HUGEPAGE)``) for every array
  of 4 MiB or more; where the kernel's THP ``defrag`` setting is ``madvise`` (this
  project's machines, and a common default) each is faulted in with direct compaction.
  Measured (720p smoothing, one thread): 22.9 ms of system time per frame with, 8.8 without.
* glibc's malloc serves blocks above its mmap threshold (128 KiB, rising up to 32 MiB
  as blocks are freed) with fresh ``mmap``s, gives freed memory at the top of its heap
  back to the kernel past 128 KiB, and gives each thread that contends an arena of its
  own. ``reuse_freed_memory`` has the heap keep them instead. Measured on the project's
  2-core machine (``bench/bench_temporal.py`` part 3's loop, ``bench/bench_memory.py``):

  ==========================  ===============  ================  ==================
  blocks from the heap        720p smoothing   720p end to end   4K: peak, s/frame
  ==========================  ===============  ================  ==================
  glibc's defaults            17-21 frames/s   3.4-3.6 frames/s  2.31 GB, 16.7
  up to 32 MiB                17-21 frames/s   4.1-4.4 frames/s  2.29 GB, 8.1
  up to 1 GiB                 22 frames/s      4.4-4.8 frames/s  2.8-2.9 GB, 5.7-6.6
  ==========================  ===============  ================  ==================

  (Each pass's speed over a few passes; 720p end to end without smoothing; 4K peak of the
  Python process with smoothing.)
  Up to 1 GiB the model's activations are reused too; but with 4K frames the freed
  100 MB float frames leave holes between the 8-bit frames the smoother holds, and the
  heap grows by half a gigabyte. So large blocks come from the heap only while a float
  frame is at most 32 MiB (up to 1080p; there the peak grows 1.78 -> 2.05-2.16 GB).
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
