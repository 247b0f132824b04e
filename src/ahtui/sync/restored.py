"""A site restored from a backup, and its peers: getting back what the backup lacks.

A backup is the site as it was: since then the site went on writing and exchanging bundles,
and its peers hold what it wrote and acknowledged. Restored, it holds less than they believe,
and each side would go on trusting an acknowledgement that is no longer true. Three things
put that right (docs/sync.md, "After a restore"):

- **Its own sequence moves on.** Peers hold changes numbered past the backup's last sequence;
  new changes numbered from there would look acknowledged already. `mark_restored` moves the
  sequence on by `SEQ_JUMP`, far beyond anything written between a backup and its restore.
- **It says so.** Every bundle it writes from then on carries its restore epoch (`restored`:
  when it was restored, in milliseconds), and, as its acknowledgement, what the backup held
  of that peer's changes, until the peer answers with a bundle that says it heard
  (`restore_seen`).
- **Peers believe it.** A peer that meets a newer epoch takes that acknowledgement as it is,
  lower than before, so its next bundle carries again every change since; and until that has
  been acknowledged it also sends back the restored site's own changes it holds (rows that
  came from the restored site unchanged, normally never echoed), which is how the changes the
  backup missed come home. A bundle written before the restore (an older epoch) arriving late
  still merges, but its acknowledgement no longer counts.

Peers keep what they know in `site_meta` (`sync_peer_restored:<site id>`: the epoch and this
site's sequence when it was heard of), which no bundle carries.
"""

from __future__ import annotations

import json
from typing import Any

from ..store.site import Site
from .status import RESTORED_KEY, local_clock, received_cover

SEQ_JUMP = 1 << 32
_OWN = RESTORED_KEY
_PEER = "sync_peer_restored:"


def _meta(conn: Any, key: str) -> Any:
    row = conn.execute("SELECT value FROM site_meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def _set_meta(conn: Any, key: str, value: Any) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO site_meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
    )


def _own(conn: Any) -> dict[str, Any]:
    return _meta(conn, _OWN) or {"epoch": 0, "covers": {}}


def own_epoch(conn: Any) -> int:
    """This site's restore epoch: 0 if it was never restored."""
    return int(_own(conn)["epoch"])


def mark_restored(site: Site, now_ms: int) -> int:
    """Record that `site` was just restored from a backup; return how many peers its next
    bundles tell."""
    with site.write() as conn:
        # Later than any earlier restore of this site, even one from a clock set back.
        epoch = max(now_ms, own_epoch(conn) + 1)
        # What the backup held of each peer's changes: the acknowledgement it sends them until
        # they answer a bundle that told them (`ack_for`).
        covers = {
            peer: received_cover(conn, peer)
            for (peer,) in conn.execute("SELECT site_id FROM sync_peers").fetchall()
        }
        _set_meta(conn, _OWN, {"epoch": epoch, "covers": covers})
        conn.execute("UPDATE sync_clock SET seq = seq + ? WHERE id = 1", (SEQ_JUMP,))
        # So the next `sync run` writes a bundle to every peer even with nothing new in it.
        conn.execute("UPDATE sync_peers SET ack_sent = -1")
    return len(covers)


def ack_for(conn: Any, peer_id: str, cover: int) -> int:
    """The acknowledgement to send the peer: how far this site holds its changes, except
    that a restored site says only what its backup held until the peer has answered with a
    bundle written after it heard of the restore. (Bundles it wrote before then left out
    this site's own changes, which a peer never echoes, so counting them would tell it to
    send less than this site lacks.)"""
    own = _own(conn)
    if peer_id in own["covers"]:
        return min(cover, int(own["covers"][peer_id]))
    return cover


def stamp(conn: Any, payload: dict[str, Any], peer_id: str) -> None:
    """Put in an outgoing payload this site's restore epoch, if it was restored, and the
    peer's, if this site has heard of one."""
    epoch = own_epoch(conn)
    if epoch:
        payload["restored"] = epoch
    seen, _ = _peer_state(conn, peer_id)
    if seen:
        payload["restore_seen"] = seen


def resend_upto(conn: Any, peer_id: str) -> int:
    """Up to which of this site's sequence numbers the peer's own changes go back to it
    (0: none; normally a peer is never sent back what came from it unchanged)."""
    return _peer_state(conn, peer_id)[1]


def _peer_state(conn: Any, peer_id: str) -> tuple[int, int]:
    found = _meta(conn, _PEER + peer_id)
    if not found:
        return 0, 0
    return int(found["epoch"]), int(found["resend_upto"])


def _number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def take_ack(conn: Any, peer_id: str, payload: dict[str, Any]) -> None:
    """Record the peer's acknowledgement of this site's changes, as its restore epoch says,
    and whether it has heard of this site's own restore.

    Call after the bundle's rows are merged (they are numbered in this site's sequence by
    then)."""
    own = _own(conn)
    if own["epoch"] and _number(payload.get("restore_seen")) == own["epoch"]:
        # The peer wrote this after hearing of the restore: it sent everything again.
        if own["covers"].pop(peer_id, None) is not None:
            _set_meta(conn, _OWN, own)
    ack, epoch = _number(payload.get("ack", 0)), _number(payload.get("restored", 0))
    known, _ = _peer_state(conn, peer_id)
    if epoch == known:
        conn.execute(
            "UPDATE sync_peers SET acked = max(acked, ?) WHERE site_id = ?", (ack, peer_id)
        )
        return
    _, seq = local_clock(conn)
    if epoch > known:
        _set_meta(conn, _PEER + peer_id, {"epoch": epoch, "resend_upto": seq})
        conn.execute("UPDATE sync_peers SET acked = ? WHERE site_id = ?", (ack, peer_id))
    else:
        # Written before the peer's restore: what it acknowledged is gone, and what it
        # brings the restored peer may lack too, so that goes back to it as well.
        _set_meta(conn, _PEER + peer_id, {"epoch": known, "resend_upto": seq})
