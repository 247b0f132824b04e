"""The meeting runner: one meeting's agenda as a checklist, worked through from the keyboard.

The agenda is the one for the meeting's type and pathway (schema/forms/agendas), with the
conditional parts the rules add: recall questions and the Recall Officer on recall, progress in
custody and network outcomes for a long sentence in resettlement planning. Each item is a row
ticked [x] when covered (Space, the cursor staying on it); Enter writes notes and an outcome
against it. Below the items come the outcomes the agenda expects (Space ticks one achieved) and the Team Actions Log steps created in
this meeting (n adds one: step, who, by when). t records who attended and who sent apologies.
Everything is saved as it is entered, so a run can stop and be picked up later. f records the
meeting as held, which updates the person's schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable

from .. import keymap
from ..domain.enums import MeetingMode, Pathway, Role
from ..errors import NotFound
from ..store import actions, meetings, people, team
from ..widgets.form import Field
from ..widgets.shown import Shown
from . import navigation
from .base import fmt_date, label, parse_day, person_refs
from .meetings import short, when_text
from .record_table import Column, RecordTableScreen
from .team import short_role

_ITEM_WIDTH = 60


@dataclass(frozen=True)
class _Row:
    """One row of the checklist: a section heading, an agenda item, an outcome or an action."""

    kind: str  # section, item, outcome, action
    key: str
    number: str = ""
    text: str = ""
    data: Any = None


def _tick(on: bool) -> str:
    return "[x]" if on else "[ ]"


@navigation.screen("meeting_runner")
class MeetingRunnerScreen(RecordTableScreen[_Row]):
    KEY_SCOPES = ("meetings.runner",)
    BINDINGS = keymap.bindings("meetings.runner")
    HELP_TITLE = "Meeting runner"
    HEAD_ID = "runner-head"
    TABLE_ID = "runner-table"
    DETAIL_ID = "runner-detail"

    DEFAULT_CSS = """
    MeetingRunnerScreen #runner-table {
        height: 1fr;
    }
    MeetingRunnerScreen #runner-detail-box {
        height: 7;
        padding: 0 1;
        background: $panel;
    }
    """

    def __init__(self, meeting_id: str) -> None:
        super().__init__()
        self.meeting_id = meeting_id
        self.record: Any = None
        self._previous: _Row | None = None
        self._covered = 0
        self._total = 0

    def columns(self) -> list[Column]:
        return [("Done", 4), ("No.", 4), ("Agenda", _ITEM_WIDTH)]

    def compose_detail(self) -> ComposeResult:
        with VerticalScroll(id="runner-detail-box"):
            yield Shown("", id="runner-detail")

    # -- data ----------------------------------------------------------------------------
    def reload(self) -> None:
        self._previous = self.current
        try:
            self.record = meetings.meeting_detail(self.site, self.meeting_id)
        except NotFound:
            # Deleted meanwhile, perhaps by a bundle from another site.
            self.notify("This meeting was deleted (perhaps at another site).", markup=False)
            self.app.pop_screen()
            return
        super().reload()

    def load_rows(self) -> list[_Row]:
        d = self.record
        rows: list[_Row] = []
        self._covered = 0
        self._total = 0
        for s_no, section in enumerate(d.sections, start=1):
            rows.append(_Row("section", f"section:{section.code}", f"{s_no}", section.title))
            for i_no, item in enumerate(section.items, start=1):
                rec = d.items.get(item.code)
                self._covered += bool(rec and rec["covered"])
                self._total += 1
                rows.append(_Row("item", item.code, f"{s_no}.{i_no}", item.title, item))
        if d.expected_outcomes:
            rows.append(_Row("section", "meeting:outcomes", "", "Outcomes of the meeting"))
            for o_no, outcome in enumerate(d.expected_outcomes, start=1):
                rows.append(_Row("outcome", f"outcome:{o_no}", f"O{o_no}", outcome, outcome))
        rows.append(_Row("section", "meeting:actions", "", "Actions from this meeting"))
        for a_no, action in enumerate(d.actions, start=1):
            who = action["responsible_name"] or "no one named"
            due = fmt_date(action["due_on"]) if action["due_on"] else "no date"
            # Date and who first, so the column cuts the step rather than them.
            text = f"{due} · {who} · {action['step']}"
            rows.append(_Row("action", f"action:{action['id']}", f"A{a_no}", text, action))
        return rows

    def heading(self) -> str:
        d = self.record
        m = d.meeting
        person = people.get_person(self.site, m["person_id"])
        recorded = sum(1 for a in d.attendees if a["attendance"] != "not recorded")
        phase = ""
        if Pathway(m["pathway"]) is Pathway.LONG:
            phase = ", resettlement planning" if d.resettlement else ", sentence planning"
        return (
            f"{d.title} · {when_text(m['scheduled_at'])} · {label(MeetingMode, m['mode'])} · "
            f"{m['status'].upper()}\n"
            f"{person_refs(person)} · {label(Pathway, m['pathway'])}{phase}\n"
            f"Covered {self._covered} of {self._total} · outcomes {len(d.outcomes)} of "
            f"{len(d.expected_outcomes)} · {len(d.actions)} actions · attendance "
            f"{recorded} of {len(d.attendees)}"
        )

    def row_key(self, r: _Row) -> str:
        return r.key

    def cells(self, r: _Row) -> list[Text]:
        # Text, not markup: "[x]" would otherwise be read as a style tag and vanish.
        return [Text(c) for c in self._cells(r)]

    def after_fill(self) -> None:
        # Carry on where the run stopped: the same row after a change, else the first item
        # not yet covered when the runner opens.
        previous = self._previous
        if previous is not None:
            index = next((n for n, r in enumerate(self.rows) if r.key == previous.key), 0)
        else:
            index = self._next_open(-1)
        self.table.move_cursor(row=index)
        self._show_detail()

    def _cells(self, r: _Row) -> tuple[str, str, str]:
        d = self.record
        if r.kind == "section":
            return ("", r.number, short(r.text.upper(), _ITEM_WIDTH))
        if r.kind == "item":
            rec = d.items.get(r.key)
            mark = _tick(bool(rec and rec["covered"]))
            if rec and (rec["notes"] or rec["outcome"]) and not rec["covered"]:
                mark = "[~]"
            return (mark, r.number, short(r.text, _ITEM_WIDTH))
        if r.kind == "outcome":
            return (_tick(r.data in d.outcomes), r.number, short(r.text, _ITEM_WIDTH))
        return ("", r.number, short(r.text, _ITEM_WIDTH))

    def _next_open(self, after: int) -> int:
        """Index of the first item not yet covered after row `after` (else the first item)."""
        d = self.record
        items = [n for n, r in enumerate(self.rows) if r.kind == "item"]
        for n in items:
            rec = d.items.get(self.rows[n].key)
            if n > after and not (rec and rec["covered"]):
                return n
        for n in items:
            rec = d.items.get(self.rows[n].key)
            if not (rec and rec["covered"]):
                return n
        return items[0] if items else 0

    def _show_detail(self) -> None:
        r = self.current
        if r is None:
            self.detail_panel.update("")
        else:
            self.show_detail(r)

    def detail(self, r: _Row) -> str:
        d = self.record
        lines: list[str] = []
        if r.kind == "section":
            lines.append(r.text)
            section = next((s for s in d.sections if f"section:{s.code}" == r.key), None)
            if section is not None and section.guidance:
                lines.append(section.guidance)
            if r.key == "meeting:outcomes":
                lines.append("The outcomes this meeting should reach: Space ticks one achieved.")
            if r.key == "meeting:actions":
                lines.append(
                    "Steps agreed in this meeting, in the Team Actions Log: n adds one "
                    "(step, who, by when)."
                )
        elif r.kind == "item":
            item = r.data
            rec = d.items.get(r.key)
            state = "COVERED" if rec and rec["covered"] else "NOT YET COVERED"
            head = f"{r.number} {item.title} ({state})"
            if item.lead:
                head += f" · led by {label(Role, item.lead.value)}"
            lines.append(head)
            if item.prompt:
                lines.append(item.prompt)
            lines.extend(f"• {q}" for q in item.questions)
            if rec and rec["notes"]:
                lines.append(f"Notes: {rec['notes']}")
            if rec and rec["outcome"]:
                lines.append(f"Outcome: {rec['outcome']}")
            if not (rec and (rec["notes"] or rec["outcome"])):
                lines.append("Enter writes notes and an outcome; Space ticks it covered.")
        elif r.kind == "outcome":
            state = "ACHIEVED" if r.data in d.outcomes else "NOT YET"
            lines.append(f"{r.number} ({state}) {r.text}")
            lines.append("Space ticks it achieved (again to untick).")
        else:
            a = r.data
            lines.append(f"{r.number} {a['step']}")
            lines.append(
                f"Responsible: {a['responsible_name'] or 'no one named'} · "
                f"to be completed by {fmt_date(a['due_on']) or 'no date'}"
                + (f" · DONE {fmt_date(a['completed_on'])}" if a["completed_on"] else "")
            )
            if a["notes"]:
                lines.append(a["notes"])
            lines.append("In the Team Actions Log; change it there (a on the person screen).")
        return "\n".join(lines)

    # -- keys ----------------------------------------------------------------------------
    def action_next_open(self) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=self._next_open(table.cursor_row))

    def action_tick(self) -> None:
        # The redraw keeps the cursor on the row ticked (see `after_fill`), so Down goes to the
        # very next row and nothing is skipped; j jumps to the next item still open.
        r = self.current
        if r is None:
            return
        if r.kind == "item":
            rec = self.record.items.get(r.key)
            on = not (rec and rec["covered"])
            self.call_service(lambda: meetings.tick_item(self.site, self.meeting_id, r.key, on))
        elif r.kind == "outcome":
            achieved = list(self.record.outcomes)
            on = r.data not in achieved
            if on:
                achieved.append(r.data)
            else:
                achieved.remove(r.data)
            self.call_service(lambda: meetings.set_outcomes(self.site, self.meeting_id, achieved))

    def action_outcomes(self) -> None:
        table = self.query_one(DataTable)
        first = next((n for n, r in enumerate(self.rows) if r.kind == "outcome"), None)
        if first is not None:
            table.move_cursor(row=first)

    def action_edit_item(self) -> None:
        r = self.current
        if r is None:
            return
        if r.kind in ("outcome", "section"):
            if r.kind == "outcome":
                self.action_tick()
            else:
                self.query_one(DataTable).action_cursor_down()
            return
        if r.kind == "action":
            self.notify(
                "Change actions in the Team Actions Log (a on the person screen).", markup=False
            )
            return
        item = r.data
        rec = self.record.items.get(r.key)
        intro = "\n".join([item.prompt, *(f"• {q}" for q in item.questions)]).strip()

        def submit(v: dict[str, Any]) -> str:
            return meetings.record_item(
                self.site,
                self.meeting_id,
                r.key,
                notes=v["notes"],
                outcome=v["outcome"],
                covered=bool(v["covered"]),
            )

        def saved(_result: Any) -> None:
            self.notify(f"Saved: {r.number} {item.title}", markup=False)
            # Straight on to the next item still open, as a chair would.
            table = self.query_one(DataTable)
            table.move_cursor(row=self._next_open(table.cursor_row))

        self.open_form(
            f"{r.number} {item.title}",
            [
                Field("notes", "Notes", "area", rec["notes"] if rec else None),
                Field("outcome", "Outcome", value=rec["outcome"] if rec else None),
                Field("covered", "Covered", "yesno", True if rec is None else bool(rec["covered"])),
            ],
            submit,
            intro=intro,
            done=saved,
        )

    def action_attendance(self) -> None:
        people = list(self.record.attendees)
        choices = ("attended", "apologies", "absent", "not recorded")
        fields = []
        for a in people:
            who = "Person" if a["is_person"] else short_role(a["role"] or "") or "Attendee"
            fields.append(
                Field(
                    f"a_{a['id']}",
                    short(f"{who}", 19),
                    "select",
                    # Recording attendance: most who were invited came.
                    "attended" if a["attendance"] == "not recorded" else a["attendance"],
                    [(f"{a['name']}: {c}", c) for c in choices],
                    required=True,
                )
            )
        fields.append(Field("extra", "Also attended", placeholder="name of anyone else who came"))

        def submit(v: dict[str, Any]) -> None:
            for a in people:
                chosen = v[f"a_{a['id']}"]
                if chosen != a["attendance"]:
                    meetings.record_attendance(self.site, a["id"], chosen)
            if v["extra"]:
                new_id = meetings.add_attendee(self.site, self.meeting_id, name=v["extra"])
                meetings.record_attendance(self.site, new_id, "attended")

        self.open_form(
            "Attendance",
            fields,
            submit,
            intro="Who attended, who sent apologies and who did not come.",
            done=lambda _r: self.notify("Attendance saved.", markup=False),
        )

    def action_new_action(self) -> None:
        m = self.record.meeting
        members = team.team(self.site, m["person_id"])
        options = [
            (f"{p['name']} ({short_role(p['role'])})", p["practitioner_id"]) for p in members
        ]

        def submit(v: dict[str, Any]) -> str:
            due = parse_day(v["due_on"], "due_on")
            values = {
                "step": v["step"],
                "responsible_practitioner_id": v["responsible_practitioner_id"],
                "responsible_name": None if v["responsible_practitioner_id"] else v["other"],
                "due_on": due,
                "notes": v["notes"],
                "meeting_id": self.meeting_id,
            }
            return actions.add_action(
                self.site, m["person_id"], {k: x for k, x in values.items() if x is not None}
            )

        self.open_form(
            "New action from this meeting",
            [
                Field("step", "Step to be taken", required=True),
                Field("responsible_practitioner_id", "Responsible", "select", None, options),
                Field("other", "Or someone else", placeholder="name, if not in the team"),
                Field("due_on", "To be completed by", "date"),
                Field("notes", "Notes", "area"),
            ],
            submit,
            intro="Goes into the Team Actions Log, linked to this meeting.",
            done=lambda _r: self.notify("Action added to the Team Actions Log.", markup=False),
        )

    def action_finish(self) -> None:
        d = self.record
        m = d.meeting
        if m["status"] == "held":
            self.notify(
                f"Already recorded as held on {fmt_date(m['held_on'])}.", title="Held", markup=False
            )
            return
        scheduled = date.fromisoformat(m["scheduled_at"][:10])
        total = sum(len(s.items) for s in d.sections)
        covered = sum(
            1
            for s in d.sections
            for i in s.items
            if d.items.get(i.code) and d.items[i.code]["covered"]
        )

        def submit(v: dict[str, Any]) -> None:
            held_on = parse_day(v["held_on"], "held_on") or scheduled
            meetings.record_held(
                self.site,
                self.meeting_id,
                held_on=held_on,
                next_meeting_note=v["next"] or "",
                today=self.today,
            )

        def finished(_result: Any) -> None:
            self.notify(
                "Meeting recorded as held; the schedule is updated.", title="Held", markup=False
            )
            self.app.pop_screen()

        self.open_form(
            "Finish: record the meeting as held",
            [
                Field(
                    "held_on",
                    "Held on",
                    "date",
                    min(scheduled, self.today).isoformat(),
                    required=True,
                ),
                Field(
                    "next",
                    "Team meets next",
                    value=m["next_meeting_note"],
                    placeholder="when the team expects to meet again",
                ),
            ],
            submit,
            intro=(
                f"Covered {covered} of {total} items; {len(d.outcomes)} outcomes achieved; "
                f"{len(d.actions)} actions. Items not ticked stay in the record as not covered."
            ),
            done=finished,
        )
