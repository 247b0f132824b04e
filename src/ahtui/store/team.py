"""The team around a person (the Team Contact Form): practitioners, membership and contacts."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.enums import Role
from ..domain.models import ContactIn, PractitionerIn, parse
from ..errors import BadInput, NotFound
from . import rows
from .people import get_person
from .site import Site


def add_practitioner(site: Site, practitioner: PractitionerIn | dict[str, Any]) -> str:
    p = parse(PractitionerIn, practitioner)
    return rows.insert(site, "practitioners", {**p.model_dump(), "site_id": site.site_id})


def update_practitioner(site: Site, practitioner_id: str, changes: dict[str, Any]) -> None:
    current = rows.get(site, "practitioners", practitioner_id)
    merged = {k: current[k] for k in PractitionerIn.model_fields if current[k] is not None}
    merged.update(changes)
    p = parse(PractitionerIn, merged).model_dump()
    rows.update(site, "practitioners", practitioner_id, {k: p[k] for k in changes})


def list_practitioners(site: Site, role: Role | str | None = None) -> list[Any]:
    if role:
        return site.query(
            "SELECT * FROM practitioners WHERE deleted_at IS NULL AND role = ? ORDER BY name",
            (Role(role).value,),
        )
    return site.query("SELECT * FROM practitioners WHERE deleted_at IS NULL ORDER BY role, name")


def add_to_team(
    site: Site,
    person_id: str,
    practitioner_id: str,
    *,
    role: Role | str | None = None,
    is_lead: bool = False,
    from_date: date | None = None,
    notes: str | None = None,
) -> str:
    """Add a practitioner to a person's team (from a date, in a role)."""
    get_person(site, person_id)
    prac = site.one(
        "SELECT role FROM practitioners WHERE id = ? AND deleted_at IS NULL", (practitioner_id,)
    )
    if prac is None:
        raise NotFound("That practitioner is not recorded at this site.")
    member_role = Role(role or prac["role"])
    existing = site.one(
        "SELECT 1 FROM team_members WHERE person_id = ? AND practitioner_id = ? AND role = ? "
        "AND to_date IS NULL AND deleted_at IS NULL",
        (person_id, practitioner_id, member_role.value),
    )
    if existing:
        raise BadInput("That practitioner is already in this person's team in that role.")
    return rows.insert(
        site,
        "team_members",
        {
            "person_id": person_id,
            "practitioner_id": practitioner_id,
            "role": member_role,
            "is_lead": is_lead,
            "from_date": from_date or date.today(),
            "notes": notes,
        },
    )


def leave_team(site: Site, member_id: str, *, on: date | None = None) -> None:
    member = rows.get(site, "team_members", member_id)
    on = on or date.today()
    if on.isoformat() < member["from_date"]:
        raise BadInput("The leaving date is before the date they joined the team.")
    rows.update(site, "team_members", member_id, {"to_date": on, "is_lead": False})


def team(site: Site, person_id: str, *, include_past: bool = False) -> list[Any]:
    """The person's team with names and contact details, the lead first."""
    past = "" if include_past else "AND m.to_date IS NULL"
    return site.query(
        "SELECT m.*, p.name, p.email, p.phone, p.organisation, "
        "(p.id = pe.lead_practitioner_id) AS leads "
        "FROM team_members m JOIN practitioners p ON p.id = m.practitioner_id "
        "JOIN people pe ON pe.id = m.person_id "
        f"WHERE m.person_id = ? AND m.deleted_at IS NULL {past} "
        "ORDER BY leads DESC, m.role, p.name",
        (person_id,),
    )


def add_contact(site: Site, person_id: str, contact: ContactIn | dict[str, Any]) -> str:
    c = parse(ContactIn, contact)
    get_person(site, person_id)
    return rows.insert(site, "personal_contacts", {"person_id": person_id, **c.model_dump()})


def contacts(site: Site, person_id: str) -> list[Any]:
    return site.query(
        "SELECT * FROM personal_contacts WHERE person_id = ? AND deleted_at IS NULL ORDER BY name",
        (person_id,),
    )


def people_with_practitioner(site: Site, practitioner_id: str | None) -> set[str]:
    """Ids of the people a practitioner leads or is in the team of now ("my cases")."""
    if not practitioner_id:
        return set()
    found = site.query(
        "SELECT id FROM people WHERE lead_practitioner_id = ? AND deleted_at IS NULL "
        "UNION SELECT person_id FROM team_members WHERE practitioner_id = ? "
        "AND to_date IS NULL AND deleted_at IS NULL",
        (practitioner_id, practitioner_id),
    )
    return {r[0] for r in found}


def update_contact(site: Site, contact_id: str, changes: dict[str, Any]) -> None:
    """Correct a personal contact; the whole contact is re-validated with the changes."""
    current = rows.get(site, "personal_contacts", contact_id)
    merged = {k: current[k] for k in ContactIn.model_fields if current[k] is not None}
    merged.update(changes)
    c = parse(ContactIn, merged).model_dump()
    rows.update(site, "personal_contacts", contact_id, {k: c[k] for k in changes})


def end_contact(site: Site, contact_id: str) -> None:
    """No longer a contact: the row is soft-deleted (kept, audited, gone from the lists)."""
    rows.soft_delete(site, "personal_contacts", contact_id)


def get_practitioner(site: Site, practitioner_id: str) -> Any:
    """One practitioner as recorded at the site (their own role, not a role in a team)."""
    return rows.get(site, "practitioners", practitioner_id)


def get_contact(site: Site, contact_id: str) -> Any:
    return rows.get(site, "personal_contacts", contact_id)
