"""Attributed row writes: the one place services turn values into INSERT and UPDATE.

Every write stamps `updated_at` and `updated_by` (the signed-in user) so the audit triggers and,
later, change capture know who did it. Deletes are soft: `deleted_at` is set and the row stays.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any

from ..errors import NotFound
from . import ids
from .site import Site, utc_now

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@lru_cache(maxsize=1024)
def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


# Values stored as they are; checked first, as most values are plain (the bulk path writes many).
PLAIN = (str, int, float, type(None), bytes)


def to_sql(value: Any) -> Any:
    """Python values as stored: ISO dates, 0/1 booleans, enum codes."""
    if type(value) in PLAIN:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value


def insert(site: Site, table: str, values: dict[str, Any]) -> str:
    """Insert one row; return its id (a new UUID unless `values` carries one)."""
    row = {_ident(k): to_sql(v) for k, v in values.items()}
    row.setdefault("id", site.id_factory())
    now = utc_now()
    row.setdefault("created_at", now)
    row["updated_at"] = now
    row["updated_by"] = site.user.id
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    with site.write() as conn:
        conn.execute(f"INSERT INTO {_ident(table)} ({cols}) VALUES ({marks})", tuple(row.values()))
    return row["id"]


def update(site: Site, table: str, row_id: str, values: dict[str, Any]) -> None:
    """Change some columns of a live row; NotFound if it is missing or deleted."""
    row = {_ident(k): to_sql(v) for k, v in values.items()}
    row["updated_at"] = utc_now()
    row["updated_by"] = site.user.id
    sets = ", ".join(f"{k} = ?" for k in row)
    with site.write() as conn:
        cur = conn.execute(
            f"UPDATE {_ident(table)} SET {sets} WHERE id = ? AND deleted_at IS NULL",
            (*row.values(), row_id),
        )
        if cur.rowcount == 0:
            raise NotFound(f"No such record ({table} {row_id}); it may have been deleted.")


def soft_delete(site: Site, table: str, row_id: str) -> None:
    now = utc_now()
    update(site, table, row_id, {"deleted_at": now})


def get(site: Site, table: str, row_id: str) -> Any:
    row = site.one(f"SELECT * FROM {_ident(table)} WHERE id = ? AND deleted_at IS NULL", (row_id,))
    if row is None:
        raise NotFound(f"No such record ({table} {row_id}); it may have been deleted.")
    return row


# -- Records that exist once per key (a person's My Plan, an answer per question, ...) -------

# Of several live rows for one key (made at two sites before these rows had one-per-key ids),
# the one the app shows and edits: the latest written. Synced sites agree on it.
SHOWN_FIRST = "ORDER BY updated_at DESC, id DESC"
_KEPT = {"id", "created_at", "updated_at", "updated_by", "deleted_at"}


def save_keyed(site: Site, table: str, key: dict[str, Any], values: dict[str, Any]) -> str:
    """Change the one live row of `table` for `key` (its owner first: person or meeting), or
    create it; return its id.

    A new row gets its one-per-person id (store/ids.py), so two sites creating it before they
    sync make the same row and the merge keeps both edits. Rows made before that, under random
    ids, are found by key and go on being used. If the one-per-person row was deleted,
    creating the record again brings that row back as a new record: the values given, the
    other columns empty.
    """
    table = _ident(table)
    key = {_ident(k): to_sql(v) for k, v in key.items()}
    values = {_ident(k): v for k, v in values.items()}
    where = " AND ".join(f"{k} = ?" for k in key)
    row_id = ids.one_per_person(table, *(str(v) for v in key.values()))
    with site.write() as conn:
        live = site.one(
            f"SELECT id FROM {table} WHERE {where} AND deleted_at IS NULL {SHOWN_FIRST} LIMIT 1",
            tuple(key.values()),
        )
        if live is not None:
            update(site, table, live["id"], values)
            return live["id"]
        if site.one(f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)) is None:
            # The demo draws ids from a seeded sequence: taking one here as before keeps every
            # later demo id, and so the demo's data, as it was.
            site.id_factory()
            return insert(site, table, {"id": row_id, **key, **values})
        # Deleted here (or at a site it synced with): restore it rather than insert its id again.
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        row: dict[str, Any] = {c: None for c in cols if c not in _KEPT and c not in key}
        row.update({k: to_sql(v) for k, v in values.items()})
        row.update(deleted_at=None, updated_at=utc_now(), updated_by=site.user.id)
        conn.execute(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in row)} WHERE id = ?",
            (*row.values(), row_id),
        )
        return row_id


def dicts(site: Site, sql: str, *params: Any) -> list[dict[str, Any]]:
    """The rows of a query as plain dicts, for data handed to documents and snapshots."""
    return [dict(r) for r in site.query(sql, params)]
