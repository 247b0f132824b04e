"""The sync policy file, `schema/sync_policy.toml`: where each column of each synced table may go.

Read and checked like the forms (`forms_loader`): `read_policy` takes a path and is uncached,
for tests and tools; `load_policy` reads the shipped file once per process. A file that does not
add up raises `SyncPolicyError`, one error naming the file and every entry at fault. What can be
checked without a site (the classes, the shape, a column listed twice) is checked on reading;
`SyncPolicy.check` then holds the file against a site's schema (a table that is not synced, a
column that does not exist), which `policy` does the first time a site's schema is seen.

A column the file does not name has no class, and `policy` sends it nowhere.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AhtuiError
from ..resources import schema_dir

EVERYWHERE = "everywhere"
CONSENT = "consent"
AGENCY = "agency"
HUB_BLANK = "hub_blank"
HUB_MONTH = "hub_month"
LOCAL = "local"
# Where a table's rows may go.
ROW_CLASSES = (EVERYWHERE, CONSENT, LOCAL)
# What a column may be besides its table's class.
COLUMN_CLASSES = (AGENCY, HUB_BLANK, HUB_MONTH, LOCAL)
CLASSES = (EVERYWHERE, CONSENT, AGENCY, HUB_BLANK, HUB_MONTH, LOCAL)
FILE_NAME = "sync_policy.toml"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class SyncPolicyError(AhtuiError):
    """The sync policy file is missing or does not add up (a fault of the installation)."""


@dataclass(frozen=True)
class Schema:
    """What the check needs to know of a site's schema."""

    tables: frozenset[str]
    """Every table of the site, synced or not."""
    columns: Mapping[str, tuple[str, ...]]
    """Each synced table's columns, in order."""
    owners: Mapping[str, str | None]
    """Each synced table's column that says whose record a row is (None: nobody's)."""
    read_on_arrival: Mapping[str, tuple[str, ...]]
    """Columns a receiving site's rules read (consent events, sensitivity), by table."""


@dataclass(frozen=True)
class SyncPolicy:
    """The file as read: each listed table's rows class, and each listed column's class."""

    path: Path
    rows: Mapping[str, str]
    columns: Mapping[str, Mapping[str, str]]
    where: Mapping[tuple[str, str], str]
    """(table, column) -> the entry that names it (for messages)."""
    every_table: tuple[str, ...]

    def column_class(self, table: str, column: str) -> str | None:
        return self.columns.get(table, {}).get(column)

    def check(self, schema: Schema) -> None:
        """Raise `SyncPolicyError` unless every entry names a synced table and its column, and
        each table's rows class fits what the table holds."""
        problems: list[str] = []
        for table, rows in self.rows.items():
            entry = f"tables.{table}"
            if table not in schema.columns:
                problems.append(
                    f"{entry}: this table is not synced (it stays on each site); remove it"
                    if table in schema.tables
                    else f"{entry}: there is no such table"
                )
                continue
            have = set(schema.columns[table])
            for column in self.columns[table]:
                if column not in have:
                    where = self.where[(table, column)]
                    problems.append(f"{where}: {table} has no column {column!r}")
            owner = schema.owners.get(table)
            if rows == CONSENT and owner is None:
                problems.append(
                    f"{entry}.rows: its rows belong to no person, so consent cannot decide "
                    "where they go"
                )
            if rows == EVERYWHERE and owner is not None:
                problems.append(
                    f"{entry}.rows: its rows are a person's and may go only where consent allows"
                )
            for column in filter(None, ("id", owner, *schema.read_on_arrival.get(table, ()))):
                # Without them a site could not tell which record a row is, whose, or whether
                # it may hold it.
                if column in have and self.column_class(table, column) != rows:
                    at = self.where.get((table, column), entry)
                    problems.append(f"{at}: {table}.{column} must be listed to travel as the "
                                    f"rows do ({rows})")  # fmt: skip
        _raise(self.path, problems)


def _raise(path: Path, problems: list[str]) -> None:
    if problems:
        n = len(problems)
        raise SyncPolicyError(
            f"{path}: {n} problem{'s' if n != 1 else ''} in the sync policy:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


def _names(value: Any, entry: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{entry}: expected a list of column names")
        return []
    bad = [v for v in value if not _NAME.match(v)]
    if bad:
        problems.append(f"{entry}: not a column name: {', '.join(map(repr, bad))}")
    return [v for v in value if _NAME.match(v)]


def build_policy(path: Path, data: Mapping[str, Any]) -> SyncPolicy:
    """The policy from a parsed file; `SyncPolicyError` naming every entry at fault."""
    problems: list[str] = []
    for key in sorted(set(data) - {"every_table", "tables"}):
        problems.append(f"{key}: unknown entry (expected every_table and tables)")
    every = data.get("every_table", {})
    common: list[str] = []
    if not isinstance(every, dict) or set(every) - {"columns"}:
        problems.append("every_table: expected only `columns`, a list of column names")
    else:
        common = _names(every.get("columns", []), "every_table.columns", problems)
    tables = data.get("tables", {})
    if not isinstance(tables, dict) or not tables:
        problems.append("tables: expected a section per synced table ([tables.<name>])")
        tables = {}
    rows_of: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    where: dict[tuple[str, str], str] = {}
    for table, spec in tables.items():
        entry = f"tables.{table}"
        if not isinstance(spec, dict):
            problems.append(f"{entry}: expected a section with `rows` and lists of columns")
            continue
        rows = spec.get("rows")
        if rows not in ROW_CLASSES:
            problems.append(
                f"{entry}.rows: {rows!r} is not where rows may go (one of {', '.join(ROW_CLASSES)})"
            )
            continue
        rows_of[table] = rows
        found = columns[table] = {}
        for column in common:
            found[column] = rows
            where[(table, column)] = "every_table.columns"
        for cls, value in spec.items():
            if cls == "rows":
                continue
            at = f"{entry}.{cls}"
            if cls not in CLASSES:
                problems.append(f"{at}: unknown class {cls!r} (the classes: {', '.join(CLASSES)})")
                continue
            if cls in (EVERYWHERE, CONSENT) and cls != rows:
                problems.append(
                    f"{at}: this table's rows are {rows}; list its columns that travel with "
                    f"them under {rows}"
                )
                continue
            for column in _names(value, at, problems):
                if column in found:
                    problems.append(
                        f"{at}: {column!r} is listed already, in {where[(table, column)]}"
                    )
                    continue
                found[column] = cls
                where[(table, column)] = at
    _raise(path, problems)
    return SyncPolicy(path, rows_of, columns, where, tuple(common))


def read_policy(path: Path) -> SyncPolicy:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise SyncPolicyError(f"{path}: the sync policy file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise SyncPolicyError(f"{path}: not valid TOML: {exc}") from None
    return build_policy(path, data)


def policy_path() -> Path:
    try:
        return schema_dir() / FILE_NAME
    except FileNotFoundError as exc:
        raise SyncPolicyError(str(exc)) from exc


@functools.cache
def load_policy() -> SyncPolicy:
    """The shipped policy, read once per process."""
    return read_policy(policy_path())
