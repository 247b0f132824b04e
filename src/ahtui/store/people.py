"""People supported: creating and identifying them, their details, pathway and lead.

The current pathway and lead sit on the person's row so the caseload reads one table; every
change also writes a `pathway_history` row (pathway, lead, from, to, reason), so who led when
is never lost (National Standard 3.2: allocation always clear).

The lead shown is the one the rules give for the day (`lead_today`): the role OMiC makes
responsible (`domain.schedule.omic`), held by the stored lead if they have that role, else by
the team member who does. A lead chosen by hand (`change_lead`) is an override with its reason
(`lead_override_reason`), shown as such, until `follow_rules` hands the lead back to the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple

from ..domain.enums import Pathway, Role
from ..domain.facts import CaseFacts
from ..domain.models import IdentificationIn, PersonIn, parse
from ..domain.schedule.omic import LEAD_FOR, lead_role, responsibility
from ..errors import BadInput, NotFound
from . import rows
from .facts_loader import facts_for
from .site import Site

# Who leads by default when a person is first recorded (DOMAIN.md, "Pathways and who leads").
DEFAULT_LEAD_ROLE = {
    Pathway.LONG: Role.POM,
    Pathway.SHORT: Role.PP,
    Pathway.RECALL: Role.PP,
    Pathway.REMAND: Role.CES,
    Pathway.COMMUNITY: Role.PP,
}


def create_person(
    site: Site,
    person: PersonIn | dict[str, Any],
    identification: IdentificationIn | dict[str, Any] | None = None,
    *,
    lead_practitioner_id: str | None = None,
    lead_role: Role | str | None = None,
    on: date | None = None,
) -> str:
    """Record a newly identified person; returns their id."""
    p = parse(PersonIn, person)
    ident = parse(IdentificationIn, identification) if identification is not None else None
    _check_unique_refs(site, p.crn, p.nomis_number, None)
    since = on or (ident.identified_on if ident else date.today())
    role = Role(lead_role) if lead_role else DEFAULT_LEAD_ROLE[p.pathway]
    with site.write():
        person_id = rows.insert(
            site,
            "people",
            {**p.model_dump(), "lead_practitioner_id": lead_practitioner_id, "lead_role": role},
        )
        rows.insert(
            site,
            "pathway_history",
            {
                "person_id": person_id,
                "pathway": p.pathway,
                "lead_practitioner_id": lead_practitioner_id,
                "lead_role": role,
                "from_date": since,
                "reason": "First recorded",
            },
        )
        if ident:
            rows.insert(site, "identifications", {"person_id": person_id, **ident.model_dump()})
    return person_id


def record_identification(
    site: Site, person_id: str, identification: IdentificationIn | dict[str, Any]
) -> str:
    ident = parse(IdentificationIn, identification)
    get_person(site, person_id)
    return rows.insert(site, "identifications", {"person_id": person_id, **ident.model_dump()})


def update_person(site: Site, person_id: str, changes: dict[str, Any]) -> None:
    """Change a person's details; the whole record is re-validated with the changes applied.

    Pathway and lead are not changed here: use `change_pathway` or `change_lead`, which keep
    the history.
    """
    if {"pathway", "lead_practitioner_id", "lead_role"} & set(changes):
        raise BadInput("Change the pathway or lead with its own action, giving a reason.")
    current = get_person(site, person_id)
    fields = set(PersonIn.model_fields)
    merged = {k: current[k] for k in fields if current[k] is not None}
    merged.update(changes)
    p = parse(PersonIn, merged)
    _check_unique_refs(site, p.crn, p.nomis_number, person_id)
    new = p.model_dump()
    rows.update(site, "people", person_id, {k: new[k] for k in changes})


def change_pathway(
    site: Site,
    person_id: str,
    pathway: Pathway | str,
    *,
    reason: str,
    on: date | None = None,
    lead_practitioner_id: str | None = None,
    lead_role: Role | str | None = None,
) -> None:
    """Move a person to another pathway (remand to sentenced, custody to community, recall)."""
    pathway = Pathway(pathway)
    person = get_person(site, person_id)
    lead: str | None
    if lead_practitioner_id is not None:
        lead = lead_practitioner_id
        role = Role(lead_role) if lead_role else _practitioner_role(site, lead)
    else:
        # The new pathway may be led by another role (custody to community: POM to PP). Keep
        # the lead only if they hold that role; else the team member who does; else nobody,
        # so the caseload shows plainly that a lead must be allocated.
        role = Role(lead_role) if lead_role else DEFAULT_LEAD_ROLE[pathway]
        lead = person["lead_practitioner_id"]
        if lead is None or _practitioner_role(site, lead) is not role:
            member = site.one(
                "SELECT practitioner_id FROM team_members WHERE person_id = ? AND role = ? "
                "AND to_date IS NULL AND deleted_at IS NULL ORDER BY from_date LIMIT 1",
                (person_id, role.value),
            )
            lead = member["practitioner_id"] if member else None
    by_hand = reason if lead_practitioner_id is not None else None
    _new_period(site, person_id, pathway, lead, role, reason, on or date.today(), by_hand)


def _practitioner_role(site: Site, practitioner_id: str) -> Role:
    row = site.one(
        "SELECT role FROM practitioners WHERE id = ? AND deleted_at IS NULL", (practitioner_id,)
    )
    if row is None:
        raise NotFound("That practitioner is not recorded at this site.")
    return Role(row["role"])


def change_lead(
    site: Site,
    person_id: str,
    practitioner_id: str | None,
    *,
    reason: str,
    role: Role | str | None = None,
    on: date | None = None,
) -> None:
    """Hand the lead to another practitioner by hand, with the reason.

    The rules move the lead at the handover themselves; a lead set here overrides them, and
    is shown as set by hand with this reason, until `follow_rules`.
    """
    person = get_person(site, person_id)
    if practitioner_id is not None:
        prac = site.one(
            "SELECT role FROM practitioners WHERE id = ? AND deleted_at IS NULL", (practitioner_id,)
        )
        if prac is None:
            raise NotFound("That practitioner is not recorded at this site.")
        role = role or prac["role"]
    _new_period(
        site,
        person_id,
        Pathway(person["pathway"]),
        practitioner_id,
        Role(role) if role else None,
        reason,
        on or date.today(),
        reason,
    )


def follow_rules(site: Site, person_id: str, *, reason: str, on: date | None = None) -> None:
    """End a lead set by hand: from `on` the lead is the one the rules give."""
    person = get_person(site, person_id)
    today = on or date.today()
    facts = _facts(site, person_id)
    role = lead_role(facts, today)
    holder = _holder(person, role, _members(site, [person_id]).get(person_id, []))
    _new_period(site, person_id, Pathway(person["pathway"]), holder, role, reason, today, None)


def _new_period(
    site: Site,
    person_id: str,
    pathway: Pathway,
    lead_id: str | None,
    lead_role: Role | None,
    reason: str,
    on: date,
    by_hand: str | None = None,
) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("Give a reason for the change; it is kept in the pathway history.")
    if len(reason) > 2000:
        raise BadInput("The reason is too long: at most 2,000 characters.")
    with site.write():
        for open_row in site.query(
            "SELECT id, from_date FROM pathway_history "
            "WHERE person_id = ? AND to_date IS NULL AND deleted_at IS NULL",
            (person_id,),
        ):
            if open_row["from_date"] > on.isoformat():
                raise BadInput(
                    f"The change date {on.isoformat()} is before the current period began "
                    f"({open_row['from_date']})."
                )
            rows.update(site, "pathway_history", open_row["id"], {"to_date": on})
        rows.insert(
            site,
            "pathway_history",
            {
                "person_id": person_id,
                "pathway": pathway,
                "lead_practitioner_id": lead_id,
                "lead_role": lead_role,
                "from_date": on,
                "reason": reason,
            },
        )
        rows.update(
            site,
            "people",
            person_id,
            {
                "pathway": pathway,
                "lead_practitioner_id": lead_id,
                "lead_role": lead_role,
                "lead_override_reason": (by_hand or "").strip() or None,
            },
        )


def people_recorded(site: Site) -> int:
    """How many people this site has recorded, removed ones included (the demo numbers new
    people after them, so their made-up references never repeat)."""
    return int(site.one("SELECT count(*) FROM people")[0])


def get_person(site: Site, person_id: str) -> Any:
    row = site.one("SELECT * FROM people WHERE id = ? AND deleted_at IS NULL", (person_id,))
    if row is None:
        raise NotFound(f"No person with id {person_id} at this site.")
    return row


def find_person(site: Site, ref: str) -> Any:
    """A person by id, CRN or NOMIS number (what practitioners have to hand)."""
    ref = (ref or "").strip()
    row = site.one(
        "SELECT * FROM people WHERE deleted_at IS NULL AND (id = ? OR crn = ? OR nomis_number = ?)",
        (ref, ref.upper(), ref.upper()),
    )
    if row is None:
        raise NotFound(f"No person with id, CRN or NOMIS number {ref!r} at this site.")
    return row


def pathway_history(site: Site, person_id: str) -> list[Any]:
    return site.query(
        "SELECT h.*, p.name AS lead_name FROM pathway_history h "
        "LEFT JOIN practitioners p ON p.id = h.lead_practitioner_id "
        "WHERE h.person_id = ? AND h.deleted_at IS NULL ORDER BY h.from_date, h.created_at",
        (person_id,),
    )


def _check_unique_refs(site: Site, crn: str | None, nomis: str | None, self_id: str | None) -> None:
    for column, value, label in (("crn", crn, "CRN"), ("nomis_number", nomis, "NOMIS number")):
        if not value:
            continue
        other = site.one(
            f"SELECT given_name, family_name FROM people WHERE {column} = ? "
            "AND deleted_at IS NULL AND id IS NOT ?",
            (value, self_id),
        )
        if other is not None:
            raise BadInput(
                f"Another person at this site already has {label} {value}. "
                "Open their record instead of creating a new one."
            )


def refs_used_by_others(
    site: Site, person_id: str | None, changes: dict[str, Any]
) -> dict[str, str]:
    """The CRN or NOMIS number in `changes` that another person already has, as field messages.

    A form shows these beside the field, where `update_person` would refuse the whole change.
    """
    problems: dict[str, str] = {}
    for column, label in (("crn", "CRN"), ("nomis_number", "NOMIS number")):
        value = changes.get(column)
        if not value:
            continue
        other = site.one(
            f"SELECT 1 FROM people WHERE {column} = ? AND deleted_at IS NULL AND id IS NOT ?",
            (str(value).upper(), person_id),
        )
        if other is not None:
            problems[column] = (
                f"Another person at this site already has {label} {str(value).upper()}; "
                "check the number."
            )
    return problems


class Lead(NamedTuple):
    """Who leads a person's team on a day, and why."""

    role: Role | None
    practitioner_id: str | None
    by_hand: str | None
    """The reason, when the lead was set by hand instead of following the rules."""
    why: str


def _members(site: Site, person_ids: list[str] | None) -> dict[str, list[tuple[str, str]]]:
    """Current team members as (role, practitioner id), longest-serving first, by person."""
    where = ""
    params: tuple[str, ...] = ()
    if person_ids is not None:
        where = f"AND person_id IN ({','.join('?' for _ in person_ids)})"
        params = tuple(person_ids)
    out: dict[str, list[tuple[str, str]]] = {}
    for r in site.tuples(
        "SELECT person_id, role, practitioner_id FROM team_members "
        f"WHERE to_date IS NULL AND deleted_at IS NULL {where} ORDER BY from_date, created_at",
        params,
    ):
        out.setdefault(r[0], []).append((r[1], r[2]))
    return out


def _holder(person: Any, role: Role, members: Iterable[tuple[str, str]]) -> str | None:
    if person["lead_practitioner_id"] and person["lead_role"] == role.value:
        return str(person["lead_practitioner_id"])
    return next((pid for r, pid in members if r == role.value), None)


def leads_today(
    site: Site, facts: dict[str, CaseFacts], today: date, people: Iterable[Any]
) -> dict[str, Lead]:
    """The lead for each of these people (rows of `people`) on `today`, from their facts."""
    rows = list(people)
    members = _members(site, None if len(rows) > 500 else [p["id"] for p in rows])
    out: dict[str, Lead] = {}
    for p in rows:
        pid = p["id"]
        if p["lead_override_reason"]:
            role = Role(p["lead_role"]) if p["lead_role"] else None
            out[pid] = Lead(role, p["lead_practitioner_id"], p["lead_override_reason"], "")
            continue
        f = facts.get(pid)
        if f is None:
            continue
        today_is = responsibility(f, today)
        role = LEAD_FOR[today_is.responsibility]
        out[pid] = Lead(role, _holder(p, role, members.get(pid, [])), None, today_is.why)
    return out


def lead_today(site: Site, person_id: str, today: date | None = None) -> Lead:
    """Who leads one person's team on `today` (default: today)."""
    person = get_person(site, person_id)
    day = today or date.today()
    return leads_today(site, {person_id: _facts(site, person_id)}, day, [person])[person_id]


def _facts(site: Site, person_id: str) -> CaseFacts:
    return facts_for(site, person_id)
