"""Per-connection SQL functions for change capture: the clock source and the capture switch.

Registered on every site connection (store.site._connect). The capture triggers call
`sync_stamp(trusted_ms)` for the physical part of the hybrid logical clock (the logical part
lives in the sync_clock table, so several processes on one file never reuse a timestamp) and
`sync_capture()` in their WHEN clause, so changes applied from a bundle are not re-captured as
local ones. `sync_local()` is 0 only while a bundle is applied: the audit and due-cache
triggers skip those rows, because the importer records and clears them once per bundle.
A clock is `physical_ms << 16 | counter`.

One wrong clock must not stamp changes days into the future: every peer would refuse every
bundle carrying them until real time caught up, however soon the clock was put right. So a
write is stamped no later than a day after the site's trusted time (`sync_clock.trusted_ms`:
its own writes made while the clock agreed, and the times other sites wrote the bundles it
imported). A clock further ahead than that is clamped, and `ahead_ms` says by how much, for
the app and `ahtui sync status` to say so; the stamps stay in order either way, which is all
the merge needs of them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

SHIFT = 16
DAY_MS = 24 * 3600 * 1000
# How far past the trusted time a write may be stamped; peers refuse changes stamped more
# than MAX_DRIFT_MS ahead of their own clock.
CLAMP_MS = DAY_MS
MAX_DRIFT_MS = 4 * DAY_MS


class ConnState:
    """Switches for one connection; tests move `offset_ms` to simulate a skewed clock."""

    __slots__ = ("ahead_ms", "capture", "local", "offset_ms", "pending_trust")

    def __init__(self) -> None:
        self.capture = 1
        self.local = 1
        self.offset_ms = 0
        # How far this computer's clock was ahead of the trusted time at the last write that
        # had to be clamped (0: none on this connection).
        self.ahead_ms = 0
        # The clock of this transaction's writes that agreed with the trusted time: it becomes
        # the trusted time when the transaction commits (`settle`), so a write costs one call.
        self.pending_trust = 0

    def wall_ms(self) -> int:
        return int(time.time() * 1000) + self.offset_ms

    def now(self) -> int:
        return self.wall_ms() << SHIFT

    def stamp(self, trusted_ms: int | None) -> int:
        """The physical part of a new local stamp: now, or a day past the trusted time. A
        clamped write does not move the trusted time on (or a clock days ahead would creep
        through a day at a time); one that agrees does, when it commits."""
        now = self.wall_ms()
        if trusted_ms and now > trusted_ms + CLAMP_MS:
            self.ahead_ms = now - trusted_ms
            return (trusted_ms + CLAMP_MS) << SHIFT
        if now > self.pending_trust:
            self.pending_trust = now
        return now << SHIFT

    def enabled(self) -> int:
        return self.capture

    def is_local(self) -> int:
        return self.local


_STATES: dict[int, ConnState] = {}


def register(conn: Any) -> ConnState:
    state = ConnState()
    conn.create_function("sync_now", 0, state.now, deterministic=False)
    conn.create_function("sync_stamp", 1, state.stamp, deterministic=False)
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


def trusted_ms(conn: Any) -> int:
    row = conn.execute("SELECT trusted_ms FROM sync_clock WHERE id = 1").fetchone()
    return int(row[0] or 0) if row else 0


def settle(conn: Any) -> None:
    """Before a transaction commits: its writes made while the clock agreed move the trusted
    time on (store.site calls this with the summaries, once a transaction)."""
    st = _STATES.get(id(conn))
    if st is not None and st.pending_trust:
        conn.execute(
            "UPDATE sync_clock SET trusted_ms = max(trusted_ms, ?) WHERE id = 1",
            (st.pending_trust,),
        )
        st.pending_trust = 0


def confirm(conn: Any, other_ms: int) -> None:
    """Another site's clock read `other_ms` when it wrote a bundle: evidence of the time,
    taken no further than this computer's own clock. Inside the import's transaction."""
    now = state(conn).wall_ms()
    conn.execute(
        "UPDATE sync_clock SET trusted_ms = max(trusted_ms, ?) WHERE id = 1",
        (min(int(other_ms), now),),
    )


def iso_ms(text: Any) -> int | None:
    """Milliseconds since 1970 of an ISO UTC time such as bundles carry; None if not one."""

    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def warning(conn: Any) -> str | None:
    """A plain warning when this computer's clock is far ahead of the latest time the site has
    reason to trust (its changes are then stamped no later than a day after it)."""
    trusted = trusted_ms(conn)
    ahead = state(conn).wall_ms() - trusted
    if not trusted or ahead <= MAX_DRIFT_MS:
        return None

    since = datetime.fromtimestamp(trusted / 1000, UTC).strftime("%d %b %Y")
    return (
        f"This computer's clock is {ahead / DAY_MS:.0f} days ahead of the latest date this site "
        f"can trust ({since}). If the clock is wrong, correct it. If it is right, the next "
        "bundle from another site confirms it; meanwhile changes made here are dated for sync "
        "no later than a day after that, so other sites still accept them."
    )
