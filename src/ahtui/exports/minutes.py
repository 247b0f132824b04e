"""Minutes of meetings as Markdown: attendance, the agenda with notes and outcomes, and actions.

For one meeting, or for every held meeting of a person (oldest first). The agenda is the one for
the meeting's type and pathway (schema/forms/agendas), in order; each item says in words whether
it was covered, with its notes and outcome. A meeting held on another day than planned says
both ("planned for 10 Dec 2026 14:00, held on 03 Dec 2026"); the protective marking chosen in
the configuration heads and ends the document. Actions created at the meeting are listed with who
is responsible, the due date and whether they are done (in words: OVERDUE, open, done).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..config import DEFAULT_MARKING
from ..domain.dates import fmt_date
from ..domain.enums import MeetingMode, MeetingStatus
from ..domain.names import document_name
from ..errors import BadInput
from ..store.meetings import meetings_for
from ..store.people import get_person
from .ics import attendee_words, detail_record, held_elsewhen, meeting_title
from .text import (
    dates_in_words,
    escape_markdown,
    fmt_when,
    markdown_block,
    markdown_cell,
    person_refs,
)


def gather(site: Any, person_id: str, meeting_id: str | None = None) -> list[dict[str, Any]]:
    """The meetings to write up, each with attendees, item records, outcomes and actions."""

    person = get_person(site, person_id)
    rows = meetings_for(site, person_id)
    if meeting_id:
        rows = [r for r in rows if r["id"] == meeting_id]
        if not rows:
            raise BadInput(f"{document_name(person)} has no meeting with id {meeting_id}.")
    else:
        rows = [r for r in rows if r["status"] == "held"]
        if not rows:
            raise BadInput(
                f"{document_name(person)} has no held meetings yet: there are no minutes to write."
            )
    return [detail_record(site, person, r["id"]) for r in rows]


def attendance_words(a: dict[str, Any], held: bool) -> str:
    words = a.get("attendance") or "not recorded"
    return "invited" if words == "not recorded" and not held else words


def action_status(action: dict[str, Any], today: date) -> str:
    if action["completed_on"]:
        return f"done {fmt_date(action['completed_on'])}"
    if action["due_on"] and action["due_on"] < today.isoformat():
        return "OVERDUE"
    return "open"


def _item_lines(title: str, rec: dict[str, Any] | None) -> list[str]:
    covered = "COVERED" if rec and rec["covered"] else "not covered"
    out = [f"- **{escape_markdown(title)}**: {covered}"]
    for key, words in (("notes", "Notes"), ("outcome", "Outcome")):
        if rec and rec.get(key):
            out.append(f"  - {words}: {markdown_block(rec[key], indent='    ').lstrip()}")
    return out


def meeting_markdown(record: dict[str, Any], today: date) -> list[str]:

    m = record["meeting"]
    held = m["status"] == "held"
    title = record["title"] or meeting_title(m["meeting_type"])
    when = fmt_when(m["scheduled_at"])
    if held_elsewhen(m):
        when = f"planned for {when}, held on {fmt_date(m['held_on'])}"
    out = [f"## {escape_markdown(title)}, {when}", ""]
    facts = [
        f"Status: **{MeetingStatus(m['status']).label().upper()}**",
        f"Mode: {MeetingMode(m['mode']).label()}",
    ]
    if m["location"]:
        facts.append(f"Location: {escape_markdown(m['location'])}")
    if m["chair_name"]:
        facts.append(f"Chair: {escape_markdown(m['chair_name'])}")
    out += [f"- {f}" for f in facts]
    out += ["", "### Attendance", ""]
    if record["attendees"]:
        out += [
            f"- {escape_markdown(attendee_words(a))}: {attendance_words(a, held)}"
            for a in record["attendees"]
        ]
    else:
        out.append("_No attendees recorded._")
    out += ["", "### Agenda", ""]
    items = record["items"]
    shown: set[str] = set()
    for section in record["sections"]:
        out += [f"#### {escape_markdown(section.title)}", ""]
        for item in section.items:
            shown.add(item.code)
            out += _item_lines(item.title, items.get(item.code))
        out.append("")
    others = [code for code in items if code not in shown]
    if others:
        # Recorded against items this meeting's agenda no longer lists: kept, not lost.
        out += ["#### Other items", ""]
        for code in others:
            out += _item_lines(code, items[code])
        out.append("")
    if not record["sections"] and not others:
        out += ["_No agenda for this meeting type._", ""]
    achieved = record["outcomes"]
    expected = record["expected_outcomes"]
    if achieved or (held and expected):
        out += ["### Outcomes", ""]
        out += [f"- ACHIEVED: {escape_markdown(o)}" for o in achieved]
        out += [
            f"- not recorded as achieved: {escape_markdown(o)}"
            for o in expected
            if o not in achieved
        ]
        out.append("")
    out += ["### Actions agreed", ""]
    if record["actions"]:
        out += ["| Step | Responsible | Due | Status |", "|---|---|---|---|"]
        for a in record["actions"]:
            out.append(
                f"| {markdown_cell(a['step'])} | {markdown_cell(a['responsible_name'] or 'not named')} | "
                f"{fmt_date(a['due_on']) or 'no date'} | {action_status(a, today)} |"
            )
    else:
        out.append("_No actions were created at this meeting._")
    out.append("")
    if m["next_meeting_note"]:
        out += ["### Next meeting", "", markdown_block(dates_in_words(m["next_meeting_note"])), ""]
    return out


def to_markdown(
    records: list[dict[str, Any]], today: date, *, marking: str = DEFAULT_MARKING
) -> str:
    person = records[0]["person"]
    out = [f"**{escape_markdown(marking)}**", ""]
    out += [f"# Meeting minutes: {escape_markdown(document_name(person))}", ""]
    if person_refs(person):
        out += [escape_markdown(person_refs(person)), ""]
    count = len(records)
    out += [f"Written on {fmt_date(today)}: {count} meeting{'s' if count != 1 else ''}.", ""]
    for n, record in enumerate(records):
        if n:
            out += ["---", ""]
        out += meeting_markdown(record, today)
    out = [*"\n".join(out).rstrip().split("\n"), "", f"**{escape_markdown(marking)}**"]
    return "\n".join(out) + "\n"
