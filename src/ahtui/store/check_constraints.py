"""CHECK constraints written as `col IN ('a', 'b', ...)` restated as `(col = 'a' OR ...)`.

The two mean the same, but SQLite builds a small temporary B-tree from an IN list every time
it checks a row against a CHECK constraint (there is no once-per-statement shortcut there):
about 4 µs a row per list, a tenth of a bulk sync import. The comparisons cost next to nothing.

Our migrations keep the readable IN form; after each one the runner restates the table
definitions in place, the way SQLite's documentation describes for changing a CHECK
constraint (edit the stored CREATE TABLE text under `writable_schema`, then bump the schema
version so every connection reads it again). The data is untouched, and the old and new
constraints accept exactly the same values, so no row can start to break one. It runs inside
the migration's transaction: if anything goes wrong, the stored definitions roll back with it.
"""

from __future__ import annotations

import re
from typing import Any

_LITERAL = r"'(?:[^']|'')*'"
_IN_LIST = re.compile(
    rf"(?P<col>\b[A-Za-z_][A-Za-z0-9_]*|\"[^\"]+\")\s+IN\s*\(\s*"
    rf"(?P<values>{_LITERAL}(?:\s*,\s*{_LITERAL})*)\s*\)",
    re.IGNORECASE,
)


def restate(sql: str) -> str:
    """A CREATE TABLE statement with every IN list of text literals written as comparisons."""

    def one(m: re.Match[str]) -> str:
        col = m.group("col")
        if col.upper() == "NOT":  # `x NOT IN (...)`: left as it is
            return m.group(0)
        values = re.findall(_LITERAL, m.group("values"))
        return "(" + " OR ".join(f"{col} = {v}" for v in values) + ")"

    return _IN_LIST.sub(one, sql)


def restate_in_lists(conn: Any) -> list[str]:
    """Restate every table's IN-list CHECK constraints; return the tables changed.

    Call inside a write transaction.
    """
    changed = []
    for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '% IN %'"
    ).fetchall():
        new = restate(sql)
        if new != sql:
            changed.append((name, new))
    if not changed:
        return []
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.executemany(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
            [(sql, name) for name, sql in changed],
        )
    finally:
        conn.execute("PRAGMA writable_schema = OFF")
    conn.execute(f"PRAGMA schema_version = {int(version) + 1}")
    # Read the new definitions now, so a mistake fails here, inside the transaction.
    for name, _ in changed:
        conn.execute(f'SELECT * FROM "{name}" LIMIT 0').fetchall()
    return [name for name, _ in changed]
