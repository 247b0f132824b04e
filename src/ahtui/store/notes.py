"""Case notes (contacts) and the statutory milestones recorded as done.

A note records when the contact happened; its created_at is when it was written down, so a note
written more than one working day later can be flagged (National Standard 1.1).
"""

from __future__ import annotations

from typing import Any

from ..domain.models import MilestoneIn, NoteIn, parse
from . import rows
from .people import get_person
from .site import Site


def add_note(
    site: Site,
    person_id: str,
    note: NoteIn | dict[str, Any],
    *,
    author_practitioner_id: str | None = None,
) -> str:
    n = parse(NoteIn, note)
    get_person(site, person_id)
    author = author_practitioner_id or site.user.practitioner_id
    return rows.insert(
        site,
        "case_notes",
        {"person_id": person_id, **n.model_dump(), "author_practitioner_id": author},
    )


def notes_for(site: Site, person_id: str, *, include_sensitive: bool = True) -> list[Any]:
    sensitive = "" if include_sensitive else "AND sensitive = 0"
    return site.query(
        f"SELECT * FROM case_notes WHERE person_id = ? AND deleted_at IS NULL {sensitive} "
        "ORDER BY contact_at DESC",
        (person_id,),
    )


def record_milestone(site: Site, person_id: str, milestone: MilestoneIn | dict[str, Any]) -> str:
    m = parse(MilestoneIn, milestone)
    get_person(site, person_id)
    return rows.insert(site, "milestones", {"person_id": person_id, **m.model_dump()})
