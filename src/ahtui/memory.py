"""How the app asks the C allocator to hold memory: fewer arenas, so freed memory is reused.

glibc gives each thread that allocates its own arena (up to eight per core), and an arena
keeps what is freed in it for that thread's next allocations. The app's work is spread over
the main thread and Textual's workers (loading a caseload, a sync, an export), so at 50,000
people every arena ended up holding tens of megabytes another thread could have reused:
peak memory 354 MB, 314-318 MB with two arenas (`benchmarks/app.py --people 50000`), and
269 MB once what a closed site freed is given back (`give_back`) before the next unlock.
Elsewhere (macOS, musl) there is nothing to do and nothing is done.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys
from functools import cache
from typing import Any

# glibc's malloc.h: mallopt(M_ARENA_MAX, n).
_M_ARENA_MAX = -8
ARENAS = 2


@cache
def _glibc() -> Any:
    """The C library where it is glibc's (Linux), else None: only glibc has these calls."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Ask glibc for at most `arenas` arenas (from now on); whether it said yes."""
    with contextlib.suppress(AttributeError):  # a C library without mallopt (musl)
        if (libc := _glibc()) is not None:
            return bool(libc.mallopt(_M_ARENA_MAX, arenas))
    return False


def give_back() -> None:
    """Return the memory a closed site freed to the system (glibc's `malloc_trim`), so the
    next unlock (scrypt's 64 MiB) and caseload start from what is in use, not from the peak."""
    with contextlib.suppress(AttributeError):
        if (libc := _glibc()) is not None:
            libc.malloc_trim(0)
