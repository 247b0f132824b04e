"""Release day and remand support: the services behind the release screen and the overview.

Release day (National Standard 3.3 and the Meeting 2 / resettlement agenda): who meets the
person at the gate and who stands in, the first probation appointment (date, time, place), how
they travel there and whether the PA attends; after release, a check-in on how the day went.
The plan starts from what Planning Meeting 2 or the resettlement meeting recorded against the
agenda's day-of-release items, where that exists. Remand: the Care Experience Specialist's
support record (bail, legal aid, keeping accommodation and work, family ties) and the parts of
My Plan the person chose to use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..domain.dates import day as _day
from ..domain.dates import fmt_date as _fmt
from ..domain.enums import MeetingType
from ..domain.models import ReleasePlanIn, RemandIn, parse
from ..domain.workdays import add_working_days
from ..errors import BadInput, ValidationFailed
from . import meetings, rows
from .people import get_person
from .site import Site

NEAR_RELEASE_WEEKS = 12
"""The overview shows the release-day plan from this many weeks before release."""
CHECKIN_WEEKS = 4
"""After release the overview asks for the check-in for this many weeks."""
CHECKIN_TO_PLAN = {"yes": "Yes", "partly": "Partly", "no": "No"}
MYPLAN_PARTS = {
    "about_me": "About Me",
    "wheel": "Wheel of Life",
    "goals": "Goals",
    "support": "Support and who gives it",
    "progress": "Progress",
}
# The agenda items (schema/forms/agendas/planning_2.toml) where the day of release is planned.
GATE_ITEM = "my_plan.gate"
FIRST_APPOINTMENT_ITEM = "my_plan.first_appointment"
_SOURCE_MEETINGS = (MeetingType.PLANNING_2.value, MeetingType.RESETTLEMENT.value)
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_ANY_TIME = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\b")


# -- reading ---------------------------------------------------------------------------------


def release_plan(site: Site, person_id: str) -> Any | None:
    return site.one(
        "SELECT * FROM release_plans WHERE person_id = ? AND deleted_at IS NULL "
        + rows.SHOWN_FIRST,
        (person_id,),
    )


def remand_support(site: Site, person_id: str) -> Any | None:
    return site.one(
        "SELECT * FROM remand_support WHERE person_id = ? AND deleted_at IS NULL "
        + rows.SHOWN_FIRST,
        (person_id,),
    )


def expected_release(person: Any, plan: Any | None = None) -> date | None:
    """The release day: the plan's own date, else the one the person's record implies.

    Matches the supervisors' "near release" query: on recall only a release date after the
    recall counts; in custody the conditional release date comes before the release date.
    """
    if plan is not None and plan["release_on"]:
        return _day(plan["release_on"])
    pathway = person["pathway"]
    rel = _day(person["release_date"])
    if pathway == "recall":
        recall = _day(person["recall_date"])
        return rel if rel is not None and (recall is None or rel > recall) else None
    if pathway in ("long", "short"):
        return _day(person["conditional_release_date"]) or rel
    if pathway == "community":
        return rel
    return None


def first_appointment(plan: Any | None) -> tuple[date | None, str | None]:
    """The first probation appointment as (day, "HH:MM" or None)."""
    value = plan["first_appointment_at"] if plan is not None else None
    if not value:
        return None, None
    day = _day(value)
    time = value[11:16] if len(value) >= 16 else None
    return day, time


def first_appointment_late(release_on: date | None, first_on: date | None) -> bool:
    """National Standard 3.3: the first appointment within one working day of release."""

    if release_on is None or first_on is None:
        return False
    return first_on > add_working_days(release_on, 1)


def myplan_parts(row: Any | None) -> list[str]:
    if row is None or not row["myplan_parts"]:
        return []
    return [p for p in row["myplan_parts"].split(",") if p]


# -- what the meetings recorded ----------------------------------------------------------------


@dataclass
class Prefill:
    """Release-day values worked out from a meeting's notes, and the notes themselves."""

    meeting_id: str | None = None
    meeting: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _labelled(text: str) -> list[tuple[str, str]]:
    """`Label: value` pairs, one a line or separated by semicolons."""
    out = []
    for part in re.split(r"[\n;]", text):
        label, sep, value = part.partition(":")
        # A time such as 10:00 is not a label.
        if sep and value.strip() and not label.strip().isdigit():
            out.append((label.strip().lower(), value.strip()))
    return out


def _yes_no(value: str) -> bool | None:
    v = value.strip().lower()
    if v.startswith(("yes", "y ", "true")) or v == "y":
        return True
    if v.startswith(("no", "n ", "false")) or v == "n":
        return False
    return None


def parse_gate_notes(text: str) -> dict[str, Any]:
    """Who meets them at the gate and who stands in, from the meeting's notes on that item."""
    values: dict[str, Any] = {}
    pairs = _labelled(text)
    for label, value in pairs:
        if re.search(r"stand|backup|back-up|instead|unavailable|else", label):
            values.setdefault("gate_backup", value)
        elif re.search(r"gate|meet|who", label):
            values.setdefault("gate_person", value)
    if not pairs and text.strip():
        # Unlabelled notes usually name the person who meets them: offer the first line.
        values["gate_person"] = text.strip().splitlines()[0][:200]
    return values


def parse_appointment_notes(text: str) -> dict[str, Any]:
    """First appointment date, time, place, travel and the PA, from the meeting's notes."""
    values: dict[str, Any] = {}
    for label, value in _labelled(text):
        if label in ("pa", "pa attends") or re.search(r"\bpa\b|personal advis", label):
            yes = _yes_no(value)
            if yes is not None:
                values.setdefault("pa_attends", yes)
        elif re.search(r"travel|journey|getting there|transport", label):
            values.setdefault("travel", value)
        elif re.search(r"place|where|office|address|location", label):
            values.setdefault("first_place", value)
        elif re.search(r"time", label) and _ANY_TIME.search(value):
            m = _ANY_TIME.search(value)
            values.setdefault("first_time", f"{int(m.group(1)):02d}:{m.group(2)}")  # type: ignore[union-attr]
        elif re.search(r"date|when|day|appointment", label) and _ISO_DAY.search(value):
            values.setdefault("first_on", _ISO_DAY.search(value).group(1))  # type: ignore[union-attr]
    # A date or time written anywhere, when no labelled line gave one.
    if "first_on" not in values and (m := _ISO_DAY.search(text)):
        values["first_on"] = m.group(1)
    if "first_time" not in values:
        rest = _ISO_DAY.sub("", text)
        if m := _ANY_TIME.search(rest):
            values["first_time"] = f"{int(m.group(1)):02d}:{m.group(2)}"
    return values


def prefill_from_meetings(site: Site, person_id: str) -> Prefill:
    """What the latest Planning Meeting 2 or resettlement meeting recorded about release day.

    Held meetings come before scheduled ones, newest first; cancelled ones are skipped. Empty
    when no such meeting recorded notes against the day-of-release items.
    """

    candidates = [
        m
        for m in meetings.meetings_for(site, person_id)
        if m["meeting_type"] in _SOURCE_MEETINGS and m["status"] != "cancelled"
    ]
    candidates.sort(
        key=lambda m: (m["status"] == "held", m["held_on"] or m["scheduled_at"] or ""),
        reverse=True,
    )
    for m in candidates:
        notes: dict[str, str] = {}
        for item in meetings.items(site, m["id"]):
            text = "\n".join(t for t in (item["notes"], item["outcome"]) if t)
            if item["item_code"] in (GATE_ITEM, FIRST_APPOINTMENT_ITEM) and text.strip():
                notes[item["item_code"]] = text.strip()
        if not notes:
            continue
        values: dict[str, Any] = {}
        values.update(parse_gate_notes(notes.get(GATE_ITEM, "")))
        values.update(parse_appointment_notes(notes.get(FIRST_APPOINTMENT_ITEM, "")))
        when = _fmt(m["held_on"] or m["scheduled_at"])
        return Prefill(m["id"], f"{MeetingType(m['meeting_type']).label()}, {when}", values, notes)
    return Prefill()


# -- writing ---------------------------------------------------------------------------------


def _save_release_plan(site: Site, person_id: str, **values: Any) -> str:
    # One plan per person: only the parts given change.
    checked = parse(ReleasePlanIn, values).model_dump(include=set(values))
    get_person(site, person_id)
    return rows.save_keyed(site, "release_plans", {"person_id": person_id}, checked)


def _save_remand_support(site: Site, person_id: str, **values: Any) -> str:
    checked = parse(RemandIn, values).model_dump(include=set(values))
    get_person(site, person_id)
    return rows.save_keyed(site, "remand_support", {"person_id": person_id}, checked)


def save_release_day(
    site: Site,
    person_id: str,
    *,
    release_on: date | None,
    gate_person: str | None = None,
    gate_backup: str | None = None,
    first_on: date | None = None,
    first_time: str | None = None,
    first_place: str | None = None,
    travel: str | None = None,
    pa_attends: bool | None = None,
    who_attends: str | None = None,
    meeting_id: str | None = None,
) -> str:
    """Save the release-day plan (one per person: saving again changes it)."""
    problems: dict[str, str] = {}
    time = (first_time or "").strip()
    if time:
        m = _TIME.match(time)
        if m is None:
            problems["first_time"] = f"{time} is not a time of day; write it as HH:MM, e.g. 10:30."
        else:
            time = f"{int(m.group(1)):02d}:{m.group(2)}"
        if first_on is None:
            problems.setdefault("first_on", "give the appointment's date as well as its time.")
    if first_on is not None and release_on is not None and first_on < release_on:
        problems["first_on"] = (
            f"this is before the release day ({_fmt(release_on)}); the first appointment "
            "is on or after it."
        )
    if problems:
        raise ValidationFailed(problems)
    at = None
    if first_on is not None:
        at = first_on.isoformat() + (f"T{time}" if time else "")
    return _save_release_plan(
        site,
        person_id,
        release_on=release_on,
        gate_person=gate_person,
        gate_backup=gate_backup,
        first_appointment_at=at,
        first_appointment_place=first_place,
        travel=travel,
        pa_attends=pa_attends,
        who_attends=who_attends,
        meeting_id=meeting_id,
    )


def record_checkin(
    site: Site,
    person_id: str,
    *,
    checkin_on: date,
    to_plan: str | None,
    notes: str | None,
    today: date | None = None,
) -> str:
    """After release: did the day go to plan, and how it went (what was missed, worries)."""
    today = today or date.today()
    person = get_person(site, person_id)
    plan = release_plan(site, person_id)
    released = expected_release(person, plan)
    if released is None:
        raise BadInput("Record the release day first (p): the check-in follows the release.")
    if released > today:
        raise BadInput(f"The check-in is for after release; release is on {_fmt(released)}.")
    problems: dict[str, str] = {}
    if checkin_on < released:
        problems["checkin_on"] = f"this is before the release day ({_fmt(released)})."
    elif checkin_on > today:
        problems["checkin_on"] = "a check-in cannot be recorded on a future date."
    if to_plan is not None and to_plan not in CHECKIN_TO_PLAN:
        problems["to_plan"] = "answer yes, partly or no."
    if not (notes or "").strip() and to_plan is None:
        problems["notes"] = "say how the day went."
    if problems:
        raise ValidationFailed(problems)
    with site.write():
        plan_id = _save_release_plan(
            site,
            person_id,
            checkin_on=checkin_on,
            checkin_notes=notes,
            **({} if plan is not None and plan["release_on"] else {"release_on": released}),
        )
        rows.update(site, "release_plans", plan_id, {"checkin_to_plan": to_plan})
    return plan_id


def save_remand(
    site: Site,
    person_id: str,
    *,
    bail: str | None = None,
    legal_aid: str | None = None,
    accommodation: str | None = None,
    work: str | None = None,
    family_ties: str | None = None,
    notes: str | None = None,
    parts: list[str] | tuple[str, ...] = (),
) -> str:
    """The CES's remand support record and the parts of My Plan the person chose to use."""
    unknown = [p for p in parts if p not in MYPLAN_PARTS]
    if unknown:
        raise BadInput(f"Not a part of My Plan: {', '.join(unknown)}.")
    chosen = ",".join(p for p in MYPLAN_PARTS if p in parts)
    return _save_remand_support(
        site,
        person_id,
        bail=bail,
        legal_aid=legal_aid,
        accommodation=accommodation,
        work=work,
        family_ties=family_ties,
        notes=notes,
        myplan_parts=chosen or None,
    )


# -- for the overview --------------------------------------------------------------------------


def plan_lines(plan: Any | None, release_on: date | None) -> list[str]:
    """The release-day plan in plain lines (NO GATE PLAN and NOT BOOKED in words)."""
    if plan is None or not (plan["gate_person"] or "").strip():
        lines = ["NO GATE PLAN: nobody is named to meet them at the gate."]
    else:
        gate = f"Gate: {plan['gate_person']}"
        gate += f"; stands in: {plan['gate_backup']}" if plan["gate_backup"] else "; NO STAND-IN"
        lines = [gate]
    first_on, time = first_appointment(plan)
    if first_on is None:
        lines.append("First probation appointment: NOT BOOKED")
    else:
        text = f"First probation appointment: {_fmt(first_on)}"
        if time:
            text += f" {time}"
        if plan is not None and plan["first_appointment_place"]:
            text += f", {plan['first_appointment_place']}"
        if first_appointment_late(release_on, first_on):
            text += " (LATE: over 1 working day after release, NS 3.3)"
        lines.append(text)
    if plan is not None and (plan["travel"] or plan["pa_attends"] is not None):
        extra = []
        if plan["travel"]:
            extra.append(f"Travel: {plan['travel']}")
        if plan["pa_attends"] is not None:
            extra.append(f"PA attends: {'yes' if plan['pa_attends'] else 'no'}")
        lines.append(" · ".join(extra))
    return lines


def release_summary(site: Site, person_id: str, today: date) -> list[str]:
    """Lines for the overview as release nears (12 weeks) or just after it (until the
    check-in); empty at other times and on remand."""
    person = get_person(site, person_id)
    if person["pathway"] == "remand":
        return []
    plan = release_plan(site, person_id)
    released = expected_release(person, plan)
    if released is None:
        return []
    days = (released - today).days
    if 0 <= days <= NEAR_RELEASE_WEEKS * 7:
        when = "today" if days == 0 else f"in {days} days"
        return [f"Release {_fmt(released)} ({when})", *plan_lines(plan, released)]
    if days < 0 and today - released <= timedelta(weeks=CHECKIN_WEEKS):
        if plan is not None and plan["checkin_on"]:
            how = CHECKIN_TO_PLAN.get(plan["checkin_to_plan"] or "", "")
            went = f": went to plan: {how.lower()}" if how else ""
            return [f"Released {_fmt(released)} · check-in {_fmt(plan['checkin_on'])} DONE{went}"]
        return [f"Released {_fmt(released)} · CHECK-IN DUE: how did the day go? (r)"]
    return []
