"""Per-connection SQL functions for change capture: the clock source and the capture switch.

Registered on every site connection (store.site._connect). The capture triggers call
`sync_now()` for the physical part of the hybrid logical clock (the logical part lives in the
sync_clock table, so several processes on one file never reuse a timestamp) and
`sync_capture()` in their WHEN clause, so changes applied from a bundle are not re-captured as
local ones. `sync_local()` is 0 only while a bundle is applied: the audit and due-cache
triggers skip those rows, because the importer records and clears them once per bundle.
A clock is `physical_ms << 16 | counter`.
"""

from __future__ import annotations

import time
from typing import Any

SHIFT = 16


class ConnState:
    """Switches for one connection; tests move `offset_ms` to simulate a skewed clock."""

    __slots__ = ("capture", "local", "offset_ms")

    def __init__(self) -> None:
        self.capture = 1
        self.local = 1
        self.offset_ms = 0

    def now(self) -> int:
        return (int(time.time() * 1000) + self.offset_ms) << SHIFT

    def enabled(self) -> int:
        return self.capture

    def is_local(self) -> int:
        return self.local


_STATES: dict[int, ConnState] = {}


def register(conn: Any) -> ConnState:
    state = ConnState()
    conn.create_function("sync_now", 0, state.now, deterministic=False)
    conn.create_function("sync_capture", 0, state.enabled, deterministic=False)
    conn.create_function("sync_local", 0, state.is_local, deterministic=False)
    _STATES[id(conn)] = state
    return state


def state(conn: Any) -> ConnState:
    found = _STATES.get(id(conn))
    if found is None:
        found = register(conn)
    return found


def physical_ms(hlc: int) -> int:
    return hlc >> SHIFT
