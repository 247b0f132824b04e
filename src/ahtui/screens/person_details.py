"""Edit a person's details: names, identifiers, places and dates, pre-filled from the record.

The same fields as the New person form (minus pathway and identification), plus the recall.
Only the values changed are sent to `people.update_person`, which re-checks the whole record,
so the New person messages ("The release date is before the sentence date.") appear beside the
fields here too. Pathway and lead are not on this form: each has its own action with a reason.
"""

from __future__ import annotations

from typing import Any

from ..domain.enums import Pathway, RecallType, Role
from ..domain.models import PersonIn, parse
from ..errors import ValidationFailed
from ..store import people, team
from ..widgets.form import Field
from .base import SiteScreen, label, parse_day
from .new_person import person_fields

# Kept out: they change through their own actions (pathway, lead) or are identification facts.
_NOT_HERE = {
    "pathway",
    "identified_on",
    "method",
    "identified_by_name",
    "identified_by_role",
    "ident_notes",
}


def detail_fields(person: Any, today_iso: str) -> list[Field]:
    """The person's editable fields, each holding its current value."""

    fields: list[Field] = []
    for f in person_fields(today_iso):
        if f.name in _NOT_HERE:
            continue
        fields.append(f)
        if f.name == "conditional_release_date":
            fields.append(Field("recall_date", "Recall date", "date"))
            fields.append(
                Field(
                    "recall_type",
                    "Recall type",
                    "select",
                    None,
                    [(r.label(), r.value) for r in RecallType],
                )
            )
    for f in fields:
        f.value = person[f.name]
        if f.name == "mappa_level" and f.value is not None:
            f.value = str(f.value)  # the options are text
    return fields


def _as_typed(value: Any) -> Any:
    """A stored value as the form holds it, so an untouched field compares equal."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def changed_values(fields: list[Field], values: dict[str, Any]) -> dict[str, Any]:
    """Only what was changed; a cleared field becomes None (the value is removed)."""
    out: dict[str, Any] = {}
    for f in fields:
        before, after = _as_typed(f.value), values.get(f.name)
        if f.kind == "yesno":
            # Stored as 0 or 1, held by the form as False or True.
            if bool(f.value) != bool(after):
                out[f.name] = bool(after)
            continue
        if f.kind != "select":
            after = _as_typed(after)
        if after != before:
            out[f.name] = after
    return out


def details_problems(
    site: Any, person_id: str, fields: list[Field], values: dict[str, Any]
) -> dict[str, str]:
    """What `people.update_person` would refuse in these values, by field, with nothing
    written: the record's rules over the changed and unchanged fields together (a release
    date before the sentence date), and a CRN or NOMIS number someone else has."""
    changes = changed_values(fields, values)
    if not changes:
        return {}
    current = people.get_person(site, person_id)
    merged = {k: current[k] for k in PersonIn.model_fields if current[k] is not None}
    merged.update(changes)
    problems: dict[str, str] = {}
    try:
        parse(PersonIn, merged)
    except ValidationFailed as exc:
        problems.update(exc.problems)
    problems.update(people.refs_used_by_others(site, person_id, changes))
    return problems


def edit_details_form(screen: SiteScreen | Any, person_id: str) -> None:
    """Open the form; on save, the changes are written and the person screen redraws."""

    person = people.get_person(screen.site, person_id)
    fields = detail_fields(person, screen.today.isoformat())

    def submit(values: dict[str, Any]) -> bool:
        changes = changed_values(fields, values)
        if not changes:
            return False
        problems = people.refs_used_by_others(screen.site, person_id, changes)
        if problems:
            raise ValidationFailed(problems)
        people.update_person(screen.site, person_id, changes)
        return True

    def done(saved: bool) -> None:
        screen.notify("Details saved." if saved else "Nothing was changed.", markup=False)

    screen.open_form(
        "Edit details",
        fields,
        submit,
        intro="Correct what is wrong; only the fields you change are saved. "
        "Pathway (p) and lead (l) have their own actions.",
        done=done,
        check=lambda values: details_problems(screen.site, person_id, fields, values),
    )


def change_pathway_form(screen: SiteScreen, person_id: str) -> None:
    """The explicit pathway change: new pathway, from when, why (kept in the history)."""

    current = people.get_person(screen.site, person_id)

    def submit(v: dict[str, Any]) -> None:
        on = parse_day(v["on"], "on") or screen.today
        people.change_pathway(screen.site, person_id, v["pathway"], reason=v["reason"], on=on)

    screen.open_form(
        "Change pathway",
        [
            Field(
                "pathway",
                "New pathway",
                "select",
                current["pathway"],
                [(p.label(), p.value) for p in Pathway],
                required=True,
            ),
            Field("on", "From", "date", screen.today.isoformat(), required=True),
            Field("reason", "Reason", required=True, placeholder="kept in the pathway history"),
        ],
        submit,
        intro="The lead follows the new pathway's lead role where the team has one.",
        done=lambda _r: screen.notify("Pathway changed.", markup=False),
    )


def change_lead_form(screen: SiteScreen, person_id: str) -> None:
    """Hand the lead to a practitioner in the team (or to nobody), with a reason."""

    members = team.team(screen.site, person_id)
    options = [(f"{m['name']} ({label(Role, m['role'])})", m["practitioner_id"]) for m in members]
    options.append(("Nobody: the lead is to be allocated", "none"))
    options.insert(0, ("Follow the rules: the lead OMiC gives for the day", "rules"))
    person = people.get_person(screen.site, person_id)
    current = person["lead_practitioner_id"] if person["lead_override_reason"] else "rules"

    def submit(v: dict[str, Any]) -> None:
        on = parse_day(v["on"], "on") or screen.today
        if v["lead"] == "rules":
            people.follow_rules(screen.site, person_id, reason=v["reason"], on=on)
            return
        who = None if v["lead"] == "none" else v["lead"]
        role = next((m["role"] for m in members if m["practitioner_id"] == who), None)
        people.change_lead(screen.site, person_id, who, reason=v["reason"], role=role, on=on)

    screen.open_form(
        "Change lead",
        [
            Field("lead", "New lead", "select", current, options, required=True),
            Field("on", "From", "date", screen.today.isoformat(), required=True),
            Field("reason", "Reason", required=True, placeholder="kept in the pathway history"),
        ],
        submit,
        intro="A lead chosen here overrides the rules (shown as set by hand) until you choose "
        "to follow the rules again. Only practitioners in the team are listed: add one first "
        "with Team (m, then t).",
        done=lambda _r: screen.notify("Lead changed.", markup=False),
    )
