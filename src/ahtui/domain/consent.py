"""Which consent event decides, and what it decides: one order for every screen and site.

Consent to share with an agency is a log of events (offered, given, declined, withdrawn); a
correction is a new event, never a change to an old one. The event that decides, for one
person and one agency, is the latest by: the day it happened, then an offer before its answer
and a withdrawal after anything else on that day, then when it was written down, then its id.
Every site orders events the same way, so two sites holding the same events reach the same
decision; and because events only ever arrive, never change, the decision of two sites' events
together is simply the later of their two decisions. That makes a decision a value that only
moves forward, which sync can carry, compare and keep (ahtui.sync.sharing).
"""

from __future__ import annotations

from collections.abc import Iterable

# On one day an offer comes before its answer, and a withdrawal after it.
RANK = {"offered": 0, "given": 1, "declined": 1, "withdrawn": 2}

# (on_date, rank, created_at, event id, event): tuples compare on the first four, which are
# unique per event because the id is.
Decision = tuple[str, int, str, str, str]


def decision(on_date: str, event: str, created_at: str, event_id: str) -> Decision:
    return (str(on_date), RANK.get(event, 1), str(created_at), str(event_id), str(event))


def later(a: Decision | None, b: Decision | None) -> Decision | None:
    """The decision that wins: the later one; no decision at all loses to any."""
    if a is None:
        return b
    if b is None:
        return a
    return a if a[:4] >= b[:4] else b


def latest(decisions: Iterable[Decision | None]) -> Decision | None:
    found: Decision | None = None
    for d in decisions:
        found = later(found, d)
    return found


def allows_sharing(d: Decision | None) -> bool:
    return d is not None and d[4] == "given"


def receives(d: Decision | None, *, is_home: bool) -> bool:
    """Whether a site whose agency's latest decision is `d` is sent the person's records.

    A consent given, or, for the site where the person was first recorded (their home site),
    no event yet for its own agency: the team there works with the person before anyone has
    asked about sharing with its own agency. An offer with no answer, a refusal or a
    withdrawal sends nothing more.
    """
    return allows_sharing(d) or (d is None and is_home)


def as_list(d: Decision | None) -> list[object] | None:
    """A decision as bundles carry it."""
    return None if d is None else list(d)


def from_list(value: object) -> Decision | None:
    """A decision read from a bundle; ValueError if it is not one."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 5:
        raise ValueError("not a consent decision")
    on_date, rank, created_at, event_id, event = value
    if (
        not all(isinstance(x, str) for x in (on_date, created_at, event_id, event))
        or event not in RANK
        or rank != RANK[event]
    ):
        raise ValueError("not a consent decision")
    return (on_date, rank, created_at, event_id, event)
