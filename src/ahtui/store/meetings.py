"""Meetings: scheduling them, who attends, running them through their agenda, recording them held.

Read functions (stable; the exports and other screens rely on them):

- `meetings_for(site, person_id)`: the person's meetings, oldest first, with `chair_name`.
- `get_meeting(site, meeting_id)`: one meeting row with `chair_name`.
- `attendees(site, meeting_id)`: who was invited, with attendance (`attended` 1/0/NULL,
  `apologies` 0/1) and `attendance` in words (attended, apologies, absent, not recorded).
- `items(site, meeting_id)`: one row per agenda item recorded (`item_code`, `covered`, `notes`,
  `outcome`), in the order the rows were first written.
- `meeting_actions(site, meeting_id)`: the Team Actions Log steps created in this meeting.
- `agenda_for_meeting(site, meeting)`: the agenda sections that apply to this meeting (its type,
  the pathway it was scheduled on, and whether a long sentence was in resettlement planning).
- `meeting_detail(site, meeting_id)`: all of the above in one `MeetingDetail`, for minutes.
- `due_meetings(site, person_id, today)`: the meetings the pathway rules say are owed now.

A long sentence is in resettlement planning once the handover has started (the handover meeting
held, or the OMiC handover start reached: `domain.team.in_resettlement`); its
Meeting 1 then adds progress in custody and the network outcomes, and the PP chairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ..domain import team as team_rules
from ..domain.enums import DueStatus, MeetingStatus, MeetingType, Pathway, Role
from ..domain.models import AgendaItemIn, MeetingIn, parse
from ..domain.team import chair_role
from ..errors import BadInput, ValidationFailed
from ..forms_loader import agenda, agenda_for
from . import rows
from .caseload import schedule_for
from .facts_loader import facts_for
from .people import get_person
from .site import Site

if TYPE_CHECKING:
    from ..domain.forms import AgendaSection
    from ..domain.schedule import DueItem

__all__ = [
    "ATTENDANCE",
    "DUE_MEETING_TYPES",
    "MeetingDetail",
    "add_attendee",
    "agenda_for_meeting",
    "attendees",
    "cancel_meeting",
    "default_chair",
    "due_meetings",
    "get_meeting",
    "in_resettlement",
    "items",
    "meeting_actions",
    "meeting_detail",
    "meetings_for",
    "outcomes_achieved",
    "record_attendance",
    "record_held",
    "record_item",
    "schedule_meeting",
    "set_outcomes",
    "tick_item",
]

# The schedule's meeting rules (DueItem.key) and the meeting that satisfies each.
DUE_MEETING_TYPES: dict[str, MeetingType] = {
    "meeting1": MeetingType.PLANNING_1,
    "meeting2": MeetingType.PLANNING_2,
    "handover": MeetingType.HANDOVER,
    "review": MeetingType.REVIEW,
    "review_before_release": MeetingType.REVIEW,
    # One Final Review per ending of statutory support.
    "final_review:pa": MeetingType.FINAL_REVIEW,
    "final_review:licence": MeetingType.FINAL_REVIEW,
    "resettlement": MeetingType.RESETTLEMENT,
    "community_planning": MeetingType.COMMUNITY_PLANNING,
}

# Attendance in words, as (attended, apologies) stored on meeting_attendees.
ATTENDANCE: dict[str, tuple[int | None, int]] = {
    "attended": (1, 0),
    "apologies": (0, 1),
    "absent": (0, 0),
    "not recorded": (None, 0),
}


# -- reading -------------------------------------------------------------------------------


def meetings_for(site: Site, person_id: str) -> list[Any]:
    """The person's live meetings, oldest first, each with its chair's name (`chair_name`)."""
    return site.query(
        "SELECT m.*, p.name AS chair_name FROM meetings m "
        "LEFT JOIN practitioners p ON p.id = m.chair_practitioner_id "
        "WHERE m.person_id = ? AND m.deleted_at IS NULL ORDER BY m.scheduled_at",
        (person_id,),
    )


def get_meeting(site: Site, meeting_id: str) -> Any:
    """One live meeting with its chair's name; NotFound if missing or deleted."""
    row = site.one(
        "SELECT m.*, p.name AS chair_name FROM meetings m "
        "LEFT JOIN practitioners p ON p.id = m.chair_practitioner_id "
        "WHERE m.id = ? AND m.deleted_at IS NULL",
        (meeting_id,),
    )
    if row is None:
        rows.get(site, "meetings", meeting_id)  # raises NotFound with the usual words
    return row


def attendees(site: Site, meeting_id: str) -> list[Any]:
    """Who was invited: practitioners by role, then the person; `attendance` in words."""
    return site.query(
        "SELECT a.*, CASE WHEN a.attended = 1 THEN 'attended' WHEN a.apologies = 1 THEN "
        "'apologies' WHEN a.attended = 0 THEN 'absent' ELSE 'not recorded' END AS attendance "
        "FROM meeting_attendees a WHERE a.meeting_id = ? AND a.deleted_at IS NULL "
        "ORDER BY a.is_person, a.role, a.name, a.id",
        (meeting_id,),
    )


def items(site: Site, meeting_id: str) -> list[Any]:
    """The agenda items recorded for a meeting, one row per item code, in the order recorded.

    Two sites that recorded the same item before its row had a one-per-key id hold two rows
    for it: the latest written is the one shown, at every site."""
    latest = {
        r["item_code"]: r
        for r in site.query(
            "SELECT * FROM meeting_items WHERE meeting_id = ? AND deleted_at IS NULL "
            "ORDER BY updated_at, id",
            (meeting_id,),
        )
    }
    return sorted(latest.values(), key=lambda r: (r["created_at"], r["id"]))


def meeting_actions(site: Site, meeting_id: str) -> list[Any]:
    """The Team Actions Log steps created in this meeting, soonest due first."""
    return site.query(
        "SELECT * FROM actions WHERE meeting_id = ? AND deleted_at IS NULL "
        "ORDER BY due_on IS NULL, due_on, created_at, rowid",
        (meeting_id,),
    )


def outcomes_achieved(meeting: Any) -> list[str]:
    """The outcomes ticked as achieved: one per line of the meeting's `outcomes`."""
    text = meeting["outcomes"] or ""
    return [line.strip() for line in text.splitlines() if line.strip()]


def in_resettlement(site: Site, person_id: str, pathway: Pathway, on: date) -> bool:
    """Whether a long sentence is in resettlement planning on `on` (the PP leads by then).

    Short sentences and recalls are always in resettlement planning; the agendas know that
    themselves, so this only answers for long sentences.
    """
    if Pathway(pathway) is not Pathway.LONG:
        return False

    facts = facts_for(site, person_id)
    return team_rules.in_resettlement(facts.model_copy(update={"pathway": Pathway.LONG}), on)


def _meeting_day(meeting: Any) -> date:
    return date.fromisoformat(meeting["scheduled_at"][:10])


def agenda_for_meeting(site: Site, meeting: Any) -> list[AgendaSection]:
    """The agenda sections and items that apply to this meeting (a meetings row)."""

    pathway = Pathway(meeting["pathway"])
    phase = in_resettlement(site, meeting["person_id"], pathway, _meeting_day(meeting))
    return agenda_for(MeetingType(meeting["meeting_type"]), pathway, resettlement=phase)


@dataclass(frozen=True)
class MeetingDetail:
    """One meeting in full: what the minutes and the .ics export need."""

    meeting: Any
    """The meetings row, with `chair_name`."""
    attendees: list[Any]
    items: dict[str, Any]
    """Recorded agenda items keyed by item code."""
    actions: list[Any]
    sections: list[AgendaSection]
    """The agenda as it applies to this meeting, in order."""
    resettlement: bool
    outcomes: list[str] = field(default_factory=list)
    """The agenda's expected outcomes ticked as achieved."""
    expected_outcomes: tuple[str, ...] = ()
    """Every outcome the agenda lists for this meeting type."""
    title: str = ""
    """The agenda's title, e.g. "Joined-up Planning Meeting 1"."""


def meeting_detail(site: Site, meeting_id: str) -> MeetingDetail:
    """The meeting, its attendees, the items recorded against its agenda and its actions."""

    meeting = get_meeting(site, meeting_id)
    pathway = Pathway(meeting["pathway"])
    phase = in_resettlement(site, meeting["person_id"], pathway, _meeting_day(meeting))
    a = agenda(MeetingType(meeting["meeting_type"]))
    return MeetingDetail(
        meeting=meeting,
        attendees=attendees(site, meeting_id),
        items={r["item_code"]: r for r in items(site, meeting_id)},
        actions=meeting_actions(site, meeting_id),
        sections=a.sections_for(pathway, phase),
        resettlement=a.in_resettlement(pathway, phase),
        outcomes=outcomes_achieved(meeting),
        expected_outcomes=a.outcomes,
        title=a.title,
    )


def due_meetings(
    site: Site, person_id: str, today: date | None = None
) -> list[tuple[DueItem, MeetingType]]:
    """Meetings the pathway rules say are owed (upcoming, due or overdue), most urgent first."""

    open_ = (DueStatus.UPCOMING, DueStatus.DUE, DueStatus.OVERDUE)
    return [
        (item, DUE_MEETING_TYPES[item.key])
        for item in schedule_for(site, person_id, today)
        if item.key in DUE_MEETING_TYPES and item.status in open_
    ]


# -- scheduling ------------------------------------------------------------------------------


def default_chair(
    site: Site,
    person_id: str,
    meeting_type: MeetingType,
    pathway: Pathway,
    *,
    resettlement: bool = False,
) -> str | None:
    """The team member whose role the rules say chairs this meeting, if there is one.

    In resettlement planning on a long sentence the PP chairs; while no PP is in the team yet,
    whoever chairs outside resettlement (the POM) is named instead.
    """

    roles = [chair_role(pathway, meeting_type, resettlement=resettlement)]
    if resettlement:
        roles.append(chair_role(pathway, meeting_type))
    for role in roles:
        row = site.one(
            "SELECT practitioner_id FROM team_members WHERE person_id = ? AND role = ? "
            "AND to_date IS NULL AND deleted_at IS NULL ORDER BY is_lead DESC, from_date LIMIT 1",
            (person_id, Role(role).value),
        )
        if row:
            return row["practitioner_id"]
    return None


def schedule_meeting(
    site: Site,
    person_id: str,
    meeting: MeetingIn | dict[str, Any],
    *,
    attendee_ids: list[str] | None = None,
    with_person: bool = False,
) -> str:
    """Schedule a meeting; the chair defaults from the pathway rules and the team."""
    m = parse(MeetingIn, meeting)
    person = get_person(site, person_id)
    pathway = m.pathway or Pathway(person["pathway"])
    chair = m.chair_practitioner_id
    if chair is None:
        phase = in_resettlement(site, person_id, pathway, date.fromisoformat(m.scheduled_at[:10]))
        chair = default_chair(site, person_id, m.meeting_type, pathway, resettlement=phase)
    with site.write():
        meeting_id = rows.insert(
            site,
            "meetings",
            {
                **m.model_dump(exclude={"pathway", "chair_practitioner_id"}),
                "person_id": person_id,
                "pathway": pathway,
                "chair_practitioner_id": chair,
                "status": MeetingStatus.SCHEDULED,
            },
        )
        for prac_id in dict.fromkeys(attendee_ids or []):
            _add_practitioner(site, meeting_id, prac_id)
        if with_person:
            _add_person(site, meeting_id, person)
    return meeting_id


def _add_practitioner(site: Site, meeting_id: str, practitioner_id: str) -> str:
    prac = rows.get(site, "practitioners", practitioner_id)
    return rows.insert(
        site,
        "meeting_attendees",
        {
            "meeting_id": meeting_id,
            "practitioner_id": practitioner_id,
            "name": prac["name"],
            "role": prac["role"],
        },
    )


def _add_person(site: Site, meeting_id: str, person: Any) -> str:
    return rows.insert(
        site,
        "meeting_attendees",
        {"meeting_id": meeting_id, "is_person": True, "name": person["given_name"]},
    )


def add_attendee(
    site: Site,
    meeting_id: str,
    *,
    practitioner_id: str | None = None,
    with_person: bool = False,
    name: str | None = None,
    role: Role | str | None = None,
) -> str:
    """Add one attendee to a meeting: a practitioner, the person, or someone named."""
    meeting = rows.get(site, "meetings", meeting_id)
    if practitioner_id:
        return _add_practitioner(site, meeting_id, practitioner_id)
    if with_person:
        return _add_person(site, meeting_id, get_person(site, meeting["person_id"]))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": "Give the attendee's name."})
    return rows.insert(
        site,
        "meeting_attendees",
        {"meeting_id": meeting_id, "name": name[:200], "role": Role(role) if role else None},
    )


def record_attendance(site: Site, attendee_id: str, attendance: str) -> None:
    """Record whether one attendee attended, sent apologies, was absent, or not yet known."""
    if attendance not in ATTENDANCE:
        raise BadInput(f"Attendance is one of: {', '.join(ATTENDANCE)}.")
    attended, apologies = ATTENDANCE[attendance]
    rows.update(
        site, "meeting_attendees", attendee_id, {"attended": attended, "apologies": apologies}
    )


# -- running ---------------------------------------------------------------------------------


def _agenda_codes(meeting: Any) -> set[str]:

    a = agenda(MeetingType(meeting["meeting_type"]))
    return {i.code for s in a.sections for i in s.items}


def _check_item(meeting: Any, item_code: str) -> None:
    if meeting["status"] == MeetingStatus.CANCELLED.value:
        raise BadInput("That meeting was cancelled; nothing can be recorded against it.")
    if item_code not in _agenda_codes(meeting):
        raise BadInput(f"'{item_code}' is not on the agenda for this kind of meeting.")


def record_item(
    site: Site,
    meeting_id: str,
    item_code: str,
    *,
    notes: str | None = None,
    covered: bool = True,
    outcome: str | None = None,
) -> str:
    """Save the notes, outcome and tick for one agenda item (replacing what was saved before).

    Saved as the meeting goes, so a run can stop part way and be picked up later.
    """
    meeting = rows.get(site, "meetings", meeting_id)
    _check_item(meeting, item_code)
    item = parse(AgendaItemIn, {"notes": notes, "covered": covered, "outcome": outcome})
    return rows.save_keyed(
        site,
        "meeting_items",
        {"meeting_id": meeting_id, "item_code": item_code},
        item.model_dump(),
    )


def tick_item(site: Site, meeting_id: str, item_code: str, covered: bool) -> str:
    """Tick an agenda item covered (or untick it), keeping its notes and outcome."""
    meeting = rows.get(site, "meetings", meeting_id)
    _check_item(meeting, item_code)
    return rows.save_keyed(
        site,
        "meeting_items",
        {"meeting_id": meeting_id, "item_code": item_code},
        {"covered": covered},
    )


def set_outcomes(site: Site, meeting_id: str, achieved: list[str]) -> None:
    """Record which of the agenda's outcomes were achieved (official wording, one per line)."""

    meeting = rows.get(site, "meetings", meeting_id)
    if meeting["status"] == MeetingStatus.CANCELLED.value:
        raise BadInput("That meeting was cancelled; nothing can be recorded against it.")
    expected = agenda(MeetingType(meeting["meeting_type"])).outcomes
    unknown = [o for o in achieved if o not in expected]
    if unknown:
        raise BadInput(f"Not an outcome of this meeting: {unknown[0]}")
    ordered = [o for o in expected if o in achieved]
    rows.update(site, "meetings", meeting_id, {"outcomes": "\n".join(ordered) or None})


def record_held(
    site: Site,
    meeting_id: str,
    *,
    held_on: date | None = None,
    outcomes: str | None = None,
    next_meeting_note: str | None = None,
    today: date | None = None,
) -> None:
    """Record the meeting as held, which updates the person's schedule.

    `outcomes` and `next_meeting_note` are kept as they are when not given. `today` is the
    date the app runs on (the real date by default); a meeting cannot be held after it.
    """
    meeting = rows.get(site, "meetings", meeting_id)
    if meeting["status"] == MeetingStatus.CANCELLED.value:
        raise BadInput("A cancelled meeting cannot be recorded as held; schedule a new one.")
    held_on = held_on or date.fromisoformat(meeting["scheduled_at"][:10])
    if held_on > min(today or date.today(), date.today()):
        raise BadInput("A meeting cannot be recorded as held on a future date.")
    values: dict[str, Any] = {"status": MeetingStatus.HELD, "held_on": held_on}
    if outcomes is not None:
        values["outcomes"] = outcomes
    if next_meeting_note is not None:
        values["next_meeting_note"] = next_meeting_note.strip() or None
    rows.update(site, "meetings", meeting_id, values)


def cancel_meeting(site: Site, meeting_id: str, *, reason: str | None = None) -> None:
    """Cancel a scheduled meeting; the reason is added to its notes."""
    meeting = rows.get(site, "meetings", meeting_id)
    if meeting["status"] == MeetingStatus.HELD.value:
        raise BadInput("That meeting has been held; a held meeting cannot be cancelled.")
    values: dict[str, Any] = {"status": MeetingStatus.CANCELLED}
    reason = (reason or "").strip()
    if reason:
        note = f"Cancelled: {reason}"
        values["notes"] = f"{meeting['notes']}\n{note}" if meeting["notes"] else note
    rows.update(site, "meetings", meeting_id, values)
