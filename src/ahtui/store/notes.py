"""Case notes (contacts) and the statutory milestones recorded as done.

A note records when the contact happened; its created_at is when it was written down, so a note
written more than one working day later can be flagged (National Standard 1.1). A note belongs
to the agency of the site where it was written (`agency`): marked sensitive, it is kept from
every other agency, and only its own agency may mark it or clear the mark.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ..domain.models import MilestoneIn, NoteIn, parse
from ..errors import BadInput
from . import rows
from .people import get_person
from .site import Site


def add_note(
    site: Site,
    person_id: str,
    note: NoteIn | dict[str, Any],
    *,
    author_practitioner_id: str | None = None,
    recorded_at: datetime | None = None,
) -> str:
    """Record a contact. `recorded_at` is for bringing in notes written earlier elsewhere
    (and the demo); notes typed in the app are recorded now. The audit keeps the real time."""
    n = parse(NoteIn, note)
    get_person(site, person_id)
    author = author_practitioner_id or site.user.practitioner_id
    values = {
        "person_id": person_id,
        **n.model_dump(),
        "author_practitioner_id": author,
        "agency": site.agency,
    }
    if recorded_at is not None:
        if recorded_at.date() < date.fromisoformat(n.contact_at[:10]):
            raise BadInput("A note cannot be recorded before the contact it describes.")
        values["created_at"] = recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return rows.insert(site, "case_notes", values)


_WRITTEN_BY = {
    "prison": "a prison",
    "probation": "probation",
    "local_authority": "the local authority",
    "ces": "the Care Experience Specialist",
}


def set_sensitive(site: Site, note_id: str, sensitive: bool = True) -> None:
    """Mark a note sensitive (kept from other agencies), or clear the mark."""
    note = rows.get(site, "case_notes", note_id)
    agency = note["agency"]
    if agency is None:
        # Written before notes named their agency: the site that wrote it decides.
        origin = site.one(
            "SELECT ins_origin FROM sync_rows WHERE tbl = 'case_notes' AND row_id = ?",
            (note_id,),
        )
        agency = site.agency if origin is None or origin[0] == site.site_id else None
    if agency != site.agency:
        who = _WRITTEN_BY.get(agency or "", "another agency")
        raise BadInput(
            f"This note was written by {who}: only they can mark it sensitive or clear the "
            "mark, so it stays with them. Ask them to, or write a note of your own."
        )
    if bool(note["sensitive"]) != sensitive:
        rows.update(site, "case_notes", note_id, {"sensitive": sensitive})


def notes_for(site: Site, person_id: str, *, include_sensitive: bool = True) -> list[Any]:
    """A person's notes, latest contact first, each with `author_name`: who wrote it (the
    practitioner, blank when that is not known)."""
    sensitive = "" if include_sensitive else "AND n.sensitive = 0"
    return site.query(
        "SELECT n.*, p.name AS author_name FROM case_notes n "
        "LEFT JOIN practitioners p ON p.id = n.author_practitioner_id "
        f"WHERE n.person_id = ? AND n.deleted_at IS NULL {sensitive} "
        "ORDER BY n.contact_at DESC",
        (person_id,),
    )


def contact_at(on: str, time: str | None) -> str:
    """A contact's moment as stored: the day, and the time of day after it when one is given
    ("2025-03-03T14:30")."""
    time = (time or "").strip()
    if not time:
        return on
    hours, _, minutes = time.partition(":")
    return f"{on[:10]}T{int(hours):02d}:{minutes}"


def record_milestone(site: Site, person_id: str, milestone: MilestoneIn | dict[str, Any]) -> str:
    m = parse(MilestoneIn, milestone)
    get_person(site, person_id)
    return rows.insert(site, "milestones", {"person_id": person_id, **m.model_dump()})
