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

from .. import keymap
from ..config import data_dir
from ..domain import names
from ..domain.enums import Role
from ..errors import AhtuiError, NotFound, ValidationFailed
from ..exports.actions_csv import action_status, actions_filename, write_actions_csv
from ..store import actions, people, team
from ..store.team import get_practitioner
from ..store.worklists import worklist
from ..widgets.form import Field, QuestionScreen
from ..widgets.shown import one_line
from . import navigation
from .base import fmt_date, label, person_refs
from .record_table import Column, RecordTableScreen
from .team import short_role

_VIEWS = ("mine", "overdue", "week", "open")


def status_word(row: Any, today: date) -> str:
    return action_status(row, today)


def _short(text: str | None, width: int = 14) -> str:
    """Cut a name for a narrow column; the detail line below the table has it in full."""
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def default_export_path(person: Any | None, view: str, today: date) -> Path:
    return data_dir() / "exports" / actions_filename(person, view, today)


@navigation.screen("actions")
class ActionsScreen(RecordTableScreen[Any]):
    KEY_SCOPES = ("actions",)
    BINDINGS = keymap.bindings("actions")
    HELP_TITLE = "Actions log"
    # The step and who it is for are whole below the list; dates and statuses never cut.
    SHRINK = ("Step", "Person", "Who")
    HEAD_ID = "actions-head"
    TABLE_ID = "actions-table"
    DETAIL_ID = "actions-detail"

    def __init__(self, person_id: str | None = None, *, view: str = "mine") -> None:
        super().__init__()
        self.person_id = person_id
        self.view = view
        self.practitioner_id: str | None = None
        self.total = 0
        self._keep = 0
        # The step last marked done here, which u marks not done again.
        self._last_done: str | None = None
        # One person's log: how deep each step is under the step it follows up.
        self._depth: dict[str, int] = {}
        self._head = ""

    def columns(self) -> list[Column]:
        if self.person_id:
            return ["Status", "Due", "Who", "Step"]
        return ["Status", "Due", "Person", "Who", "Step"]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Views belong to the log across everyone; adding belongs to one person's log.
        if action in ("next_view", "by_practitioner") and self.person_id:
            return False
        if action == "add" and not self.person_id:
            return False
        return True

    # -- data ----------------------------------------------------------------------------
    def reload(self) -> None:
        self._keep = self.table.cursor_row
        super().reload()

    def load_rows(self) -> list[Any]:
        return self._person_log() if self.person_id else self._across_everyone()

    def _person_log(self) -> list[Any]:
        assert self.person_id is not None
        site = self.site
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
        self._depth = {}

        def add(r: Any, depth: int) -> None:
            ordered.append(r)
            self._depth[r["id"]] = depth
            for child in rows:
                if child["follow_up_of"] == r["id"]:
                    add(child, depth + 1)

        for r in top:
            add(r, 0)
        self.total = len(rows)
        open_n = sum(1 for r in rows if not r["completed_on"])
        late = sum(1 for r in rows if status_word(r, self.today) == "OVERDUE")
        self._head = f"{person_refs(person)}\nTeam Actions Log: {open_n} open, {late} OVERDUE"
        return ordered

    def _across_everyone(self) -> list[Any]:
        found = worklist(self.site, self.view, self.today, practitioner_id=self.practitioner_id)
        self.total = found.total
        shown = (
            f"{found.total:,}"
            if found.total == len(found.rows)
            else f"first {len(found.rows):,} of {found.total:,}"
        )
        self._head = (
            f"Actions across everyone: {found.title} ({shown})\n"
            "v: next view · b: by practitioner · o: open person"
        )
        return found.rows

    def heading(self) -> str:
        return self._head

    def cells(self, r: Any) -> list[str]:
        if self.person_id:
            step = ("↳ " * self._depth[r["id"]]) + r["step"]
            return [
                status_word(r, self.today),
                fmt_date(r["due_on"]),
                _short(r["responsible_name"]),
                step,
            ]
        return [
            status_word(r, self.today),
            fmt_date(r["due_on"]),
            _short(r["person_name"], 16),
            _short(r["responsible_name"]),
            r["step"],
        ]

    def after_fill(self) -> None:
        if self.rows:
            self.table.move_cursor(row=min(max(self._keep, 0), len(self.rows) - 1))
        else:
            self.detail_panel.update("No actions here.")

    def detail(self, r: Any) -> str:
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
        return " · ".join(parts)

    # -- forms ---------------------------------------------------------------------------
    def _fields(self, person_id: str, row: Any | None = None) -> list[Any]:
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
        row = self.current
        if row is None:
            return
        rid = row["id"]

        def submit(v: dict[str, Any]) -> None:
            values = self._values(v, editing=True)
            if values.get("responsible_practitioner_id"):
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
        """Asks first: a stray d must not close a step. On a done step, offers to reopen it."""
        row = self.current
        if row is None:
            return
        if row["completed_on"]:
            self.app.push_screen(
                QuestionScreen(
                    "Mark not done?",
                    f"“{one_line(row['step'])}” was marked done on "
                    f"{fmt_date(row['completed_on'])}. Mark it not done?",
                    [("keep", "Keep it done", "escape"), ("reopen", "Mark not done", "n")],
                ),
                lambda answer: self._reopen(row) if answer == "reopen" else None,
            )
            return
        today = min(self.today, date.today())
        self.app.push_screen(
            QuestionScreen(
                "Mark done?",
                f"Mark “{one_line(row['step'])}” done today, {fmt_date(today)}?",
                [("keep", "Not yet", "escape"), ("done", "Mark done", "d")],
            ),
            lambda answer: self._complete(row, today) if answer == "done" else None,
        )

    def _complete(self, row: Any, on: date) -> None:
        if self.call_service(
            lambda: actions.complete_action(self.site, row["id"], on=on),
            f"Done: {row['step']} (u undoes it)",
        ):
            self._last_done = row["id"]

    def _reopen(self, row: Any) -> None:
        if self.call_service(
            lambda: actions.reopen_action(self.site, row["id"]),
            f"Not done: {row['step']}",
        ):
            self._last_done = None

    def action_undo_done(self) -> None:
        """Undo the last step marked done here: the step is open again, as it was."""
        row = next((r for r in self.rows if r["id"] == self._last_done), None)
        if row is None or not row["completed_on"]:
            self.notify("Nothing to undo: no step was marked done here.", markup=False)
            return
        self._reopen(row)

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
        row = self.current
        if row is None:
            return
        if self.person_id:
            self.app.pop_screen()
            return
        navigation.open_person(self.app, row["person_id"])

    def action_export(self) -> None:
        if self.person_id:
            person = people.get_person(self.site, self.person_id)
            ref = {
                "name": names.listed_name(person),
                "crn": person["crn"],
                "nomis_number": person["nomis_number"],
            }
        else:
            person = ref = None
        suggested = default_export_path(person, self.view, self.today)
        rows = list(self.rows)

        def submit(v: dict[str, Any]) -> str:
            path = Path(v["path"]).expanduser()
            try:
                count = write_actions_csv(
                    rows, path, self.today, person=ref, force=bool(v["replace"])
                )
            except AhtuiError as exc:
                if str(path) in exc.message:
                    raise ValidationFailed({"path": exc.message}) from None
                raise
            return f"Saved {count} actions to {path}"

        self.open_form(
            "Export actions as CSV",
            [
                Field("path", "Save to", value=str(suggested), required=True),
                Field("replace", "Replace if there", "yesno", False),
            ],
            submit,
            intro="The file is not encrypted: keep it where your agency's rules allow.",
            done=lambda message: self.notify(str(message), title="Exported", markup=False),
        )
