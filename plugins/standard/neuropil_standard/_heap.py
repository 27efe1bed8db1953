"""Keep freed memory in the process for the next training step, instead of handing it back to the
operating system and faulting it in again.

A training step allocates and frees the same large arrays every time (a convolution's im2col matrix,
its outputs and their gradients: megabytes each). glibc's defaults return such blocks to the kernel on
free (``mmap`` above its threshold, or trimming the heap's top), so the next step takes a page fault
on every 4 KiB of them and the kernel zeroes each page first: on the keras-io MNIST convnet that is
about 1,200 faults and 3 ms of system time per step, ~5% of it. Raising the two thresholds once, as a
framework's pooling allocator would, makes the blocks stay in the heap, ready for reuse.

Process-wide by nature (one allocator per process), glibc only (elsewhere nothing is done), and
opt-out with ``NEUROPIL_KEEP_FREED_MEMORY=0`` for a program that prefers its resident memory to
shrink after a peak.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

#: mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks below this come from the heap (glibc's largest allowed mmap threshold on 64-bit systems).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Free memory at the heap's top kept rather than returned.
TRIM_THRESHOLD = 1024 * 1024 * 1024

_done = False


def keep_freed_memory() -> bool:
    """Set glibc's thresholds once per process; whether they are set (False off glibc or opted out)."""
    global _done
    if _done:
        return True
    if os.environ.get("NEUROPIL_KEEP_FREED_MEMORY", "1") == "0":
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None) if libc is not None else None
    except OSError:
        mallopt = None
    if mallopt is None or not hasattr(libc, "gnu_get_libc_version"):
        return False
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _done
