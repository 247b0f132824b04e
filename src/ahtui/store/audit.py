"""Audit triggers, generated from the schema so every attributed table is audited.

After each migration the runner calls `install_audit_triggers`, which finds every table with
an `updated_by` column and (re)creates its AFTER INSERT and AFTER UPDATE triggers. The audit
row names the user, the table, the row and the columns that changed; never their values, so
the audit log holds no record content. Deleting rows outright is not how ahtui forgets
(soft deletes set deleted_at), so a hard DELETE is audited too, as 'purge'.

Rows applied from a sync bundle are the one exception to a row per change: the insert and
update triggers fire only `WHEN sync_local()` (0 while ahtui.sync applies a bundle), and the
importer writes one audit row for the bundle instead (action 'sync import', the importing
user, table sync_bundles, the bundle id as row, the tables it changed as columns). The
bundle's rows keep their own updated_by, and sync_bundles says where and when it came from.
"""

from __future__ import annotations

from typing import Any

SKIP_COLUMNS = {"id", "created_at", "updated_at", "updated_by"}


def audited_tables(conn: Any) -> list[str]:
    """Tables that carry the attribution columns (text id, timestamps, updated_by): audited."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return [t for t in names if "updated_by" in table_columns(conn, t)]


def table_columns(conn: Any, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


def _trigger_names(table: str) -> list[str]:
    return [f"audit_{table}_{op}" for op in ("insert", "update", "delete")]


def drop_audit_triggers(conn: Any) -> None:
    for table in audited_tables(conn):
        for name in _trigger_names(table):
            conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def install_audit_triggers(conn: Any) -> None:
    """(Re)create the audit triggers of every synced table. Call inside a transaction."""
    for table in audited_tables(conn):
        cols = [c for c in table_columns(conn, table) if c not in SKIP_COLUMNS]
        changed = (
            " || ".join(
                f"CASE WHEN NEW.\"{c}\" IS NOT OLD.\"{c}\" THEN ',{c}' ELSE '' END" for c in cols
            )
            or "''"
        )
        ins, upd, dele = _trigger_names(table)
        for name in (ins, upd, dele):
            conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        conn.execute(
            f'CREATE TRIGGER "{ins}" AFTER INSERT ON "{table}" WHEN sync_local() BEGIN '
            "INSERT INTO audit (user_id, action, table_name, row_id) "
            f"VALUES (NEW.updated_by, 'insert', '{table}', NEW.id); END"
        )
        conn.execute(
            f'CREATE TRIGGER "{upd}" AFTER UPDATE ON "{table}" WHEN sync_local() BEGIN '
            "INSERT INTO audit (user_id, action, table_name, row_id, columns) VALUES ("
            "NEW.updated_by, "
            "CASE WHEN NEW.deleted_at IS NOT NULL AND OLD.deleted_at IS NULL THEN 'delete' "
            "WHEN NEW.deleted_at IS NULL AND OLD.deleted_at IS NOT NULL THEN 'restore' "
            "ELSE 'update' END, "
            f"'{table}', NEW.id, substr({changed}, 2)); END"
        )
        conn.execute(
            f'CREATE TRIGGER "{dele}" AFTER DELETE ON "{table}" BEGIN '
            "INSERT INTO audit (user_id, action, table_name, row_id) "
            f"VALUES (OLD.updated_by, 'purge', '{table}', OLD.id); END"
        )
