"""Export: the bundle of what one peer lacks and may have, built, sealed and recorded as sent.

What may leave is `policy`'s (the sync policy file, column by column: nothing it does not
name) and `sharing`'s (person by person); how rows are laid out is `wire`'s. A bundle carries
state, not operations: whole rows, each column with its version, less the columns this peer
may not have (its block names the columns it carries).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal, overload

from ..domain.consent import as_list
from ..store import hlc as clock
from ..store import summaries
from ..store.capture import columns as table_columns
from ..store.capture import synced_tables
from ..store.migrations import latest_version
from ..store.site import Site, utc_now
from . import leaving, policy, restored, sharing
from .bundle import seal
from .errors import BundleRefused
from .keys import find_peer, identity, rotations
from .policy_file import EVERYWHERE, SyncPolicy
from .status import local_clock, received_cover
from .wire import Row, as_row, encode_block, hlc_iso

# A row as `_table_rows` selects it: a Row's first six fields (person and versions) in order,
# then the table's columns, from `_V` on.
_INS_ORIGIN = Row._fields.index("ins_origin")
_V = Row._fields.index("values")
_COLVERS = Row._fields.index("colvers")


@dataclass
class Export:
    """A bundle written for one peer (recorded as sent), and what it holds."""

    peer_id: str
    peer_name: str
    bundle_id: str
    sequence: int
    changes: int
    purges: int  # people the peer is told it may no longer hold (notices)
    data: bytes
    empty: bool


@overload
def export(
    site: Site,
    peer_ref: str,
    *,
    skip_if_empty: Literal[False] = False,
    rules: SyncPolicy | None = None,
) -> Export: ...
@overload
def export(
    site: Site, peer_ref: str, *, skip_if_empty: bool, rules: SyncPolicy | None = None
) -> Export | None: ...


def export(
    site: Site, peer_ref: str, *, skip_if_empty: bool = False, rules: SyncPolicy | None = None
) -> Export | None:
    """Build (and record as sent) the bundle for one peer; None if skipped as empty. What
    leaves is what `rules` (the shipped sync policy unless given) allows."""
    peer = find_peer(site, peer_ref)
    if peer["status"] != "trusted":
        raise BundleRefused(f"{peer['name']} is revoked; no bundle is written for it.")
    me = identity(site)
    conn = site.conn
    rules = policy.site_policy(conn, rules)
    with site.write():
        # Whatever may leave this site now goes before anything is read for the bundle.
        removed = leaving.release(site)
        if removed:
            summaries.mark(conn, removed)
        _, upto = local_clock(conn)
        ack = int(peer["acked"])
        # Less, on a site restored from a backup, until the peer has heard (`restored`).
        cover = restored.ack_for(conn, peer["site_id"], received_cover(conn, peer["site_id"]))
        payload, shared_updates, notices = _payload(site, peer, ack, upto, rules)
        changes = sum(t["n"] for t in payload["tables"].values())
        empty = not changes and not notices and not payload["withheld"]
        if skip_if_empty and empty and cover == peer["ack_sent"]:
            return None
        payload["ack"] = cover
        restored.stamp(conn, payload, peer["site_id"])
        seq = int(peer["next_bundle"])
        bundle_id = str(uuid.uuid4())
        header = {
            "from": site.site_id,
            "to": peer["site_id"],
            "schema": latest_version(),
            "bundle_id": bundle_id,
            "sequence": seq,
            "since": ack,
            "upto": upto,
            # This computer's clock, as the stamps read it: evidence of the time for the peer.
            "created_at": hlc_iso(clock.state(conn).now()),
        }
        chain = rotations(site)
        if chain:
            # Public keys and signatures only: a peer that trusts an older key of ours learns
            # the new ones from this header (signed by the old key), without a new card.
            header["rotations"] = chain
        data = seal(header, payload, me, bytes(peer["enc_public"]))
        for sql, params in shared_updates:
            conn.execute(sql, params)
        conn.execute(
            "INSERT INTO sync_bundles (bundle_id, direction, peer, sequence, since, upto, "
            "changes, purges, bytes) VALUES (?, 'sent', ?, ?, ?, ?, ?, ?, ?)",
            (bundle_id, peer["site_id"], seq, ack, upto, changes, notices, len(data)),
        )
        conn.execute(
            "UPDATE sync_peers SET next_bundle = ?, last_sent_at = ?, ack_sent = ? "
            "WHERE site_id = ?",
            (seq + 1, utc_now(), cover, peer["site_id"]),
        )
    return Export(peer["site_id"], peer["name"], bundle_id, seq, changes, notices, data, empty)


def _payload(
    site: Site, peer: Any, ack: int, upto: int, rules: SyncPolicy
) -> tuple[dict[str, Any], list[tuple[str, tuple[Any, ...]]], int]:
    """The payload for `peer` (changes after `ack` up to `upto`, and people sent in full),
    the updates to what this site records as shared with it, and how many people it is told
    about in notices."""
    conn = site.conn
    payload: dict[str, Any] = {"tables": {}, "notices": [], "withheld": []}
    if site.agency == sharing.HUB:
        return payload, [], 0
    plan = sharing.plan_export(site, peer, ack, upto)
    payload["notices"] = [[p, a, as_list(d)] for p, a, d in plan.notices]
    sites: dict[str, int] = {}
    withheld: list[str] = []
    hub = peer["agency"] == sharing.HUB
    same = peer["agency"] == site.agency
    for table in synced_tables(conn):
        out = policy.sent_columns(conn, rules, table, same_agency=same, hub=hub)
        if out is None:
            continue
        rows = _table_rows(site, peer, table, out, rules, ack, upto, plan, withheld)
        if rows:
            payload["tables"][table] = encode_block(out.names, rows, sites)
    if withheld:
        # With the version of the change that made each note sensitive: what a late copy of
        # it is measured against.
        payload["withheld"] = [
            [rid, hlc, origin]
            for rid, hlc, origin in conn.execute(
                "SELECT r.row_id, coalesce(c.hlc, r.ins_hlc), coalesce(c.origin, r.ins_origin) "
                "FROM sync_rows r LEFT JOIN sync_cols c ON c.tbl = r.tbl AND c.row_id = r.row_id "
                "AND c.col = 'sensitive' WHERE r.tbl = 'case_notes' AND r.row_id IN "
                "(SELECT value FROM json_each(?)) ORDER BY r.row_id",
                (json.dumps(sorted(set(withheld))),),
            )
        ]
    payload["sites"] = list(sites)
    return payload, plan.updates, len({p for p, _, _ in plan.notices})


def _table_rows(
    site: Site,
    peer: Any,
    table: str,
    out: policy.SentColumns,
    rules: SyncPolicy,
    ack: int,
    upto: int,
    plan: sharing.Plan,
    withheld: list[str],
) -> list[Row]:
    """One table's rows for `peer`, as `policy` lets them go (the columns of `out`); the ids
    of sensitive notes it may not have are added to `withheld`."""
    conn = site.conn
    pexpr = sharing.person_expr(conn, table)
    full = plan.full
    if not conn.execute(
        "SELECT 1 FROM sync_rows WHERE tbl = ? AND seq > ? LIMIT 1", (table, ack)
    ).fetchone() and not (full and pexpr is not None):
        return []
    notes = table == "case_notes"
    conflicts = table == "sync_conflicts"
    # The columns sent, then any the rules here read that are not sent.
    read = [
        "id",
        *(("sensitive", "agency") if notes else ()),
        *(("tbl", "row_id", "col") if conflicts else ()),
    ]
    cols = out.names + [c for c in read if c not in out.names and c in table_columns(conn, table)]
    width = len(out.names)
    select = (
        f"SELECT {pexpr or 'NULL'} AS _pid, r.ins_hlc, r.ins_origin, r.hlc, r.origin, "
        "coalesce(r.vv, json_object(r.ins_origin, r.ins_hlc)), "
        + ", ".join(f't."{c}"' for c in cols)
        + f' FROM sync_rows r JOIN "{table}" t ON t.id = r.row_id WHERE r.tbl = ? '
    )
    # A row that came from the peer unchanged is not sent back, unless the peer was restored
    # from a backup since and may lack it (`restored`).
    found = conn.execute(
        select + "AND r.seq > ? AND r.seq <= ? AND (r.src IS NULL OR r.src <> ? OR r.seq <= ?)",
        (table, ack, upto, peer["site_id"], restored.resend_upto(conn, peer["site_id"])),
    ).fetchall()
    if full and pexpr is not None:
        # Rows after `ack` are in the incremental part already.
        found += conn.execute(
            select + f"AND r.seq <= ? AND {pexpr} IN (SELECT value FROM json_each(?))",
            (table, ack, json.dumps(full)),
        ).fetchall()
    if not found:
        return []
    hub = peer["agency"] == sharing.HUB
    same = peer["agency"] == site.agency
    id_i = _V + cols.index("id")
    sens_i = _V + cols.index("sensitive") if notes else None
    agency_i = _V + cols.index("agency") if notes and "agency" in cols else None
    about = (
        (_V + cols.index("tbl"), _V + cols.index("row_id"), _V + cols.index("col"))
        if conflicts
        else None
    )
    # The notes conflicts are about, as held here: a conflict about a note goes where it may.
    about_notes = _notes_about(conn, found, about) if about is not None else {}
    kept: dict[str, Row] = {}
    seen: set[str] = set()
    for r in found:
        pid = r[0]
        rid = r[id_i]
        if rid in seen:
            continue
        seen.add(rid)
        if about is not None:
            # A conflict goes where the column it is about goes, as that column's rows do:
            # about the team directory to everyone, else with its person.
            goes = policy.column_goes(rules, r[about[0]], r[about[2]], same_agency=same, hub=hub)
            if goes is None or (goes != EVERYWHERE and (pid is None or pid not in plan.allowed)):
                continue
            if r[about[0]] == "case_notes":
                # A note not held here is one this site gave up or never took: its conflicts
                # stay here too.
                note = about_notes.get(r[about[1]])
                if note is None or not sharing.note_goes(conn, site, peer["agency"], *note):
                    continue
        elif pexpr is not None and (pid is None or pid not in plan.allowed):
            continue
        if sens_i is not None and not sharing.note_goes(
            conn, site, peer["agency"], r[sens_i], r[agency_i] if agency_i is not None else None,
            r[_INS_ORIGIN],
        ):  # fmt: skip
            withheld.append(rid)
            continue
        values = list(r[_V : _V + width])
        for i, v in out.blank:
            values[i] = v
        for i in out.month_only:
            if isinstance(values[i], str) and len(values[i]) >= 7:
                values[i] = values[i][:7] + "-01"
        kept[rid] = as_row(r[:_V] + (values, None))
    if not kept:
        return []
    sent = set(out.names)
    colvers: dict[str, dict[str, list[Any]]] = {}
    for row_id, col, hlc, origin, ctx in conn.execute(
        "SELECT row_id, col, hlc, origin, ctx FROM sync_cols WHERE tbl = ? AND row_id IN "
        "(SELECT value FROM json_each(?))",
        (table, json.dumps(list(kept))),
    ):
        if col in sent:
            colvers.setdefault(row_id, {})[col] = [hlc, origin, ctx]
    for rid, versions in colvers.items():
        kept[rid] = as_row(kept[rid][:_COLVERS] + (versions,))
    return list(kept.values())


def _notes_about(
    conn: Any, found: list[Any], about: tuple[int, int, int]
) -> dict[str, tuple[Any, str | None, str]]:
    """The case notes some of these conflicts are about, held here: (sensitive, agency,
    origin) by id."""
    ids = sorted({r[about[1]] for r in found if r[about[0]] == "case_notes"})
    if not ids:
        return {}
    return {
        r[0]: (r[1], r[2], r[3])
        for r in conn.execute(
            "SELECT n.id, n.sensitive, n.agency, coalesce(s.ins_origin, '') FROM case_notes n "
            "LEFT JOIN sync_rows s ON s.tbl = 'case_notes' AND s.row_id = n.id "
            "WHERE n.id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids),),
        )
    }
