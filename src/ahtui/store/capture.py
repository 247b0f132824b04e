"""Change capture: triggers generated from the schema on every synced table.

After each migration the runner calls `install_capture_triggers` (like the audit triggers), so
a table added later is captured without anyone writing triggers by hand. An insert records the
row's version in sync_rows (one row); an update records a version per changed column in
sync_cols, with the row's version vector as the column's causal context, and moves the row's
latest version and local sequence on. Both fire only `WHEN sync_capture()`, which the importer
switches off while it applies a bundle.
"""

from __future__ import annotations

from typing import Any

from .audit import audited_tables, table_columns

# Local to a site: accounts, and the sites table (peers live in the trust store).
LOCAL_TABLES = {"users", "sites"}
META_COLUMNS = {"id", "created_at", "updated_at", "updated_by"}


_Schema = tuple[int, list[str], dict[str, list[str]], dict[str, set[str]]]
# Per connection: the schema version last seen, the tables' definitions then, and what was
# read of them.
_CACHE: dict[int, tuple[int, str, _Schema]] = {}
_TABLES_SQL = "SELECT group_concat(name || ':' || sql, ';') FROM sqlite_master WHERE type = 'table'"


def _schema(conn: Any) -> _Schema:
    # Export and import ask about the schema per table many times; PRAGMA schema_version
    # says cheaply whether what we read last time still holds. An import sets triggers and
    # indexes aside and puts them back, which moves the version on each time: the tables'
    # own definitions, read in one statement, then say whether anything here changed.
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    cached = _CACHE.get(id(conn))
    if cached is not None and cached[0] == version:
        return cached[2]
    tables_sql = conn.execute(_TABLES_SQL).fetchone()[0] or ""
    if cached is not None and cached[1] == tables_sql:
        _CACHE[id(conn)] = (version, tables_sql, cached[2])
        return cached[2]
    tables = [t for t in audited_tables(conn) if t not in LOCAL_TABLES]
    cols, notnull = {}, {}
    for t in tables:
        info = conn.execute(f'PRAGMA table_info("{t}")').fetchall()
        cols[t] = [r[1] for r in info]
        notnull[t] = {r[1] for r in info if r[3]}
    found = (version, tables, cols, notnull)
    _CACHE[id(conn)] = (version, tables_sql, found)
    return found


def synced_tables(conn: Any) -> list[str]:
    return list(_schema(conn)[1])


def columns(conn: Any, table: str) -> list[str]:
    """Columns of a synced table (cached); falls back to PRAGMA for any other table."""
    found = _schema(conn)[2].get(table)
    return list(found) if found is not None else table_columns(conn, table)


def not_null_columns(conn: Any, table: str) -> set[str]:
    return _schema(conn)[3].get(table, set())


def data_columns(conn: Any, table: str) -> list[str]:
    return [c for c in table_columns(conn, table) if c not in META_COLUMNS]


def _has_sync(conn: Any) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_rows'"
        ).fetchone()
    )


# From migration 0023 the clock is read (a call into Python, the costliest part of the step)
# once per window of STAMP_WINDOW_MS, and again at each transaction's first captured row (the
# migration's trigger closes the window when the trusted time moves). Within a window the
# hybrid clock counts on from the last reading, so its physical part lags by less than the
# window. SQLite's own clock times the window: one reading per statement, no call out. A
# window that ends further off than it can (the clock set back) counts as closed.
STAMP_WINDOW_MS = 100
_NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
_OPEN = f"(stamp_until - {_NOW_MS}) BETWEEN 1 AND {STAMP_WINDOW_MS}"
_CLOCK_WINDOWED = (
    f"UPDATE sync_clock SET hlc = max(hlc + 1, CASE WHEN {_OPEN} THEN 0 "
    "ELSE sync_stamp(trusted_ms) END), seq = seq + 1, "
    f"stamp_until = CASE WHEN {_OPEN} THEN stamp_until ELSE {_NOW_MS} + {STAMP_WINDOW_MS} END "
    "WHERE id = 1;"
)
# Migrations 0017 to 0021: the clock read for every row.
_CLOCK = (
    "UPDATE sync_clock SET hlc = max(hlc + 1, sync_stamp(trusted_ms)), seq = seq + 1 WHERE id = 1;"
)
# Before migration 0017 the clock has no trusted time: the triggers of those steps stamp now.
_CLOCK_BEFORE_0017 = (
    "UPDATE sync_clock SET hlc = max(hlc + 1, sync_now()), seq = seq + 1 WHERE id = 1;"
)
# The row's version vector; NULL means only its creation: {ins_origin: ins_hlc}.
VV = "coalesce(vv, json_object(ins_origin, ins_hlc))"


def install_capture_triggers(conn: Any) -> None:
    """(Re)create capture triggers and version rows for every synced table. In a transaction."""
    if not _has_sync(conn):
        return
    clock_cols = {r[1] for r in conn.execute("PRAGMA table_info(sync_clock)")}
    if "stamp_until" in clock_cols:
        tick = _CLOCK_WINDOWED
    else:
        tick = _CLOCK if "trusted_ms" in clock_cols else _CLOCK_BEFORE_0017
    for table in synced_tables(conn):
        cols = data_columns(conn, table)
        ins, upd = f"sync_{table}_insert", f"sync_{table}_update"
        conn.execute(f'DROP TRIGGER IF EXISTS "{ins}"')
        conn.execute(f'DROP TRIGGER IF EXISTS "{upd}"')
        conn.execute(
            f'CREATE TRIGGER "{ins}" AFTER INSERT ON "{table}" WHEN sync_capture() BEGIN '
            f"{tick} "
            "INSERT OR REPLACE INTO sync_rows (tbl, row_id, ins_hlc, ins_origin, hlc, origin, seq) "
            f"SELECT '{table}', NEW.id, hlc, origin, hlc, origin, seq FROM sync_clock "
            "WHERE id = 1; END"
        )
        changed = " UNION ALL ".join(
            f'SELECT \'{c}\' AS col WHERE NEW."{c}" IS NOT OLD."{c}"' for c in cols
        )
        conn.execute(
            f'CREATE TRIGGER "{upd}" AFTER UPDATE ON "{table}" WHEN sync_capture() BEGIN '
            f"{tick} "
            "INSERT OR REPLACE INTO sync_cols (tbl, row_id, col, hlc, origin, ctx) "
            f"SELECT '{table}', NEW.id, x.col, c.hlc, c.origin, "
            f"coalesce((SELECT {VV} FROM sync_rows WHERE tbl = '{table}' AND row_id = NEW.id), "
            "'{}') "
            f"FROM ({changed}) x, sync_clock c WHERE c.id = 1; "
            "INSERT INTO sync_rows (tbl, row_id, ins_hlc, ins_origin, hlc, origin, vv, seq, src) "
            f"SELECT '{table}', NEW.id, c.hlc, c.origin, c.hlc, c.origin, NULL, c.seq, NULL "
            "FROM sync_clock c WHERE c.id = 1 "
            "ON CONFLICT (tbl, row_id) DO UPDATE SET hlc = excluded.hlc, "
            "origin = excluded.origin, seq = excluded.seq, src = NULL, "
            f"vv = json_set({VV}, '$.\"' || excluded.origin || '\"', excluded.hlc); END"
        )
        # Rows written before capture existed (or by an older ahtui) get a version now.
        if conn.execute("SELECT 1 FROM site_meta WHERE key = 'site_id'").fetchone():
            conn.execute(tick)
            conn.execute(
                "INSERT INTO sync_rows (tbl, row_id, ins_hlc, ins_origin, hlc, origin, vv, seq) "
                f"SELECT '{table}', t.id, c.hlc, o.value, c.hlc, o.value, "
                f'json_object(o.value, c.hlc), c.seq FROM "{table}" t, sync_clock c, '
                "site_meta o WHERE c.id = 1 AND o.key = 'site_id' AND NOT EXISTS "
                f"(SELECT 1 FROM sync_rows r WHERE r.tbl = '{table}' AND r.row_id = t.id)"
            )
