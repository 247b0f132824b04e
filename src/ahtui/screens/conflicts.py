"""Conflicts: values two sites changed at the same time, listed per person, to resolve.

Each row names the person, the record and field in plain words and both values; below the
list, the highlighted conflict is explained with the site and time each value came from.
Resolving (mine, theirs, a combined value, or for a record deleted at one site and edited at
another: keep the edit or accept the delete) is written as a normal change, so it reaches every
site with the next bundles. Opened from the caseload or sync screen (everyone's) or for one
person (`ConflictsScreen(person_id)`).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from .. import keymap
from ..domain import names
from ..store import people
from ..sync import conflicts as sync_conflicts
from ..sync.conflicts import can_combine, explain
from ..sync.labels import column_label, show_value
from ..widgets.form import Field
from ..widgets.shown import Shown, ShownTable, one_line
from . import navigation
from .base import SiteScreen

_VALUE_ACTIONS = {"mine", "theirs"}
_DELETE_ACTIONS = {"restore", "delete"}


def _cell(side: Any, kind: str, is_current: bool, width: int = 13) -> str:
    if kind == "delete" and is_current:
        return "DELETED"
    return show_value(side.value, width)


@navigation.screen("conflicts")
class ConflictsScreen(SiteScreen):
    DEFAULT_CSS = """
    ConflictsScreen #conflicts-table { height: 1fr; min-height: 4; }
    ConflictsScreen #conflict-detail-box { height: auto; max-height: 9; padding: 0 1; }
    """
    KEY_SCOPES = ("conflicts",)
    BINDINGS = keymap.bindings("conflicts")
    HELP_TITLE = "Conflicts"

    def __init__(self, person_id: str | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.views: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Shown("", id="conflicts-head", classes="screen-head")
        table: DataTable[str] = ShownTable(id="conflicts-table", cursor_type="row")
        table.add_columns("Person", "Field", "Mine", "Theirs")
        yield table
        with VerticalScroll(id="conflict-detail-box"):
            yield Shown("", id="conflict-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        if self.app.site is None:  # type: ignore[attr-defined]
            return
        self.views = sync_conflicts.conflict_views(self.site, self.person_id)
        who = "everyone"
        if self.person_id is not None:
            who = self.views[0].person_name if self.views else self._person_name()
        n = len(self.views)
        self.query_one("#conflicts-head", Static).update(
            f"Conflicts · {one_line(who)} · {n} open\n"
            "Two sites changed the same thing without seeing each other's change."
        )
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for v in self.views:
            mine, theirs = v.sides()
            table.add_row(
                v.person_name,
                v.field_words(),
                _cell(mine, v.kind, mine is v.current),
                _cell(theirs, v.kind, theirs is v.current),
                key=v.id,
            )
        if self.views:
            table.move_cursor(row=min(row, len(self.views) - 1))
        self._show_detail()
        self.refresh_bindings()

    def _person_name(self) -> str:
        try:
            row = people.get_person(self.site, self.person_id)
        except Exception:
            return "this person"
        return names.listed_name(row)

    def current(self) -> Any:
        table = self.query_one(DataTable)
        if not self.views or table.cursor_row is None:
            return None
        return self.views[min(max(table.cursor_row, 0), len(self.views) - 1)]

    def _show_detail(self) -> None:
        v = self.current()
        box = self.query_one("#conflict-detail", Static)
        if v is None:
            box.update("No open conflicts. Nothing to do here.")
            return
        if v.kind == "delete":
            keys = "k keeps the edit (restores the record) · d accepts the delete"
        else:
            keys = "m keeps mine · t takes theirs"
            if can_combine(self.site, v):
                keys += " · c combines both into one value"
        box.update(f"{one_line(v.person_name)} · {one_line(v.where)}\n{explain(v)}\n{keys}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()

    # -- keys ----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in {"choose", "combine"}:
            return True
        v = self.current() if self.is_mounted else None
        if v is None:
            return None
        if action == "combine":
            return can_combine(self.site, v)
        wanted = _DELETE_ACTIONS if v.kind == "delete" else _VALUE_ACTIONS
        return parameters[0] in wanted if parameters else True

    def action_choose(self, how: str) -> None:
        v = self.current()
        if v is None:
            self.notify("No conflict is highlighted.", markup=False)
            return
        self.call_service(
            lambda: sync_conflicts.resolve(self.site, v, how), self._done_words(v, how)
        )

    def _done_words(self, v: Any, how: str) -> str:
        if how == "restore":
            return f"Resolved: record restored with the edit ({column_label(v.column)})."
        if how == "delete":
            return "Resolved: the delete is accepted."
        mine, theirs = v.sides()
        kept = mine if how == "mine" else theirs
        return (
            f"Resolved: {column_label(v.column)} is {show_value(kept.value, 40)} "
            f"(from {kept.site_name}). It reaches other sites with the next bundles."
        )

    def action_combine(self) -> None:
        v = self.current()
        if v is None:
            self.notify("No conflict is highlighted.", markup=False)
            return
        if v.kind == "delete":
            self.notify(
                "This record was deleted at one site and edited at another: "
                "k keeps the edit, d accepts the delete.",
                markup=False,
            )
            return
        if not sync_conflicts.can_combine(self.site, v):
            self.notify(
                "This field holds a code, a date or a number: m keeps mine, t takes theirs.",
                markup=False,
            )
            return
        mine, theirs = v.sides()
        self.open_form(
            f"Combine: {v.where}",
            [Field("value", column_label(v.column), "area", v.combined())],
            lambda values: sync_conflicts.resolve(self.site, v, "combine", values["value"]),
            intro=f"Mine: {show_value(mine.value, 60)}\n"
            f"Theirs: {show_value(theirs.value, 60)}\n"
            "Starts with both joined: edit it to what should be kept. Saving resolves the "
            "conflict and sends the value to the other sites with the next bundles.",
            done=lambda message: self.notify(f"Resolved: {message}", markup=False),
        )
