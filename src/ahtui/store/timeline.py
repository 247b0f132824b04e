"""A person's timeline: meetings, actions, notes, consents, emails, pathway or lead changes,
support network steps, and the release day with its check-in.

One list of dated entries built from the services' own tables, newest first, so the person
screen can show everything that happened in one place without knowing any SQL. An open step
sits at its due date (an action, a network plan's review) with its state written in words.
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
    Pathway,
)
from ..domain.schedule.items import fmt
from ..domain.schedule.omic import responsibility
from . import networks, release
from .facts_loader import facts_for
from .site import Site


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str
    """meeting, action, note, consent, pathway, identified, email, network, release."""
    text: str
    sensitive: bool = False


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _on(value: str) -> date:
    # For the dates a record cannot be without (or that were checked to be there).
    return date.fromisoformat(value[:10])


def timeline(site: Site, person_id: str, today: date | None = None) -> list[TimelineEntry]:
    """Everything dated about one person, newest first (ties keep a stable kind order).

    `today` settles whether an unreviewed network plan's review is DUE or OVERDUE.
    """
    out: list[TimelineEntry] = []
    for r in site.query(
        "SELECT meeting_type, scheduled_at, status, held_on FROM meetings "
        "WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        when = _d(r["held_on"]) or _on(r["scheduled_at"])
        what = MeetingType.label_of(r["meeting_type"])
        out.append(TimelineEntry(when, "meeting", f"{what} ({r['status']})"))
    for r in site.query(
        "SELECT step, due_on, completed_on, follow_up_of, created_at, responsible_name "
        "FROM actions WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        who = f" ({r['responsible_name']})" if r["responsible_name"] else ""
        step = r["step"]
        if r["follow_up_of"] and not step.lower().startswith("follow"):
            step = f"Follow-up: {step}"
        if r["completed_on"]:
            out.append(TimelineEntry(_on(r["completed_on"]), "action", f"Done: {step}{who}"))
        else:
            # Open actions sit at their due date: that is when they matter.
            when = _d(r["due_on"]) or _on(r["created_at"])
            out.append(TimelineEntry(when, "action", f"Due: {step}{who}"))
    for r in site.query(
        "SELECT contact_type, contact_at, kind, sensitive, body FROM case_notes "
        "WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        first = (r["body"] or "").splitlines()[0] if r["body"] else ""
        text = f"{ContactType.label_of(r['contact_type'])} ({r['kind']}): {first}"
        if r["sensitive"]:
            text = f"SENSITIVE {text}"
        out.append(TimelineEntry(_on(r["contact_at"]), "note", text, bool(r["sensitive"])))
    for r in site.query(
        "SELECT agency, other_agency_name, event, on_date FROM consents "
        "WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        agency = r["other_agency_name"] or ConsentAgency.label_of(r["agency"])
        event = ConsentEvent.label_of(r["event"]).lower()
        out.append(
            TimelineEntry(_on(r["on_date"]), "consent", f"Consent to share with {agency}: {event}")
        )
    for r in site.query(
        "SELECT h.pathway, h.from_date, h.reason, h.lead_role, p.name AS lead_name "
        "FROM pathway_history h LEFT JOIN practitioners p ON p.id = h.lead_practitioner_id "
        "WHERE h.person_id = ? AND h.deleted_at IS NULL",
        (person_id,),
    ):
        lead = r["lead_name"] or "no lead"
        text = f"{Pathway.label_of(r['pathway'])}, lead {lead}: {r['reason'] or ''}".rstrip(": ")
        out.append(TimelineEntry(_on(r["from_date"]), "pathway", text))
    for r in site.query(
        "SELECT identified_on, method, identified_by_name FROM identifications "
        "WHERE person_id = ? AND deleted_at IS NULL",
        (person_id,),
    ):
        by = f" by {r['identified_by_name']}" if r["identified_by_name"] else ""
        out.append(
            TimelineEntry(
                _on(r["identified_on"]),
                "identified",
                f"Identified{by} ({IdentificationMethod.label_of(r['method']).lower()})",
            )
        )
    for r in site.query(
        "SELECT subject, to_name, sent_on, reply_on FROM emails "
        "WHERE person_id = ? AND deleted_at IS NULL AND sent_on IS NOT NULL",
        (person_id,),
    ):
        out.append(
            TimelineEntry(
                _on(r["sent_on"]), "email", f"Email to {r['to_name']}: {r['subject'] or ''}"
            )
        )
        if r["reply_on"]:
            out.append(TimelineEntry(_on(r["reply_on"]), "email", f"Reply from {r['to_name']}"))
    out += _network_entries(site, person_id, today or date.today())
    out += _release_entries(site, person_id)
    out += _handover_entries(site, person_id, today or date.today())
    order = [
        "identified",
        "pathway",
        "consent",
        "meeting",
        "network",
        "release",
        "email",
        "note",
        "action",
    ]
    out = [e for e in out if e.on is not None]
    out.sort(key=lambda e: (e.on, -order.index(e.kind)), reverse=True)
    return out


def _network_entries(site: Site, person_id: str, today: date) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    reviews = networks.reviews_for(site, person_id, today)
    for n in networks.networks_for(site, person_id):
        what = networks.offer_label(n["offer_type"])

        def add(on: str | None, text: str) -> None:
            if on:
                out.append(TimelineEntry(_on(on), "network", text))

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
                add(review.due_on.isoformat(), f"{what}: network plan review due ({status})")
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


def _release_entries(site: Site, person_id: str) -> list[TimelineEntry]:
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
        out.append(TimelineEntry(_on(plan["release_on"]), "release", text))
    if plan["checkin_on"]:
        how = release.CHECKIN_TO_PLAN.get(plan["checkin_to_plan"] or "", "")
        text = "Release day check-in" + (f": went to plan: {how.lower()}" if how else "")
        out.append(TimelineEntry(_on(plan["checkin_on"]), "release", text))
    return out
