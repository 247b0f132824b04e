"""Export and import: what a peer may have, and merging what arrives.

State, not operations, travels: a bundle carries whole rows, each column with its version
(hybrid logical clock, origin site) and causal context, so merging is per column "highest
(clock, origin) wins" and gives the same result in any order, any number of times.

Concurrency: version A was seen by the writer of version B if B's context (the row's version
vector when B was written) covers A's clock for A's origin. A losing value its winner had not
seen is kept in sync_conflicts under an id made from the lost version, with a version made
from it too, so every site that meets it records the same row, and the row syncs. A delete
(deleted_at) and an edit neither had seen are raised the same way, kind 'delete'; the edit
stays on the tombstoned row.

What leaves for a peer (see README, "Sync between sites", and `sharing`, which decides):
- a person's rows (and their children's) only while the peer may be sent them: the person's
  latest consent decision for the peer's agency allows it, or the peer is the person's home
  and no one has decided about its agency yet; a peer that may no longer have them is sent
  the decision as a notice; newly consented people, and people under a new decision, are sent
  in full;
- sensitive case notes only to peers of the agency that wrote them; others are told the note
  is withheld, with the version that made it sensitive;
- a supervisors' hub gets what this site may hold itself, with every free-text column and the
  person's names blanked and the day of birth dropped, and no sensitive notes; a hub sends
  acknowledgements only, and a bundle from a hub carrying anything else is refused;
- practitioners (team directory) go to every trusted peer; accounts and keys never leave.
"""

from __future__ import annotations

import gc
import json
import os
import stat
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice, repeat
from operator import itemgetter, le
from pathlib import Path
from typing import Any

from ..domain import limits
from ..domain.consent import allows_sharing, as_list, from_list
from ..errors import AhtuiError
from ..store import hlc as clock
from ..store import summaries
from ..store.capture import META_COLUMNS, VV, not_null_columns, synced_tables
from ..store.capture import columns as table_columns
from ..store.migrations import latest_version
from ..store.site import IntegrityError, Site, utc_now
from . import sharing
from .bundle import FORMAT, open_body, parse, read_head, seal, signed_by, verify
from .errors import BundleRefused
from .keys import (
    decryption_keys,
    find_peer,
    identity,
    replace_peer_keys,
    retired_key_date,
    rotated_keys,
    rotations,
)
from .labels import table_label

PARENTS = sharing.PARENTS
# Shared with every peer; any other table that is not tied to a person never leaves.
GLOBAL_TABLES = {"practitioners"}
# Free text a supervisors' hub never receives.
FREE_TEXT = {
    "notes", "body", "note", "about_me", "what_helps", "outcomes", "next_meeting_note",
    "plan_text", "issues", "positives", "checkin_notes", "reason", "lost_value", "snapshot",
    "why", "goal", "step", "support", "value", "outcome", "bail", "legal_aid", "accommodation",
    "work", "family_ties", "myplan_parts", "travel", "subject", "address", "resolution",
    "offer_outcome", "vetting_outcome", "who_helps", "who_attends",
    # Names and contact details of people around the person (never practitioners' names,
    # which the supervisors' queries report against).
    "referred_to", "gate_person", "gate_backup", "first_appointment_place",
    "coordinator_name", "coordinator_contact", "relationship", "location",
    "personal_contacts.name", "personal_contacts.phone", "personal_contacts.email",
    "network_members.name", "meeting_attendees.name",
    # The person's own names: a hub counts people, it never needs to name them.
    "people.given_name", "people.family_name", "people.preferred_name",
}  # fmt: skip
# What a hub holds of a date of birth: the month (ages and age bands), never the day.
HUB_MONTH_ONLY = {"people.date_of_birth"}
# Columns whose concurrent changes are not conflicts (two deletes mean the same thing).
NO_CONFLICT = {"deleted_at"}
# Changes stamped further ahead of this computer's clock are refused.
MAX_DRIFT_MS = clock.MAX_DRIFT_MS
# The largest bundle file read (refused before reading), and the most its sealed changes may
# unpack to: far above a first exchange of a 50,000-person site, far below this machine's
# memory, so a damaged or hostile file cannot exhaust it.
MAX_BUNDLE_BYTES = 512 * 2**20
MAX_PAYLOAD_BYTES = 2 * 2**30
_NS = uuid.UUID("6f1c2f4e-5a55-4d43-9a38-2f4f8a1d7c11")


# A bulk insert: at least this many new rows for one table in one bundle.
BULK_ROWS = 200
# Insert triggers that never fire while a bundle is applied (sync_local() and
# sync_capture() are both off then).
_IDLE_WHEN = ("WHEN sync_local()", "WHEN sync_capture()")


@contextmanager
def _bulk_insert(conn: Any, table: str, rows: int) -> Iterator[None]:
    """Set aside what slows a bulk insert into `table`, and put it all back after.

    The table's insert triggers that would do nothing now go: their presence alone makes
    SQLite run a trigger program and keep a statement journal (a copy of every page touched)
    for each row. When the new rows outnumber those already there (a first exchange, say),
    its plain indexes go too and are built again afterwards, one sort instead of a random
    B-tree insert per row. All of it happens inside the import's transaction, so a failure or
    a crash leaves the schema exactly as it was.
    """
    if rows < BULK_ROWS:
        yield
        return
    schema = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
        "AND type IN ('trigger', 'index')",
        (table,),
    ).fetchall()
    aside = [
        (kind, name, sql)
        for kind, name, sql in schema
        if kind == "trigger" and " INSERT ON " in sql and any(w in sql for w in _IDLE_WHEN)
    ]
    held = conn.execute(
        f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT ?)', (rows,)
    ).fetchone()[0]
    if held < rows:
        aside += [
            (kind, name, sql)
            for kind, name, sql in schema
            if kind == "index" and not sql.lstrip().upper().startswith("CREATE UNIQUE")
        ]
    for kind, name, _ in aside:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    try:
        yield
    finally:
        for _, _, sql in aside:
            conn.execute(sql)


def _own_vv(r: Sequence[Any]) -> str | None:
    """A row's version vector as stored: none (NULL) when it says only "created by its origin",
    as the capture triggers store it; the readers put that back (`VV`). A tenth of the pages a
    first exchange writes were this text."""
    vv = r[5]
    return None if vv is None or vv == f'{{"{r[2]}":{r[1]}}}' else vv


def _filled_columns(
    conn: Any, table: str, names: list[str], rows: list[Sequence[Any]], empty: set[str] | None
) -> list[int]:
    """The columns an insert of these rows must name: any with a value in some row, and any
    with a default (an empty value there must stay empty, not become the default). Binding
    the others only to write NULL costs more than the rest of a typical row. `empty` names
    columns known to be empty in every row (the bundle says so); only a bundle that does not
    say (format 1) has its rows looked through."""
    defaults = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[4] is not None}
    return [
        i
        for i, name in enumerate(names)
        if name in defaults
        or (any(r[6][i] is not None for r in rows) if empty is None else name not in empty)
    ]


_NOT_TEXT_ENDINGS = ("_id", "_on", "_at", "_date", "_months", "_hlc")


def combinable(conn: Any, table: str, col: str) -> bool:
    """Whether two values of this column can be joined into one: words, not codes or dates."""
    if col in FREE_TEXT or f"{table}.{col}" in FREE_TEXT:
        return True
    info = {r[1]: (r[2] or "").upper() for r in conn.execute(f'PRAGMA table_info("{table}")')}
    if col == "id" or col.endswith(_NOT_TEXT_ENDINGS) or info.get(col) != "TEXT":
        return False
    # A CHECK naming the column marks a code (pathway, status, event...).
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    return not any(
        "CHECK" in line and f"{col} " in line.split("CHECK", 1)[1] for line in sql.splitlines()
    )


person_expr = sharing.person_expr


def _hlc_iso(hlc: int) -> str:
    ms = clock.physical_ms(hlc)
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _clock(conn: Any) -> tuple[int, int]:
    row = conn.execute("SELECT hlc, seq FROM sync_clock WHERE id = 1").fetchone()
    return int(row[0]), int(row[1])


def allowed_people(site: Site, agency: str) -> set[str]:
    """People whose latest consent decision for `agency` allows sharing (a hub: this site's)."""
    if agency == "hub":
        agency = site.agency
    if agency == "hub":
        return set()
    return {p for p, d in sharing.decisions(site.conn, agency).items() if allows_sharing(d)}


def received_cover(conn: Any, peer: str) -> int:
    """How far, without gaps from 0, we hold the peer's changes (its local sequence)."""
    cover = 0
    for since, upto in conn.execute(
        "SELECT since, upto FROM sync_received WHERE peer = ? ORDER BY since, upto", (peer,)
    ):
        if since <= cover:
            cover = max(cover, upto)
    return cover


# -- export ----------------------------------------------------------------------------------


@dataclass
class Export:
    peer_id: str
    peer_name: str
    bundle_id: str
    sequence: int
    changes: int
    purges: int  # people the peer is told it may no longer hold (notices)
    data: bytes
    empty: bool


def export(site: Site, peer_ref: str, *, skip_if_empty: bool = False) -> Export | None:
    """Build (and record as sent) the bundle for one peer; None if skipped as empty."""
    peer = find_peer(site, peer_ref)
    if peer["status"] != "trusted":
        raise BundleRefused(f"{peer['name']} is revoked; no bundle is written for it.")
    me = identity(site)
    conn = site.conn
    with site.write():
        # Whatever may leave this site now goes before anything is read for the bundle.
        removed = sharing.release(site)
        if removed:
            summaries.mark(conn, removed)
        _, upto = _clock(conn)
        ack = int(peer["acked"])
        cover = received_cover(conn, peer["site_id"])
        payload, shared_updates, notices = _payload(site, peer, ack, upto)
        changes = sum(t["n"] for t in payload["tables"].values())
        empty = not changes and not notices and not payload["withheld"]
        if skip_if_empty and empty and cover == peer["ack_sent"]:
            return None
        payload["ack"] = cover
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
            "created_at": _hlc_iso(clock.state(conn).now()),
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
    site: Site, peer: Any, ack: int, upto: int
) -> tuple[dict[str, Any], list[tuple[str, tuple[Any, ...]]], int]:
    conn = site.conn
    pid_peer = peer["site_id"]
    hub = peer["agency"] == "hub"
    payload: dict[str, Any] = {"tables": {}, "notices": [], "withheld": []}
    if site.agency == "hub":
        return payload, [], 0
    plan = sharing.plan_export(site, peer, ack, upto)
    allowed, full = plan.allowed, plan.full
    payload["notices"] = [[p, a, as_list(d)] for p, a, d in plan.notices]
    sites: dict[str, int] = {}
    full_json = json.dumps(full)
    withheld: list[str] = []
    for table in synced_tables(conn):
        pexpr = person_expr(conn, table)
        if pexpr is None and table not in GLOBAL_TABLES:
            continue
        cols = table_columns(conn, table)
        notnull = not_null_columns(conn, table)
        select = (
            f"SELECT {pexpr or 'NULL'} AS _pid, r.ins_hlc, r.ins_origin, r.hlc, r.origin, "
            "coalesce(r.vv, json_object(r.ins_origin, r.ins_hlc)), "
            + ", ".join(f't."{c}"' for c in cols)
            + f' FROM sync_rows r JOIN "{table}" t ON t.id = r.row_id WHERE r.tbl = ? '
        )
        if not conn.execute(
            "SELECT 1 FROM sync_rows WHERE tbl = ? AND seq > ? LIMIT 1", (table, ack)
        ).fetchone() and not (full and pexpr is not None):
            continue
        found = conn.execute(
            select + "AND r.seq > ? AND r.seq <= ? AND (r.src IS NULL OR r.src <> ?)",
            (table, ack, upto, pid_peer),
        ).fetchall()
        if full and pexpr is not None:
            # Rows after `ack` are in the incremental part already.
            found += conn.execute(
                select + f"AND r.seq <= ? AND {pexpr} IN (SELECT value FROM json_each(?))",
                (table, ack, full_json),
            ).fetchall()
        if not found:
            continue
        notes = table == "case_notes"
        sens_idx = cols.index("sensitive") + 6 if notes else None
        agency_idx = cols.index("agency") + 6 if notes and "agency" in cols else None
        tbl_i = cols.index("tbl") if table == "sync_conflicts" else 0
        blank = (
            [
                (i + 6, "" if c in notnull else None)
                for i, c in enumerate(cols)
                if c in FREE_TEXT or f"{table}.{c}" in FREE_TEXT
            ]
            if hub
            else []
        )
        month_only = (
            [i + 6 for i, c in enumerate(cols) if f"{table}.{c}" in HUB_MONTH_ONLY] if hub else []
        )
        out_rows = []
        seen: set[str] = set()
        for r in found:
            pid = r[0]
            rid = r[6 + cols.index("id")]
            if rid in seen:
                continue
            seen.add(rid)
            if pexpr is not None and (pid is None or pid not in allowed):
                # Conflicts about the team directory belong to no person and go to everyone.
                if not (table == "sync_conflicts" and r[6 + tbl_i] in GLOBAL_TABLES):
                    continue
            if sens_idx is not None and r[sens_idx]:
                agency = sharing.note_agency(
                    conn, site, r[agency_idx] if agency_idx is not None else None, r[2]
                )
                if hub or not sharing.note_allowed(peer["agency"], agency, site.agency):
                    withheld.append(rid)
                    continue
            values = list(r[6:])
            for i, v in blank:
                values[i - 6] = v
            for i in month_only:
                if isinstance(values[i - 6], str) and len(values[i - 6]) >= 7:
                    values[i - 6] = values[i - 6][:7] + "-01"
            out_rows.append([pid, r[1], r[2], r[3], r[4], r[5], values, None])
        if not out_rows:
            continue
        by_id = {row[6][cols.index("id")]: row for row in out_rows}
        for row_id, col, hlc, origin, ctx in conn.execute(
            "SELECT row_id, col, hlc, origin, ctx FROM sync_cols WHERE tbl = ? AND row_id IN "
            "(SELECT value FROM json_each(?))",
            (table, json.dumps(list(by_id))),
        ):
            row = by_id[row_id]
            if row[7] is None:
                row[7] = {}
            row[7][col] = [hlc, origin, ctx]
        payload["tables"][table] = _encode_block(cols, out_rows, sites)
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


# -- bundle blocks ---------------------------------------------------------------------------
#
# A table's rows travel by column (bundle format 2): one list per column, and one per part of
# every row's version (person, creation clock and origin, latest clock and origin, version
# vector, column versions). What nearly every row shares is left out: a column empty in every
# row is sent as null, the latest version when it is the creation version of every row, a
# version vector that says only "created by its origin", the person when it is the row's own
# id or person_id column. Origins are numbers into the payload's list of site ids. Half the
# bytes of a row-by-row block were these repeats, and reading a bundle is mostly parsing it.

# A table's columns, its rows as the merge reads them, and its columns empty in every row.
_Block = tuple[list[str], list[Sequence[Any]], set[str] | None]


def _encode_block(cols: list[str], rows: list[list[Any]], sites: dict[str, int]) -> dict[str, Any]:
    n = len(rows)
    pid, ins_hlc, ins_origin, hlc, origin, vv, values, colv = (
        list(c) for c in zip(*rows, strict=True)
    )
    by_col = [list(c) for c in zip(*values, strict=True)] if values and cols else [[] for _ in cols]
    block: dict[str, Any] = {
        "cols": cols,
        "n": n,
        "values": [None if c.count(None) == n else c for c in by_col],
        "ins_hlc": ins_hlc,
    }
    pid_col = next(
        (c for c in ("id", "person_id") if c in cols and by_col[cols.index(c)] == pid), None
    )
    if pid_col is not None:
        block["pid_col"] = pid_col
    else:
        block["pid"] = pid
    block["ins_origin"] = [sites.setdefault(o, len(sites)) for o in ins_origin]
    if hlc != ins_hlc:
        block["hlc"] = hlc
    if origin != ins_origin:
        block["origin"] = [sites.setdefault(o, len(sites)) for o in origin]
    own = [
        None if v == f'{{"{o}":{h}}}' else v
        for v, o, h in zip(vv, ins_origin, ins_hlc, strict=True)
    ]
    if own.count(None) != n:
        block["vv"] = own
    if colv.count(None) != n:
        block["colvers"] = colv
    return block


def _site_ids(numbers: list[int], sites: list[str]) -> list[str]:
    if min(numbers, default=0) < 0:
        raise ValueError("an origin is not a site of the bundle")
    return [sites[i] for i in numbers]


def _decode_block(
    block: dict[str, Any], sites: list[str]
) -> tuple[list[Sequence[Any]], set[str] | None]:
    """A block's rows as the merge reads them ((person, ins_hlc, ins_origin, hlc, origin, vv,
    values, column versions); vv None meaning "created by its origin"), and the columns empty
    in every row (None if not known). Blocks of format 1 bundles are rows already."""
    cols = block["cols"]
    if "rows" in block:
        return block["rows"], None
    n = block["n"]
    given = block["values"]
    if not isinstance(n, int) or len(given) != len(cols):
        raise ValueError("a block does not match its columns")
    values = [[None] * n if c is None else c for c in given]
    empty = {c for c, v in zip(cols, given, strict=True) if v is None}
    ins_hlc = block["ins_hlc"]
    ins_origin = _site_ids(block["ins_origin"], sites)
    hlc = block.get("hlc", ins_hlc)
    origin = _site_ids(block["origin"], sites) if "origin" in block else ins_origin
    pid = block["pid"] if "pid_col" not in block else values[cols.index(block["pid_col"])]
    vv = block.get("vv") or [None] * n
    colv = block.get("colvers") or [None] * n
    parts = (pid, ins_hlc, ins_origin, hlc, origin, vv, colv, *values)
    if any(not isinstance(p, list) or len(p) != n for p in parts):
        raise ValueError("a block's columns differ in length")
    # Tuples, zipped in C: a Python loop building a list per row cost more than parsing.
    rows = list(
        zip(
            pid,
            ins_hlc,
            ins_origin,
            hlc,
            origin,
            vv,
            zip(*values, strict=True) if cols else repeat((), n),
            colv,
            strict=True,
        )
    )
    return rows, empty


# -- import ----------------------------------------------------------------------------------


@dataclass
class Imported:
    bundle_id: str
    peer_name: str
    changes: int = 0
    applied: int = 0
    conflicts: int = 0
    purges: int = 0
    already: bool = False
    notes: list[str] = field(default_factory=list)


def _int(header: dict[str, Any], key: str, name: str) -> int:
    try:
        value = header[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        return value
    except (KeyError, TypeError) as exc:
        raise BundleRefused(f"{name} is damaged: its header has no valid {key}.") from exc


def _addressed(site: Site, h: dict[str, Any], name: str) -> Any:
    """The trusted peer a bundle header comes from, after the checks that need no more of the
    file than its header: format, sender, recipient. Raises BundleRefused."""
    fmt = _int(h, "format", name)
    if fmt > FORMAT:
        raise BundleRefused(
            f"{name} uses bundle format {fmt}, newer than this ahtui reads ({FORMAT}). "
            "Upgrade ahtui, then import it again."
        )
    to, frm = h.get("to"), h.get("from")
    if not isinstance(to, str) or not isinstance(frm, str):
        raise BundleRefused(f"{name} is damaged: its header does not say who it is from and to.")
    if to != site.site_id:
        other = site.one("SELECT name FROM sync_peers WHERE site_id = ?", (to,))
        where = f"{other['name']} ({to})" if other else to
        raise BundleRefused(f"{name} is addressed to another site, {where}, not to this one.")
    peer = site.one("SELECT * FROM sync_peers WHERE site_id = ?", (frm,))
    if peer is None:
        raise BundleRefused(
            f"{name} comes from a site this site does not trust ({frm}). Exchange site cards "
            "with `ahtui keys card` and `ahtui keys trust` first."
        )
    if peer["status"] == "revoked":
        raise BundleRefused(
            f"{name} comes from {peer['name']}, whose key was revoked on {peer['revoked_at']}."
        )
    return peer


def already_imported(site: Site, h: dict[str, Any]) -> bool:
    found = site.one("SELECT 1 FROM sync_bundles WHERE bundle_id = ?", (str(h.get("bundle_id")),))
    return bool(found)


class Unreadable(AhtuiError):
    """A file in the way of an import that could not be read as a file at all (exit code 1)."""


def import_file(site: Site, path: Path) -> Imported:
    """Import one bundle file: refused before it is read if it is not a regular file or is
    too large, and after reading only its header if it is for another site or imported
    already; only then read whole, verified and applied."""
    name = path.name
    try:
        # O_NONBLOCK: a pipe named like a bundle must not hang the import.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise Unreadable(f"{name} cannot be read: {exc.strerror}; it was skipped.") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise Unreadable(
            f"{name} is not a regular file (a folder, a pipe or a device), so it was "
            "skipped. Only bundle files written by `ahtui sync export` belong here."
        )
    with os.fdopen(fd, "rb") as f:
        if info.st_size > MAX_BUNDLE_BYTES:
            raise BundleRefused(_too_big(name, info.st_size))
        header = read_head(f, info.st_size, name)
        peer = _addressed(site, header, name)
        if already_imported(site, header):
            return Imported(str(header.get("bundle_id")), peer["name"], already=True)
        try:
            f.seek(0)
            data = f.read()
        except OSError as exc:
            raise Unreadable(f"{name} cannot be read: {exc.strerror}; it was skipped.") from exc
    return import_bundle(site, data, name)


def import_bundle(site: Site, data: bytes, name: str = "the bundle") -> Imported:
    """Verify, decrypt and apply one bundle in one transaction (or refuse it, changing nothing)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleRefused(_too_big(name, len(data)))
    parsed = parse(data, name)
    h = parsed.header
    peer = _addressed(site, h, name)
    frm = peer["site_id"]
    sign_key = bytes(peer["sign_public"])
    rotated = rotated_keys(frm, h.get("rotations"), sign_key)
    try:
        verify(parsed, rotated[0] if rotated else sign_key, name)
    except BundleRefused:
        retired = retired_key_date(peer, lambda key: signed_by(parsed, key))
        if retired is not None:
            raise BundleRefused(
                f"{name} was signed with a key {peer['name']} replaced on {retired[:10]}, so "
                "it is refused; nothing was applied. Its changes come again in the site's "
                "next bundle."
            ) from None
        raise
    schema = _int(h, "schema", name)
    if schema > latest_version():
        raise BundleRefused(
            f"{name} was written with a newer schema (version {schema}) than this ahtui "
            f"knows ({latest_version()}). Upgrade ahtui, then import it again."
        )
    bundle_id = str(h.get("bundle_id"))
    since, upto = _int(h, "since", name), _int(h, "upto", name)
    result = Imported(bundle_id, peer["name"])
    if already_imported(site, h):
        result.already = True
        return result
    with _collector_paused():
        payload = open_body(parsed, decryption_keys(site), name, MAX_PAYLOAD_BYTES)
        if peer["agency"] == "hub":
            _hub_sends_nothing(payload, name, peer["name"])
        blocks = _blocks(payload, name)
        notices, withheld = _sharing_parts(payload, name)
        newest = _check_drift(site, blocks, name, peer)
        _apply(
            site, peer, h, payload, blocks, notices, withheld, since, upto, len(data), result,
            newest, rotated,
        )  # fmt: skip
        # Freed while the collector is paused: alive when it restarts, the next collection
        # would walk every one of these objects once more.
        del payload, blocks
    return result


def _too_big(name: str, size: int) -> str:
    return (
        f"{name} is {size / 2**20:.0f} MiB, more than the {MAX_BUNDLE_BYTES // 2**20} MiB a "
        "bundle may be; it was not read. Ask the sender to export again (bundles of that size "
        "only come from a first exchange of a very large site: export it in several steps)."
    )


def _hub_sends_nothing(payload: dict[str, Any], name: str, sender: str) -> None:
    """A supervisors' hub only acknowledges: anything else it sends is refused, whatever it is."""
    tables = payload.get("tables") or {}
    carried = (
        any(
            (b.get("n") if isinstance(b, dict) and "n" in b else len(b.get("rows") or []))
            for b in tables.values()
            if isinstance(b, dict)
        )
        or bool(tables and not isinstance(tables, dict))
        or any(payload.get(k) for k in ("notices", "withheld", "purge", "forget"))
    )
    if carried:
        raise BundleRefused(
            f"{name} comes from {sender}, a supervisors' hub, but carries records. A hub "
            "only acknowledges what it received, so the bundle was refused and nothing was "
            "applied. Check the hub's software and keys with its administrator."
        )


def _sharing_parts(
    payload: dict[str, Any], name: str
) -> tuple[dict[str, Any], list[tuple[str, int, str]]]:
    """A bundle's notices ((person, agency) -> decision) and withheld notes (id, hlc, origin)."""
    try:
        notices = {}
        for pid, agency, d in payload.get("notices") or []:
            if not isinstance(pid, str) or agency not in sharing.AGENCIES:
                raise ValueError("not a person")
            notices[(pid, agency)] = from_list(d)
        withheld = []
        for rid, hlc, origin in payload.get("withheld") or []:
            if not isinstance(rid, str) or not isinstance(origin, str):
                raise ValueError("not a note")
            if isinstance(hlc, bool) or not isinstance(hlc, int):
                raise ValueError("not a version")
            withheld.append((rid, hlc, origin))
        return notices, withheld
    except (TypeError, ValueError) as exc:
        raise BundleRefused(f"{name} is damaged: its contents cannot be read.") from exc


def _blocks(payload: dict[str, Any], name: str) -> dict[str, _Block]:
    """Each table's columns, rows and all-empty columns, or a refusal if they cannot be read
    or hold a text longer than the services would have accepted."""
    try:
        tables = payload.get("tables", {})
        sites = payload.get("sites", [])
        if not isinstance(tables, dict) or not all(isinstance(x, str) for x in sites):
            raise ValueError("not a payload")
        out = {}
        for table, block in tables.items():
            rows, empty = _decode_block(block, sites)
            cols = block["cols"]
            _check_lengths(table, cols, block.get("values"), rows, name)
            out[table] = (cols, rows, empty)
        return out
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
        raise BundleRefused(f"{name} is damaged: its contents cannot be read.") from exc


def _longest(values: Sequence[Any]) -> int:
    try:
        return max(map(len, values), default=0)  # a column of text only: in C
    except TypeError:
        return max((len(v) for v in values if isinstance(v, str)), default=0)


def _check_lengths(
    table: str, cols: list[str], by_col: list[Any] | None, rows: list[Sequence[Any]], name: str
) -> None:
    given = limits.column_limits(table)
    columns = by_col if by_col is not None else list(zip(*(r[6] for r in rows), strict=True))
    for col, values in zip(cols, columns, strict=False):
        if not values:
            continue
        allowed = given.get(col, limits.CEILING)
        longest = _longest(values)
        if longest > allowed:
            raise BundleRefused(
                f"{name} holds a record with a text of {longest:,} characters where this "
                f"site allows at most {allowed:,} (a {table_label(table)} record); nothing "
                "was applied. It was written around ahtui's own checks at the sending site: "
                "ask its administrator to shorten it, then send a fresh bundle."
            )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A payload is hundreds of thousands of small lists, all alive until the import ends:
    Python's cycle collector would walk them again and again and find nothing to free."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _max_hlc(blocks: dict[str, _Block]) -> int:
    best = 0
    for _, rows, _ in blocks.values():
        if not rows:
            continue
        best = max(best, max(map(itemgetter(1), rows)), max(map(itemgetter(3), rows)))
        for colv in filter(None, map(itemgetter(7), rows)):
            best = max(best, *(v[0] for v in colv.values()))
    return best


def _check_drift(site: Site, blocks: dict[str, _Block], name: str, peer: Any) -> int:
    """The newest clock in the bundle, refusing one too far ahead of this computer's clock
    (and noting the refusal for `ahtui sync status`)."""
    try:
        newest = _max_hlc(blocks)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as exc:
        raise BundleRefused(f"{name} is damaged: its contents cannot be read.") from exc
    now_ms = clock.physical_ms(clock.state(site.conn).now())
    ahead = clock.physical_ms(newest) - now_ms
    if ahead > MAX_DRIFT_MS:
        with site.write() as conn:
            conn.execute(
                "UPDATE sync_peers SET clock_refused_at = ?, clock_ahead_ms = ? WHERE site_id = ?",
                (utc_now(), ahead, peer["site_id"]),
            )
        raise BundleRefused(
            f"{name} from {peer['name']} holds changes stamped {_days(ahead)} ahead of this "
            f"computer's clock (at most {_days(MAX_DRIFT_MS)} are allowed); nothing was "
            "applied. Check the date and time on both computers. Once the other site's clock "
            "is right, its next bundle is accepted."
        )
    return newest


def _days(ms: int) -> str:
    hours = ms / 3_600_000
    if hours < 48:
        return f"{hours:.0f} hours"
    return f"{hours / 24:.0f} days"


def _apply(
    site: Site,
    peer: Any,
    header: dict[str, Any],
    payload: dict[str, Any],
    blocks: dict[str, _Block],
    notices: dict[str, Any],
    withheld: list[tuple[str, int, str]],
    since: int,
    upto: int,
    size: int,
    result: Imported,
    newest: int,
    rotated: tuple[bytes, bytes] | None = None,
) -> None:
    conn = site.conn
    state = clock.state(conn)
    with site.write():
        if conn.execute(
            "SELECT 1 FROM sync_bundles WHERE bundle_id = ?", (result.bundle_id,)
        ).fetchone():
            result.already = True
            return
        state.capture = 0
        state.local = 0
        try:
            hlc, seq = _clock(conn)
            seq += 1
            merger = _Merger(conn, peer["site_id"], seq)
            purged: set[str] = set()
            try:
                judged = sharing.judge(site, peer, blocks, notices)
                notes = blocks.get("case_notes")
                sharing.judge_notes(
                    site, peer, notes[0] if notes else None, notes[1] if notes else [],
                    withheld, judged,
                )  # fmt: skip
                blocks = _without(blocks, judged, result)
                # Bundles of format 2 or older say "purge" and "forget" instead: as then.
                for pid in payload.get("purge", []):
                    sharing.purge_person(conn, str(pid), site.agency)
                    purged.add(str(pid))
                for table, rid in payload.get("forget", []):
                    sharing.forget_row(conn, str(table), str(rid))
                tables = set(synced_tables(conn))
                for table, (cols, rows, empty) in blocks.items():
                    if table not in tables:
                        continue
                    merger.merge_table(table, cols, rows, empty)
                merger.check_deletes()
                merger.clear_due_cache()
                sharing.after_merge(conn, judged)
                for pid in sorted(judged.purge_now):
                    sharing.purge_person(conn, pid, site.agency)
                    purged.add(pid)
            except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
                raise BundleRefused(
                    f"The bundle from {peer['name']} is damaged: its contents cannot be read."
                ) from exc
            except IntegrityError as exc:
                # A signed bundle whose rows this site's schema refuses (a code it does not
                # know, a missing value): applying the rest would lose that row silently.
                raise BundleRefused(
                    f"The bundle from {peer['name']} holds a record this site cannot store "
                    f"({exc}); nothing was applied. Check both sites run the same ahtui "
                    "version, then ask for a fresh bundle."
                ) from exc
            result.changes = merger.changes
            result.applied = merger.applied
            result.conflicts = merger.conflicts
            conn.execute(
                "UPDATE sync_clock SET hlc = ?, seq = ? WHERE id = 1",
                (max(hlc, newest), seq if merger.applied or merger.conflicts else seq - 1),
            )
            # The sender's clock when it wrote the bundle is evidence of the time here too.
            written = clock.iso_ms(header.get("created_at"))
            if written is not None:
                clock.confirm(conn, written)
            if merger.tables:
                # One audit row for the bundle: its rows skipped the per-row audit triggers.
                conn.execute(
                    "INSERT INTO audit (user_id, action, table_name, row_id, columns) "
                    "VALUES (?, 'sync import', 'sync_bundles', ?, ?)",
                    (site.user.id, result.bundle_id, ",".join(sorted(merger.tables))),
                )
            conn.execute(
                "INSERT OR IGNORE INTO sync_received (peer, since, upto) VALUES (?, ?, ?)",
                (peer["site_id"], since, upto),
            )
            cover = received_cover(conn, peer["site_id"])
            conn.execute(
                "DELETE FROM sync_received WHERE peer = ? AND upto <= ?", (peer["site_id"], cover)
            )
            conn.execute(
                "INSERT OR IGNORE INTO sync_received (peer, since, upto) VALUES (?, 0, ?)",
                (peer["site_id"], cover),
            )
            if rotated is not None:
                fp = replace_peer_keys(conn, peer, *rotated)
                result.notes.append(
                    f"{peer['name']} rotated its keys (signed by its old key); "
                    f"new fingerprint {fp}."
                )
            ack = payload.get("ack", 0)
            conn.execute(
                "UPDATE sync_peers SET acked = max(acked, ?), last_received_at = ?, "
                "clock_refused_at = NULL, clock_ahead_ms = NULL WHERE site_id = ?",
                (int(ack) if isinstance(ack, int) else 0, utc_now(), peer["site_id"]),
            )
            # With the peer's acknowledgement in, whatever was waiting for it may leave.
            purged |= sharing.release(site)
            result.purges = len(purged)
            # On a site that keeps the supervisors' summaries, theirs are worked out again
            # before this commits.
            summaries.mark(conn, {*merger.people, *purged})
            conn.execute(
                "INSERT INTO sync_bundles (bundle_id, direction, peer, sequence, since, upto, "
                "changes, purges, bytes) VALUES (?, 'received', ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.bundle_id,
                    peer["site_id"],
                    int(header.get("sequence") or 0),
                    since,
                    upto,
                    merger.changes,
                    result.purges,
                    size,
                ),
            )
        finally:
            state.capture = 1
            state.local = 1


def _without(
    blocks: dict[str, _Block], judged: sharing.Judged, result: Imported
) -> dict[str, _Block]:
    """The blocks less the rows this site may not take (judged by `sharing`)."""
    if not judged.drop and not judged.drop_notes:
        return blocks
    out = {}
    dropped = 0
    for table, (cols, rows, empty) in blocks.items():
        kept = (
            [
                r
                for r in rows
                if r[0] not in judged.drop or sharing.takes_while_leaving(table, r[0], judged)
            ]
            if judged.drop
            else rows
        )
        if table == "case_notes" and judged.drop_notes:
            i = cols.index("id")
            kept = [r for r in kept if r[6][i] not in judged.drop_notes]
        dropped += len(rows) - len(kept)
        out[table] = (cols, kept, empty)
    if dropped:
        result.notes.append(
            f"{dropped} records were not taken: consent or sensitivity does not allow this "
            "site to hold them (a later decision than the sender's is known here)."
        )
    return out


def _vv_merge(a: str, b: str) -> str:
    if a == b:
        return a
    x = json.loads(a)
    for k, v in json.loads(b).items():
        if v > x.get(k, -1):
            x[k] = v
    return json.dumps(x, sort_keys=True, separators=(",", ":"))


@dataclass
class _Writes:
    updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = field(default_factory=dict)
    cols: list[tuple[Any, ...]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)


class _Merger:
    def __init__(self, conn: Any, peer: str, seq: int) -> None:
        self.conn = conn
        self.peer = peer
        self.seq = seq
        self.changes = 0
        self.applied = 0
        self.conflicts = 0
        # Rows (table, id) -> person to look at for edit-versus-delete once all is merged.
        self.recheck: dict[tuple[str, str], str | None] = {}
        # People whose records this bundle changed: their due-cache rows go.
        self.people: set[str | None] = set()
        # Tables it changed, for the bundle's audit row.
        self.tables: set[str] = set()

    def merge_table(
        self, table: str, cols: list[str], rows: list[Sequence[Any]], empty: set[str] | None = None
    ) -> None:
        conn = self.conn
        local_cols = set(table_columns(conn, table))
        keep = [i for i, c in enumerate(cols) if c in local_cols]
        names = [cols[i] for i in keep]
        idx = {c: i for i, c in enumerate(names)}
        self.changes += len(rows)
        id_i = idx["id"]
        if len(keep) != len(cols):
            rows = [[*r[:6], [r[6][i] for i in keep], r[7]] for r in rows]
        width = len(names)
        # Rows read by column have their shape checked already.
        if empty is None and any(len(r) != 8 or len(r[6]) != width for r in rows):
            raise ValueError("a row does not match its columns")
        present = (
            {
                x[0]
                for x in conn.execute(
                    f'SELECT id FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))',
                    (json.dumps([r[6][id_i] for r in rows]),),
                )
            }
            if conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()
            else set()
        )
        fresh = [r for r in rows if r[6][id_i] not in present] if present else rows
        ids = [r[6][id_i] for r in fresh]
        if not all(map(le, ids, islice(ids, 1, None))):
            # In key order: B-tree inserts that append are much cheaper than random ones.
            fresh = sorted(fresh, key=lambda r: r[6][id_i])
            ids = [r[6][id_i] for r in fresh]
        if fresh:
            filled = _filled_columns(conn, table, names, fresh, empty)
            marks = ", ".join("?" for _ in filled)
            quoted = ", ".join(f'"{names[i]}"' for i in filled)
            pick = itemgetter(*filled) if len(filled) > 1 else lambda v: (v[filled[0]],)
            with _bulk_insert(conn, table, len(fresh)):
                conn.executemany(
                    f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',
                    [r[6] for r in fresh]
                    if len(filled) == width
                    else map(pick, (r[6] for r in fresh)),
                )
            conn.executemany(
                "INSERT OR REPLACE INTO sync_rows (tbl, row_id, ins_hlc, ins_origin, hlc, origin, "
                "vv, seq, src) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                zip(
                    repeat(table),
                    ids,
                    *(map(itemgetter(i), fresh) for i in range(1, 5)),
                    map(_own_vv, fresh),
                    repeat(self.seq),
                    repeat(self.peer),
                ),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO sync_cols (tbl, row_id, col, hlc, origin, ctx) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (table, r[6][id_i], c, v[0], v[1], v[2])
                    for r in fresh
                    if r[7]
                    for c, v in r[7].items()
                    if c in idx
                ],
            )
            self.applied += len(fresh)
            self.people.update(map(itemgetter(0), fresh))
            self.tables.add(table)
            if "deleted_at" in idx:
                d_i = idx["deleted_at"]
                for r in fresh:
                    if r[6][d_i] is not None:
                        self.recheck.setdefault((table, r[6][id_i]), r[0])
        if table == "sync_conflicts":
            self._note_conflict_rows(idx, rows)
        old = [r for r in rows if r[6][id_i] in present]
        if not old:
            return
        # One read per kind for the whole table, not three per row.
        ids_json = json.dumps([r[6][id_i] for r in old])
        lrows = {
            x[0]: tuple(x[1:])
            for x in conn.execute(
                f"SELECT row_id, ins_hlc, ins_origin, hlc, origin, {VV} FROM sync_rows "
                "WHERE tbl = ? AND row_id IN (SELECT value FROM json_each(?))",
                (table, ids_json),
            )
        }
        lcols: dict[str, dict[str, tuple[int, str, str]]] = {}
        for rid, c, h, o, x in conn.execute(
            "SELECT row_id, col, hlc, origin, ctx FROM sync_cols "
            "WHERE tbl = ? AND row_id IN (SELECT value FROM json_each(?))",
            (table, ids_json),
        ):
            lcols.setdefault(rid, {})[c] = (h, o, x)
        quoted = ", ".join(chr(34) + n + chr(34) for n in names)
        current = {
            x[id_i]: x
            for x in conn.execute(
                f'SELECT {quoted} FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))',
                (ids_json,),
            )
        }
        out = _Writes()
        for r in old:
            rid = r[6][id_i]
            self._merge_row(
                table, names, idx, r, lrows.get(rid), lcols.get(rid, {}), current[rid], out
            )
        for cols_changed, params in out.updates.items():
            sets = ", ".join(f'"{c}" = ?' for c in cols_changed)
            conn.executemany(f'UPDATE "{table}" SET {sets} WHERE id = ?', params)
        conn.executemany(
            "INSERT OR REPLACE INTO sync_cols (tbl, row_id, col, hlc, origin, ctx) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            out.cols,
        )
        conn.executemany(
            "INSERT INTO sync_rows (tbl, row_id, ins_hlc, ins_origin, hlc, origin, vv, seq, src) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tbl, row_id) DO UPDATE SET "
            "hlc = excluded.hlc, origin = excluded.origin, vv = excluded.vv, seq = excluded.seq, "
            "src = excluded.src",
            out.rows,
        )

    def _merge_row(
        self,
        table: str,
        names: list[str],
        idx: dict[str, int],
        r: list[Any],
        lr: Any,
        lcols: dict[str, tuple[int, str, str]],
        cur: Any,
        out: _Writes,
    ) -> None:
        pid, ins_hlc, ins_origin, hlc, origin, vv, values, colv = r
        colv = colv or {}
        if vv is None:
            vv = f'{{"{ins_origin}":{ins_hlc}}}'
        rid = values[idx["id"]]
        if lr is None:
            lr = (0, "", 0, "", "{}")
        if (ins_hlc, ins_origin) == (lr[0], lr[1]):
            # Same creation version: only columns changed since on either side can differ.
            check = sorted(c for c in {*colv, *lcols} if c in idx and c not in META_COLUMNS)
        else:
            check = [c for c in names if c not in META_COLUMNS]
        updates: dict[str, Any] = {}
        new_cols: dict[str, tuple[int, str, str]] = {}
        same = True
        for c in check:
            inc = tuple(colv[c]) if c in colv else (ins_hlc, ins_origin, "{}")
            loc = lcols.get(c) or (lr[0], lr[1], "{}")
            if (inc[0], inc[1]) == (loc[0], loc[1]):
                continue
            i = idx[c]
            if (inc[0], inc[1]) > (loc[0], loc[1]):
                win, lose, lost_value = inc, loc, cur[i]
                if values[i] != cur[i]:
                    updates[c] = values[i]
                if c in colv or (ins_hlc, ins_origin) != (lr[0], lr[1]):
                    new_cols[c] = inc  # type: ignore[assignment]
            else:
                win, lose, lost_value = loc, inc, values[i]
                same = False
            if (
                c not in NO_CONFLICT
                and values[i] != cur[i]
                and json.loads(win[2]).get(lose[1], -1) < lose[0]
                and lose[1]
            ):
                self._conflict(table, rid, c, "value", lost_value, lose[0], lose[1], pid, lose[2])
        if "created_at" in idx and (ins_hlc, ins_origin) != (lr[0], lr[1]):
            ci = idx["created_at"]
            if values[ci] is not None and (cur[ci] is None or values[ci] < cur[ci]):
                updates["created_at"] = values[ci]
        merged_vv = _vv_merge(lr[4], vv)
        if merged_vv != vv:
            same = False
        newer = (hlc, origin) > (lr[2], lr[3])
        if newer:
            for c in ("updated_at", "updated_by"):
                if c in idx and values[idx[c]] != cur[idx[c]]:
                    updates[c] = values[idx[c]]
        elif (hlc, origin) != (lr[2], lr[3]):
            same = False
        if not updates and not new_cols and merged_vv == lr[4] and not newer:
            return
        if updates:
            out.updates.setdefault(tuple(updates), []).append((*updates.values(), rid))
        for c, v in new_cols.items():
            out.cols.append((table, rid, c, v[0], v[1], v[2]))
        last = (hlc, origin) if newer else (lr[2], lr[3])
        out.rows.append(
            (table, rid, ins_hlc, ins_origin, last[0], last[1], merged_vv, self.seq,
             self.peer if same else None)
        )  # fmt: skip
        self.applied += 1
        self.people.add(pid)
        self.tables.add(table)
        if "deleted_at" in idx and updates.get("deleted_at", cur[idx["deleted_at"]]) is not None:
            self.recheck.setdefault((table, rid), pid)

    def clear_due_cache(self) -> None:
        """The due-cache triggers skip applied rows (sync_local()); one statement instead."""
        self.people.discard(None)
        if (
            self.people
            and self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'due_cache'"
            ).fetchone()
            and self.conn.execute("SELECT 1 FROM due_cache LIMIT 1").fetchone()
        ):
            self.conn.execute(
                "DELETE FROM due_cache WHERE person_id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(self.people)),),
            )

    def _note_conflict_rows(self, idx: dict[str, int], rows: list[Sequence[Any]]) -> None:
        """A value lost elsewhere may be an edit concurrent with a delete this site holds."""
        if not {"kind", "tbl", "row_id"} <= idx.keys():
            return
        p_i = idx.get("person_id")
        for r in rows:
            v = r[6]
            if v[idx["kind"]] == "value":
                self.recheck.setdefault(
                    (str(v[idx["tbl"]]), str(v[idx["row_id"]])), v[p_i] if p_i is not None else None
                )

    def check_deletes(self) -> None:
        """Raise a 'delete' conflict for every edit concurrent with the delete of a row.

        Run after the whole bundle is merged, for each deleted row it touched. The edits are
        the row's current column versions and also the values that lost to another edit (kept
        in sync_conflicts with their causal context): an edit can lose by clock to an older
        edit of the deleting site and still be one the delete never saw, so checking only the
        winning versions misses it whenever the loss happened where the delete was not yet
        known, or together with it.
        """
        conn = self.conn
        tables = set(synced_tables(conn))
        for (table, rid), pid in sorted(self.recheck.items(), key=lambda x: x[0]):
            if table not in tables or "deleted_at" not in table_columns(conn, table):
                continue
            row = conn.execute(f'SELECT * FROM "{table}" WHERE id = ?', (rid,)).fetchone()
            if row is None or row["deleted_at"] is None:
                continue
            versions = {
                c: (h, o, x)
                for c, h, o, x in conn.execute(
                    "SELECT col, hlc, origin, ctx FROM sync_cols WHERE tbl = ? AND row_id = ?",
                    (table, rid),
                )
            }
            d = versions.pop("deleted_at", None)
            if d is None:
                continue
            names = set(row.keys())
            edits = [
                (c, v, row[c])
                for c, v in versions.items()
                if c in names and c not in META_COLUMNS and c not in NO_CONFLICT
            ]
            for c, value, h, o, x in conn.execute(
                "SELECT col, lost_value, lost_hlc, lost_origin, lost_ctx FROM sync_conflicts "
                "WHERE tbl = ? AND row_id = ? AND kind = 'value' AND deleted_at IS NULL",
                (table, rid),
            ):
                edits.append((c, (h, o, x or "{}"), json.loads(value) if value else None))
            d_ctx = json.loads(d[2])
            for c, (h, o, x), value in edits:
                if d_ctx.get(o, -1) < h and json.loads(x).get(d[1], -1) < d[0]:
                    self._conflict(table, rid, c, "delete", value, h, o, pid, x)

    def _conflict(
        self,
        table: str,
        rid: str,
        col: str,
        kind: str,
        value: Any,
        hlc: int,
        origin: str,
        pid: str | None,
        ctx: str = "{}",
    ) -> None:
        cid = str(uuid.uuid5(_NS, f"{kind}|{table}|{rid}|{col}|{hlc}|{origin}"))
        at = _hlc_iso(hlc)
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO sync_conflicts (id, person_id, tbl, row_id, col, kind, "
            "lost_value, lost_hlc, lost_origin, lost_ctx, created_at, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (cid, pid, table, rid, col, kind, json.dumps(value), hlc, origin, ctx, at, at),
        )
        if cur.rowcount:
            self.conflicts += 1
            self.tables.add("sync_conflicts")
            if kind == "value":
                self.recheck.setdefault((table, rid), pid)
            self.conn.execute(
                "INSERT OR IGNORE INTO sync_rows (tbl, row_id, ins_hlc, ins_origin, hlc, origin, "
                "vv, seq) VALUES ('sync_conflicts', ?, ?, ?, ?, ?, ?, ?)",
                (cid, hlc, origin, hlc, origin, json.dumps({origin: hlc}), self.seq),
            )


purge_person = sharing.purge_person
forget_row = sharing.forget_row


# -- status, history, conflicts (for the CLI and the app's screens) --------------------------


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
    for w in sharing.leaving(site):
        for q in w.peers:
            waiting[q] = waiting.get(q, 0) + 1
    out = []
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


def conflicts(site: Site, person_id: str | None = None, *, open_only: bool = True) -> list[Any]:
    sql = "SELECT * FROM sync_conflicts WHERE deleted_at IS NULL"
    params: list[Any] = []
    if person_id is not None:
        sql += " AND person_id = ?"
        params.append(person_id)
    if open_only:
        sql += " AND resolved_at IS NULL"
    return site.query(sql + " ORDER BY created_at, id", params)


def resolve_conflict(site: Site, conflict_id: str, choice: str, value: Any = None) -> None:
    """Close a conflict: 'keep' the current value, take the 'lost' one, or 'combine' (value).

    For a delete conflict 'lost' restores the record. The chosen value is written as a normal
    change, so it syncs and wins over both sides.
    """
    from ..errors import BadInput, NotFound

    c = site.one("SELECT * FROM sync_conflicts WHERE id = ?", (conflict_id,))
    if c is None:
        raise NotFound(f"No such conflict ({conflict_id}).")
    if choice not in {"keep", "lost", "combine"}:
        raise BadInput("Choose keep, lost or combine.")
    now = utc_now()
    with site.write() as conn:
        table, col = c["tbl"], c["col"]
        if table not in synced_tables(conn) or col not in table_columns(conn, table):
            raise BadInput(f"The record this conflict is about ({table}.{col}) is unknown here.")
        if choice == "lost" and c["kind"] == "delete":
            conn.execute(
                f'UPDATE "{table}" SET deleted_at = NULL, updated_at = ?, updated_by = ? '
                "WHERE id = ?",
                (now, site.user.id, c["row_id"]),
            )
        elif choice in {"lost", "combine"}:
            if choice == "combine" and not combinable(conn, table, col):
                # Joining two codes, dates, numbers or ids makes a value nothing else can read.
                raise BadInput("Only text can be combined here: keep one value or the other.")
            new = json.loads(c["lost_value"]) if choice == "lost" else value
            if choice == "combine" and isinstance(new, str) and not new.strip():
                new = None
            if isinstance(new, str) and len(new) > limits.limit(table, col):
                # Peers hold arriving records to the same limits: a longer text would stop
                # every bundle that carries it.
                raise BadInput(
                    f"The combined text is {len(new):,} characters; this field holds at most "
                    f"{limits.limit(table, col):,}. Shorten it, or keep one value."
                )
            try:
                conn.execute(
                    f'UPDATE "{table}" SET "{col}" = ?, updated_at = ?, updated_by = ? '
                    "WHERE id = ?",
                    (new, now, site.user.id, c["row_id"]),
                )
            except IntegrityError:
                raise BadInput(
                    "That value is not allowed for this field: keep one value or the other."
                ) from None
        conn.execute(
            "UPDATE sync_conflicts SET resolved_at = ?, resolution = ?, updated_at = ?, "
            "updated_by = ? WHERE id = ?",
            (now, choice, now, site.user.id, conflict_id),
        )
