"""The caseload: every person with pathway, lead, what is next due and how much is overdue.

Due items come from the pathway rules (meetings, reviews, visits, consent re-offers...) and from
the Team Actions Log (open actions with a due date). Rows are sorted by urgency: most overdue
first, then the soonest due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain.enums import DueStatus
from ..domain.schedule import DueItem, compute_schedule
from .facts import facts_for, load_facts
from .site import Site


@dataclass(frozen=True)
class CaseloadRow:
    person_id: str
    name: str
    crn: str | None
    nomis_number: str | None
    pathway: str
    lead_name: str | None
    lead_role: str | None
    next_due_title: str | None
    next_due_on: date | None
    next_due_status: str | None
    overdue_count: int
    awaiting_reply: int = 0


_OPEN = (DueStatus.UPCOMING, DueStatus.DUE, DueStatus.OVERDUE)


def _action_status(due_on: date, today: date) -> DueStatus:
    if due_on < today:
        return DueStatus.OVERDUE
    if (due_on - today).days <= 14:
        return DueStatus.DUE
    return DueStatus.UPCOMING


def caseload(site: Site, today: date | None = None) -> list[CaseloadRow]:
    today = today or date.today()
    facts = load_facts(site)
    people = site.query(
        "SELECT p.id, p.given_name, p.family_name, p.preferred_name, p.crn, p.nomis_number, "
        "p.pathway, p.lead_role, pr.name AS lead_name FROM people p "
        "LEFT JOIN practitioners pr ON pr.id = p.lead_practitioner_id "
        "WHERE p.deleted_at IS NULL"
    )
    # Per person: the earliest open action and how many open actions are overdue.
    actions: dict[str, Any] = {
        r["person_id"]: r
        for r in site.query(
            "SELECT person_id, min(due_on) AS first_due, "
            "sum(due_on < ?) AS overdue, "
            "(SELECT step FROM actions b WHERE b.person_id = a.person_id AND b.completed_on IS NULL "
            " AND b.deleted_at IS NULL AND b.due_on IS NOT NULL ORDER BY b.due_on LIMIT 1) AS step "
            "FROM actions a WHERE completed_on IS NULL AND deleted_at IS NULL AND due_on IS NOT NULL "
            "GROUP BY person_id",
            (today.isoformat(),),
        )
    }
    awaiting = {
        r[0]: r[1]
        for r in site.query(
            "SELECT person_id, count(*) FROM emails WHERE sent_on IS NOT NULL AND reply_on IS NULL "
            "AND deleted_at IS NULL GROUP BY person_id"
        )
    }
    rows: list[tuple[tuple[Any, ...], CaseloadRow]] = []
    for p in people:
        pid = p["id"]
        items = compute_schedule(facts[pid], today)
        open_items = [i for i in items if i.status in _OPEN and i.due_on is not None]
        overdue = sum(1 for i in open_items if i.status is DueStatus.OVERDUE)
        best: tuple[date, str, DueStatus] | None = None
        for i in open_items:
            if best is None or i.due_on < best[0]:
                best = (i.due_on, i.title, i.status)
        act = actions.get(pid)
        if act is not None:
            overdue += int(act["overdue"] or 0)
            due = date.fromisoformat(act["first_due"])
            if best is None or due < best[0]:
                best = (due, f"Action: {act['step']}", _action_status(due, today))
        name = f"{p['family_name']}, {p['preferred_name'] or p['given_name']}"
        row = CaseloadRow(
            person_id=pid,
            name=name,
            crn=p["crn"],
            nomis_number=p["nomis_number"],
            pathway=p["pathway"],
            lead_name=p["lead_name"],
            lead_role=p["lead_role"],
            next_due_title=best[1] if best else None,
            next_due_on=best[0] if best else None,
            next_due_status=best[2].value if best else None,
            overdue_count=overdue,
            awaiting_reply=awaiting.get(pid, 0),
        )
        urgency = (-overdue, best[0] if best else date.max, name)
        rows.append((urgency, row))
    rows.sort(key=lambda pair: pair[0])
    return [r for _, r in rows]


def schedule_for(site: Site, person_id: str, today: date | None = None) -> list[DueItem]:
    """Everything due for one person, with the rule and inputs behind each date."""
    return compute_schedule(facts_for(site, person_id), today or date.today())
