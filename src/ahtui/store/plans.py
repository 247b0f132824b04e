"""My Plan, the Combined Assessment, support networks, release-day and remand support, emails.

These are the person-centred records, written by the screens, the demo, the CLI and sync alike,
attributed and audited like everything else. Two read functions give the exports their data as
plain dicts, so a document can be written without knowing the tables: `plan_snapshot` (the plan
as it stands, also what an agreed version freezes) and `assessment_snapshot` (every question of
the Combined Assessment with its answer, grouped by area, by OASys section and by Pathway Plan
area). Their shapes are documented on them and only ever grow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ..domain.enums import EmailTemplate
from ..domain.models import TEXT_MAX, NetworkIn, parse
from ..errors import BadInput, ValidationFailed
from . import rows
from .people import get_person
from .site import Site

if TYPE_CHECKING:
    from ..domain.forms import Assessment, Item


def _text(value: str | None, field: str, limit: int = TEXT_MAX) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise BadInput(f"{field}: this is too long: at most {limit:,} characters.")
    return value


def _required(value: str | None, field: str, message: str, limit: int = TEXT_MAX) -> str:
    value = _text(value, field, limit)
    if not value:
        raise ValidationFailed({field: message})
    return value


def _day(value: date | str | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(
            {field: f"{value} is not a real date; write it as YYYY-MM-DD."}
        ) from None


def _dicts(site: Site, sql: str, *params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in site.query(sql, params)]


# -- My Plan ---------------------------------------------------------------------------------

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
GOAL_STATUSES = ("open", "achieved", "dropped")


def save_about_me(
    site: Site, person_id: str, *, about_me: str | None = None, what_helps: str | None = None
) -> str:
    get_person(site, person_id)
    values = {
        "about_me": _text(about_me, "About Me"),
        "what_helps": _text(what_helps, "What helps"),
    }
    return rows.save_keyed(site, "my_plans", {"person_id": person_id}, values)


def _check_score(area: str, score: Any) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 10:
        raise BadInput(f"{area}: a Wheel of Life score is a whole number from 1 to 10.")
    return score


def add_wheel_score(site: Site, person_id: str, area: str, score: int, scored_on: date) -> str:
    """Score one life area on a day; a second score for the area that day corrects the first."""
    _check_score(area, score)
    name = _text(area, "Area", 100)
    if not name:
        raise BadInput("Area: name the life area being scored.")
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
    goal = _text(goal, "Goal", 2000) or ""
    if not goal:
        raise BadInput("Goal: write the goal in the person's own words.")
    get_person(site, person_id)
    return rows.insert(
        site,
        "plan_goals",
        {"person_id": person_id, "goal": goal, "why": _text(why, "Why"), "target_on": target_on},
    )


def update_goal(site: Site, goal_id: str, **changes: Any) -> None:
    """Change a goal: any of goal, why, target_on, status (open/achieved/dropped), achieved_on.

    Marking a goal achieved needs the day (`achieved_on`); opening it again clears that day.
    """
    allowed = {"goal", "why", "target_on", "status", "achieved_on"}
    if unknown := set(changes) - allowed:
        raise BadInput(f"Unknown goal fields: {', '.join(sorted(unknown))}.")
    current = rows.get(site, "plan_goals", goal_id)
    values: dict[str, Any] = {}
    if "goal" in changes:
        values["goal"] = _required(
            changes["goal"], "goal", "Write the goal in the person's own words.", 2000
        )
    if "why" in changes:
        values["why"] = _text(changes["why"], "Why")
    if "target_on" in changes:
        values["target_on"] = _day(changes["target_on"], "target_on")
    status = changes.get("status", current["status"])
    if status not in GOAL_STATUSES:
        raise ValidationFailed({"status": "Choose open, achieved or dropped."})
    values["status"] = status
    achieved_on = _day(changes.get("achieved_on", current["achieved_on"]), "achieved_on")
    if status == "achieved" and achieved_on is None:
        raise ValidationFailed({"achieved_on": "Give the day the goal was achieved."})
    values["achieved_on"] = achieved_on if status == "achieved" else None
    rows.update(site, "plan_goals", goal_id, values)


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


def update_goal_step(site: Site, step_id: str, **changes: Any) -> None:
    """Change a step: any of step, who_helps, target_on, done_on (None: not done yet)."""
    allowed = {"step", "who_helps", "target_on", "done_on"}
    if unknown := set(changes) - allowed:
        raise BadInput(f"Unknown step fields: {', '.join(sorted(unknown))}.")
    rows.get(site, "plan_goal_steps", step_id)
    values: dict[str, Any] = {}
    if "step" in changes:
        values["step"] = _required(changes["step"], "step", "Say what the step is.", 2000)
    if "who_helps" in changes:
        values["who_helps"] = _text(changes["who_helps"], "Who helps", 200)
    for name in ("target_on", "done_on"):
        if name in changes:
            values[name] = _day(changes[name], name)
    rows.update(site, "plan_goal_steps", step_id, values)


def goals_for(site: Site, person_id: str) -> list[dict[str, Any]]:
    """The person's goals in the order written, each with its `steps` (with ids), for editing."""
    goals = _dicts(
        site,
        "SELECT id, goal, why, target_on, status, achieved_on FROM plan_goals "
        "WHERE person_id = ? AND deleted_at IS NULL ORDER BY created_at, id",
        person_id,
    )
    for g in goals:
        g["steps"] = _dicts(
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
    support = _required(support, "support", "Say what the support is.", 2000)
    get_person(site, person_id)
    return rows.insert(
        site,
        "plan_support",
        {
            "person_id": person_id,
            "support": support,
            "from_whom": _text(from_whom, "From whom", 200),
            "practitioner_id": practitioner_id,
        },
    )


def add_progress(
    site: Site, person_id: str, note: str, *, noted_on: date, goal_id: str | None = None
) -> str:
    note = _required(note, "note", "Write what has happened.")
    get_person(site, person_id)
    if goal_id is not None:
        goal = rows.get(site, "plan_goals", goal_id)
        if goal["person_id"] != person_id:
            raise BadInput("That goal belongs to someone else's plan.")
    return rows.insert(
        site,
        "plan_progress",
        {"person_id": person_id, "note": note, "noted_on": noted_on, "goal_id": goal_id},
    )


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
    progress = _dicts(
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
        "wheel": _dicts(
            site,
            "SELECT area, score, scored_on FROM wheel_scores WHERE person_id = ? "
            "AND deleted_at IS NULL ORDER BY scored_on, area, created_at",
            person_id,
        ),
        "goals": goals,
        "support": _dicts(
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
    found = _dicts(
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


# -- Combined Assessment ---------------------------------------------------------------------


def _form() -> Assessment:
    from ..forms_loader import load_assessment

    return load_assessment()


def answer_item(
    site: Site,
    person_id: str,
    item_code: str,
    *,
    value: str | list[str] | dict[str, Any] | None = None,
    disclosed: bool | None = None,
    notes: str | None = None,
    answered_on: date | None = None,
) -> str:
    """Record (or replace) the answer to one assessment item, checked against the form.

    `value` by item type: text and 1-10 scales a string; a choice the option's code (e.g.
    "some"); multi_choice a list of option codes (ticked); a grid a dict of row code to a dict of
    column code to the answer (a scale column's option code, or True for a tick column). Lists
    and dicts are kept as JSON. An empty list or dict is an answer ("none of these").
    """
    get_person(site, person_id)
    stored = _check_answer(item_code, value, disclosed)
    values = {
        "value": _text(stored, item_code, 20_000),
        "disclosed": disclosed,
        "notes": _text(notes, "Notes"),
        "answered_on": answered_on or date.today(),
    }
    return rows.save_keyed(
        site, "assessment_answers", {"person_id": person_id, "item_code": item_code}, values
    )


def _check_answer(item_code: str, value: Any, disclosed: bool | None) -> str | None:
    from ..domain.forms import ItemType

    form = _form()
    try:
        item = form.item(item_code)
    except KeyError:
        raise BadInput(f"{item_code} is not an item of the Combined Assessment.") from None
    name = item.oasys_code or item.code
    if disclosed is not None and not item.disclosable:
        raise BadInput(f"{name} has no disclosed mark on the form.")
    if value is None or value == "":
        return None
    if item.type is ItemType.MULTI_CHOICE:
        return _check_ticks(form, item, value)
    if item.type is ItemType.GRID:
        return _check_grid(form, item, value)
    if not isinstance(value, str):
        raise BadInput(f"{name}: the answer is text.")
    if item.type is ItemType.SCALE_1_10:
        if not (value.isdigit() and 1 <= int(value) <= 10):
            raise BadInput(f"{item.text}: give a whole number from 1 to 10.")
        return str(int(value))
    if item.type is ItemType.CHOICE:
        codes = [o.code for o in form.options_for(item)]
        if value not in codes:
            labels = ", ".join(o.label for o in form.options_for(item))
            raise BadInput(f"{name}: answer one of {labels}.")
    return value


def _json(item: Item, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise BadInput(f"{item.oasys_code or item.code}: the answer is not readable.") from None


def _check_ticks(form: Assessment, item: Item, value: Any) -> str:
    if isinstance(value, str):
        value = _json(item, value) if value.startswith("[") else [value]
    if not isinstance(value, list | tuple | set):
        raise BadInput(f"{item.oasys_code or item.code}: tick from the list.")
    codes = [o.code for o in item.options]
    unknown = [v for v in value if v not in codes]
    if unknown:
        raise BadInput(
            f"{item.oasys_code or item.code}: {', '.join(map(str, unknown))} is not on the list."
        )
    return json.dumps([c for c in codes if c in set(value)])


def _check_grid(form: Assessment, item: Item, value: Any) -> str:
    name = item.oasys_code or item.code
    if isinstance(value, str):
        value = _json(item, value)
    if not isinstance(value, Mapping):
        raise BadInput(f"{name}: a grid answer gives each row's columns.")
    rows_ = {r.code: r for r in item.rows}
    columns = {c.code: c for c in item.columns}
    clean: dict[str, dict[str, Any]] = {}
    for row_code in rows_:
        cells = value.get(row_code) or {}
        if not isinstance(cells, Mapping):
            raise BadInput(f"{name}: {rows_[row_code].label}: give each column's answer.")
        kept: dict[str, Any] = {}
        for col_code, cell in cells.items():
            column = columns.get(col_code)
            if column is None:
                raise BadInput(f"{name}: there is no column {col_code}.")
            if cell in (None, "", False):
                continue
            if column.scale:
                if cell not in form.scales[column.scale].codes():
                    labels = ", ".join(form.scales[column.scale].labels)
                    raise BadInput(
                        f"{name}: {rows_[row_code].label}, {column.label}: answer one of {labels}."
                    )
                kept[col_code] = cell
            else:
                kept[col_code] = True
        if kept:
            clean[row_code] = kept
    if unknown := set(value) - set(rows_):
        raise BadInput(f"{name}: there is no row {', '.join(sorted(map(str, unknown)))}.")
    return json.dumps(clean, sort_keys=True)


def parse_value(item: Item, stored: str | None) -> Any:
    """A stored answer as Python: str, list of codes (multi_choice) or dict (grid); None if none."""
    from ..domain.forms import ItemType

    if stored is None:
        return None
    if item.type in (ItemType.MULTI_CHOICE, ItemType.GRID):
        try:
            return json.loads(stored)
        except ValueError:
            return stored
    return stored


def answer_text(form: Assessment, item: Item, value: Any) -> str:
    """An answer in the form's own words: option labels, "7 of 10", ticked boxes, grid rows."""
    from ..domain.forms import ItemType

    if value is None:
        return ""
    if item.type is ItemType.CHOICE:
        labels = {o.code: o.label for o in form.options_for(item)}
        return labels.get(value, str(value))
    if item.type is ItemType.SCALE_1_10:
        return f"{value} of 10"
    if item.type is ItemType.MULTI_CHOICE:
        labels = {o.code: o.label for o in item.options}
        ticked = [labels.get(c, c) for c in value] if isinstance(value, list) else [str(value)]
        return "; ".join(ticked) if ticked else "None ticked"
    if item.type is ItemType.GRID:
        if not isinstance(value, dict):
            return str(value)
        lines = []
        for row in item.rows:
            cells = value.get(row.code) or {}
            parts = []
            for column in item.columns:
                cell = cells.get(column.code)
                if cell in (None, False):
                    continue
                if column.scale:
                    scale = {o.code: o.label for o in form.scales[column.scale].options}
                    parts.append(f"{column.label}: {scale.get(cell, cell)}")
                else:
                    parts.append(column.label)
            if parts:
                lines.append(f"{row.label}: {', '.join(parts)}")
        return "; ".join(lines) if lines else "None ticked"
    return str(value)


def answers_for(site: Site, person_id: str) -> dict[str, dict[str, Any]]:
    """The live answers of a person, keyed by item code."""
    return {
        r["item_code"]: r
        for r in _dicts(
            site,
            "SELECT id, item_code, value, disclosed, notes, answered_on, updated_at "
            # The latest written last: it is the one kept for its item code.
            "FROM assessment_answers WHERE person_id = ? AND deleted_at IS NULL "
            "ORDER BY updated_at, id",
            person_id,
        )
    }


def item_shown(item: Item, answers: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the form asks this item, given the answers so far (its `shown_if`)."""
    if item.shown_if is None:
        return True
    return any(
        (answers.get(code) or {}).get("value") in item.shown_if.values
        for code in item.shown_if.items
    )


def item_counts(item: Item, answers: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the item counts towards its area's completion: asked, and not "(optional)"."""
    return item_shown(item, answers) and not item.optional


@dataclass(frozen=True)
class AreaProgress:
    """How far one area of the assessment has been filled in."""

    code: str
    title: str
    answered: int
    total: int
    last_answered_on: str | None

    @property
    def complete(self) -> bool:
        return self.answered >= self.total

    @property
    def status(self) -> str:
        """COMPLETE, STARTED or NOT STARTED: the words shown, never colour alone."""
        if self.complete:
            return "COMPLETE"
        return "STARTED" if self.answered else "NOT STARTED"

    @property
    def summary(self) -> str:
        return f"{self.answered} of {self.total} answered"


def _is_answered(row: Mapping[str, Any] | None) -> bool:
    return row is not None and row.get("value") not in (None, "")


def area_progress(
    site: Site, person_id: str, answers: Mapping[str, Mapping[str, Any]] | None = None
) -> list[AreaProgress]:
    """Completion per area, in form order: items asked and not optional, and how many answered."""
    answers = answers_for(site, person_id) if answers is None else answers
    out = []
    for area in _form().areas:
        counted = [i for i in area.items if item_counts(i, answers)]
        done = [i for i in counted if _is_answered(answers.get(i.code))]
        dates = [
            answers[i.code]["answered_on"]
            for i in area.items
            if _is_answered(answers.get(i.code)) and answers[i.code]["answered_on"]
        ]
        out.append(
            AreaProgress(area.code, area.title, len(done), len(counted), max(dates, default=None))
        )
    return out


def _item_dict(
    form: Assessment, item: Item, answers: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    row = answers.get(item.code)
    value = parse_value(item, row["value"]) if row else None
    scale = None
    if item.scale:
        scale = form.scales[item.scale].printed
    elif item.type.value == "scale_1_10":
        scale = "1 to 10"
    return {
        "code": item.code,
        "area": item.code.split(".", 1)[0],
        "source": item.source.value,
        "number": item.number,
        "oasys_code": item.oasys_code,
        "oasys_section": item.oasys_section,
        "kind": item.kind.value,
        "type": item.type.value,
        "text": item.text,
        "prompt": item.prompt,
        "condition": item.condition,
        "optional": item.optional,
        "disclosable": item.disclosable,
        "scale": scale,
        "shown": item_shown(item, answers),
        "counted": item_counts(item, answers),
        "value": value,
        "answer": answer_text(form, item, value),
        "answered": _is_answered(row),
        "disclosed": None if not row or row["disclosed"] is None else bool(row["disclosed"]),
        "notes": row["notes"] if row else None,
        "answered_on": row["answered_on"] if row else None,
    }


def assessment_snapshot(site: Site, person_id: str) -> dict[str, Any]:
    """Every question of the Combined Assessment with the person's answer, as plain data.

    Keys:

    - `title`: the form's title; `answered`, `total`: items counted towards completion, summed
      over the areas; `complete_areas`: how many of the nine areas are COMPLETE
    - `areas`: in form order, `{code, title, intro, pathway_plan_only, oasys_sections (list of
      section numbers), answered, total, complete, status ("COMPLETE", "STARTED", "NOT STARTED"),
      last_answered_on, record, items}`. `record` is the area's own row (`{issues, positives,
      linked_to_harm, linked_to_offending, completed_on}`) or None.
    - `oasys`: the OASys sections in number order, `{number, title, note, areas (codes), items}`
    - `pathway_plan`: the Pathway Plan questions per area in form order, `{area, title, intro,
      items}`

    Each item is `{code, area, source ("pathway_plan"/"oasys"), number (Pathway Plan number),
    oasys_code (official number or None), oasys_section, kind ("question", "issues",
    "linked_harm", "linked_offending"), type, text (exactly as printed), prompt, condition,
    optional, disclosable, scale (printed scale, e.g. "No - Some - Sig - Missing", or None),
    shown (the form asks it, given earlier answers), counted (towards completion), value (code,
    text, list or dict as stored, see `answer_item`), answer (in words, "" if none), answered,
    disclosed (True/False/None), notes, answered_on}`. The same item dicts appear in `areas` and
    in the groupings.
    """
    form = _form()
    answers = answers_for(site, person_id)
    progress = {p.code: p for p in area_progress(site, person_id, answers)}
    records = {
        r["area_code"]: r
        for r in _dicts(
            site,
            "SELECT area_code, issues, positives, linked_to_harm, linked_to_offending, "
            "completed_on FROM assessment_areas WHERE person_id = ? AND deleted_at IS NULL "
            "ORDER BY updated_at, id",
            person_id,
        )
    }
    items = {i.code: _item_dict(form, i, answers) for i in form.items()}
    areas = []
    for area in form.areas:
        p = progress[area.code]
        record = records.get(area.code)
        if record is not None:
            record = {k: v for k, v in record.items() if k != "area_code"}
            for flag in ("linked_to_harm", "linked_to_offending"):
                if record[flag] is not None:
                    record[flag] = bool(record[flag])
        areas.append(
            {
                "code": area.code,
                "title": area.title,
                "intro": area.intro,
                "pathway_plan_only": area.pathway_plan_only,
                "oasys_sections": area.oasys_sections,
                "answered": p.answered,
                "total": p.total,
                "complete": p.complete,
                "status": p.status,
                "last_answered_on": p.last_answered_on,
                "record": record,
                "items": [items[i.code] for i in area.items],
            }
        )
    oasys = [
        {
            "number": section.number,
            "title": section.title,
            "note": section.note,
            "areas": list(dict.fromkeys(i.code.split(".", 1)[0] for i in section_items)),
            "items": [items[i.code] for i in section_items],
        }
        for section, section_items in form.by_oasys_section()
    ]
    pathway = [
        {
            "area": area.code,
            "title": area.title,
            "intro": area.intro,
            "items": [items[i.code] for i in pp_items],
        }
        for area, pp_items in form.by_pathway_plan_area()
    ]
    return {
        "title": form.title,
        "answered": sum(a["answered"] for a in areas),
        "total": sum(a["total"] for a in areas),
        "complete_areas": sum(1 for a in areas if a["complete"]),
        "areas": areas,
        "oasys": oasys,
        "pathway_plan": pathway,
    }


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
    try:
        _form().area(area_code)
    except KeyError:
        raise BadInput(f"{area_code} is not an area of the Combined Assessment.") from None
    get_person(site, person_id)
    values = {
        "issues": _text(issues, "Issues"),
        "positives": _text(positives, "Positive factors"),
        "linked_to_harm": linked_to_harm,
        "linked_to_offending": linked_to_offending,
        "completed_on": completed_on,
    }
    return rows.save_keyed(
        site, "assessment_areas", {"person_id": person_id, "area_code": area_code}, values
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
    return rows.save_keyed(site, table, {"person_id": person_id}, clean)


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
