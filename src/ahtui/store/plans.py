"""My Plan, the Combined Assessment, support networks, release-day and remand support, emails.

These are the person-centred records. The screens for them come later; the services are here so
the demo, the CLI and sync can write them today, attributed and audited like everything else.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from ..domain.enums import EmailTemplate
from ..domain.models import TEXT_MAX, NetworkIn, parse
from ..errors import BadInput
from . import rows
from .people import get_person
from .site import Site


def _text(value: str | None, field: str, limit: int = TEXT_MAX) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise BadInput(f"{field}: this is too long: at most {limit:,} characters.")
    return value


# -- My Plan ---------------------------------------------------------------------------------


def save_about_me(
    site: Site, person_id: str, *, about_me: str | None = None, what_helps: str | None = None
) -> str:
    get_person(site, person_id)
    values = {
        "about_me": _text(about_me, "About Me"),
        "what_helps": _text(what_helps, "What helps"),
    }
    existing = site.one(
        "SELECT id FROM my_plans WHERE person_id = ? AND deleted_at IS NULL", (person_id,)
    )
    if existing:
        rows.update(site, "my_plans", existing["id"], values)
        return existing["id"]
    return rows.insert(site, "my_plans", {"person_id": person_id, **values})


def add_wheel_score(site: Site, person_id: str, area: str, score: int, scored_on: date) -> str:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 10:
        raise BadInput(f"{area}: a Wheel of Life score is a whole number from 1 to 10.")
    get_person(site, person_id)
    return rows.insert(
        site,
        "wheel_scores",
        {
            "person_id": person_id,
            "area": _text(area, "Area", 100),
            "score": score,
            "scored_on": scored_on,
        },
    )


def add_goal(
    site: Site, person_id: str, goal: str, *, why: str | None = None, target_on: date | None = None
) -> str:
    goal = _text(goal, "Goal", 2000) or ""
    if not goal:
        raise BadInput("Goal: write the goal in the person's own words.")
    get_person(site, person_id)
    return rows.insert(
        site,
        "plan_goals",
        {"person_id": person_id, "goal": goal, "why": _text(why, "Why"), "target_on": target_on},
    )


def add_goal_step(
    site: Site,
    goal_id: str,
    step: str,
    *,
    who_helps: str | None = None,
    target_on: date | None = None,
) -> str:
    rows.get(site, "plan_goals", goal_id)
    step = _text(step, "Step", 2000) or ""
    if not step:
        raise BadInput("Step: say what the step is.")
    return rows.insert(
        site,
        "plan_goal_steps",
        {
            "goal_id": goal_id,
            "step": step,
            "who_helps": _text(who_helps, "Who helps", 200),
            "target_on": target_on,
        },
    )


def add_support(
    site: Site,
    person_id: str,
    support: str,
    *,
    from_whom: str | None = None,
    practitioner_id: str | None = None,
) -> str:
    get_person(site, person_id)
    return rows.insert(
        site,
        "plan_support",
        {
            "person_id": person_id,
            "support": _text(support, "Support", 2000),
            "from_whom": _text(from_whom, "From whom", 200),
            "practitioner_id": practitioner_id,
        },
    )


def add_progress(
    site: Site, person_id: str, note: str, *, noted_on: date, goal_id: str | None = None
) -> str:
    get_person(site, person_id)
    return rows.insert(
        site,
        "plan_progress",
        {
            "person_id": person_id,
            "note": _text(note, "Progress"),
            "noted_on": noted_on,
            "goal_id": goal_id,
        },
    )


def plan_snapshot(site: Site, person_id: str) -> dict[str, Any]:
    """The plan as it stands, as plain data (what an agreed version freezes)."""

    def dicts(sql: str, *params: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in site.query(sql, params)]

    plan = site.one(
        "SELECT about_me, what_helps FROM my_plans WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    )
    goals = dicts(
        "SELECT id, goal, why, target_on, status FROM plan_goals WHERE person_id = ? "
        "AND deleted_at IS NULL ORDER BY created_at",
        person_id,
    )
    for g in goals:
        g["steps"] = dicts(
            "SELECT step, who_helps, target_on, done_on FROM plan_goal_steps "
            "WHERE goal_id = ? AND deleted_at IS NULL ORDER BY created_at",
            g["id"],
        )
    return {
        "about_me": plan["about_me"] if plan else None,
        "what_helps": plan["what_helps"] if plan else None,
        "wheel": dicts(
            "SELECT area, score, scored_on FROM wheel_scores WHERE person_id = ? "
            "AND deleted_at IS NULL ORDER BY scored_on, area",
            person_id,
        ),
        "goals": goals,
        "support": dicts(
            "SELECT support, from_whom FROM plan_support WHERE person_id = ? "
            "AND deleted_at IS NULL ORDER BY created_at",
            person_id,
        ),
    }


def agree_plan(site: Site, person_id: str, *, agreed_on: date) -> str:
    """Mark the plan as agreed with the person on a date; the version stays readable."""
    snapshot = json.dumps(plan_snapshot(site, person_id), sort_keys=True)
    return rows.insert(
        site,
        "plan_versions",
        {"person_id": person_id, "agreed_on": agreed_on, "snapshot": snapshot},
    )


# -- Combined Assessment ---------------------------------------------------------------------


def answer_item(
    site: Site,
    person_id: str,
    item_code: str,
    *,
    value: str | None = None,
    disclosed: bool | None = None,
    notes: str | None = None,
    answered_on: date | None = None,
) -> str:
    """Record (or replace) the answer to one assessment item, checked against the form."""
    get_person(site, person_id)
    value = _check_answer(item_code, value, disclosed)
    values = {
        "value": _text(value, item_code, 5000),
        "disclosed": disclosed,
        "notes": _text(notes, "Notes"),
        "answered_on": answered_on or date.today(),
    }
    existing = site.one(
        "SELECT id FROM assessment_answers WHERE person_id = ? AND item_code = ? "
        "AND deleted_at IS NULL",
        (person_id, item_code),
    )
    if existing:
        rows.update(site, "assessment_answers", existing["id"], values)
        return existing["id"]
    return rows.insert(
        site, "assessment_answers", {"person_id": person_id, "item_code": item_code, **values}
    )


def _check_answer(item_code: str, value: str | None, disclosed: bool | None) -> str | None:
    from ..domain.forms import ItemType
    from ..forms_loader import load_assessment

    form = load_assessment()
    try:
        item = form.item(item_code)
    except KeyError:
        raise BadInput(f"{item_code} is not an item of the Combined Assessment.") from None
    if value is None or value == "":
        return None
    if item.type is ItemType.SCALE_1_10:
        if not (value.isdigit() and 1 <= int(value) <= 10):
            raise BadInput(f"{item.text}: give a whole number from 1 to 10.")
    elif item.type is ItemType.CHOICE:
        codes = [o.code for o in form.options_for(item)]
        if value not in codes:
            labels = ", ".join(o.label for o in form.options_for(item))
            raise BadInput(f"{item.oasys_code or item.code}: answer one of {labels}.")
    if disclosed is not None and not item.disclosable:
        raise BadInput(f"{item.oasys_code or item.code} has no disclosed mark on the form.")
    return value


def save_area(
    site: Site,
    person_id: str,
    area_code: str,
    *,
    issues: str | None = None,
    positives: str | None = None,
    linked_to_harm: bool | None = None,
    linked_to_offending: bool | None = None,
    completed_on: date | None = None,
) -> str:
    get_person(site, person_id)
    values = {
        "issues": _text(issues, "Issues"),
        "positives": _text(positives, "Positive factors"),
        "linked_to_harm": linked_to_harm,
        "linked_to_offending": linked_to_offending,
        "completed_on": completed_on,
    }
    existing = site.one(
        "SELECT id FROM assessment_areas WHERE person_id = ? AND area_code = ? "
        "AND deleted_at IS NULL",
        (person_id, area_code),
    )
    if existing:
        rows.update(site, "assessment_areas", existing["id"], values)
        return existing["id"]
    return rows.insert(
        site, "assessment_areas", {"person_id": person_id, "area_code": area_code, **values}
    )


# -- Support networks, release day, remand --------------------------------------------------


def add_network(site: Site, person_id: str, network: NetworkIn | dict[str, Any]) -> str:
    n = parse(NetworkIn, network)
    get_person(site, person_id)
    return rows.insert(site, "support_networks", {"person_id": person_id, **n.model_dump()})


def update_network(site: Site, network_id: str, changes: dict[str, Any]) -> None:
    current = rows.get(site, "support_networks", network_id)
    merged = {k: current[k] for k in NetworkIn.model_fields if current[k] is not None}
    merged.update(changes)
    n = parse(NetworkIn, merged).model_dump()
    rows.update(site, "support_networks", network_id, {k: n[k] for k in changes})


def add_network_member(
    site: Site,
    network_id: str,
    name: str,
    *,
    relationship: str | None = None,
    vetted_by_role: str | None = None,
    vetted_on: date | None = None,
    vetting_outcome: str | None = None,
) -> str:
    rows.get(site, "support_networks", network_id)
    return rows.insert(
        site,
        "network_members",
        {
            "network_id": network_id,
            "name": _text(name, "Name", 100),
            "relationship": _text(relationship, "Relationship", 200),
            "vetted_by_role": vetted_by_role,
            "vetted_on": vetted_on,
            "vetting_outcome": _text(vetting_outcome, "Vetting", 200),
        },
    )


RELEASE_FIELDS = {
    "release_on",
    "gate_person",
    "gate_backup",
    "first_appointment_at",
    "first_appointment_place",
    "travel",
    "pa_attends",
    "who_attends",
    "meeting_id",
    "checkin_on",
    "checkin_notes",
}
REMAND_FIELDS = {
    "bail",
    "legal_aid",
    "accommodation",
    "work",
    "family_ties",
    "myplan_parts",
    "notes",
}


def _save_one_per_person(
    site: Site, table: str, allowed: set[str], person_id: str, values: dict[str, Any]
) -> str:
    unknown = set(values) - allowed
    if unknown:
        raise BadInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    get_person(site, person_id)
    clean = {k: _text(v, k) if isinstance(v, str) else v for k, v in values.items()}
    existing = site.one(
        f"SELECT id FROM {table} WHERE person_id = ? AND deleted_at IS NULL", (person_id,)
    )
    if existing:
        rows.update(site, table, existing["id"], clean)
        return existing["id"]
    return rows.insert(site, table, {"person_id": person_id, **clean})


def save_release_plan(site: Site, person_id: str, **values: Any) -> str:
    return _save_one_per_person(site, "release_plans", RELEASE_FIELDS, person_id, values)


def save_remand_support(site: Site, person_id: str, **values: Any) -> str:
    return _save_one_per_person(site, "remand_support", REMAND_FIELDS, person_id, values)


# -- Emails and contact attempts -------------------------------------------------------------


def record_email(
    site: Site,
    person_id: str,
    *,
    template: EmailTemplate | str | None,
    to_name: str | None,
    to_address: str | None = None,
    subject: str | None = None,
    sent_on: date | None = None,
    to_practitioner_id: str | None = None,
    channel: str = "email",
) -> str:
    get_person(site, person_id)
    return rows.insert(
        site,
        "emails",
        {
            "person_id": person_id,
            "template": EmailTemplate(template) if template else None,
            "channel": channel,
            "to_name": _text(to_name, "To", 200),
            "to_address": _text(to_address, "Address", 200),
            "subject": _text(subject, "Subject", 500),
            "sent_on": sent_on,
            "to_practitioner_id": to_practitioner_id,
        },
    )


def record_reply(site: Site, email_id: str, *, reply_on: date) -> None:
    email = rows.get(site, "emails", email_id)
    if email["sent_on"] and reply_on.isoformat() < email["sent_on"]:
        raise BadInput("The reply date is before the email was sent.")
    rows.update(site, "emails", email_id, {"reply_on": reply_on})


def emails_for(site: Site, person_id: str) -> list[Any]:
    """The emails recorded for a person, newest first."""
    return site.query(
        "SELECT * FROM emails WHERE person_id = ? AND deleted_at IS NULL "
        "ORDER BY sent_on IS NULL, sent_on DESC, created_at DESC",
        (person_id,),
    )


def record_sent(site: Site, email_id: str, *, sent_on: date) -> None:
    """Record the day an email already saved was sent (it then awaits a reply)."""
    email = rows.get(site, "emails", email_id)
    if email["reply_on"] and email["reply_on"] < sent_on.isoformat():
        raise BadInput("The sent date is after the reply was recorded.")
    rows.update(site, "emails", email_id, {"sent_on": sent_on})
