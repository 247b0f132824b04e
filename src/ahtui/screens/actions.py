"""The Team Actions Log, for one person or across everyone.

For one person: every step, who does it, by when, done or not, with follow-ups marked "↳" and
linked to their original. Across everyone: mine, overdue, due in the next 7 days, by
practitioner, all open (v cycles; b picks a practitioner). Status is a word in its own column
(OVERDUE, open, done), so it never depends on colour. x saves what is listed as CSV.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Static

from .. import keymap
from .base import SiteScreen, fmt_date, person_refs

_VIEWS = ("mine", "overdue", "week", "open")


def status_word(row: Any, today: date) -> str:
    from ..exports.actions_csv import action_status

    return action_status(row, today)


def _short(text: str | None, width: int = 14) -> str:
    """Cut a name for a narrow column; the detail line below the table has it in full."""
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def default_export_path(name: str, today: date) -> Path:
    from ..config import data_dir

    return data_dir() / "exports" / f"actions-{name}-{today.isoformat()}.csv"


class ActionsScreen(SiteScreen):
    KEY_SCOPES = ("actions",)
    BINDINGS = keymap.bindings("actions")
    HELP_TITLE = "Actions log"

    def __init__(self, person_id: str | None = None, *, view: str = "mine") -> None:
        super().__init__()
        self.person_id = person_id
        self.view = view
        self.practitioner_id: str | None = None
        self.rows: list[Any] = []
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="actions-head", classes="screen-head", markup=False)
        table: DataTable[str] = DataTable(id="actions-table", cursor_type="row")
        if self.person_id:
            table.add_columns("Status", "Due", "Who", "Step")
        else:
            table.add_columns("Status", "Due", "Person", "Who", "Step")
        yield table
        yield Static("", id="actions-detail", classes="detail", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Views belong to the log across everyone; adding belongs to one person's log.
        if action in ("next_view", "by_practitioner") and self.person_id:
            return False
        if action == "add" and not self.person_id:
            return False
        return True

    # -- data ----------------------------------------------------------------------------
    def reload(self) -> None:
        from ..store import actions, people

        site = self.site
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        if self.person_id:
            person = people.get_person(site, self.person_id)
            # Open first, soonest due first; step and id settle ties the same way every time.
            rows = sorted(
                actions.actions_for(site, self.person_id),
                key=lambda r: (
                    r["completed_on"] is not None,
                    r["due_on"] is None,
                    r["due_on"] or "",
                    r["step"],
                    r["id"],
                ),
            )
            # Each follow-up right under the step it follows.
            by_id = {r["id"]: r for r in rows}
            top = [r for r in rows if not r["follow_up_of"] or r["follow_up_of"] not in by_id]
            ordered: list[Any] = []

            def add(r: Any, depth: int) -> None:
                ordered.append((r, depth))
                for child in rows:
                    if child["follow_up_of"] == r["id"]:
                        add(child, depth + 1)

            for r in top:
                add(r, 0)
            self.rows = [r for r, _ in ordered]
            self.total = len(rows)
            open_n = sum(1 for r in rows if not r["completed_on"])
            late = sum(1 for r in rows if status_word(r, self.today) == "OVERDUE")
            head = f"{person_refs(person)}\nTeam Actions Log: {open_n} open, {late} OVERDUE"
            for r, depth in ordered:
                step = ("↳ " * depth) + r["step"]
                table.add_row(
                    status_word(r, self.today),
                    fmt_date(r["due_on"]),
                    _short(r["responsible_name"]),
                    step,
                    key=r["id"],
                )
        else:
            from ..store.worklists import worklist

            found = worklist(site, self.view, self.today, practitioner_id=self.practitioner_id)
            self.rows = found.rows
            self.total = found.total
            shown = (
                f"{found.total:,}"
                if found.total == len(found.rows)
                else f"first {len(found.rows):,} of {found.total:,}"
            )
            head = f"Actions across everyone: {found.title} ({shown})\nv: next view · b: by practitioner · o: open person"
            for r in found.rows:
                table.add_row(
                    status_word(r, self.today),
                    fmt_date(r["due_on"]),
                    _short(r["person_name"], 16),
                    _short(r["responsible_name"]),
                    r["step"],
                    key=r["id"],
                )
        self.query_one("#actions-head", Static).update(head)
        if self.rows:
            table.move_cursor(row=min(max(keep, 0), len(self.rows) - 1))
        else:
            self.query_one("#actions-detail", Static).update("No actions here.")

    @property
    def current(self) -> Any | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        r = self.current
        if r is None:
            return
        parts = [f"{status_word(r, self.today)}: {r['step']}"]
        if r["responsible_name"]:
            parts.append(f"by {r['responsible_name']}")
        if r["due_on"]:
            parts.append(f"due {fmt_date(r['due_on'])}")
        if r["completed_on"]:
            parts.append(f"done {fmt_date(r['completed_on'])}")
        if r["follow_up_of"]:
            original = next((o for o in self.rows if o["id"] == r["follow_up_of"]), None)
            parts.append(f"follow-up of: {original['step'] if original else 'an earlier step'}")
        if "person_name" in r.keys():
            parts.append(r["person_name"])
        if r["notes"]:
            parts.append(r["notes"])
        self.query_one("#actions-detail", Static).update(" · ".join(parts))

    # -- forms ---------------------------------------------------------------------------
    def _fields(self, person_id: str, row: Any | None = None) -> list[Any]:
        from ..store import team
        from ..widgets.form import Field
        from .team import short_role

        members = team.team(self.site, person_id)
        options = [
            (f"{m['name']} ({short_role(m['role'])})", m["practitioner_id"]) for m in members
        ]
        current = row["responsible_practitioner_id"] if row is not None else None
        if current and all(v != current for _, v in options):
            options.append(("(no longer in the team)", current))
        return [
            Field("step", "Step to be taken", value=row["step"] if row else None, required=True),
            Field("responsible_practitioner_id", "Responsible", "select", current, options),
            Field(
                "responsible_name",
                "Or someone else",
                value=row["responsible_name"] if row and not current else None,
                placeholder="name, if not in the team",
            ),
            Field("due_on", "To be completed by", "date", row["due_on"] if row else None),
            Field("notes", "Notes", "area", row["notes"] if row else None),
        ]

    @staticmethod
    def _values(v: dict[str, Any], editing: bool = False) -> dict[str, Any]:
        out = dict(v)
        if out.get("responsible_practitioner_id"):
            # The name follows the practitioner chosen.
            out["responsible_name"] = None
        if editing:
            return out
        return {k: x for k, x in out.items() if x is not None}

    def action_add(self) -> None:
        from ..store import actions

        if not self.person_id:
            return
        pid = self.person_id
        self.open_form(
            "Add action",
            self._fields(pid),
            lambda v: actions.add_action(self.site, pid, self._values(v)),
            done=lambda _r: self.notify("Action added.", markup=False),
        )

    def action_edit(self) -> None:
        from ..store import actions

        row = self.current
        if row is None:
            return
        rid = row["id"]

        def submit(v: dict[str, Any]) -> None:
            values = self._values(v, editing=True)
            if values.get("responsible_practitioner_id"):
                from ..errors import NotFound
                from ..store.team import get_practitioner

                try:
                    prac = get_practitioner(self.site, values["responsible_practitioner_id"])
                except NotFound:
                    prac = None
                values["responsible_name"] = prac["name"] if prac else None
            actions.edit_action(self.site, rid, values)

        self.open_form(
            "Edit action",
            self._fields(row["person_id"], row),
            submit,
            done=lambda _r: self.notify("Action saved.", markup=False),
        )

    def action_follow_up(self) -> None:
        from ..store import actions

        row = self.current
        if row is None:
            return
        rid = row["id"]
        self.open_form(
            "Follow-up step",
            self._fields(row["person_id"]),
            lambda v: actions.add_follow_up(self.site, rid, self._values(v)),
            intro=f"Follows: {row['step']}",
            done=lambda _r: self.notify("Follow-up added.", markup=False),
        )

    def action_complete(self) -> None:
        from ..store import actions

        row = self.current
        if row is None:
            return
        if row["completed_on"]:
            self.notify(f"Already done on {fmt_date(row['completed_on'])}.", markup=False)
            return
        today = min(self.today, date.today())
        self.write(
            lambda: actions.complete_action(self.site, row["id"], on=today),
            f"Done: {row['step']}",
        )

    def action_next_view(self) -> None:
        if self.person_id:
            return
        self.practitioner_id = None
        self.view = (
            _VIEWS[(_VIEWS.index(self.view) + 1) % len(_VIEWS)]
            if self.view in _VIEWS
            else _VIEWS[0]
        )
        self.reload()

    def action_by_practitioner(self) -> None:
        from ..domain.enums import Role
        from ..store import team
        from ..widgets.form import Field
        from .base import label

        options = [
            (f"{p['name']} ({label(Role, p['role'])})", p["id"])
            for p in team.list_practitioners(self.site)
        ]

        def submit(v: dict[str, Any]) -> str:
            return v["practitioner"]

        def chosen(pid: Any) -> None:
            self.view = "practitioner"
            self.practitioner_id = str(pid)
            self.reload()

        self.open_form(
            "Actions by practitioner",
            [Field("practitioner", "Practitioner", "select", None, options, required=True)],
            submit,
            done=chosen,
        )

    def action_open_person(self) -> None:
        from .person import PersonScreen

        row = self.current
        if row is None:
            return
        if self.person_id:
            self.app.pop_screen()
            return
        self.app.push_screen(PersonScreen(row["person_id"]))

    def action_export(self) -> None:
        from ..exports.actions_csv import write_actions_csv
        from ..store import people
        from ..widgets.form import Field

        if self.person_id:
            person = people.get_person(self.site, self.person_id)
            ref = {
                "name": f"{person['family_name']}, {person['given_name']}",
                "crn": person["crn"],
                "nomis_number": person["nomis_number"],
            }
            name = (person["crn"] or person["nomis_number"] or self.person_id).lower()
        else:
            ref = None
            name = self.view
        rows = list(self.rows)

        def submit(v: dict[str, Any]) -> str:
            path = Path(v["path"]).expanduser()
            try:
                count = write_actions_csv(rows, path, self.today, person=ref)
            except OSError as exc:
                from ..errors import ValidationFailed

                raise ValidationFailed(
                    {"path": f"Could not write there: {exc.strerror}."}
                ) from None
            return f"Saved {count} actions to {path}"

        self.open_form(
            "Export actions as CSV",
            [
                Field(
                    "path",
                    "Save to",
                    value=str(default_export_path(name, self.today)),
                    required=True,
                )
            ],
            submit,
            intro="The file is not encrypted: keep it where your agency's rules allow.",
            done=lambda message: self.notify(str(message), title="Exported", markup=False),
        )
