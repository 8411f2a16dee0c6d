"""Keep freed memory in the process for the next search instead of handing it back.

A search allocates its arrays afresh (boolean and row maps over each segment's documents,
gathered postings): tens of megabytes at 1,000,000 messages. With glibc's defaults, blocks
that large are mapped from the kernel for each allocation and unmapped when freed, and
the heap's top is trimmed back to the kernel, so every search paid ~8,500 page faults
(measured at 1M messages: a phrase of two common words spent half of its 57 ms of CPU
faulting in fresh pages). `keep_freed_memory()` raises glibc's mmap and trim thresholds
(mallopt), so freed blocks stay in the heap and the next search reuses them: the process
holds on to up to `TRIM_BYTES` of free memory after its largest search instead.

Called once when search is set up (SearchService); a no-op off glibc, and when the
operator set glibc's own MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ variables.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

MMAP_BYTES = 32 * 2**20  # allocations below this come from the heap (glibc's maximum)
TRIM_BYTES = 128 * 2**20  # free memory at the top of the heap kept before trimming
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_done = False


def keep_freed_memory() -> bool:
    """Raise glibc's thresholds once per process; True when they were set."""
    global _done
    if _done or not sys.platform.startswith("linux"):
        return False
    _done = True
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_BYTES)
    )
