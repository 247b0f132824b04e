"""My Plan: About Me, dated Wheel of Life scores, goals with steps, support, progress, versions.

The person-centred plan, written by the screens, the demo, the CLI and sync alike, attributed
and audited like everything else. Inputs are checked by the models in `ahtui.domain.models`.
`plan_snapshot` gives the exports the plan as it stands, as plain dicts (also what an agreed
version freezes); its shape is documented on it and only ever grows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel

from ..domain import models
from ..domain.models import parse
from ..errors import BadInput, ValidationFailed
from . import rows
from .people import get_person
from .site import Site

# The life areas offered for scoring; a person may add areas of their own.
WHEEL_AREAS: tuple[str, ...] = (
    "Home",
    "Work and learning",
    "Money",
    "Family",
    "Friends",
    "Health",
    "Fun",
    "Identity",
)


def save_about_me(
    site: Site, person_id: str, *, about_me: str | None = None, what_helps: str | None = None
) -> str:
    values = parse(models.AboutMeIn, {"about_me": about_me, "what_helps": what_helps})
    get_person(site, person_id)
    return rows.save_keyed(site, "my_plans", {"person_id": person_id}, values.model_dump())


def _check_score(area: str, score: Any) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 10:
        raise BadInput(f"{area}: a Wheel of Life score is a whole number from 1 to 10.")
    return score


def add_wheel_score(site: Site, person_id: str, area: str, score: int, scored_on: date) -> str:
    """Score one life area on a day; a second score for the area that day corrects the first."""
    _check_score(area, score)
    name = parse(models.WheelAreaIn, {"area": area}).area
    get_person(site, person_id)
    return rows.save_keyed(
        site,
        "wheel_scores",
        {"person_id": person_id, "area": name, "scored_on": scored_on},
        {"score": score},
    )


def add_wheel_scores(
    site: Site, person_id: str, scores: Mapping[str, Any], scored_on: date
) -> list[str]:
    """Score several areas on one day, all or nothing.

    Values may be whole numbers or the text typed into a form; blanks are skipped. A problem is
    reported against its area's name (ValidationFailed), and then nothing is saved.
    """
    problems: dict[str, str] = {}
    clean: dict[str, int] = {}
    for area, raw in scores.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        value = raw.strip() if isinstance(raw, str) else raw
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        try:
            clean[area] = _check_score(area, value)
        except BadInput:
            problems[area] = f"{raw} is not a score: give a whole number from 1 to 10."
    if problems:
        raise ValidationFailed(problems)
    if not clean:
        raise BadInput("Give a score from 1 to 10 for at least one life area.")
    with site.write():
        return [add_wheel_score(site, person_id, a, s, scored_on) for a, s in clean.items()]


def add_goal(
    site: Site, person_id: str, goal: str, *, why: str | None = None, target_on: date | None = None
) -> str:
    g = parse(models.GoalIn, {"goal": goal, "why": why, "target_on": target_on})
    get_person(site, person_id)
    return rows.insert(
        site,
        "plan_goals",
        {"person_id": person_id, **g.model_dump(include={"goal", "why", "target_on"})},
    )


def _change(
    site: Site,
    noun: str,
    row_id: str,
    model: type[BaseModel],
    changes: dict[str, Any],
    settled: tuple[str, ...] = (),
) -> None:
    """Check `changes` against the whole record they change, then write the columns changed
    and those the model settles from them (`settled`)."""
    if unknown := set(changes) - set(model.model_fields):
        raise BadInput(f"Unknown {noun} fields: {', '.join(sorted(unknown))}.")
    table = _TABLES[noun]
    current = rows.get(site, table, row_id)
    merged = {k: current[k] for k in model.model_fields}
    merged.update(changes)
    checked = parse(model, merged).model_dump()
    rows.update(site, table, row_id, {k: checked[k] for k in (*changes, *settled)})


_TABLES = {"goal": "plan_goals", "step": "plan_goal_steps"}


def update_goal(site: Site, goal_id: str, **changes: Any) -> None:
    """Change a goal: any of goal, why, target_on, status (open/achieved/dropped), achieved_on.

    Marking a goal achieved needs the day (`achieved_on`); opening it again clears that day.
    """
    _change(site, "goal", goal_id, models.GoalIn, changes, ("status", "achieved_on"))


def add_goal_step(
    site: Site,
    goal_id: str,
    step: str,
    *,
    who_helps: str | None = None,
    target_on: date | None = None,
) -> str:
    rows.get(site, "plan_goals", goal_id)
    s = parse(models.GoalStepIn, {"step": step, "who_helps": who_helps, "target_on": target_on})
    return rows.insert(
        site,
        "plan_goal_steps",
        {"goal_id": goal_id, **s.model_dump(include={"step", "who_helps", "target_on"})},
    )


def update_goal_step(site: Site, step_id: str, **changes: Any) -> None:
    """Change a step: any of step, who_helps, target_on, done_on (None: not done yet)."""
    _change(site, "step", step_id, models.GoalStepIn, changes)


def goals_for(site: Site, person_id: str) -> list[dict[str, Any]]:
    """The person's goals in the order written, each with its `steps` (with ids), for editing."""
    goals = rows.dicts(
        site,
        "SELECT id, goal, why, target_on, status, achieved_on FROM plan_goals "
        "WHERE person_id = ? AND deleted_at IS NULL ORDER BY created_at, id",
        person_id,
    )
    for g in goals:
        g["steps"] = rows.dicts(
            site,
            "SELECT id, goal_id, step, who_helps, target_on, done_on FROM plan_goal_steps "
            "WHERE goal_id = ? AND deleted_at IS NULL ORDER BY created_at, id",
            g["id"],
        )
    return goals


def add_support(
    site: Site,
    person_id: str,
    support: str,
    *,
    from_whom: str | None = None,
    practitioner_id: str | None = None,
) -> str:
    s = parse(
        models.SupportIn,
        {"support": support, "from_whom": from_whom, "practitioner_id": practitioner_id},
    )
    get_person(site, person_id)
    return rows.insert(site, "plan_support", {"person_id": person_id, **s.model_dump()})


def add_progress(
    site: Site, person_id: str, note: str, *, noted_on: date, goal_id: str | None = None
) -> str:
    p = parse(models.ProgressIn, {"note": note, "noted_on": noted_on, "goal_id": goal_id})
    get_person(site, person_id)
    if goal_id is not None:
        goal = rows.get(site, "plan_goals", goal_id)
        if goal["person_id"] != person_id:
            raise BadInput("That goal belongs to someone else's plan.")
    return rows.insert(site, "plan_progress", {"person_id": person_id, **p.model_dump()})


def plan_snapshot(site: Site, person_id: str) -> dict[str, Any]:
    """The plan as it stands, as plain data (what an agreed version freezes).

    Keys (dates are ISO `YYYY-MM-DD` strings; text may be None; lists may be empty):

    - `about_me`, `what_helps`: str | None
    - `wheel`: every dated score, oldest first, `{area, score, scored_on}`; order within a day by
      area. `widgets.wheel.wheel_rows` turns it into earlier/latest per area.
    - `goals`: in the order written, `{id, goal, why, target_on, status, achieved_on,
      steps: [{id, step, who_helps, target_on, done_on}]}`; status is open, achieved or dropped
    - `support`: `{support, from_whom}` in the order written
    - `progress`: `{noted_on, note, goal_id, goal}` oldest first (`goal`: that goal's words)

    Versions agreed before `achieved_on`, step ids and `progress` were added lack them: read
    with `.get`. The keys are only ever added to.
    """
    plan = site.one(
        "SELECT about_me, what_helps FROM my_plans WHERE person_id = ? AND deleted_at IS NULL "
        + rows.SHOWN_FIRST,
        (person_id,),
    )
    goals = goals_for(site, person_id)
    for g in goals:
        for s in g["steps"]:
            del s["goal_id"]
    words = {g["id"]: g["goal"] for g in goals}
    progress = rows.dicts(
        site,
        "SELECT noted_on, note, goal_id FROM plan_progress WHERE person_id = ? "
        "AND deleted_at IS NULL ORDER BY noted_on, created_at, id",
        person_id,
    )
    for p in progress:
        p["goal"] = words.get(p["goal_id"])
    return {
        "about_me": plan["about_me"] if plan else None,
        "what_helps": plan["what_helps"] if plan else None,
        "wheel": rows.dicts(
            site,
            "SELECT area, score, scored_on FROM wheel_scores WHERE person_id = ? "
            "AND deleted_at IS NULL ORDER BY scored_on, area, created_at",
            person_id,
        ),
        "goals": goals,
        "support": rows.dicts(
            site,
            "SELECT support, from_whom FROM plan_support WHERE person_id = ? "
            "AND deleted_at IS NULL ORDER BY created_at, id",
            person_id,
        ),
        "progress": progress,
    }


def _plan_is_empty(snap: Mapping[str, Any]) -> bool:
    return not (snap["about_me"] or snap["what_helps"] or snap["wheel"] or snap["goals"])


def agree_plan(site: Site, person_id: str, *, agreed_on: date) -> str:
    """Mark the plan as agreed with the person on a date; the version stays readable."""
    snap = plan_snapshot(site, person_id)
    if _plan_is_empty(snap):
        raise BadInput("There is nothing to agree yet: write About Me, scores or a goal first.")
    return rows.insert(
        site,
        "plan_versions",
        {
            "person_id": person_id,
            "agreed_on": agreed_on,
            "snapshot": json.dumps(snap, sort_keys=True),
        },
    )


def plan_versions(site: Site, person_id: str) -> list[dict[str, Any]]:
    """The agreed versions, first agreed first: `{id, number, agreed_on, agreed_by, created_at}`.

    `agreed_by` is the display name of whoever recorded it here, or None when it came from another
    site whose users this site does not know.
    """
    found = rows.dicts(
        site,
        "SELECT v.id, v.agreed_on, v.created_at, u.display_name AS agreed_by "
        "FROM plan_versions v LEFT JOIN users u ON u.id = v.updated_by "
        "WHERE v.person_id = ? AND v.deleted_at IS NULL ORDER BY v.agreed_on, v.created_at, v.id",
        person_id,
    )
    for n, v in enumerate(found, 1):
        v["number"] = n
    return found


def plan_version(site: Site, version_id: str) -> dict[str, Any]:
    """One agreed version, read-only: the list entry plus `person_id` and `plan` (its snapshot)."""
    row = rows.get(site, "plan_versions", version_id)
    entry = next(v for v in plan_versions(site, row["person_id"]) if v["id"] == version_id)
    return {**entry, "person_id": row["person_id"], "plan": json.loads(row["snapshot"])}


def _comparable(snap: Mapping[str, Any]) -> dict[str, Any]:
    # Progress notes are added as things happen; they do not unsettle an agreed plan.
    return {k: v for k, v in snap.items() if k != "progress"}


def plan_status(site: Site, person_id: str) -> dict[str, Any]:
    """`{versions, latest, changed}`: how many agreed versions, the latest (or None), and whether
    the plan has changed since it was last agreed (progress notes aside)."""
    versions = plan_versions(site, person_id)
    if not versions:
        return {"versions": 0, "latest": None, "changed": False}
    latest = plan_version(site, versions[-1]["id"])
    now = json.loads(json.dumps(plan_snapshot(site, person_id)))
    was = dict(latest["plan"])
    # Keys added to the snapshot after the version was agreed are not a change by the person.
    now = {k: v for k, v in _comparable(now).items() if k in was}
    was = _comparable(was)
    return {"versions": len(versions), "latest": latest, "changed": now != was}
