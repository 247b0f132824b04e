"""Rows taken out of Python's cycle collector: a big caseload's rows, which can be in no cycle.

The collector walks every object it tracks on each full pass; with 50,000 caseload rows that
was 15-80 ms in the middle of a keystroke. Rows of text, dates and numbers are freed by
reference counting all the same, so they need not be tracked at all.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

# From this many rows, they are taken out of the cycle collector's passes (`set_aside`).
SET_ASIDE_FROM = 1000


def set_aside(rows: Sequence[Any], *, every: bool = False) -> None:
    """Take the rows out of the cycle collector's tracking: they hold only text, dates and
    numbers, so they can be in no cycle, and reference counting frees them as before.

    The collector stops tracking plain tuples of such values by itself, but never a named
    tuple; with 50,000 rows every full pass (a few times a minute while typing) walked them
    all, 15-80 ms in the middle of a keystroke. Unlike `gc.freeze` this sets aside nothing
    else, so no garbage is kept for the life of the app. CPython only (the API is its own).
    """
    if (len(rows) < SET_ASIDE_FROM and not every) or sys.implementation.name != "cpython":
        return
    import ctypes

    # Through `pythonapi`, which keeps the interpreter lock held during the call.
    untrack = ctypes.pythonapi.PyObject_GC_UnTrack
    untrack.argtypes = (ctypes.py_object,)
    untrack.restype = None
    for row in rows:
        untrack(row)
