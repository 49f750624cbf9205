"""Keep freed memory in the process instead of handing it back to the OS after every step.

glibc serves every allocation over 32 MiB with its own mmap and unmaps it on free, so each training
step at batch 256 (activations of 50-240 MB) page-faults all of its tensors in again: the kernel's
zeroing of fresh pages showed up as `fill_` and slow ReLU/BN in the profile, and took half the step
(off: 40 → 79 img/s once the memory is reused). Switching mmap off for malloc and never trimming the
heap makes the second step reuse the first step's pages. The cost is a resident size that stays at
its peak, which a training process reaches anyway.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # <malloc.h>
_done = False


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to reuse freed memory (idempotent). False where it doesn't apply (not
    Linux/glibc); nothing else changes then."""
    global _done
    if _done or not sys.platform.startswith("linux"):
        return _done
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and friends: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # -1 switches trimming off (mallopt(3)); any positive threshold is at most 2 GiB, and a freed
    # top of the heap above it, which a batch-256 step leaves, went back to the OS after all.
    _done = bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, -1))
    return _done
