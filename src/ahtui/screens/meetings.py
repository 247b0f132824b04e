"""The person's meetings: what the rules say is due, every meeting held, scheduled or cancelled.

The top lists the meetings the pathway rules say are owed (status in capitals, the rule's date
and why). The table lists the person's meetings, newest first, with the status as a word (HELD,
SCHEDULED, CANCELLED). n schedules a meeting (type, date and time, mode, place, chair by the
pathway rules unless chosen, who is invited from the team and whether the person comes);
Enter opens the meeting runner; x cancels a scheduled meeting with a reason.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Static

from .. import keymap
from .base import SiteScreen, fmt_date, label, parse_day, person_refs

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_AUTO = "auto"


def short(text: str | None, width: int) -> str:
    """Cut text for a narrow column; the line under the table has it in full."""
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def when_text(scheduled_at: str) -> str:
    day = fmt_date(scheduled_at)
    return f"{day} {scheduled_at[11:16]}" if len(scheduled_at) > 10 else day


def due_lines(due: list[Any]) -> str:
    """The meetings owed by the rules, one per line: STATUS, date, what, why."""
    if not due:
        return "Due by the rules: no meeting is owed now. n schedules any meeting."
    lines = [f"Due by the rules ({len(due)}; n schedules the first):"]
    # One line each so three fit at 80 columns; the overview (o) says why each is due.
    for item, _type in due[:3]:
        line = f"  {item.status.value.upper():<8} {fmt_date(item.due_on):<11}  {item.title}"
        lines.append(short(line, 78))
    if len(due) > 3:
        lines.append(f"  and {len(due) - 3} more: the person's overview says why each is due")
    return "\n".join(lines)


class MeetingsScreen(SiteScreen):
    KEY_SCOPES = ("meetings",)
    BINDINGS = keymap.bindings("meetings")
    HELP_TITLE = "Meetings"

    DEFAULT_CSS = """
    MeetingsScreen #meetings-due {
        height: auto;
        max-height: 5;
        padding: 0 1;
    }
    MeetingsScreen #meetings-table {
        height: 1fr;
    }
    """

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.rows: list[Any] = []
        self.due: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="meetings-head", classes="screen-head", markup=False)
        yield Static("", id="meetings-due", markup=False)
        table: DataTable[str] = DataTable(id="meetings-table", cursor_type="row")
        table.add_columns("When", "Meeting", "Mode", "Status", "Chair")
        yield table
        yield Static("", id="meetings-detail", classes="detail", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    # -- data ----------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        from ..domain.enums import MeetingMode, MeetingType
        from ..store import meetings, people

        site = self.site
        previous = self.current
        keep = select or (previous["id"] if previous is not None else None)
        person = people.get_person(site, self.person_id)
        self.due = meetings.due_meetings(site, self.person_id, self.today)
        # Newest first; the id settles two meetings at the same minute.
        self.rows = sorted(
            meetings.meetings_for(site, self.person_id),
            key=lambda r: (r["scheduled_at"], r["id"]),
            reverse=True,
        )
        counts = {s: sum(1 for r in self.rows if r["status"] == s) for s in ("held", "scheduled")}
        self.query_one("#meetings-head", Static).update(
            f"{person_refs(person)}\nMeetings: {len(self.rows)} "
            f"({counts['held']} held, {counts['scheduled']} scheduled)"
        )
        self.query_one("#meetings-due", Static).update(due_lines(self.due))
        table = self.query_one(DataTable)
        table.clear()
        for r in self.rows:
            cells = (
                when_text(r["scheduled_at"]),
                short(label(MeetingType, r["meeting_type"]), 20),
                label(MeetingMode, r["mode"]),
                r["status"].upper(),
                short(r["chair_name"], 14),
            )
            table.add_row(*(Text(c) for c in cells), key=r["id"])
        if self.rows:
            index = next((i for i, r in enumerate(self.rows) if r["id"] == keep), 0)
            table.move_cursor(row=index)
            self._show_detail()
        else:
            self.query_one("#meetings-detail", Static).update(
                "No meetings recorded yet: n schedules one."
            )

    @property
    def current(self) -> Any | None:
        tables = self.query(DataTable)
        if not tables or not self.rows:
            return None
        row = tables.first().cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        from ..domain.enums import MeetingType
        from ..store import meetings

        r = self.current
        if r is None:
            return
        people_there = meetings.attendees(self.site, r["id"])
        covered = sum(1 for i in meetings.items(self.site, r["id"]) if i["covered"])
        actions = len(meetings.meeting_actions(self.site, r["id"]))
        parts = [f"{r['status'].upper()}: {label(MeetingType, r['meeting_type'])}"]
        if r["held_on"]:
            parts.append(f"held {fmt_date(r['held_on'])}")
        if r["location"]:
            parts.append(r["location"])
        parts.append(f"chair {r['chair_name'] or 'not set'}")
        parts.append(f"{len(people_there)} invited")
        parts.append(f"{covered} items covered, {actions} actions")
        text = " · ".join(parts)
        if r["next_meeting_note"]:
            text += f"\nNext: {r['next_meeting_note']}"
        if r["notes"]:
            text += f"\n{r['notes']}"
        self.query_one("#meetings-detail", Static).update(text)

    # -- keys ----------------------------------------------------------------------------
    def action_run(self) -> None:
        from .meeting_runner import MeetingRunnerScreen

        r = self.current
        if r is None:
            self.notify("No meeting to run: n schedules one.", markup=False)
            return
        if r["status"] == "cancelled":
            self.notify(
                "That meeting was cancelled: schedule a new one (n).",
                title="Cancelled",
                markup=False,
            )
            return
        self.app.push_screen(MeetingRunnerScreen(r["id"]))

    def action_cancel_meeting(self) -> None:
        from ..domain.enums import MeetingType
        from ..store import meetings
        from ..widgets.form import Field

        r = self.current
        if r is None:
            return
        if r["status"] != "scheduled":
            self.notify(
                f"Only a scheduled meeting can be cancelled; this one is {r['status'].upper()}.",
                markup=False,
            )
            return
        mid = r["id"]
        self.open_form(
            "Cancel meeting",
            [Field("reason", "Reason", placeholder="kept with the meeting")],
            lambda v: meetings.cancel_meeting(self.site, mid, reason=v["reason"]),
            intro=f"Cancel {label(MeetingType, r['meeting_type'])} on "
            f"{when_text(r['scheduled_at'])}? ctrl+s cancels it; Esc keeps it.",
            done=lambda _r: self.notify("Meeting cancelled.", markup=False),
        )

    def action_schedule(self) -> None:
        schedule_form(self, self.person_id, self.due, done=self._scheduled)

    def _scheduled(self, meeting_id: Any) -> None:
        self.notify("Meeting scheduled: Enter runs it.", markup=False)
        self.reload(select=str(meeting_id))


def schedule_form(screen: SiteScreen, person_id: str, due: list[Any], *, done: Any = None) -> None:
    """The scheduling form; the type defaults to the most urgent meeting the rules say is due."""
    from ..domain.enums import MeetingMode, MeetingType
    from ..forms_loader import agenda
    from ..store import meetings, people, team
    from ..widgets.form import Field
    from .team import short_role

    site = screen.site
    person = people.get_person(site, person_id)
    members = team.team(site, person_id)
    first_due = due[0][1].value if due else MeetingType.PLANNING_1.value
    fields = [
        Field(
            "meeting_type",
            "Meeting",
            "select",
            first_due,
            [(t.label(), t.value) for t in MeetingType],
            required=True,
        ),
        Field("day", "Date", "date", screen.today.isoformat(), required=True),
        Field("time", "Time", value="10:00", placeholder="HH:MM, 24-hour", required=True),
        Field(
            "mode",
            "Mode",
            "select",
            MeetingMode.VIDEO.value,
            [(m.label(), m.value) for m in MeetingMode],
            required=True,
        ),
        Field("location", "Where", placeholder="room, phone number or video link"),
        Field(
            "chair",
            "Chair",
            "select",
            _AUTO,
            [("As the pathway rules say", _AUTO)]
            + [(f"{m['name']} ({short_role(m['role'])})", m["practitioner_id"]) for m in members],
            required=True,
        ),
        Field(
            "with_person",
            "Person attends",
            "select",
            _AUTO,
            [("As the meeting type says", _AUTO), ("Yes", "yes"), ("No", "no")],
            required=True,
        ),
    ]
    for m in members:
        fields.append(
            Field(
                f"invite_{m['practitioner_id']}",
                f"Invite {short_role(m['role'])}",
                "select",
                "yes",
                [(f"Yes: {m['name']}", "yes"), (f"No: {m['name']}", "no")],
                required=True,
            )
        )

    def submit(v: dict[str, Any]) -> str:
        from ..errors import ValidationFailed

        problems: dict[str, str] = {}
        day: date | None = None
        try:
            day = parse_day(v["day"], "day")
        except ValidationFailed as exc:
            problems.update(exc.problems)
        time = (v["time"] or "").strip()
        match = _TIME.match(time)
        if not match:
            problems["time"] = f"{time} is not a time; write it as HH:MM, like 14:30."
        if problems:
            raise ValidationFailed(problems)
        assert day is not None and match is not None
        meeting_type = MeetingType(v["meeting_type"])
        if v["with_person"] == _AUTO:
            with_person = agenda(meeting_type).person_attends
        else:
            with_person = v["with_person"] == "yes"
        invited = [
            m["practitioner_id"]
            for m in members
            if v.get(f"invite_{m['practitioner_id']}") == "yes"
        ]
        values: dict[str, Any] = {
            "meeting_type": meeting_type,
            "scheduled_at": f"{day.isoformat()}T{int(match[1]):02d}:{match[2]}",
            "mode": v["mode"],
            "location": v["location"],
        }
        if v["chair"] != _AUTO:
            values["chair_practitioner_id"] = v["chair"]
        try:
            return meetings.schedule_meeting(
                site,
                person_id,
                {k: x for k, x in values.items() if x is not None},
                attendee_ids=invited,
                with_person=with_person,
            )
        except ValidationFailed as exc:
            # The service names the combined date and time; the form has them apart.
            problems = dict(exc.problems)
            if "scheduled_at" in problems:
                problems["day"] = problems.pop("scheduled_at")
            raise ValidationFailed(problems) from None

    intro = (
        f"For {person['given_name']} {person['family_name']}. The chair follows the pathway "
        "rules unless you choose one; team members are invited unless you say No."
    )
    if not members:
        intro += " The team is empty: add practitioners on the Team screen (m) to invite them."
    screen.open_form("Schedule a meeting", fields, submit, intro=intro, done=done)
