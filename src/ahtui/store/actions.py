"""The Team Actions Log: steps, who is responsible, by when, done, and follow-ups."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.models import ActionIn, parse
from ..domain.names import listed_name
from ..errors import BadInput
from . import rows
from .people import get_person
from .site import Site


def add_action(site: Site, person_id: str, action: ActionIn | dict[str, Any]) -> str:
    a = parse(ActionIn, action)
    get_person(site, person_id)
    if a.responsible_practitioner_id and not a.responsible_name:
        prac = rows.get(site, "practitioners", a.responsible_practitioner_id)
        a = a.model_copy(update={"responsible_name": prac["name"]})
    _check_links(site, person_id, a)
    return rows.insert(site, "actions", {"person_id": person_id, **a.model_dump()})


def _check_links(site: Site, person_id: str, a: ActionIn) -> None:
    """A follow-up and the meeting an action came from must both be about the same person."""
    if a.follow_up_of:
        original = rows.get(site, "actions", a.follow_up_of)
        if original["person_id"] != person_id:
            raise BadInput("A follow-up step must be for the same person as the original.")
    if a.meeting_id:
        meeting = rows.get(site, "meetings", a.meeting_id)
        if meeting["person_id"] != person_id:
            raise BadInput("An action can only come from a meeting about the same person.")


def add_follow_up(site: Site, action_id: str, action: ActionIn | dict[str, Any]) -> str:
    original = rows.get(site, "actions", action_id)
    data = action.model_dump() if isinstance(action, ActionIn) else dict(action)
    data["follow_up_of"] = action_id
    return add_action(site, original["person_id"], data)


def complete_action(site: Site, action_id: str, *, on: date | None = None) -> None:
    action = rows.get(site, "actions", action_id)
    on = on or date.today()
    if on > date.today():
        raise BadInput("An action cannot be completed on a future date.")
    if action["completed_on"]:
        raise BadInput(f"That action was already completed on {action['completed_on']}.")
    rows.update(site, "actions", action_id, {"completed_on": on})


def reopen_action(site: Site, action_id: str) -> None:
    rows.update(site, "actions", action_id, {"completed_on": None})


def edit_action(site: Site, action_id: str, changes: dict[str, Any]) -> None:
    current = rows.get(site, "actions", action_id)
    merged = {k: current[k] for k in ActionIn.model_fields if current[k] is not None}
    merged.update(changes)
    parsed = parse(ActionIn, merged)
    _check_links(site, current["person_id"], parsed)
    a = parsed.model_dump()
    rows.update(site, "actions", action_id, {k: a[k] for k in changes})


def actions_for(site: Site, person_id: str) -> list[Any]:
    return site.query(
        "SELECT * FROM actions WHERE person_id = ? AND deleted_at IS NULL "
        "ORDER BY completed_on IS NOT NULL, due_on IS NULL, due_on, created_at",
        (person_id,),
    )


def every_action(site: Site) -> list[dict[str, Any]]:
    """Every action of everyone (open and done), each with the person's name and references,
    person by person in the order of their log: for the CSV of the whole Team Actions Log."""
    found = site.query(
        "SELECT a.*, pe.family_name, pe.given_name, pe.preferred_name, pe.crn, pe.nomis_number "
        "FROM actions a JOIN people pe ON pe.id = a.person_id "
        "WHERE a.deleted_at IS NULL AND pe.deleted_at IS NULL "
        "ORDER BY pe.family_name, pe.given_name, pe.id, a.completed_on IS NOT NULL, "
        "a.due_on IS NULL, a.due_on, a.created_at"
    )
    return [{**dict(r), "person_name": listed_name(r)} for r in found]


def get_action(site: Site, action_id: str) -> Any:
    return rows.get(site, "actions", action_id)
