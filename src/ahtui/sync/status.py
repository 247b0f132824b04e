"""Where sync stands with each peer: what this site holds of theirs, what waits for them, and
the bundles exchanged (for `ahtui sync status` and the sync screen).

Also the local clock and sequence the bundles are numbered by: a bundle covers this site's
changes up to a sequence, and a peer's acknowledgement says how far it holds them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..store import hlc as clock
from ..store.site import Site
from . import keys, leaving


def local_clock(conn: Any) -> tuple[int, int]:
    """This site's clock and the sequence number of its latest change."""
    row = conn.execute("SELECT hlc, seq FROM sync_clock WHERE id = 1").fetchone()
    return int(row[0]), int(row[1])


def received_cover(conn: Any, peer: str) -> int:
    """How far, without gaps from 0, we hold the peer's changes (its local sequence)."""
    cover = 0
    for since, upto in conn.execute(
        "SELECT since, upto FROM sync_received WHERE peer = ? ORDER BY since, upto", (peer,)
    ):
        if since <= cover:
            cover = max(cover, upto)
    return cover


# Where a site restored from a backup keeps its restore (`restored.py` writes it): when, and
# the peers yet to answer having heard of it, with what the backup held of their changes.
RESTORED_KEY = "sync_restored"


def restore_unheard(conn: Any) -> set[str]:
    """The peers that have not yet answered this restored site having heard of its restore."""
    row = conn.execute("SELECT value FROM site_meta WHERE key = ?", (RESTORED_KEY,)).fetchone()
    return set(json.loads(row[0])["covers"]) if row else set()


# An open conflict involves the site whose value lost and the site whose value won (the
# current version of the field; of deleted_at for an edit made while the record was deleted).
_CONFLICTS_WITH = """SELECT count(*) FROM sync_conflicts c
LEFT JOIN sync_cols v ON v.tbl = c.tbl AND v.row_id = c.row_id
  AND v.col = CASE c.kind WHEN 'delete' THEN 'deleted_at' ELSE c.col END
LEFT JOIN sync_rows r ON r.tbl = c.tbl AND r.row_id = c.row_id
WHERE c.resolved_at IS NULL AND c.deleted_at IS NULL
  AND (c.lost_origin = :peer OR coalesce(v.origin, r.ins_origin) = :peer)"""


def status(site: Site) -> list[dict[str, Any]]:
    conn = site.conn
    waiting: dict[str, int] = {}
    for w in leaving.leaving(site):
        for q in w.peers:
            waiting[q] = waiting.get(q, 0) + 1
    out = []
    unheard = restore_unheard(conn)
    for p in conn.execute("SELECT * FROM sync_peers ORDER BY name").fetchall():
        pending = conn.execute(
            "SELECT count(*) FROM sync_rows WHERE seq > ? AND (src IS NULL OR src <> ?)",
            (p["acked"], p["site_id"]),
        ).fetchone()[0]
        conflicts = conn.execute(_CONFLICTS_WITH, {"peer": p["site_id"]}).fetchone()[0]
        out.append(
            {
                "site_id": p["site_id"],
                "name": p["name"],
                "agency": p["agency"],
                "status": p["status"],
                "last_sent": p["last_sent_at"],
                "last_received": p["last_received_at"],
                "changes_pending": pending,
                "open_conflicts": conflicts,
                "waiting_to_leave": waiting.get(p["site_id"], 0),
                "clock_refused_at": p["clock_refused_at"],
                "restore_unheard": p["site_id"] in unheard,
                "clock_ahead_hours": round(p["clock_ahead_ms"] / 3_600_000)
                if p["clock_ahead_ms"]
                else None,
            }
        )
    return out


def clock_warning(site: Site) -> str | None:
    return clock.warning(site.conn)


def history(site: Site, limit: int = 50) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in site.query(
            "SELECT b.*, p.name AS peer_name FROM sync_bundles b LEFT JOIN sync_peers p "
            "ON p.site_id = b.peer ORDER BY b.at DESC, b.rowid DESC LIMIT ?",
            (limit,),
        )
    ]


# -- for the sync screen ---------------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    site_id: str
    name: str
    agency: str
    status: str
    fingerprint: str
    last_sent: str | None
    last_received: str | None
    changes_pending: int
    open_conflicts: int
    # What else an administrator should know about this peer, in plain words.
    notes: tuple[str, ...] = ()

    @property
    def fingerprint_short(self) -> str:
        return " ".join(self.fingerprint.split()[:2])


def peers(site: Site) -> list[Peer]:
    """Every peer with where sync stands (`status`) and its key fingerprint."""
    prints = {p["site_id"]: p["fingerprint"] for p in keys.peers(site)}
    return [
        Peer(
            p["site_id"],
            p["name"],
            p["agency"],
            p["status"],
            prints.get(p["site_id"], ""),
            p["last_sent"],
            p["last_received"],
            int(p["changes_pending"]),
            int(p["open_conflicts"]),
            tuple(peer_notes(p)),
        )
        for p in status(site)
    ]


def peer_notes(p: dict[str, Any]) -> list[str]:
    """Plain lines about one peer of `status`: a restore it has not yet heard of, records
    waiting for it before they leave this site, and a bundle of its refused for its clock."""
    out = []
    if p.get("restore_unheard"):
        out.append(
            f"This site was restored from a backup: {p['name']} sends again what the backup "
            "lacks once it has heard (exchange bundles with it twice)."
        )
    if p["waiting_to_leave"]:
        out.append(
            f"{p['waiting_to_leave']} records this site may no longer hold wait until "
            f"{p['name']} has this site's changes to them (they leave after its next bundle)."
        )
    if p["clock_refused_at"]:
        out.append(
            f"Refused a bundle from {p['name']} on {p['clock_refused_at'][:10]}: its changes "
            f"were stamped {p['clock_ahead_hours']} hours ahead of this computer's clock. Check "
            "the date and time on both computers; its next bundle is taken once they agree."
        )
    return out
