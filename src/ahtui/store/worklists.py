"""Actions across everyone: mine, overdue, due this week, by practitioner, all open.

The Team Actions Log per person lives in `store.actions`; these are the cross-caseload views a
practitioner works from. A 10,000-person site holds about 100,000 actions, so each view is one
indexed query with a row limit and a separate count, and says how many it left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..domain.names import listed_name
from .site import Site

VIEWS = ("mine", "overdue", "week", "practitioner", "open")
VIEW_TITLES = {
    "mine": "My actions",
    "overdue": "Overdue actions",
    "week": "Due in the next 7 days",
    "practitioner": "Actions by practitioner",
    "open": "All open actions",
}
LIMIT = 500


@dataclass(frozen=True)
class Worklist:
    rows: list[dict[str, Any]]
    total: int
    title: str


def worklist(
    site: Site,
    view: str,
    today: date,
    *,
    practitioner_id: str | None = None,
    limit: int = LIMIT,
) -> Worklist:
    """Open actions for one view, soonest due first, each with the person's name and refs."""
    if view not in VIEWS:
        raise ValueError(f"unknown worklist view {view!r}")
    where = ["a.completed_on IS NULL", "a.deleted_at IS NULL", "pe.deleted_at IS NULL"]
    params: list[Any] = []
    title = VIEW_TITLES[view]
    if view == "mine" or view == "practitioner":
        who = practitioner_id if view == "practitioner" else site.user.practitioner_id
        where.append("a.responsible_practitioner_id = ?")
        params.append(who)
        if view == "practitioner" and who:
            prac = site.one("SELECT name FROM practitioners WHERE id = ?", (who,))
            if prac is not None:
                title = f"Actions for {prac['name']}"
    elif view == "overdue":
        where.append("a.due_on < ?")
        params.append(today.isoformat())
    elif view == "week":
        where.append("a.due_on BETWEEN ? AND ?")
        params += [today.isoformat(), (today + timedelta(days=6)).isoformat()]
    clause = " AND ".join(where)
    base = f"FROM actions a JOIN people pe ON pe.id = a.person_id WHERE {clause}"
    total = site.one(f"SELECT count(*) {base}", tuple(params))[0]
    found = site.query(
        "SELECT a.*, pe.family_name, pe.given_name, pe.preferred_name, pe.crn, pe.nomis_number "
        f"{base} ORDER BY a.due_on IS NULL, a.due_on, pe.family_name, a.id LIMIT ?",
        (*params, limit),
    )
    rows = [{**dict(r), "person_name": listed_name(r)} for r in found]
    return Worklist(rows=rows, total=total, title=title)
