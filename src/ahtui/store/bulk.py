"""Bulk writes: many rows at once, written as the services' own writes would be, in batches
inside one transaction.

The services write a row at a time: each `rows.insert` is a statement, and its triggers add an
audit row, a change-capture version and a due-cache delete, statement by statement. Building
a demo of 10,000 people, or bringing in a first caseload from another system, that way takes
minutes. A `Loader` keeps the rows a batch writes in memory, with what those triggers would
have added (the same audit entries, the same `sync_rows` and `sync_cols` versions, stamped by
the same clock in the same order), and writes each table with one `executemany`. While it
writes, capture and the local-write triggers are off, as they are while `ahtui.sync` applies
a bundle; like the import, it then clears the due cache of the people it touched in one
statement and marks them for the supervisors' summaries (`summaries.mark`), which are worked
out again before the one transaction commits.

Into a table that holds fewer rows than a batch adds, its plain (not unique) indexes are dropped
at the first write and made again, by sorting, before the transaction commits: the same indexes,
built in one pass instead of row by row. Unique indexes stay, so they still refuse duplicates.

Everything happens in one `Site.write()` transaction: a failure anywhere writes nothing.
`tests/test_bulk.py` builds the same people through the services and through here and checks
that the two files hold the same rows, audit entries and change capture.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import NotFound
from . import hlc, summaries
from .audit import SKIP_COLUMNS
from .capture import LOCAL_TABLES, META_COLUMNS, columns, synced_tables
from .rows import PLAIN, to_sql
from .site import Site, utc_now

CACHE_KIB = 256 * 1024


def _json(obj: dict[str, int]) -> str:
    """JSON as SQLite's json_object and json_set write it (no spaces)."""
    if len(obj) == 1:
        ((key, value),) = obj.items()
        if '"' not in key and "\\" not in key:
            return f'{{"{key}":{value}}}'
    return json.dumps(obj, separators=(",", ":"))


class Loader:
    """The rows of a bulk write not yet written, and what their triggers would have added.

    `insert` and `update` behave as `rows.insert` and `rows.update` do; `update` changes a row
    this loader inserted (the demo completes an action it has just logged)."""

    def __init__(self, site: Site, batch: int, now: Callable[[], str]) -> None:
        self.site = site
        self.conn = site.conn
        self.user_id = site.user.id
        self.batch = batch
        self.now = now
        # One time for a batch's rows, as for the rows of one transaction: asking the clock
        # for every row cost more than writing it.
        self.stamp = now()
        self.state = hlc.state(self.conn)
        clock = self.conn.execute("SELECT hlc, seq, origin FROM sync_clock WHERE id = 1").fetchone()
        self.hlc, self.seq, self.origin = int(clock[0]), int(clock[1]), str(clock[2])
        self.trusted = hlc.trusted_ms(self.conn)
        self.synced = set(synced_tables(self.conn)) - LOCAL_TABLES
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self.audit: list[tuple[Any, ...]] = []
        self.versions: dict[tuple[str, str], list[Any]] = {}
        self.col_versions: dict[tuple[str, str, str], tuple[int, str, str]] = {}
        self.people: set[str] = set()
        self.pending = 0
        self.written = 0
        self._columns: dict[str, list[str]] = {}
        self._defaults: dict[str, set[str]] = {}
        self._checked: set[str] = set()
        self._dropped: list[str] = []

    # -- what the services' writes do ----------------------------------------------------
    def insert(self, table: str, values: dict[str, Any]) -> str:
        """As `rows.insert`: the row stamped and attributed; its id, new unless given."""
        plain = PLAIN
        row = {k: v if type(v) in plain else to_sql(v) for k, v in values.items()}
        # rows.insert draws an id even when one is given: so do we, or the demo's seeded ids
        # would come out differently here.
        made = self.site.id_factory()
        row.setdefault("id", made)
        now = self.stamp
        row.setdefault("created_at", now)
        row["updated_at"] = now
        row["updated_by"] = self.user_id
        rid = row["id"]
        self.rows.setdefault(table, {})[rid] = row
        self.audit.append((self.user_id, "insert", table, rid, None))
        if table in self.synced:
            stamp = self._tick()
            self.versions[(table, rid)] = [stamp, self.origin, stamp, self.origin, None, self.seq]
        self._touch(table, row)
        self.pending += 1
        return rid

    def update(self, table: str, row_id: str, values: dict[str, Any]) -> None:
        """As `rows.update`, on a live row this loader inserted."""
        row = self.rows.get(table, {}).get(row_id)
        if row is None or row.get("deleted_at") is not None:
            raise NotFound(f"No such record ({table} {row_id}); it may have been deleted.")
        new = {k: to_sql(v) for k, v in values.items()}
        new["updated_at"] = self.stamp
        new["updated_by"] = self.user_id
        cols = [c for c in self._table_columns(table) if c not in META_COLUMNS]
        changed = [c for c in cols if c in new and new[c] != row.get(c)]
        was_deleted = row.get("deleted_at") is not None
        row.update(new)
        is_deleted = row.get("deleted_at") is not None
        action = (
            "delete"
            if is_deleted and not was_deleted
            else "restore"
            if was_deleted and not is_deleted
            else "update"
        )
        audited = [c for c in changed if c not in SKIP_COLUMNS]
        self.audit.append((self.user_id, action, table, row_id, ",".join(audited)))
        if table in self.synced:
            self._capture_update(table, row_id, changed)
        self._touch(table, row)

    def _capture_update(self, table: str, row_id: str, changed: list[str]) -> None:
        """What capture.py's update trigger records: each changed column's version, with the
        row's version vector before the change as its context; then the row's new version."""
        stamp = self._tick()
        version = self.versions[(table, row_id)]
        ins_hlc, ins_origin, _, _, vv, _ = version
        ctx = vv if vv is not None else _json({ins_origin: ins_hlc})
        for c in changed:
            self.col_versions[(table, row_id, c)] = (stamp, self.origin, ctx)
        merged = json.loads(ctx)
        merged[self.origin] = stamp
        version[2:] = [stamp, self.origin, _json(merged), self.seq]

    def _tick(self) -> int:
        # The triggers' clock step: max(hlc + 1, sync_stamp(trusted_ms)), the sequence on by one.
        self.hlc = max(self.hlc + 1, self.state.stamp(self.trusted))
        self.seq += 1
        return self.hlc

    def _touch(self, table: str, row: dict[str, Any]) -> None:
        if table == "people":
            self.people.add(row["id"])
        elif row.get("person_id"):
            self.people.add(row["person_id"])

    def _table_columns(self, table: str) -> list[str]:
        found = self._columns.get(table)
        if found is None:
            found = self._columns[table] = columns(self.conn, table)
        return found

    # -- writing ---------------------------------------------------------------------------
    def flush_if_full(self) -> None:
        if self.pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write what is pending, table by table, with the triggers' part written alongside."""
        conn = self.conn
        state = self.state
        state.capture = 0
        state.local = 0
        try:
            for table, by_id in self.rows.items():
                self._before_first_write(table, len(by_id))
                for cols, values in self._runs(table, by_id.values()):
                    names = ", ".join(cols)
                    marks = ", ".join("?" * len(cols))
                    conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
            self._before_first_write("audit", len(self.audit))
            conn.executemany(
                "INSERT INTO audit (user_id, action, table_name, row_id, columns) "
                "VALUES (?, ?, ?, ?, ?)",
                self.audit,
            )
            conn.executemany(
                "INSERT INTO sync_rows (tbl, row_id, ins_hlc, ins_origin, hlc, origin, vv, seq) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                # In key order: the table has no rowid, and its key's pages then fill in turn.
                sorted((*k, *v) for k, v in self.versions.items()),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO sync_cols (tbl, row_id, col, hlc, origin, ctx) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                sorted((*k, *v) for k, v in self.col_versions.items()),
            )
            conn.execute(
                "UPDATE sync_clock SET hlc = ?, seq = ? WHERE id = 1", (self.hlc, self.seq)
            )
            self._after_rows()
        finally:
            state.capture = 1
            state.local = 1
        self.written += self.pending
        self.rows.clear()
        self.audit.clear()
        self.versions.clear()
        self.col_versions.clear()
        self.people.clear()
        self.pending = 0
        self.stamp = self.now()

    def _runs(
        self, table: str, rows: Iterable[dict[str, Any]]
    ) -> Iterator[tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
        """The rows in the order they were made (their rowids must come out as the services'
        would), as runs that name the same columns. A column a row leaves out is written as
        NULL where that is the column's default anyway, so most tables are one run."""
        found = self._defaults.get(table)
        if found is None:
            info = self.conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            found = self._defaults[table] = {r[1] for r in info if r[4] is None and not r[5]}
        rows = list(rows)
        every = list(dict.fromkeys(c for row in rows for c in row))
        run_cols: tuple[str, ...] = ()
        run: list[tuple[Any, ...]] = []
        for row in rows:
            cols = tuple(c for c in every if c in row or c in found)
            if cols != run_cols and run:
                yield run_cols, run
                run = []
            run_cols = cols
            run.append(tuple(row.get(c) for c in cols))
        if run:
            yield run_cols, run

    def _after_rows(self) -> None:
        """What the import does once for a bundle instead of a trigger per row: the people's
        due cache cleared, and their supervisors' summaries marked to be worked out again."""
        if not self.people:
            return
        ids = json.dumps(sorted(self.people))
        if self.conn.execute("SELECT 1 FROM due_cache LIMIT 1").fetchone():
            self.conn.execute(
                "DELETE FROM due_cache WHERE person_id IN (SELECT value FROM json_each(?))", (ids,)
            )
        summaries.mark(self.conn, self.people)

    def _before_first_write(self, table: str, adding: int) -> None:
        """A table about to grow by more than it holds: its plain indexes go until `finish`."""
        if table in self._checked:
            return
        self._checked.add(table)
        holds = self.conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT ?)", (adding,)
        )
        if holds.fetchone()[0] >= adding:
            return
        for name, sql in self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
            (table,),
        ).fetchall():
            self.conn.execute(f'DROP INDEX "{name}"')
            self._dropped.append(sql)

    def finish(self) -> None:
        """The last batch written and the dropped indexes made again, before the commit."""
        self.flush()
        for sql in self._dropped:
            self.conn.execute(sql)
        self._dropped.clear()


@contextmanager
def load(site: Site, *, batch: int = 5000, now: Callable[[], str] = utc_now) -> Iterator[Loader]:
    """One transaction for a bulk write: rows are written every `batch` rows (`flush_if_full`),
    and all of them commit together, or none do. `now` stamps the rows (`utc_now` as the
    services do; a test gives a fixed clock to compare files)."""
    before = site.conn.execute("PRAGMA cache_size").fetchone()[0]
    # A bulk write rewrites most of a small file's pages: a cache that holds them all (allocated
    # only as used) spares them being encrypted to the log and read back half-way through.
    site.conn.execute(f"PRAGMA cache_size = {min(int(before), -CACHE_KIB)}")
    try:
        with site.write():
            loader = Loader(site, batch, now)
            yield loader
            loader.finish()
    finally:
        site.conn.execute(f"PRAGMA cache_size = {int(before)}")
