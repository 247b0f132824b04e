"""Numbered SQL migrations from schema/migrations, applied on open and recorded.

Each file is `NNNN_name.sql`. The runner applies the ones a site lacks, each in its own
IMMEDIATE transaction with its row in `schema_migrations`, then regenerates the audit triggers
so they always match the tables, and restates IN-list CHECK constraints in their faster form
(see `check_constraints`); a new, empty file takes them all in one transaction. A site whose
schema is newer than this program is refused rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import SchemaTooNew
from ..resources import schema_dir
from . import audit, capture, check_constraints

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


@cache
def available() -> tuple[Migration, ...]:
    found = []
    for path in sorted((schema_dir() / "migrations").iterdir()):
        m = _NAME.match(path.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"schema/migrations has two files with one number: {versions}")
    return tuple(found)


def latest_version() -> int:
    return available()[-1].version


def current_version(conn: Any) -> int:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not has_table:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def applied_versions(conn: Any) -> set[int]:
    if current_version(conn) == 0:
        return set()
    return {int(r[0]) for r in conn.execute("SELECT version FROM schema_migrations")}


def pending(conn: Any) -> list[Migration]:
    have = current_version(conn)
    known = {m.version for m in available()}
    if have > latest_version() or not applied_versions(conn) <= known:
        raise SchemaTooNew(
            f"This site's schema (version {have}) is newer than this ahtui understands "
            f"(version {latest_version()}). Upgrade ahtui to open it."
        )
    applied = applied_versions(conn)
    todo = [m for m in available() if m.version not in applied]
    late = [m.version for m in todo if m.version < have]
    if late:
        # Numbers may skip, but a migration cannot be slipped in below one already applied.
        raise RuntimeError(
            f"Migration(s) {late} sit below version {have}, which this site already has; "
            "renumber them above it."
        )
    return todo


_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL "
    "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"
)


def migrate(conn: Any, progress: Callable[[int, int], None] | None = None) -> int:
    """Apply every pending migration; return how many were applied."""
    todo = pending(conn)
    if todo and _empty(conn) and _migrate_new_file(conn, todo):
        if progress:
            progress(len(todo), len(todo))
        return len(todo)
    for done, migration in enumerate(todo, start=1):
        with _immediate(conn):
            conn.execute(_MIGRATIONS_TABLE)
            # Someone else may have migrated while we waited for the lock.
            if migration.version not in applied_versions(conn):
                _apply(conn, migration)
                _follow_schema(conn)
        if progress:
            progress(done, len(todo))
    return len(todo)


def _migrate_new_file(conn: Any, todo: list[Migration]) -> bool:
    """A file with nothing in it yet (`init_site`) takes every migration in one transaction
    and its triggers once, at the end: the schema, triggers and rows are those of applying
    them one by one (tests/test_site_open.py compares the two), in an eighth of the time
    (0.37 -> 0.05 s), since rebuilding every table's triggers after each migration was most
    of it. False, with nothing done, if someone else made the file meanwhile."""
    with _immediate(conn):
        if not _empty(conn):
            return False
        conn.execute(_MIGRATIONS_TABLE)
        for migration in todo:
            _apply(conn, migration)
        _follow_schema(conn)
    return True


def _apply(conn: Any, migration: Migration) -> None:
    for statement in split_statements(migration.sql()):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
        (migration.version, migration.name),
    )


def _follow_schema(conn: Any) -> None:
    """The triggers and checks made from the tables, made again for the tables as they are."""
    audit.install_audit_triggers(conn)
    # Sync capture triggers follow the schema too (store/capture.py).
    capture.install_capture_triggers(conn)
    check_constraints.restate_in_lists(conn)


@contextmanager
def _immediate(conn: Any) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _empty(conn: Any) -> bool:
    return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole.

    `executescript` would commit our transaction first, so statements run one by one;
    sqlite3.complete_statement tells where a statement (triggers included) really ends.
    """
    import sqlite3  # only its pure-text helper; no database is opened with it

    statements: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
