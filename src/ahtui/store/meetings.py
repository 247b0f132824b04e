"""Meetings: scheduling them, who attends, and recording that they were held."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.enums import MeetingStatus, MeetingType, Pathway, Role
from ..domain.models import MeetingIn, parse
from ..errors import BadInput
from . import rows
from .people import get_person
from .site import Site


def default_chair(
    site: Site, person_id: str, meeting_type: MeetingType, pathway: Pathway
) -> str | None:
    """The team member whose role the rules say chairs this meeting, if there is one."""
    from ..domain.team import chair_role

    role: Role = chair_role(pathway, meeting_type)
    row = site.one(
        "SELECT practitioner_id FROM team_members WHERE person_id = ? AND role = ? "
        "AND to_date IS NULL AND deleted_at IS NULL ORDER BY is_lead DESC, from_date LIMIT 1",
        (person_id, role.value),
    )
    return row["practitioner_id"] if row else None


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
    chair = m.chair_practitioner_id or default_chair(site, person_id, m.meeting_type, pathway)
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
        for prac_id in attendee_ids or []:
            prac = rows.get(site, "practitioners", prac_id)
            rows.insert(
                site,
                "meeting_attendees",
                {
                    "meeting_id": meeting_id,
                    "practitioner_id": prac_id,
                    "name": prac["name"],
                    "role": prac["role"],
                },
            )
        if with_person:
            rows.insert(
                site,
                "meeting_attendees",
                {"meeting_id": meeting_id, "is_person": True, "name": person["given_name"]},
            )
    return meeting_id


def record_held(
    site: Site,
    meeting_id: str,
    *,
    held_on: date | None = None,
    outcomes: str | None = None,
    next_meeting_note: str | None = None,
) -> None:
    meeting = rows.get(site, "meetings", meeting_id)
    held_on = held_on or date.fromisoformat(meeting["scheduled_at"][:10])
    if held_on > date.today():
        raise BadInput("A meeting cannot be recorded as held on a future date.")
    rows.update(
        site,
        "meetings",
        meeting_id,
        {
            "status": MeetingStatus.HELD,
            "held_on": held_on,
            "outcomes": outcomes,
            "next_meeting_note": next_meeting_note,
        },
    )


def cancel_meeting(site: Site, meeting_id: str) -> None:
    rows.update(site, "meetings", meeting_id, {"status": MeetingStatus.CANCELLED})


def record_item(
    site: Site,
    meeting_id: str,
    item_code: str,
    *,
    notes: str | None = None,
    covered: bool = True,
    outcome: str | None = None,
) -> str:
    rows.get(site, "meetings", meeting_id)
    return rows.insert(
        site,
        "meeting_items",
        {
            "meeting_id": meeting_id,
            "item_code": item_code,
            "notes": notes,
            "covered": covered,
            "outcome": outcome,
        },
    )


def meetings_for(site: Site, person_id: str) -> list[Any]:
    return site.query(
        "SELECT m.*, p.name AS chair_name FROM meetings m "
        "LEFT JOIN practitioners p ON p.id = m.chair_practitioner_id "
        "WHERE m.person_id = ? AND m.deleted_at IS NULL ORDER BY m.scheduled_at",
        (person_id,),
    )
