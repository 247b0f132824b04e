"""A person's timeline: everything dated about them, in one order, every kind of event.

Meetings, actions, case notes, consent, emails, pathway and lead changes, who joined or left
the team, My Plan (goals, steps done, Wheel of Life scores, progress, each agreed version), the
assessment's areas completed, statutory milestones, support network steps, the OMiC handover
and the release day with its check-in: one list built from the services' own tables, so the
person screen can show everything in one place without knowing any SQL.

The order: what is still to come (an open action by its due date, a planned meeting, the
release day, a network plan's review) is its own part, "Coming up", soonest first; then what
has happened, newest first, and within a day the latest first (by the time of the contact or
meeting, else when it was written down). An open action past its due date is in what has
happened, at that date, marked OVERDUE; one with no due date sits at the day it was written
down and says it has no due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..domain.enums import (
    ConsentAgency,
    ConsentEvent,
    ContactType,
    IdentificationMethod,
    MeetingType,
    MilestoneKind,
    Pathway,
    Role,
)
from ..domain.schedule.items import fmt
from ..domain.schedule.omic import responsibility
from . import networks, release
from .assessment import area_progress
from .facts_loader import facts_for
from .site import Site


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str
    """meeting, action, note, consent, pathway, identified, email, network, release, team,
    plan, assessment, milestone."""
    text: str
    sensitive: bool = False
    at: str = ""
    """When in the day, as an ISO time stamp (the contact's or meeting's time, else when it
    was written down): it orders the entries of one day, latest first."""
    upcoming: bool = False
    """Still to come: shown under "Coming up", soonest first."""


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _on(value: str) -> date:
    # For the dates a record cannot be without (or that were checked to be there).
    return date.fromisoformat(value[:10])


def _at(*stamps: str | None) -> str:
    """The first stamp that holds a time of day ("2025-03-03T14:00"), else the last given."""
    given = [s for s in stamps if s]
    return next((s for s in given if len(s) > 10), given[-1] if given else "")


def timeline(site: Site, person_id: str, today: date | None = None) -> list[TimelineEntry]:
    """Everything dated about one person: what is coming up (soonest first), then what has
    happened (newest first, the latest of a day first). See the module's docstring.

    `today` settles what is still to come, and whether an open step is OVERDUE.
    """
    today = today or date.today()
    out: list[TimelineEntry] = []
    for r in site.query(
        "SELECT meeting_type, scheduled_at, status, held_on, created_at FROM meetings "
        "WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        when = _d(r["held_on"]) or _on(r["scheduled_at"])
        what = MeetingType.label_of(r["meeting_type"])
        time = (
            r["scheduled_at"]
            if not r["held_on"] or r["held_on"] == r["scheduled_at"][:10]
            else None
        )
        planned = r["status"] == "scheduled"
        out.append(
            TimelineEntry(
                when,
                "meeting",
                f"{what} ({r['status']})",
                at=_at(time, r["created_at"]),
                upcoming=planned and when >= today,
            )
        )
    out += _action_entries(site, person_id, today)
    for r in site.query(
        "SELECT n.contact_type, n.contact_at, n.kind, n.sensitive, n.body, n.created_at, "
        "p.name AS author FROM case_notes n "
        "LEFT JOIN practitioners p ON p.id = n.author_practitioner_id "
        "WHERE n.person_id = ? AND n.deleted_at IS NULL",
        (person_id,),
    ):
        first = (r["body"] or "").splitlines()[0] if r["body"] else ""
        by = f" by {r['author']}" if r["author"] else ""
        text = f"{ContactType.label_of(r['contact_type'])} ({r['kind']}){by}: {first}"
        if r["sensitive"]:
            text = f"SENSITIVE {text}"
        out.append(
            TimelineEntry(
                _on(r["contact_at"]),
                "note",
                text,
                bool(r["sensitive"]),
                at=_at(r["contact_at"], r["created_at"]),
            )
        )
    for r in site.query(
        "SELECT agency, other_agency_name, event, on_date, created_at FROM consents "
        "WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        agency = r["other_agency_name"] or ConsentAgency.label_of(r["agency"])
        event = ConsentEvent.label_of(r["event"]).lower()
        out.append(
            TimelineEntry(
                _on(r["on_date"]),
                "consent",
                f"Consent to share with {agency}: {event}",
                at=r["created_at"],
            )
        )
    for r in site.query(
        "SELECT h.pathway, h.from_date, h.reason, h.lead_role, h.created_at, "
        "p.name AS lead_name FROM pathway_history h "
        "LEFT JOIN practitioners p ON p.id = h.lead_practitioner_id "
        "WHERE h.person_id = ? AND h.deleted_at IS NULL",
        (person_id,),
    ):
        role = Role.label_of(r["lead_role"])
        if r["lead_name"]:
            lead = f"led by {r['lead_name']}" + (f" ({role})" if role else "")
        else:
            lead = "no one leading" + (f" (the {role}'s to lead)" if role else "")
        text = f"{Pathway.label_of(r['pathway'])}, {lead}"
        if r["reason"]:
            text += f": {r['reason']}"
        out.append(TimelineEntry(_on(r["from_date"]), "pathway", text, at=r["created_at"]))
    for r in site.query(
        "SELECT identified_on, method, identified_by_name, created_at FROM identifications "
        "WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        by = f" by {r['identified_by_name']}" if r["identified_by_name"] else ""
        how = IdentificationMethod.label_of(r["method"])
        out.append(
            TimelineEntry(
                _on(r["identified_on"]),
                "identified",
                f"Identified as care experienced{by}" + (f". How: {how}" if how else ""),
                at=r["created_at"],
            )
        )
    for r in site.query(
        "SELECT subject, to_name, sent_on, reply_on, created_at FROM emails "
        "WHERE person_id = ? AND deleted_at IS NULL AND sent_on IS NOT NULL",
        (person_id,),
    ):
        out.append(
            TimelineEntry(
                _on(r["sent_on"]),
                "email",
                f"Email to {r['to_name']}: {r['subject'] or ''}",
                at=_at(r["sent_on"], r["created_at"]),
            )
        )
        if r["reply_on"]:
            out.append(
                TimelineEntry(
                    _on(r["reply_on"]), "email", f"Reply from {r['to_name']}", at=r["reply_on"]
                )
            )
    out += _team_entries(site, person_id)
    out += _plan_entries(site, person_id)
    out += _assessment_entries(site, person_id)
    out += _network_entries(site, person_id, today)
    out += _release_entries(site, person_id, today)
    out += _handover_entries(site, person_id, today)
    return in_order([e for e in out if e.on is not None])


def in_order(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """Coming up, soonest first; then what has happened, newest first and latest in a day first."""
    coming = sorted((e for e in entries if e.upcoming), key=lambda e: (e.on, e.at, e.text))
    past = sorted(
        (e for e in entries if not e.upcoming), key=lambda e: (e.on, e.at, e.text), reverse=True
    )
    return coming + past


def _action_entries(site: Site, person_id: str, today: date) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    for r in site.query(
        "SELECT step, due_on, completed_on, follow_up_of, created_at, updated_at, "
        "responsible_name FROM actions WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        who = f" ({r['responsible_name']})" if r["responsible_name"] else ""
        step = r["step"]
        if r["follow_up_of"] and not step.lower().startswith("follow"):
            step = f"Follow-up: {step}"
        due = _d(r["due_on"])
        if r["completed_on"]:
            out.append(
                TimelineEntry(
                    _on(r["completed_on"]), "action", f"Done: {step}{who}", at=r["updated_at"]
                )
            )
        elif due is None:
            # Nothing says when it is due: it sits at the day it was written down.
            out.append(
                TimelineEntry(
                    _on(r["created_at"]),
                    "action",
                    f"Added, no due date: {step}{who}",
                    at=r["created_at"],
                )
            )
        elif due >= today:
            out.append(
                TimelineEntry(due, "action", f"Due: {step}{who}", at=r["created_at"], upcoming=True)
            )
        else:
            out.append(TimelineEntry(due, "action", f"OVERDUE: {step}{who}", at=r["created_at"]))
    return out


def _team_entries(site: Site, person_id: str) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    for r in site.query(
        "SELECT t.role, t.from_date, t.to_date, t.created_at, t.updated_at, p.name "
        "FROM team_members t JOIN practitioners p ON p.id = t.practitioner_id "
        "WHERE t.person_id = ? AND t.deleted_at IS NULL",
        (person_id,),
    ):
        role = Role.label_of(r["role"])
        out.append(
            TimelineEntry(
                _on(r["from_date"]),
                "team",
                f"{r['name']} joined the team ({role})",
                at=r["created_at"],
            )
        )
        if r["to_date"]:
            out.append(
                TimelineEntry(
                    _on(r["to_date"]),
                    "team",
                    f"{r['name']} left the team ({role})",
                    at=r["updated_at"],
                )
            )
    return out


def _plan_entries(site: Site, person_id: str) -> list[TimelineEntry]:
    """My Plan: goals set and achieved, steps done, Wheel of Life scores, progress, versions."""
    out: list[TimelineEntry] = []
    for n, r in enumerate(
        site.query(
            "SELECT agreed_on, created_at FROM plan_versions "
            "WHERE person_id = ? AND deleted_at IS NULL ORDER BY agreed_on, created_at",
            (person_id,),
        ),
        1,
    ):
        out.append(
            TimelineEntry(
                _on(r["agreed_on"]), "plan", f"My Plan version {n} agreed", at=r["created_at"]
            )
        )
    for r in site.query(
        "SELECT scored_on, count(*) AS areas, min(created_at) AS created_at FROM wheel_scores "
        "WHERE person_id = ? AND deleted_at IS NULL GROUP BY scored_on",
        (person_id,),
    ):
        areas = f"{r['areas']} life area{'s' if r['areas'] != 1 else ''}"
        out.append(
            TimelineEntry(
                _on(r["scored_on"]), "plan", f"Wheel of Life scored ({areas})", at=r["created_at"]
            )
        )
    for r in site.query(
        "SELECT goal, status, achieved_on, created_at, updated_at FROM plan_goals "
        "WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        out.append(
            TimelineEntry(
                _on(r["created_at"]), "plan", f"Goal set: {r['goal']}", at=r["created_at"]
            )
        )
        if r["status"] == "achieved" and r["achieved_on"]:
            out.append(
                TimelineEntry(
                    _on(r["achieved_on"]), "plan", f"Goal achieved: {r['goal']}", at=r["updated_at"]
                )
            )
    # One query for every goal's steps, not one per goal.
    for step in site.query(
        "SELECT s.step, s.done_on, s.updated_at FROM plan_goal_steps s "
        "JOIN plan_goals g ON g.id = s.goal_id "
        "WHERE g.person_id = ? AND g.deleted_at IS NULL AND s.deleted_at IS NULL "
        "AND s.done_on IS NOT NULL",
        (person_id,),
    ):
        out.append(
            TimelineEntry(
                _on(step["done_on"]), "plan", f"Step done: {step['step']}", at=step["updated_at"]
            )
        )
    for r in site.query(
        "SELECT noted_on, note, created_at FROM plan_progress "
        "WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        first = r["note"].splitlines()[0] if r["note"] else ""
        out.append(
            TimelineEntry(_on(r["noted_on"]), "plan", f"Progress: {first}", at=r["created_at"])
        )
    return out


def _assessment_entries(site: Site, person_id: str) -> list[TimelineEntry]:
    """Areas of the assessment marked complete, and statutory plans and checks done."""
    out: list[TimelineEntry] = []
    titles = {a.code: a.title for a in area_progress(site, person_id)}
    for r in site.query(
        "SELECT area_code, completed_on, updated_at FROM assessment_areas "
        "WHERE person_id = ? AND deleted_at IS NULL AND completed_on IS NOT NULL",
        (person_id,),
    ):
        title = titles.get(r["area_code"], r["area_code"])
        out.append(
            TimelineEntry(
                _on(r["completed_on"]),
                "assessment",
                f"Assessment: {title} complete",
                at=r["updated_at"],
            )
        )
    for r in site.query(
        "SELECT kind, on_date, created_at FROM milestones WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        out.append(
            TimelineEntry(
                _on(r["on_date"]),
                "milestone",
                f"{MilestoneKind.label_of(r['kind'])} done",
                at=r["created_at"],
            )
        )
    return out


def _network_entries(site: Site, person_id: str, today: date) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    reviews = networks.reviews_for(site, person_id, today)
    for n in networks.networks_for(site, person_id):
        what = networks.offer_label(n["offer_type"])

        def add(on: str | None, text: str, *, upcoming: bool = False) -> None:
            if on:
                out.append(TimelineEntry(_on(on), "network", text, upcoming=upcoming))

        outcome = networks.outcome_label(n["offer_outcome"])
        add(n["offered_on"], f"{what} offered" + (f": {outcome.lower()}" if outcome else ""))
        to = f" to {n['referred_to']}" if n["referred_to"] else ""
        add(n["referred_on"], f"{what}: referred{to}")
        if n["coordinator_name"]:
            add(n["coordinator_allocated_on"], f"{what}: coordinator {n['coordinator_name']}")
        add(n["conference_on"], f"{what}: conference")
        add(n["plan_started_on"], f"{what}: network plan started")
        for m in networks.members_for(site, n["id"]):
            if m["vetted_on"]:
                by = networks.VETTING_ROLES.get(m["vetted_by_role"] or "", m["vetted_by_role"])
                add(m["vetted_on"], f"{what}: {m['name']} vetted by the {by}")
        review = reviews.get(n["id"])
        if review is not None:
            if review.done_on:
                add(review.done_on.isoformat(), f"{what}: network plan reviewed (DONE)")
            else:
                # Like an open action, the review sits at its due date.
                status = review.status.value.upper()
                add(
                    review.due_on.isoformat(),
                    f"{what}: network plan review due ({status})",
                    upcoming=review.due_on >= today,
                )
    return out


def _handover_entries(site: Site, person_id: str, today: date) -> list[TimelineEntry]:
    """The day the rules moved the lead to probation (the OMiC handover), once it has come.

    Worked out, not stored: the handover date moves when the release dates do, and a lead set
    by hand is in the pathway history already.
    """
    person = site.one(
        "SELECT lead_override_reason FROM people WHERE id = ? AND deleted_at IS NULL",
        (person_id,),
    )
    if person is None or person["lead_override_reason"]:
        return []
    facts = facts_for(site, person_id)
    if facts.pathway not in (Pathway.LONG, Pathway.SHORT):
        return []
    h = responsibility(facts, today).handover
    if h is None or h.on is None or h.on > today:
        return []
    out = [
        TimelineEntry(
            h.on,
            "pathway",
            f"Handover to probation: the Probation Practitioner leads from {fmt(h.on)} "
            f"({h.why}, OMiC)",
        )
    ]
    if h.start is not None and h.start < h.on and h.start <= today:
        out.append(
            TimelineEntry(
                h.start,
                "pathway",
                "Handover started: the Prison Offender Manager stays responsible, probation "
                "supporting (OMiC)",
            )
        )
    return out


def _release_entries(site: Site, person_id: str, today: date) -> list[TimelineEntry]:
    plan = release.release_plan(site, person_id)
    if plan is None:
        return []
    out: list[TimelineEntry] = []
    if plan["release_on"]:
        gate = plan["gate_person"] or "NO GATE PLAN"
        text = f"Release day: gate {gate}"
        first_on, time = release.first_appointment(plan)
        if first_on:
            text += f"; first appointment {first_on.strftime('%d %b')}" + (
                f" {time}" if time else ""
            )
        release_on = _on(plan["release_on"])
        out.append(TimelineEntry(release_on, "release", text, upcoming=release_on >= today))
    if plan["checkin_on"]:
        how = release.CHECKIN_TO_PLAN.get(plan["checkin_to_plan"] or "", "")
        text = "Release day check-in" + (f": went to plan: {how.lower()}" if how else "")
        out.append(TimelineEntry(_on(plan["checkin_on"]), "release", text))
    return out
