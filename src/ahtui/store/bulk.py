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

Drawing the rows (validating them, stamping them, keeping what the triggers would add) costs
as much as writing them, and only one of the two needs the connection: `apart` draws them in a
forked copy of the process, which sends each batch to this one as plain data, so the two run
on a core each. This process, with time to spare while the next batch is drawn, then writes
each batch's versions into sync_rows with it and keeps the indexes up as it goes. Where the
rows are drawn here instead (one core, or not Linux), the versions go in at the end in key
order, and into a table that holds fewer rows than a batch adds its plain (not unique) indexes
are dropped at the first write and made again, by sorting, before the transaction commits:
the same indexes, built in one pass instead of row by row. Unique indexes stay, so they still
refuse duplicates.

Everything happens in one `Site.write()` transaction: a failure anywhere writes nothing.
`tests/test_bulk.py` builds the same people through the services and through here and checks
that the two files hold the same rows, audit entries and change capture.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe
from typing import Any, TypeVar

from ..errors import BadInput, NotFound
from . import hlc, summaries
from .audit import SKIP_COLUMNS
from .capture import LOCAL_TABLES, META_COLUMNS, columns, synced_tables
from .rows import PLAIN, to_sql
from .site import Site, utc_now

# Enough for every page of a 10,000-person site (330 MB): a page that does not fit is written out
# before the commit, then read back, decrypted and written again when a later row lands on it
# (256 MiB: `ahtui demo --people 10000` 8.2 s; 384 MiB: 7.7-8.0 s, peak memory 374 -> 449 MB;
# 96 MiB: 12 s). Taken only as the pages are.
CACHE_KIB = 384 * 1024
# Most rows hold only values stored as they are: those are copied without a look at each.
_PLAIN_TYPES = frozenset(PLAIN)
# Insert triggers that do nothing while the loader writes (sync_local() and sync_capture()
# are both off then), as store/capture.py and store/audit.py write them; set aside for the load.
_IDLE_WHEN = ("WHEN sync_local()", "WHEN sync_capture()")
# How many clock steps share one reading of the physical time (`Loader._tick`).
CLOCK_EVERY = 256


T = TypeVar("T")


@dataclass
class _Batch:
    """What one `Loader.flush` writes: each table's rows as runs of (columns, values) with how
    many rows the table gets, the audit entries, the clock after them, the people touched, and
    the rows' versions (kept for `finish`). Plain data, so it can cross between processes."""

    runs: list[tuple[str, int, list[tuple[tuple[str, ...], list[tuple[Any, ...]]]]]]
    audit: list[tuple[Any, ...]]
    clock: tuple[int, int]
    people: set[str]
    versions: list[tuple[Any, ...]]
    col_versions: dict[tuple[str, str, str], tuple[int, str, str]]
    note: int | None


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
        self.physical = self.state.stamp(self.trusted)
        self.synced = set(synced_tables(self.conn)) - LOCAL_TABLES
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self.audit: list[tuple[Any, ...]] = []
        self.versions: dict[tuple[str, str], list[Any]] = {}
        self.col_versions: dict[tuple[str, str, str], tuple[int, str, str]] = {}
        self.people: set[str] = set()
        self.pending = 0
        self.written = 0
        self._columns: dict[str, list[str]] = {}
        self._updatable: dict[str, list[str]] = {}
        self._defaults: dict[str, set[str]] = {}
        self._checked: set[str] = set()
        self._dropped: list[str] = []
        self._sync_rows: list[tuple[Any, ...]] = []
        self._sync_cols: dict[tuple[str, str, str], tuple[int, str, str]] = {}
        self._sink: Callable[[_Batch], None] = self.write
        # While the rows are drawn in another process (`apart`), this one has time to spare:
        # each batch's versions go into sync_rows with it, and indexes are kept up row by row,
        # rather than sorted in at the end. More work in all, but done while the next batch
        # is drawn, not after the last.
        self.drawn_apart = False

    # -- what the services' writes do ----------------------------------------------------
    def insert(self, table: str, values: dict[str, Any]) -> str:
        """As `rows.insert`: the row stamped and attributed; its id, new unless given."""
        if _PLAIN_TYPES.issuperset(map(type, values.values())):
            row = dict(values)
        else:
            plain = PLAIN
            row = {k: v if type(v) in plain else to_sql(v) for k, v in values.items()}
        # rows.insert draws an id even when one is given: so do we, or the demo's seeded ids
        # would come out differently here.
        made = self.site.id_factory()
        rid = row.setdefault("id", made)
        now = self.stamp
        row.setdefault("created_at", now)
        row["updated_at"] = now
        row["updated_by"] = self.user_id
        by_id = self.rows.get(table)
        if by_id is None:
            by_id = self.rows[table] = {}
        by_id[rid] = row
        self.audit.append((self.user_id, "insert", table, rid, None))
        if table in self.synced:
            stamp = self._tick()
            self.versions[(table, rid)] = [stamp, self.origin, stamp, self.origin, None, self.seq]
        if table == "people":
            self.people.add(rid)
        else:
            person = row.get("person_id")
            if person:
                self.people.add(person)
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
        cols = self._updatable.get(table)
        if cols is None:
            cols = self._updatable[table] = [
                c for c in self._table_columns(table) if c not in META_COLUMNS
            ]
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
        # The physical time is read every CLOCK_EVERY steps (reading it for every row cost more
        # than the rest of the step): a stamp at most that many rows old, still in order.
        self.seq += 1
        if not self.seq % CLOCK_EVERY:
            self.physical = self.state.stamp(self.trusted)
        self.hlc = max(self.hlc + 1, self.physical)
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

    def flush(self, note: int | None = None) -> None:
        """Write what is pending (or, in a drawing process, hand it to the writing one: see
        `apart`), table by table, with the triggers' part written alongside. `note` (how far
        the caller has got) goes with the batch to `apart`'s `written`."""
        batch = _Batch(
            [
                (table, len(by_id), list(self._runs(table, by_id.values())))
                for table, by_id in self.rows.items()
            ],
            self.audit,
            (self.hlc, self.seq),
            self.people,
            [(*k, *v) for k, v in self.versions.items()],
            self.col_versions,
            note,
        )
        self.written += self.pending
        # New containers, not cleared ones: the batch holds these until it is written.
        self.rows = {}
        self.audit = []
        self.versions = {}
        self.col_versions = {}
        self.people = set()
        self.pending = 0
        self.stamp = self.now()
        self.physical = self.state.stamp(self.trusted)
        self._sink(batch)

    def write(self, batch: _Batch) -> None:
        """Write a batch, in the process that holds the connection."""
        conn = self.conn
        state = self.state
        state.capture = 0
        state.local = 0
        try:
            for table, adding, runs in batch.runs:
                self._before_first_write(table, adding)
                for cols, values in runs:
                    names = ", ".join(cols)
                    marks = ", ".join("?" * len(cols))
                    conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
            self._before_first_write("audit", len(batch.audit))
            conn.executemany(
                "INSERT INTO audit (user_id, action, table_name, row_id, columns) "
                "VALUES (?, ?, ?, ?, ?)",
                batch.audit,
            )
            conn.execute("UPDATE sync_clock SET hlc = ?, seq = ? WHERE id = 1", batch.clock)
            self._after_rows(batch.people)
        finally:
            state.capture = 1
            state.local = 1
        # A row's versions are final once it is written (`update` changes only pending rows):
        # they wait for `finish`, to go into sync_rows in its key order all at once.
        self._sync_rows.extend(batch.versions)
        self._sync_cols.update(batch.col_versions)
        if self.drawn_apart:
            self._write_versions()

    def _write_versions(self) -> None:
        """Every row's versions, in key order: sync_rows has no rowid, and its pages then fill
        in turn rather than split at random places (it ends smaller, and is written faster)."""
        state = self.state
        state.capture = 0
        state.local = 0
        try:
            self._sync_rows.sort()
            self.conn.executemany(
                "INSERT INTO sync_rows (tbl, row_id, ins_hlc, ins_origin, hlc, origin, vv, seq) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                self._sync_rows,
            )
            self.conn.executemany(
                "INSERT OR REPLACE INTO sync_cols (tbl, row_id, col, hlc, origin, ctx) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                sorted((*k, *v) for k, v in self._sync_cols.items()),
            )
        finally:
            state.capture = 1
            state.local = 1
        self._sync_rows.clear()
        self._sync_cols.clear()

    def _runs(
        self, table: str, rows: Iterable[dict[str, Any]]
    ) -> Iterator[tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
        """The rows in the order they were made (their rowids must come out as the services'
        would), as runs that name the same columns. A column a row leaves out is written as
        NULL where that is the column's default anyway, so most tables are one run."""
        found = self._runs_defaults(table)
        rows = list(rows)
        # Rows built by the same code name the same columns in the same order: their columns
        # are worked out once for each such shape.
        row_shapes = [tuple(row) for row in rows]
        shapes: dict[tuple[str, ...], tuple[str, ...]] = dict.fromkeys(row_shapes, ())
        every = list(dict.fromkeys(c for shape in shapes for c in shape))
        for shape in shapes:
            shapes[shape] = tuple(c for c in every if c in shape or c in found)
        run_cols: tuple[str, ...] = ()
        run: list[tuple[Any, ...]] = []
        for row, shape in zip(rows, row_shapes, strict=True):
            cols = shapes[shape]
            if cols != run_cols and run:
                yield run_cols, run
                run = []
            run_cols = cols
            run.append(tuple(map(row.get, cols)))
        if run:
            yield run_cols, run

    def _runs_defaults(self, table: str) -> set[str]:
        """The columns of `table` whose default is NULL (and not part of its key)."""
        found = self._defaults.get(table)
        if found is None:
            info = self.conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            found = self._defaults[table] = {r[1] for r in info if r[4] is None and not r[5]}
        return found

    def _after_rows(self, people: set[str]) -> None:
        """What the import does once for a bundle instead of a trigger per row: the people's
        due cache cleared, and their supervisors' summaries marked to be worked out again."""
        if not people:
            return
        ids = json.dumps(sorted(people))
        if self.conn.execute("SELECT 1 FROM due_cache LIMIT 1").fetchone():
            self.conn.execute(
                "DELETE FROM due_cache WHERE person_id IN (SELECT value FROM json_each(?))", (ids,)
            )
        summaries.mark(self.conn, people)

    def _before_first_write(self, table: str, adding: int) -> None:
        """Set aside, until `finish`, what slows the load of `table` (as `ahtui.sync` does for
        a bundle): its insert triggers that do nothing while capture and the local-write
        triggers are off (their presence alone makes SQLite run a trigger program and keep a
        statement journal for every row), and, when the table is about to grow by more than
        it holds and the rows are not drawn apart, its plain indexes."""
        if table in self._checked:
            return
        self._checked.add(table)
        schema = self.conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
            "AND type IN ('trigger', 'index')",
            (table,),
        ).fetchall()
        aside = [
            (kind, name, sql)
            for kind, name, sql in schema
            if kind == "trigger" and " INSERT ON " in sql and any(w in sql for w in _IDLE_WHEN)
        ]
        holds = self.conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT ?)", (adding,)
        ).fetchone()[0]
        if holds < adding and not self.drawn_apart:
            aside += [
                (kind, name, sql)
                for kind, name, sql in schema
                if kind == "index" and not sql.lstrip().upper().startswith("CREATE UNIQUE")
            ]
        for kind, name, sql in aside:
            self.conn.execute(f'DROP {kind.upper()} "{name}"')
            self._dropped.append(sql)

    def learn_tables(self) -> None:
        """Read now what `insert` and `update` would ask the file about each table (its
        columns and defaults), so they need no connection (`apart`)."""
        names = [
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
        ]
        for table in names:
            self._table_columns(table)
            self._runs_defaults(table)

    def _carry_out(self) -> dict[str, Any]:
        """What drawing changed that the writing process must know after (`apart`)."""
        rng = getattr(self.site.id_factory, "rng", None)
        return {
            "clock": (self.hlc, self.seq),
            "written": self.written,
            "trust": (self.state.pending_trust, self.state.ahead_ms),
            "ids": rng.getstate() if rng is not None else None,
        }

    def _carry_in(self, carried: dict[str, Any]) -> None:
        self.hlc, self.seq = carried["clock"]
        self.written = carried["written"]
        self.state.pending_trust, self.state.ahead_ms = carried["trust"]
        rng = getattr(self.site.id_factory, "rng", None)
        if rng is not None and carried["ids"] is not None:
            rng.setstate(carried["ids"])

    def finish(self) -> None:
        """The last batch written, the versions, and what was set aside made again, before
        the commit."""
        self.flush()
        self._write_versions()
        for sql in self._dropped:
            self.conn.execute(sql)
        self._dropped.clear()


@contextmanager
def load(site: Site, *, batch: int = 5000, now: Callable[[], str] = utc_now) -> Iterator[Loader]:
    """One transaction for a bulk write: rows are written every `batch` rows (`flush_if_full`),
    and all of them commit together, or none do. `now` stamps the rows (`utc_now` as the
    services do; a test gives a fixed clock to compare files)."""
    before = site.conn.execute("PRAGMA cache_size").fetchone()[0]
    # The load holds millions of small objects that live until it ends: the collector would
    # walk them all again and again looking for cycles they do not have.
    collecting = gc.isenabled()
    gc.disable()
    # A bulk write rewrites most of a file's pages: a cache that holds them all (allocated only
    # as used) spares them being encrypted and written out, then read back, half-way through.
    site.conn.execute(f"PRAGMA cache_size = {min(int(before), -CACHE_KIB)}")
    try:
        with site.write():
            loader = Loader(site, batch, now)
            yield loader
            loader.finish()
    finally:
        site.conn.execute(f"PRAGMA cache_size = {int(before)}")
        if collecting:
            gc.enable()


@contextmanager
def filling_new_file(site: Site) -> Iterator[None]:
    """While a site file just made (that no other program has open) is filled in bulk: a
    rollback journal in place of the write-ahead log, put back after.

    Under the log, a commit appends every page it wrote to the log and a checkpoint then
    copies each into the file: a 300 MB demo is encrypted once but written twice, and waits
    on both. A rollback journal keeps only the pages the file held before (a new file holds
    almost none), and each new page is written once, into the file. The content written is
    the same either way; a write that fails still leaves nothing of itself behind."""
    if site.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        yield
        return
    # SQLite refuses (and stays in WAL) if another connection has the file open.
    site.conn.execute("PRAGMA journal_mode = DELETE")
    try:
        yield
    finally:
        site.conn.execute("PRAGMA journal_mode = WAL")


def _can_fork() -> bool:
    # Linux only: there a forked child is a copy of this process that needs nothing else. Two
    # cores at least, or the copy only adds the cost of sending the rows across. And one thread
    # only (the command line, not the app): a copy of a process with others running may find
    # a lock one of them held, held for ever.
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    return len(os.sched_getaffinity(0)) >= 2 and threading.active_count() == 1


def apart(
    loader: Loader,
    draw: Callable[[], T],
    *,
    written: Callable[[int], None] | None = None,
    fork: bool | None = None,
) -> T:
    """Run `draw` (which fills `loader` and flushes it) in a second process, a copy of this
    one made for it, while this one writes the batches it sends: drawing and validating the
    rows, and writing them, use a core each. What `draw` returns comes back (it must pickle),
    and so do the clock and the id source's state (`Site.id_factory`, when it carries one as
    `.rng`); anything else `draw` changes stays in the copy. `written(note)` is told as each
    batch lands. Where a copy would not help (`fork` False, not Linux, or a single core),
    `draw` runs here, writing as it goes, as it would without `apart`.

    The copy never touches the connection (it reads the tables' shape beforehand,
    `learn_tables`): only this process writes. A failure in `draw` comes back as itself
    (or as BadInput with its text) and nothing is written; a failure here stops the copy."""
    if fork is None:
        fork = _can_fork()
    if not fork:
        loader._sink = _noting(loader.write, written)
        try:
            return draw()
        finally:
            loader._sink = loader.write
    loader.learn_tables()
    receive, send = Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the copy reports through the pipe, not to coverage
        _draw_in_copy(loader, draw, receive, send)
    send.close()
    done = False
    loader.drawn_apart = True
    try:
        while True:
            kind, value = receive.recv()
            if kind == "batch":
                loader.write(value)
                if written and value.note is not None:
                    written(value.note)
            elif kind == "done":
                result, carried = value
                loader._carry_in(carried)
                done = True
                return result
            else:
                raise value
    except EOFError:
        raise BadInput(
            "The bulk write stopped: the process drawing the rows ended early."
        ) from None
    finally:
        receive.close()
        if not done:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _noting(
    write: Callable[[_Batch], None], written: Callable[[int], None] | None
) -> Callable[[_Batch], None]:
    def sink(batch: _Batch) -> None:
        write(batch)
        if written and batch.note is not None:
            written(batch.note)

    return sink


def _draw_in_copy(
    loader: Loader, draw: Callable[[], Any], receive: Connection, send: Connection
) -> None:  # pragma: no cover
    """The copy's part of `apart`: draw, send each batch and the result, and leave at once
    (`os._exit`: nothing of the parent's, the connection least of all, is closed or flushed)."""
    try:
        receive.close()
        loader._sink = lambda batch: send.send(("batch", batch))
        result = draw()
        if loader.pending:
            loader.flush()
        send.send(("done", (result, loader._carry_out())))
    except BaseException as exc:
        try:
            send.send(("error", exc))
        except Exception:
            try:
                send.send(("error", BadInput(str(exc))))
            except Exception:
                pass
    finally:
        os._exit(0)
