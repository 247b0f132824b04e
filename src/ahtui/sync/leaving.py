"""Leaving: a site giving up a person or a sensitive note it may no longer hold.

A site that may no longer hold a person (not their home) takes nothing more of theirs
(`sharing.judge`), and removes their records only once every peer that may hold them has
acknowledged this site's changes to them, so nothing written here is lost on the way out
(`release`). A sensitive note another agency wrote leaves the same way. `leaving` says what
still waits, and for whom (`ahtui sync status`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..domain.consent import receives
from ..store.capture import synced_tables
from ..store.site import Site
from .sharing import HUB, decision_of, home_of, keep_decision, note_agency, person_expr


def person_rows(conn: Any, person_id: str) -> list[tuple[str, list[str]]]:
    found = []
    for table in synced_tables(conn):
        pexpr = person_expr(conn, table)
        if pexpr is None:
            continue
        ids = [
            r[0]
            for r in conn.execute(f'SELECT t.id FROM "{table}" t WHERE {pexpr} = ?', (person_id,))
        ]
        if ids:
            found.append((table, ids))
    return found


def delete_rows(conn: Any, table: str, ids: Iterable[str]) -> None:
    ids_json = json.dumps(list(ids))
    conn.execute(f'DELETE FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))', (ids_json,))
    for t in ("sync_rows", "sync_cols"):
        conn.execute(
            f"DELETE FROM {t} WHERE tbl = ? AND row_id IN (SELECT value FROM json_each(?))",
            (table, ids_json),
        )


def purge_person(conn: Any, person_id: str, own_agency: str | None = None) -> None:
    """Remove a person outright: their rows and versions, not captured. What this site told
    peers of its own agency stays (they are told the decision next); the rest goes."""
    for table, ids in person_rows(conn, person_id):
        delete_rows(conn, table, ids)
    conn.execute(
        "DELETE FROM sync_shared WHERE person_id = ? AND peer NOT IN "
        "(SELECT site_id FROM sync_peers WHERE agency = ?)",
        (person_id, own_agency or ""),
    )
    conn.execute("DELETE FROM sync_leaving WHERE person_id = ?", (person_id,))
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'due_cache'").fetchone():
        conn.execute("DELETE FROM due_cache WHERE person_id = ?", (person_id,))


def forget_row(conn: Any, table: str, row_id: str) -> None:
    """Give up one record, and the conflicts about it (they hold its values, lost ones)."""
    if table in synced_tables(conn):
        delete_rows(conn, table, [row_id])
        _forget_conflicts(
            conn,
            "SELECT id FROM sync_conflicts WHERE tbl = ? AND row_id = ?",
            (table, row_id),
        )


def _forget_conflicts(conn: Any, sql: str, params: tuple[Any, ...] = ()) -> None:
    ids = [r[0] for r in conn.execute(sql, params)]
    if ids:
        delete_rows(conn, "sync_conflicts", ids)


# Conflicts about case notes withheld from this site that it does not hold: they came with a
# copy of the note it refused (or from a site that did not yet know the note was sensitive).
_WITHHELD_CONFLICTS = (
    "SELECT c.id FROM sync_conflicts c JOIN sync_withheld w ON w.tbl = c.tbl "
    "AND w.row_id = c.row_id WHERE c.tbl = 'case_notes' "
    "AND NOT EXISTS (SELECT 1 FROM case_notes n WHERE n.id = c.row_id)"
)


def _peers(conn: Any) -> list[tuple[str, str, int]]:
    return [
        (r[0], r[1], int(r[2]))
        for r in conn.execute(
            "SELECT site_id, agency, acked FROM sync_peers "
            "WHERE status = 'trusted' AND agency <> 'hub' ORDER BY site_id"
        )
    ]


def _may_hold(conn: Any, person_id: str, agency: str, peer_id: str, home: str | None) -> bool:
    """Whether a peer takes the person's records from this site (so its acknowledgement means
    it has them): a home site that may not be sent them keeps its own record but takes no one
    else's."""
    return receives(decision_of(conn, person_id, agency), is_home=home == peer_id)


def _unacked(conn: Any, rows: list[tuple[str, list[str]]], acked: int, holders: list[str]) -> bool:
    """Whether these rows hold a change of this site's own that a peer has not acknowledged.

    A row as it came, unchanged, from a peer that may keep it is safe: that peer has it. Any
    other row (changed here, or from a site that may not keep it) must reach each peer first.
    """
    for table, ids in rows:
        if conn.execute(
            "SELECT 1 FROM sync_rows WHERE tbl = ? AND row_id IN (SELECT value FROM json_each(?)) "
            "AND seq > ? AND (src IS NULL OR src NOT IN (SELECT value FROM json_each(?))) LIMIT 1",
            (table, json.dumps(ids), acked, json.dumps(holders)),
        ).fetchone():
            return True
    return False


def _holders(conn: Any, person_id: str, may: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The peers to hand a person's records to before leaving them: of those that may hold
    them, the ones this site has sent them to. (This site's view of who
    else may hold them goes stale once it takes nothing more of theirs, and a site it never
    sent them to has them, if it may, from those that did.) If it has sent them to none, all
    that may hold them: what it wrote must reach someone."""
    sent = {
        r[0]
        for r in conn.execute(
            "SELECT peer FROM sync_shared WHERE person_id = ? AND state = 'shared'", (person_id,)
        )
    }
    return [(q, acked) for q, acked in may if q in sent] or may


@dataclass
class Waiting:
    """A person or note leaving this site, and the peers whose acknowledgement it waits for."""

    tbl: str
    row_id: str
    person_id: str
    since: str
    peers: list[str]


def leaving(site: Site) -> list[Waiting]:
    """What this site is giving up and still waits to hand over (for `ahtui sync status`)."""
    return [w for w in _review(site, release=False) if w.peers]


def release(site: Site) -> set[str]:
    """Give up what may go now; return the people removed. Inside a write transaction."""
    removed: set[str] = set()
    _forget_conflicts(site.conn, _WITHHELD_CONFLICTS)
    for w in _review(site, release=True):
        if w.peers:
            continue
        if w.tbl == "people":
            removed.add(w.person_id)
    return removed


def _review(site: Site, *, release: bool) -> list[Waiting]:
    conn = site.conn
    entries = conn.execute(
        "SELECT tbl, row_id, person_id, since FROM sync_leaving ORDER BY tbl, row_id"
    ).fetchall()
    if not entries:
        return []
    # A hub writes nothing of its own, so it has nothing to hand over first.
    peers = [] if site.agency == HUB else _peers(conn)
    out = []
    for tbl, rid, pid, since in entries:
        home = home_of(conn, pid)
        if tbl == "people":
            d = decision_of(conn, pid, site.agency)
            stays = home == site.site_id or receives(d, is_home=False)
            rows = [] if stays else person_rows(conn, pid)
            if stays or not rows:
                if release:
                    conn.execute(
                        "DELETE FROM sync_leaving WHERE tbl = 'people' AND row_id = ?", (rid,)
                    )
                    if not stays:
                        keep_decision(conn, pid, site.agency, d)
                continue
            holders = _holders(conn, pid, [
                (q, acked) for q, agency, acked in peers if _may_hold(conn, pid, agency, q, home)
            ])  # fmt: skip
            ids = [q for q, _ in holders]
            waits = [q for q, acked in holders if _unacked(conn, rows, acked, ids)]
            out.append(Waiting(tbl, rid, pid, since, waits))
            if release and not waits:
                keep_decision(conn, pid, site.agency, d)
                purge_person(conn, pid, site.agency)
        else:
            note = conn.execute(
                f'SELECT agency FROM "{tbl}" WHERE id = ?', (rid,)
            ).fetchone() if tbl == "case_notes" else None  # fmt: skip
            if note is None:
                if release:
                    conn.execute(
                        "DELETE FROM sync_leaving WHERE tbl = ? AND row_id = ?", (tbl, rid)
                    )
                continue
            origin = conn.execute(
                "SELECT ins_origin FROM sync_rows WHERE tbl = ? AND row_id = ?", (tbl, rid)
            ).fetchone()
            agency = note_agency(conn, site, note[0], origin[0] if origin else "")
            holders = _holders(conn, pid, [
                (q, acked)
                for q, q_agency, acked in peers
                if (agency is None or q_agency == agency)
                and _may_hold(conn, pid, q_agency, q, home)
            ])  # fmt: skip
            ids = [q for q, _ in holders]
            waits = [q for q, acked in holders if _unacked(conn, [(tbl, [rid])], acked, ids)]
            out.append(Waiting(tbl, rid, pid, since, waits))
            if release and not waits:
                forget_row(conn, tbl, rid)
                conn.execute("DELETE FROM sync_leaving WHERE tbl = ? AND row_id = ?", (tbl, rid))
    return out
