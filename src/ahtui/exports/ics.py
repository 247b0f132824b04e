"""A person's meetings as an iCalendar file (RFC 5545) that any calendar imports.

One VEVENT per scheduled or held meeting (cancelled ones are left out), with a UID made from
the meeting's id, so importing the file again updates the same events instead of adding copies.
Times are the meeting's wall-clock time in England and Wales (TZID Europe/London, with its
VTIMEZONE, so summer time is right); a meeting lasts an hour unless its type usually runs
longer; a meeting held on another day than planned is an all-day entry on the day it was
held. The person is named by initials and CRN unless the site's configuration chooses full
names (`calendar_full_names`), as calendars end up on phones. Who attends is named in the description, not as ATTENDEE entries, so no calendar sends
invitations on import. Written by hand, with RFC 5545 escaping and line folding, so the
program needs no calendar library (the tests read the files back with `icalendar`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain.dates import fmt_date
from ..domain.enums import MeetingMode, MeetingType, Role
from ..domain.names import document_name
from ..errors import BadInput
from ..forms_loader import agenda
from ..store.meetings import meeting_detail, meetings_for
from ..store.people import get_person

TZID = "Europe/London"
# England and Wales: BST from the last Sunday in March (01:00 UTC) to the last Sunday in October.
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19700329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19701025T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)

# Planning meetings with the person and the full reviews tend to run long.
LENGTH_MINUTES = {"planning_1": 90, "planning_2": 90, "review": 90, "final_review": 90}
DEFAULT_MINUTES = 60
UID_DOMAIN = "ahtui.invalid"


def gather(site: Any, person_id: str, meeting_id: str | None = None) -> list[dict[str, Any]]:
    """The events to write: each meeting with the person, its title and attendees."""

    person = get_person(site, person_id)
    # Cancelled meetings stay in, marked CANCELLED, so a calendar that took the event before
    # drops it when the file is imported again.
    rows = list(meetings_for(site, person_id))
    if meeting_id:
        rows = [r for r in meetings_for(site, person_id) if r["id"] == meeting_id]
        if not rows:
            raise BadInput(f"{document_name(person)} has no meeting with id {meeting_id}.")
        if rows[0]["status"] == "cancelled":
            raise BadInput("That meeting was cancelled: there is nothing to put in a calendar.")
    if not rows:
        raise BadInput(f"{document_name(person)} has no scheduled or held meetings to export.")
    return [detail_record(site, person, r["id"]) for r in rows]


def detail_record(site: Any, person: Any, meeting_id: str) -> dict[str, Any]:
    """One meeting in full (the meetings service's `meeting_detail`) as plain data."""

    d = meeting_detail(site, meeting_id)
    return {
        "person": dict(person),
        "meeting": dict(d.meeting),
        "title": d.title,
        "attendees": [dict(a) for a in d.attendees],
        "items": {code: dict(r) for code, r in d.items.items()},
        "actions": [dict(a) for a in d.actions],
        "sections": d.sections,
        "outcomes": list(d.outcomes),
        "expected_outcomes": list(d.expected_outcomes),
    }


# -- RFC 5545 text ---------------------------------------------------------------------------


def escape_text(value: Any) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size = " ", 1  # a continuation line starts with one space
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _local(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%S")


def _utc(stamp: str | None) -> str:
    """A stored UTC timestamp ("2025-03-03T10:00:00.000Z") as an iCalendar UTC date-time."""
    try:
        when = datetime.fromisoformat((stamp or "").replace("Z", "+00:00"))
    except ValueError:
        when = datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_title(meeting_type: str) -> str:
    """The agenda's title for a meeting type, e.g. "Joined-up Planning Meeting 1"."""

    try:
        return agenda(MeetingType(meeting_type)).title
    except (KeyError, ValueError):
        return meeting_type.replace("_", " ").capitalize()


def _role(code: str | None) -> str:

    if not code:
        return ""
    try:
        return Role(code).label()
    except ValueError:
        return code


def attendee_words(a: dict[str, Any]) -> str:
    if a["is_person"]:
        return f"{a['name']} (the person supported)" if a["name"] else "the person supported"
    name = a.get("name") or "someone"
    role = _role(a.get("role"))
    return f"{name} ({role})" if role else name


def _who(a: dict[str, Any], held: bool) -> str:
    words = attendee_words(a)
    if held and a.get("attendance") and a["attendance"] != "not recorded":
        words += f", {a['attendance']}"
    return words


def held_elsewhen(m: Any) -> bool:
    """Whether a held meeting was held on another day than the one it was planned for."""
    return bool(
        m["status"] == "held" and m["held_on"] and m["held_on"][:10] != m["scheduled_at"][:10]
    )


def calendar_name(person: dict[str, Any], full_names: bool) -> str:
    """How a calendar entry names the person: initials and CRN unless the site chose names.

    Calendars sync to phones and shared mailboxes, so by default an entry says no more than a
    practitioner needs to recognise the case.
    """
    if full_names:
        return document_name(person)
    initials = "".join(f"{w[0].upper()}." for w in document_name(person).split() if w)
    return f"{initials} (CRN {person['crn']})" if person["crn"] else initials


def event_lines(
    event: dict[str, Any], stamp: str | None = None, *, full_names: bool = False
) -> list[str]:

    m = event["meeting"]
    person = event["person"]
    start = datetime.fromisoformat(m["scheduled_at"][:16])
    mode = MeetingMode(m["mode"]).label() if m["mode"] else ""
    title = event.get("title") or meeting_title(m["meeting_type"])
    who = calendar_name(person, full_names)
    desc = [f"{title} for {who}"]
    refs = [
        f"CRN {person['crn']}" if person["crn"] and full_names else "",
        f"NOMIS {person['nomis_number']}" if person["nomis_number"] and full_names else "",
    ]
    if any(refs):
        desc.append(" · ".join(r for r in refs if r))
    desc.append(f"Mode: {mode}")
    if m["chair_name"]:
        desc.append(f"Chair: {m['chair_name']}")
    if event["attendees"]:
        held = m["status"] == "held"
        named = [
            a if full_names or not a["is_person"] else {**a, "name": ""} for a in event["attendees"]
        ]
        desc.append("Attendees: " + "; ".join(_who(a, held) for a in named))
    if held_elsewhen(m):
        desc.append(f"HELD on {fmt_date(m['held_on'])} (planned for {_planned(m)})")
    elif m["status"] == "held":
        desc.append(f"HELD on {fmt_date(m['held_on'] or m['scheduled_at'])}")
    if m["notes"] and full_names:
        desc.append(f"Notes: {m['notes']}")
    location = m["location"] or {"video": "Video call", "phone": "Phone call"}.get(m["mode"], "")
    if held_elsewhen(m):
        # Held on another day, at a time nobody recorded: an all-day entry on the day it was
        # held, never the planned time on a day it did not happen.
        held_day = datetime.fromisoformat(m["held_on"][:10])
        when = [
            f"DTSTART;VALUE=DATE:{held_day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{held_day + timedelta(days=1):%Y%m%d}",
        ]
    else:
        end = start + timedelta(minutes=LENGTH_MINUTES.get(m["meeting_type"], DEFAULT_MINUTES))
        when = [f"DTSTART;TZID={TZID}:{_local(start)}", f"DTEND;TZID={TZID}:{_local(end)}"]
    lines = [
        "BEGIN:VEVENT",
        f"UID:meeting-{m['id']}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp or _utc(m['updated_at'])}",
        *when,
        f"SUMMARY:{escape_text(f'{title}: {who}')}",
        f"DESCRIPTION:{escape_text(chr(10).join(desc))}",
        "STATUS:CANCELLED" if m["status"] == "cancelled" else "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "CLASS:CONFIDENTIAL",
        f"CATEGORIES:{escape_text('ahtui')},{escape_text(mode)}",
        f"LAST-MODIFIED:{_utc(m['updated_at'])}",
        # Bumped on every change to the meeting, so a calendar takes the newer copy.
        f"SEQUENCE:{_sequence(m)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    lines.append("END:VEVENT")
    return lines


def _planned(m: dict[str, Any]) -> str:
    day = fmt_date(m["scheduled_at"])
    return f"{day} {m['scheduled_at'][11:16]}" if len(m["scheduled_at"]) >= 16 else day


def _sequence(m: dict[str, Any]) -> int:
    # The seconds between creation and the last change: it only grows, as SEQUENCE must.
    try:
        made = datetime.fromisoformat(m["created_at"].replace("Z", "+00:00"))
        changed = datetime.fromisoformat(m["updated_at"].replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return 0
    return max(0, int((changed - made).total_seconds()))


def to_ics(events: list[dict[str, Any]], *, site_name: str = "", full_names: bool = False) -> str:
    """The calendar file's text, CRLF line endings and folded lines as RFC 5545 asks.

    The person is named by initials and CRN, with no NOMIS number and no meeting notes, unless
    `full_names` (the site's `calendar_full_names` setting)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ahtui//Joined-up planning meetings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if site_name:
        lines.append(f"X-WR-CALNAME:{escape_text(f'Meetings ({site_name})')}")
    lines += VTIMEZONE
    for event in events:
        lines += event_lines(event, full_names=full_names)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
