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
from textual.widgets import Static

from .. import keymap
from ..domain import names
from ..domain.enums import MeetingMode, MeetingType
from ..errors import ValidationFailed
from ..exports.ics import held_elsewhen
from ..exports.text import dates_in_words
from ..forms_loader import agenda
from ..store import meetings, people, team
from ..widgets.form import Field
from ..widgets.shown import Shown
from . import navigation
from .base import SiteScreen, fmt_date, label, parse_day, person_refs
from .record_table import Column, RecordTableScreen
from .team import short_role

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


@navigation.screen("meetings")
class MeetingsScreen(RecordTableScreen[Any]):
    KEY_SCOPES = ("meetings",)
    BINDINGS = keymap.bindings("meetings")
    HELP_TITLE = "Meetings"
    SHRINK = ("Meeting", "Chair", "Mode")
    HEAD_ID = "meetings-head"
    TABLE_ID = "meetings-table"
    DETAIL_ID = "meetings-detail"

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
        self.due: list[Any] = []
        self._keep: str | None = None

    def compose_above_table(self) -> ComposeResult:
        yield Shown("", id="meetings-due")

    def columns(self) -> list[Column]:
        return ["When", "Meeting", "Mode", "Status", "Chair"]

    # -- data ----------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        previous = self.current
        self._keep = select or (previous["id"] if previous is not None else None)
        super().reload()

    def load_rows(self) -> list[Any]:
        self.due = meetings.due_meetings(self.site, self.person_id, self.today)
        # Newest first; the id settles two meetings at the same minute.
        return sorted(
            meetings.meetings_for(self.site, self.person_id),
            key=lambda r: (r["scheduled_at"], r["id"]),
            reverse=True,
        )

    def heading(self) -> str:
        person = people.get_person(self.site, self.person_id)
        counts = {s: sum(1 for r in self.rows if r["status"] == s) for s in ("held", "scheduled")}
        self.query_one("#meetings-due", Static).update(due_lines(self.due))
        return (
            f"{person_refs(person)}\nMeetings: {len(self.rows)} "
            f"({counts['held']} held, {counts['scheduled']} scheduled)"
        )

    def cells(self, r: Any) -> list[Text]:
        cells = (
            # Held on another day: the day it happened (its time was not recorded).
            fmt_date(r["held_on"]) if held_elsewhen(r) else when_text(r["scheduled_at"]),
            short(label(MeetingType, r["meeting_type"]), 20),
            label(MeetingMode, r["mode"]),
            r["status"].upper(),
            short(r["chair_name"], 14),
        )
        return [Text(c) for c in cells]

    def empty_detail(self) -> str:
        return "No meetings recorded yet: n schedules one."

    def after_fill(self) -> None:
        if self.rows:
            index = next((i for i, r in enumerate(self.rows) if r["id"] == self._keep), 0)
            self.table.move_cursor(row=index)
            self._show_detail()
        else:
            super().after_fill()

    def _show_detail(self) -> None:
        r = self.current
        if r is not None:
            self.show_detail(r)

    def detail(self, r: Any) -> str:
        people_there = meetings.attendees(self.site, r["id"])
        covered = sum(1 for i in meetings.items(self.site, r["id"]) if i["covered"])
        actions = len(meetings.meeting_actions(self.site, r["id"]))
        parts = [f"{r['status'].upper()}: {label(MeetingType, r['meeting_type'])}"]
        if held_elsewhen(r):
            parts.append(
                f"planned for {when_text(r['scheduled_at'])}, held on {fmt_date(r['held_on'])}"
            )
        elif r["held_on"]:
            parts.append(f"held {fmt_date(r['held_on'])}")
        if r["location"]:
            parts.append(r["location"])
        parts.append(f"chair {r['chair_name'] or 'not set'}")
        parts.append(f"{len(people_there)} invited")
        parts.append(f"{covered} items covered, {actions} actions")
        text = " · ".join(parts)
        if r["next_meeting_note"]:
            text += f"\nNext: {dates_in_words(r['next_meeting_note'])}"
        if r["notes"]:
            text += f"\n{r['notes']}"
        return text

    # -- keys ----------------------------------------------------------------------------
    def action_run(self) -> None:
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
        navigation.open_meeting_runner(self.app, r["id"])

    def action_cancel_meeting(self) -> None:
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
        f"For {names.document_name(person)}. The chair follows the pathway "
        "rules unless you choose one; team members are invited unless you say No."
    )
    if not members:
        intro += " The team is empty: add practitioners on the Team screen (m) to invite them."
    screen.open_form("Schedule a meeting", fields, submit, intro=intro, done=done)
