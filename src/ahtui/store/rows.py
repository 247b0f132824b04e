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
from .site import Site, utc_now

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@lru_cache(maxsize=1024)
def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def to_sql(value: Any) -> Any:
    """Python values as stored: ISO dates, 0/1 booleans, enum codes."""
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
