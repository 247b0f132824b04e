"""Conflicts: the values that lost a merge to a concurrent change, described and resolved.

A conflict (sync_conflicts, recorded by `merge`) is kept until someone chooses: keep the
current value, take the lost one, or combine both (text only); for an edit made while the
record was deleted elsewhere, restore the record with the edit or accept the delete. The
choice is written as a normal change, so it syncs and wins over both sides. The views here
say, in plain words for the conflicts screen, which record and field, both values, and which
site wrote each and when.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..domain import limits
from ..domain.names import listed_name
from ..errors import BadInput, NotFound, ValidationFailed
from ..store import hlc as clock
from ..store.capture import columns as table_columns
from ..store.capture import not_null_columns, synced_tables
from ..store.site import IntegrityError, Site, utc_now
from .labels import column_label, show_value, table_label
from .policy import hub_blanked

_NOT_TEXT_ENDINGS = ("_id", "_on", "_at", "_date", "_months", "_hlc")


def combinable(conn: Any, table: str, col: str) -> bool:
    """Whether two values of this column can be joined into one: words, not codes or dates."""
    if hub_blanked(conn, table, col):
        return True
    info = {r[1]: (r[2] or "").upper() for r in conn.execute(f'PRAGMA table_info("{table}")')}
    if col == "id" or col.endswith(_NOT_TEXT_ENDINGS) or info.get(col) != "TEXT":
        return False
    # A CHECK naming the column marks a code (pathway, status, event...).
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    return not any(
        "CHECK" in line and f"{col} " in line.split("CHECK", 1)[1] for line in sql.splitlines()
    )


def conflicts(site: Site, person_id: str | None = None, *, open_only: bool = True) -> list[Any]:
    """Conflicts (open ones only, unless told), oldest first; one person's, or everyone's."""
    sql = "SELECT * FROM sync_conflicts WHERE deleted_at IS NULL"
    params: list[Any] = []
    if person_id is not None:
        sql += " AND person_id = ?"
        params.append(person_id)
    if open_only:
        sql += " AND resolved_at IS NULL"
    return site.query(sql + " ORDER BY created_at, id", params)


def resolve_conflict(site: Site, conflict_id: str, choice: str, value: Any = None) -> None:
    """Close a conflict: 'keep' the current value, take the 'lost' one, or 'combine' (value).

    For a delete conflict 'lost' restores the record. The chosen value is written as a normal
    change, so it syncs and wins over both sides.
    """
    c = site.one("SELECT * FROM sync_conflicts WHERE id = ?", (conflict_id,))
    if c is None:
        raise NotFound(f"No such conflict ({conflict_id}).")
    if choice not in {"keep", "lost", "combine"}:
        raise BadInput("Choose keep, lost or combine.")
    now = utc_now()
    with site.write() as conn:
        table, col = c["tbl"], c["col"]
        if table not in synced_tables(conn) or col not in table_columns(conn, table):
            raise BadInput(f"The record this conflict is about ({table}.{col}) is unknown here.")
        if choice == "lost" and c["kind"] == "delete":
            conn.execute(
                f'UPDATE "{table}" SET deleted_at = NULL, updated_at = ?, updated_by = ? '
                "WHERE id = ?",
                (now, site.user.id, c["row_id"]),
            )
        elif choice in {"lost", "combine"}:
            if choice == "combine" and not combinable(conn, table, col):
                # Joining two codes, dates, numbers or ids makes a value nothing else can read.
                raise BadInput("Only text can be combined here: keep one value or the other.")
            new = json.loads(c["lost_value"]) if choice == "lost" else value
            if choice == "combine" and isinstance(new, str) and not new.strip():
                new = None
            if isinstance(new, str) and len(new) > limits.limit(table, col):
                # Peers hold arriving records to the same limits: a longer text would stop
                # every bundle that carries it.
                raise BadInput(
                    f"The combined text is {len(new):,} characters; this field holds at most "
                    f"{limits.limit(table, col):,}. Shorten it, or keep one value."
                )
            try:
                conn.execute(
                    f'UPDATE "{table}" SET "{col}" = ?, updated_at = ?, updated_by = ? '
                    "WHERE id = ?",
                    (new, now, site.user.id, c["row_id"]),
                )
            except IntegrityError:
                raise BadInput(
                    "That value is not allowed for this field: keep one value or the other."
                ) from None
        conn.execute(
            "UPDATE sync_conflicts SET resolved_at = ?, resolution = ?, updated_at = ?, "
            "updated_by = ? WHERE id = ?",
            (now, choice, now, site.user.id, conflict_id),
        )


def open_conflicts(site: Site) -> int:
    return len(conflicts(site))


# -- for the conflicts screen ----------------------------------------------------------------


def _hlc_when(hlc: int) -> str:
    return datetime.fromtimestamp(clock.physical_ms(int(hlc)) / 1000, UTC).strftime(
        "%d %b %Y %H:%M"
    )


@dataclass(frozen=True)
class Side:
    """One of the two values: what it is, which site wrote it and when."""

    value: Any
    site_name: str
    at: str
    mine: bool


@dataclass(frozen=True)
class ConflictView:
    id: str
    person_id: str | None
    person_name: str
    kind: str
    table: str
    column: str
    where: str
    current: Side
    """What the record holds now (for a delete conflict: the delete)."""
    lost: Side
    """The value that lost (for a delete conflict: the edit made while it was deleted)."""

    @property
    def mine_is_lost(self) -> bool:
        """'Mine' is the lost value only when this site wrote it and not the current one."""
        return self.lost.mine and not self.current.mine

    def choice_for(self, which: str) -> str:
        """`resolve_conflict`'s choice for 'mine' or 'theirs'."""
        take_lost = self.mine_is_lost if which == "mine" else not self.mine_is_lost
        return "lost" if take_lost else "keep"

    def field_words(self) -> str:
        """The field, with its record's kind unless it is the person's own details."""
        if self.table == "people":
            return column_label(self.column)
        return self.where

    def sides(self) -> tuple[Side, Side]:
        """(mine, theirs)."""
        return (self.lost, self.current) if self.mine_is_lost else (self.current, self.lost)

    def combined(self) -> str:
        """Both values joined, as the starting point for a combined one."""
        parts = []
        for s in self.sides():
            text = "" if s.value is None else str(s.value)
            if text and text not in parts:
                parts.append(text)
        sep = "\n\n" if any("\n" in p for p in parts) else " / "
        return sep.join(parts)


def site_names(site: Site) -> dict[str, str]:
    names = {r["id"]: r["name"] for r in site.query("SELECT id, name FROM sites")}
    names.update(
        {r["site_id"]: r["name"] for r in site.query("SELECT site_id, name FROM sync_peers")}
    )
    names[site.site_id] = site.name
    return names


def _person_name(site: Site, person_id: str | None, table: str) -> str:
    if person_id is None:
        return "Team directory" if table == "practitioners" else "Not about one person"
    row = site.one(
        "SELECT given_name, family_name, preferred_name FROM people WHERE id = ?", (person_id,)
    )
    if row is None:
        return "A person not held at this site"
    return listed_name(row)


def _version(site: Site, table: str, row_id: str, column: str) -> tuple[int, str] | None:
    """The version (clock, origin site) of one field as this site holds it."""
    row = site.one(
        "SELECT hlc, origin FROM sync_cols WHERE tbl = ? AND row_id = ? AND col = ?",
        (table, row_id, column),
    )
    if row is None:
        row = site.one(
            "SELECT ins_hlc, ins_origin FROM sync_rows WHERE tbl = ? AND row_id = ?",
            (table, row_id),
        )
    return (int(row[0]), str(row[1])) if row is not None else None


def _current_value(site: Site, table: str, row_id: str, column: str) -> Any:
    if table not in synced_tables(site.conn) or column not in table_columns(site.conn, table):
        return None
    row = site.one(f'SELECT "{column}" FROM "{table}" WHERE id = ?', (row_id,))
    return None if row is None else row[0]


def conflict_views(site: Site, person_id: str | None = None) -> list[ConflictView]:
    """Open conflicts (one person's, or everyone's), by person, then record and field."""
    names = site_names(site)
    me = site.site_id
    people: dict[str | None, str] = {}
    out = []
    for c in conflicts(site, person_id):
        table, col, rid = c["tbl"], c["col"], c["row_id"]
        if c["person_id"] not in people:
            people[c["person_id"]] = _person_name(site, c["person_id"], table)
        try:
            lost_value = json.loads(c["lost_value"]) if c["lost_value"] is not None else None
        except ValueError:
            lost_value = c["lost_value"]
        lost = Side(
            lost_value,
            names.get(c["lost_origin"], f"site {c['lost_origin'][:8]}"),
            _hlc_when(c["lost_hlc"]),
            c["lost_origin"] == me,
        )
        shown_col = "deleted_at" if c["kind"] == "delete" else col
        version = _version(site, table, rid, shown_col)
        origin = version[1] if version else ""
        current = Side(
            _current_value(site, table, rid, shown_col),
            names.get(origin, f"site {origin[:8]}") if origin else "an unknown site",
            _hlc_when(version[0]) if version else "an unknown time",
            origin == me,
        )
        out.append(
            ConflictView(
                c["id"],
                c["person_id"],
                people[c["person_id"]],
                c["kind"],
                table,
                col,
                f"{table_label(table)}: {column_label(col)}",
                current,
                lost,
            )
        )
    # Engine order (oldest first) is kept within one field; fields in words order.
    out.sort(key=lambda v: (v.person_name.lower(), v.person_id or "", v.where))
    return out


def explain(v: ConflictView) -> str:
    """The conflict in a few plain sentences, naming both sites, both values and the choices."""
    if v.kind == "delete":
        return (
            f"{v.current.site_name} deleted this {table_label(v.table).lower()} record on "
            f"{v.current.at}, while {v.lost.site_name} changed {column_label(v.column)} to "
            f"{show_value(v.lost.value)!s} on {v.lost.at}; neither had seen the other.\n"
            "Keep the edit: the record is restored with the edit. "
            "Accept the delete: the record stays deleted."
        )
    mine, theirs = v.sides()
    lines = [
        f"Two sites changed {column_label(v.column)} at the same time; neither had seen the "
        "other's change.",
        f"Mine   ({_where(mine)}): {show_value(mine.value)}",
        f"Theirs ({_where(theirs)}): {show_value(theirs.value)}",
        f"Shown now: the value from {v.current.site_name}.",
    ]
    return "\n".join(lines)


def _where(s: Side) -> str:
    return f"{'this site, ' if s.mine else ''}{s.site_name}, {s.at}"


def resolve(site: Site, view: ConflictView, how: str, value: str | None = None) -> str:
    """Resolve by 'mine', 'theirs', 'combine' (with `value`), 'restore' or 'delete'."""
    if view.kind == "delete":
        if how not in {"restore", "delete"}:
            raise BadInput(
                "This record was deleted at one site and changed at another: keep the edit "
                "(restore the record) or accept the delete."
            )
        resolve_conflict(site, view.id, "lost" if how == "restore" else "keep")
        return "Record restored with the edit." if how == "restore" else "Delete accepted."
    if how in {"restore", "delete"}:
        raise BadInput("Only a deleted record can be restored; choose mine, theirs or combine.")
    if how == "combine":
        if value is None and view.column in not_null_columns(site.conn, view.table):
            raise ValidationFailed(
                {"value": f"{column_label(view.column)} cannot be empty; write the value to keep."}
            )
        resolve_conflict(site, view.id, "combine", value)
        return f"{column_label(view.column)} set to the combined value."
    if how not in {"mine", "theirs"}:
        raise BadInput("Choose mine, theirs or combine.")
    resolve_conflict(site, view.id, view.choice_for(how))
    kept = view.sides()[0 if how == "mine" else 1]
    return (
        f"{column_label(view.column)} kept as {show_value(kept.value, 40)} (from {kept.site_name})."
    )


def can_combine(site: Site, view: ConflictView) -> bool:
    """Whether the two values can be joined into one (words, not codes, dates or numbers)."""
    return view.kind != "delete" and combinable(site.conn, view.table, view.column)
