"""Merge: applying a bundle's rows, column by column, "highest (clock, origin) wins".

State, not operations, travels: a bundle carries whole rows, each column with its version
(hybrid logical clock, origin site) and causal context, so merging gives the same result in
any order, any number of times.

Concurrency: version A was seen by the writer of version B if B's context (the row's version
vector when B was written) covers A's clock for A's origin. A losing value its winner had not
seen is kept in sync_conflicts under an id made from the lost version, with a version made
from it too, so every site that meets it records the same row, and the row syncs. A delete
(deleted_at) and an edit neither had seen are raised the same way, kind 'delete'; the edit
stays on the tombstoned row.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import islice, repeat
from operator import add, attrgetter, itemgetter, le
from typing import Any, NamedTuple

from ..store.capture import META_COLUMNS, VV, synced_tables
from ..store.capture import columns as table_columns
from .policy import NO_CONFLICT
from .wire import ColVersion, Row, hlc_iso

# Conflict ids are made from the lost version in this namespace (the same at every site).
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


class Held(NamedTuple):
    """A row's versions as this site holds them (sync_rows)."""

    ins_hlc: int
    ins_origin: str
    hlc: int
    origin: str
    vv: str


# What a row this site has no versions for is compared as: older than anything.
_NOT_HELD = Held(0, "", 0, "", "{}")
# The version of a column this site was never sent: older than anything, and no one's edit.
NEVER_HAD = ColVersion(0, "", "{}")
# Made by tuple.__new__, in C: a Python call for each row and column merged, as Held(...)
# and ColVersion(...) are, showed in the merge's time. Like tuple(), they check no length.
_held = partial(tuple.__new__, Held)
_colversion = partial(tuple.__new__, ColVersion)


def _own_vv(r: Row) -> str | None:
    """A row's version vector as stored: none (NULL) when it says only "created by its origin",
    as the capture triggers store it; the readers put that back (`VV`). A tenth of the pages a
    first exchange writes were this text."""
    vv = r.vv
    return None if vv is None or vv == f'{{"{r.ins_origin}":{r.ins_hlc}}}' else vv


def _filled_columns(
    conn: Any, table: str, names: list[str], rows: list[Row], empty: set[str] | None
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
        or (any(r.values[i] is not None for r in rows) if empty is None else name not in empty)
    ]


def _unsent_required(conn: Any, table: str, names: list[str]) -> dict[str, Any]:
    """Columns that may not be NULL, have no default and are not in the bundle (the sender's
    sync policy keeps them from this site), each with the blank a new row gets instead."""
    return {
        r[1]: 0 if "INT" in (r[2] or "").upper() else ""
        for r in conn.execute(f'PRAGMA table_info("{table}")')
        if r[3] and r[4] is None and not r[5] and r[1] not in names
    }


def _vv_merge(a: str, b: str) -> str:
    """Two version vectors joined: the highest clock of each site."""
    if a == b:
        return a
    x = json.loads(a)
    for k, v in json.loads(b).items():
        if v > x.get(k, -1):
            x[k] = v
    return json.dumps(x, sort_keys=True, separators=(",", ":"))


@dataclass
class _Writes:
    """What merging a table's known rows writes, gathered to be written in few statements."""

    updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = field(default_factory=dict)
    cols: list[tuple[Any, ...]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)


class Merger:
    """Merges one bundle's tables into this site, counting what it changed."""

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
        self.people: set[str] = set()
        # Tables it changed, for the bundle's audit row.
        self.tables: set[str] = set()
        # The table whose rows come in slices now, with what was set aside for them.
        self._bulk: tuple[str, ExitStack] | None = None

    def _bulk_for(self, table: str, rows: int) -> None:
        """Hold a bulk insert into `table` open for all its slices (a large bundle brings a
        table a slice at a time): triggers and indexes are set aside once, not per slice."""
        if self._bulk is not None and self._bulk[0] == table:
            return
        self.end_bulk()
        stack = ExitStack()
        stack.enter_context(_bulk_insert(self.conn, table, rows))
        self._bulk = (table, stack)

    def end_bulk(self) -> None:
        """Put back what a bulk insert set aside (before anything else reads the tables)."""
        if self._bulk is not None:
            _, stack = self._bulk
            self._bulk = None
            stack.close()

    def merge_table(
        self,
        table: str,
        cols: list[str],
        rows: list[Row],
        empty: set[str] | None = None,
        total: int | None = None,
    ) -> None:
        """Merge one table's rows: new ones inserted in bulk, known ones column by column.
        `total` (the table's rows in the whole bundle, when these are a slice of them) keeps
        the bulk insert open for the slices that follow, until `end_bulk`."""
        conn = self.conn
        if self._bulk is not None and self._bulk[0] != table:
            self.end_bulk()
        local_cols = set(table_columns(conn, table))
        keep = [i for i, c in enumerate(cols) if c in local_cols]
        names = [cols[i] for i in keep]
        idx = {c: i for i, c in enumerate(names)}
        self.changes += len(rows)
        id_i = idx["id"]
        if len(keep) != len(cols):
            rows = [r._replace(values=[r.values[i] for i in keep]) for r in rows]
        width = len(names)
        # Rows read by column have their shape checked already.
        if empty is None and any(len(r.values) != width for r in rows):
            raise ValueError("a row does not match its columns")
        present = (
            {
                x[0]
                for x in conn.execute(
                    f'SELECT id FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))',
                    (json.dumps([r.values[id_i] for r in rows]),),
                )
            }
            if conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone()
            else set()
        )
        fresh = [r for r in rows if r.values[id_i] not in present] if present else rows
        ids = [r.values[id_i] for r in fresh]
        if not all(map(le, ids, islice(ids, 1, None))):
            # In key order: B-tree inserts that append are much cheaper than random ones.
            fresh = sorted(fresh, key=lambda r: r.values[id_i])
            ids = [r.values[id_i] for r in fresh]
        if fresh:
            filled = _filled_columns(conn, table, names, fresh, empty)
            unsent = _unsent_required(conn, table, names)
            marks = ", ".join("?" for _ in [*filled, *unsent])
            quoted = ", ".join([*(f'"{names[i]}"' for i in filled), *(f'"{c}"' for c in unsent)])
            pick = itemgetter(*filled) if len(filled) > 1 else lambda v: (v[filled[0]],)
            params: Any = (
                list(map(attrgetter("values"), fresh))
                if len(filled) == width
                else map(pick, map(attrgetter("values"), fresh))
            )
            if unsent:
                # In C, row by row: a generator here showed in the import's time.
                params = map(add, map(tuple, params), repeat(tuple(unsent.values())))
            if total is not None and total > len(rows):
                self._bulk_for(table, total)
            with (
                _bulk_insert(conn, table, len(fresh))
                if self._bulk is None or self._bulk[0] != table
                else ExitStack()
            ):
                conn.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', params)
            # Nearly always none has a version vector of its own: then no call per row to
            # check, and no NULL bound per row (sqlcipher3 looks up an adapter for each).
            vvs = list(map(attrgetter("vv"), fresh))
            own_vv = vvs.count(None) != len(vvs)
            versions = (
                repeat(table),
                ids,
                *(map(attrgetter(f), fresh) for f in ("ins_hlc", "ins_origin", "hlc", "origin")),
                *((map(_own_vv, fresh),) if own_vv else ()),
                repeat(self.seq),
                repeat(self.peer),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO sync_rows (tbl, row_id, ins_hlc, ins_origin, hlc, origin, "
                + ("vv, seq, src) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)" if own_vv
                   else "seq, src) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                zip(*versions, strict=False),  # repeat() has no end
            )  # fmt: skip
            conn.executemany(
                "INSERT OR REPLACE INTO sync_cols (tbl, row_id, col, hlc, origin, ctx) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (table, r.values[id_i], c, h, o, x)
                    for r in fresh
                    if r.colvers
                    for c, (h, o, x) in r.colvers.items()
                    if c in idx
                ],
            )
            never_had = sorted(c for c in local_cols if c not in idx and c not in META_COLUMNS)
            if never_had:
                # Columns the sender did not send (its sync policy keeps them from this site):
                # held at version zero, "never had", so whatever value a site that may send
                # them has, even the one the row was created with, wins when it comes.
                conn.executemany(
                    "INSERT OR IGNORE INTO sync_cols (tbl, row_id, col, hlc, origin, ctx) "
                    f"VALUES (?, ?, ?, {NEVER_HAD.hlc}, '{NEVER_HAD.origin}', '{NEVER_HAD.ctx}')",
                    [(table, rid, c) for rid in ids for c in never_had],
                )
            self.applied += len(fresh)
            self.people.update(filter(None, map(attrgetter("person"), fresh)))
            self.tables.add(table)
            if "deleted_at" in idx:
                d_i = idx["deleted_at"]
                for r in fresh:
                    if r.values[d_i] is not None:
                        self.recheck.setdefault((table, r.values[id_i]), r.person)
        if table == "sync_conflicts":
            self._note_conflict_rows(idx, rows)
        old = [r for r in rows if r.values[id_i] in present]
        if not old:
            return
        # One read per kind for the whole table, not three per row.
        ids_json = json.dumps([r.values[id_i] for r in old])
        lrows = {
            x[0]: _held(x[1:])
            for x in conn.execute(
                f"SELECT row_id, ins_hlc, ins_origin, hlc, origin, {VV} FROM sync_rows "
                "WHERE tbl = ? AND row_id IN (SELECT value FROM json_each(?))",
                (table, ids_json),
            )
        }
        lcols: dict[str, dict[str, ColVersion]] = {}
        for rid, c, h, o, x in conn.execute(
            "SELECT row_id, col, hlc, origin, ctx FROM sync_cols "
            "WHERE tbl = ? AND row_id IN (SELECT value FROM json_each(?))",
            (table, ids_json),
        ):
            lcols.setdefault(rid, {})[c] = _colversion((h, o, x))
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
            rid = r.values[id_i]
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
        r: Row,
        held: Held | None,
        lcols: dict[str, ColVersion],
        cur: Any,
        out: _Writes,
    ) -> None:
        """One known row: each column newer here or there, its conflict if neither had seen
        the other's change, and the row's versions joined."""
        pid, ins_hlc, ins_origin, hlc, origin, vv, values, colv = r
        colv = colv or {}
        if vv is None:
            vv = f'{{"{ins_origin}":{ins_hlc}}}'
        rid = values[idx["id"]]
        lr = held or _NOT_HELD
        created_same = (ins_hlc, ins_origin) == (lr.ins_hlc, lr.ins_origin)
        if created_same:
            # Same creation version: only columns changed since on either side can differ.
            check = sorted(c for c in {*colv, *lcols} if c in idx and c not in META_COLUMNS)
        else:
            check = [c for c in names if c not in META_COLUMNS]
        updates: dict[str, Any] = {}
        new_cols: dict[str, ColVersion] = {}
        same = True
        for c in check:
            inc = _colversion(colv[c] if c in colv else (ins_hlc, ins_origin, "{}"))
            loc = lcols.get(c) or _colversion((lr.ins_hlc, lr.ins_origin, "{}"))
            if (inc.hlc, inc.origin) == (loc.hlc, loc.origin):
                continue
            i = idx[c]
            if (inc.hlc, inc.origin) > (loc.hlc, loc.origin):
                win, lose, lost_value = inc, loc, cur[i]
                if values[i] != cur[i]:
                    updates[c] = values[i]
                if c in colv or not created_same or loc == NEVER_HAD:
                    new_cols[c] = inc
            else:
                win, lose, lost_value = loc, inc, values[i]
                same = False
            if (
                c not in NO_CONFLICT
                and values[i] != cur[i]
                and json.loads(win.ctx).get(lose.origin, -1) < lose.hlc
                and lose.origin
            ):
                self._conflict(
                    table, rid, c, "value", lost_value, lose.hlc, lose.origin, pid, lose.ctx
                )
        if "created_at" in idx and not created_same:
            ci = idx["created_at"]
            if values[ci] is not None and (cur[ci] is None or values[ci] < cur[ci]):
                updates["created_at"] = values[ci]
        merged_vv = _vv_merge(lr.vv, vv)
        if merged_vv != vv:
            same = False
        newer = (hlc, origin) > (lr.hlc, lr.origin)
        if newer:
            for c in ("updated_at", "updated_by"):
                if c in idx and values[idx[c]] != cur[idx[c]]:
                    updates[c] = values[idx[c]]
        elif (hlc, origin) != (lr.hlc, lr.origin):
            same = False
        if not updates and not new_cols and merged_vv == lr.vv and not newer:
            return
        if updates:
            out.updates.setdefault(tuple(updates), []).append((*updates.values(), rid))
        for c, v in new_cols.items():
            out.cols.append((table, rid, c, v.hlc, v.origin, v.ctx))
        last_hlc, last_origin = (hlc, origin) if newer else (lr.hlc, lr.origin)
        out.rows.append(
            (table, rid, ins_hlc, ins_origin, last_hlc, last_origin, merged_vv, self.seq,
             self.peer if same else None)
        )  # fmt: skip
        self.applied += 1
        if pid is not None:
            self.people.add(pid)
        self.tables.add(table)
        if "deleted_at" in idx and updates.get("deleted_at", cur[idx["deleted_at"]]) is not None:
            self.recheck.setdefault((table, rid), pid)

    def clear_due_cache(self) -> None:
        """The due-cache triggers skip applied rows (sync_local()); one statement instead."""
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

    def _note_conflict_rows(self, idx: dict[str, int], rows: list[Row]) -> None:
        """A value lost elsewhere may be an edit concurrent with a delete this site holds."""
        if not {"kind", "tbl", "row_id"} <= idx.keys():
            return
        p_i = idx.get("person_id")
        for r in rows:
            v = r.values
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
                c: ColVersion(h, o, x)
                for c, h, o, x in conn.execute(
                    "SELECT col, hlc, origin, ctx FROM sync_cols WHERE tbl = ? AND row_id = ?",
                    (table, rid),
                )
            }
            d = versions.pop("deleted_at", None)
            if d is None:
                continue
            names = set(row.keys())
            edits: list[tuple[str, ColVersion, Any]] = [
                (c, v, row[c])
                for c, v in versions.items()
                if c in names and c not in META_COLUMNS and c not in NO_CONFLICT and v.origin
            ]
            for c, value, h, o, x in conn.execute(
                "SELECT col, lost_value, lost_hlc, lost_origin, lost_ctx FROM sync_conflicts "
                "WHERE tbl = ? AND row_id = ? AND kind = 'value' AND deleted_at IS NULL",
                (table, rid),
            ):
                edits.append((c, ColVersion(h, o, x or "{}"), json.loads(value) if value else None))
            d_ctx = json.loads(d.ctx)
            for c, (h, o, x), value in edits:
                if d_ctx.get(o, -1) < h and json.loads(x).get(d.origin, -1) < d.hlc:
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
        """Record a lost value (or an edit lost to a delete), once, as a row that syncs."""
        cid = str(uuid.uuid5(_NS, f"{kind}|{table}|{rid}|{col}|{hlc}|{origin}"))
        at = hlc_iso(hlc)
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
