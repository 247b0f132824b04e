"""The caseload: every person with pathway, lead, what is next due and how much is overdue.

The lead is the one the rules give for the day (`people.leads_today`: OMiC's responsible role,
or a lead set by hand), worked out with the due items and kept with them in `due_cache`.

Due items come from the pathway rules (meetings, reviews, visits, consent re-offers...) and from
the Team Actions Log (open actions with a due date). Rows are sorted by urgency: most overdue
first, then the soonest due.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, NamedTuple

from ..domain.enums import DueStatus
from ..domain.schedule import DueItem, compute_schedule
from ..errors import AhtuiError
from .facts_loader import facts_for, load_facts
from .people import leads_today
from .site import Site


class CaseloadRow(NamedTuple):
    """One person's line. A named tuple: 10,000 of them are built on every unlock."""

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
    lead_practitioner_id: str | None = None
    # True when the due item is the one worked out on an earlier day, shown while today's
    # figures are computed (see `caseload(stale_ok=True)`).
    stale: bool = False


_OPEN = (DueStatus.UPCOMING, DueStatus.DUE, DueStatus.OVERDUE)


def _action_status(due_on: date, today: date) -> DueStatus:
    if due_on < today:
        return DueStatus.OVERDUE
    if (due_on - today).days <= 14:
        return DueStatus.DUE
    return DueStatus.UPCOMING


# Above this many people to recompute, reading every table whole beats an IN list.
_BULK = 2000

# Everyone's row in one statement, already in urgency order: most overdue first, then the
# soonest due (none last), then by name, then as recorded. The columns are CaseloadRow's up
# to the due item, then: the day it was worked out (NULL: never), the lead's practitioner id.
# The lead's name and emails awaiting a reply are looked up apart: cheaper than 10,000 joins.
# The lead is the one the rules gave on the day the row was worked out (the stored one until
# then), so it follows the handover.
_ROWS_SQL = """
SELECT p.id,
       p.family_name || ', ' || coalesce(nullif(p.preferred_name, ''), p.given_name) AS name,
       p.crn, p.nomis_number, p.pathway,
       CASE WHEN d.person_id IS NULL THEN p.lead_role ELSE d.lead_role END,
       d.next_due_title, d.next_due_on, d.next_due_status,
       coalesce(d.overdue_count, 0) AS overdue,
       d.computed_on = ?,
       CASE WHEN d.person_id IS NULL THEN p.lead_practitioner_id ELSE d.lead_practitioner_id END
FROM people p
LEFT JOIN due_cache d ON d.person_id = p.id
WHERE p.deleted_at IS NULL
ORDER BY overdue DESC, d.next_due_on IS NULL, d.next_due_on, name, p.rowid
"""
# One line per email awaiting a reply, counted in Python: a plain scan of the table is
# quicker than grouping along the index, which reads the rows in a random order.
_AWAITING_SQL = (
    "SELECT person_id FROM emails WHERE sent_on IS NOT NULL AND reply_on IS NULL "
    "AND deleted_at IS NULL"
)
# Every practitioner's name (a few thousand at most): cheaper than picking out the leads.
_LEADS_SQL = "SELECT id, name FROM practitioners"


def caseload(site: Site, today: date | None = None, *, stale_ok: bool = False) -> list[CaseloadRow]:
    """Everyone's caseload row for `today`, most urgent first.

    Each person's next due item and overdue count come from `due_cache` when it was computed
    for today and nothing about the person changed since (triggers clear a person's row on
    every relevant write); the rest are computed from the rules and cached.

    With `stale_ok`, a row worked out on an earlier day is returned as it is (marked `stale`)
    instead of being recomputed, so the first caseload of a day can be drawn at once and
    brought up to date straight after. People with no cached row at all are still computed.
    """
    today = today or date.today()
    found = site.tuples(_ROWS_SQL, (today.isoformat(),))
    # r[10]: 1 worked out today, 0 on an earlier day, None never.
    missing = [r[0] for r in found if r[10] is None or (not stale_ok and not r[10])]
    fresh: dict[str, _Due] = {}
    if missing:
        fresh = _compute_due(site, today, None if len(missing) > _BULK else missing)
        _store_due(site, today, fresh, prune=not stale_ok)
    leads = dict(site.tuples(_LEADS_SQL))
    awaiting = Counter(r[0] for r in site.tuples(_AWAITING_SQL))
    make = tuple.__new__
    # Many people share a due date: each text is turned into a date once.
    days: dict[str, date] = {}
    rows = [
        make(
            CaseloadRow,
            (
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                leads.get(r[11]),
                r[5],
                r[6],
                (days.get(r[7]) or days.setdefault(r[7], date.fromisoformat(r[7])))
                if r[7]
                else None,
                r[8],
                r[9],
                awaiting.get(r[0], 0),
                r[11],
                r[10] == 0,
            ),
        )
        for r in found
    ]
    if fresh:
        # The recomputed people take their new place; the sort is stable, so everyone else
        # keeps the order the query gave.
        rows = [
            r._replace(
                next_due_title=due[0],
                next_due_on=due[1],
                next_due_status=due[2],
                overdue_count=due[3],
                stale=False,
                lead_role=due[5],
                lead_practitioner_id=due[6],
                lead_name=leads.get(due[6]),
            )
            if (due := fresh.get(r.person_id)) is not None
            else r
            for r in rows
        ]
        rows.sort(key=lambda r: (-r.overdue_count, r.next_due_on or date.max, r.name))
    return rows


# title, due on, status, overdue count, worked out on an earlier day, lead role, lead's id
_Due = tuple[str | None, date | None, str | None, int, bool, str | None, str | None]


def _compute_due(site: Site, today: date, person_ids: list[str] | None) -> dict[str, _Due]:
    """Next due item and overdue count from the rules and the Team Actions Log."""
    facts = load_facts(site, person_ids)
    where = ""
    params: tuple[str, ...] = ()
    if person_ids is not None:
        where = f"AND person_id IN ({','.join('?' for _ in person_ids)})"
        params = tuple(person_ids)
    # Per person: the earliest open action and how many open actions are overdue.
    actions: dict[str, Any] = {
        r["person_id"]: r
        for r in site.query(
            "SELECT person_id, min(due_on) AS first_due, sum(due_on < ?) AS overdue, "
            "(SELECT step FROM actions b WHERE b.person_id = a.person_id AND b.completed_on IS NULL "
            " AND b.deleted_at IS NULL AND b.due_on IS NOT NULL ORDER BY b.due_on LIMIT 1) AS step "
            "FROM actions a WHERE completed_on IS NULL AND deleted_at IS NULL AND due_on IS NOT NULL "
            f"{where} GROUP BY person_id",
            (today.isoformat(), *params),
        )
    }
    person_rows = site.query(
        "SELECT id, lead_practitioner_id, lead_role, lead_override_reason FROM people "
        f"WHERE deleted_at IS NULL {where.replace('person_id', 'id')}",
        params,
    )
    leads = leads_today(site, facts, today, person_rows)
    out: dict[str, _Due] = {}
    for pid, person_facts in facts.items():
        lead = leads.get(pid)
        lead_cols = (
            lead.role.value if lead and lead.role else None,
            lead.practitioner_id if lead else None,
        )
        open_items = [
            i for i in compute_schedule(person_facts, today) if i.status in _OPEN and i.due_on
        ]
        overdue = sum(1 for i in open_items if i.status is DueStatus.OVERDUE)
        best: tuple[date, str, DueStatus] | None = None
        for i in open_items:
            if i.due_on is not None and (best is None or i.due_on < best[0]):
                best = (i.due_on, i.title, i.status)
        act = actions.get(pid)
        if act is not None:
            overdue += int(act["overdue"] or 0)
            first = date.fromisoformat(act["first_due"])
            if best is None or first < best[0]:
                best = (first, f"Action: {act['step']}", _action_status(first, today))
        if best is None:
            out[pid] = (None, None, None, overdue, False, *lead_cols)
        else:
            out[pid] = (best[1], best[0], best[2].value, overdue, False, *lead_cols)
    return out


def _store_due(site: Site, today: date, due: dict[str, _Due], *, prune: bool = True) -> None:
    """Keep what was computed; a busy site only means the next caseload computes it again."""
    try:
        with site.write() as conn:
            if prune:
                conn.execute("DELETE FROM due_cache WHERE computed_on <> ?", (today.isoformat(),))
            conn.executemany(
                "INSERT OR REPLACE INTO due_cache (person_id, computed_on, next_due_title, "
                "next_due_on, next_due_status, overdue_count, lead_role, lead_practitioner_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (pid, today.isoformat(), t, d.isoformat() if d else None, st, n, role, lead)
                    for pid, (t, d, st, n, _, role, lead) in due.items()
                ],
            )
    except AhtuiError:
        pass


def schedule_for(site: Site, person_id: str, today: date | None = None) -> list[DueItem]:
    """Everything due for one person, with the rule and inputs behind each date."""
    return compute_schedule(facts_for(site, person_id), today or date.today())
