"""How the queries' figures read on the supervisors' HTML pages: headings and values in words.

The queries' CSV and JSON keep their stable column names and stored codes, for whoever
processes them further; a page a manager reads shows neither. Every column a query declares
has a heading here (a test checks this), or is named in `HIDDEN` (a code the page shows in
words in another column). Values: stored codes become the wording the app shows
(`ahtui.domain.enums`), dates read "3 Dec 2026", months "Dec 2026" with the current month
marked as partial, counts keep the rule's "<5" marked, and shares not worked out (a count
under 5, or nothing due) read as a marked dash.

Nothing here changes a figure: it formats what `disclosure` has already published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ahtui.domain.enums import Agency, ConsentAgency, Pathway, Role

from .disclosure import COUNT, DATE, DAYS, SMALL

MONTH_NAMES = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")  # fmt: skip
# What a page says about a share it does not give.
NO_SHARE = "–"
NO_SHARE_NOTE = "A share shown as – is not given: a count behind it is under 5, or nothing was due."

HEADINGS: dict[str, str] = {
    "site": "Site",
    "team": "Team",
    "practitioner": "Practitioner",
    "role": "Role",
    "overdue_actions": "Overdue actions",
    "people": "People",
    "oldest_due_on": "Oldest due date",
    "days_overdue": "Days overdue (oldest)",
    "timescale": "Timescale",
    "held_on_time": "Held on time",
    "held_late": "Held late",
    "overdue": "Overdue (not held)",
    "not_yet_due": "Not yet due",
    "on_time_pct": "On time %",
    "pathway": "Pathway",
    "lead": "Lead practitioner",
    "lead_role": "Lead's role",
    "agency": "Agency",
    "given": "Given",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
    "offered_no_answer": "Offered, no answer yet",
    "reoffers_overdue": "Re-offers overdue",
    "reoffers_due_soon": "Re-offers due within 14 days",
    "crn": "CRN",
    "nomis_number": "NOMIS number",
    "declined_on": "Declined on",
    "reoffer_due_on": "Re-offer due",
    "status": "Status",
    "release_on": "Expected release",
    "days_to_release": "Days to release",
    "gap": "What is missing",
    "month": "Month",
    "meetings_due": "Meetings due",
    "meetings_on_time": "Meetings held on time",
    "meetings_on_time_pct": "Meetings on time %",
    "actions_due": "Actions due",
    "actions_on_time": "Actions done on time",
    "actions_on_time_pct": "Actions on time %",
    "ethnicity": "Ethnicity",
    "meeting1_due": "Meeting 1 due",
    "meeting1_on_time": "Meeting 1 held on time",
    "meeting1_on_time_pct": "Meeting 1 on time %",
}
# Per query, where the plain heading would mislead.
QUERY_HEADINGS: dict[tuple[str, str], str] = {
    ("overdue_actions", "people"): "People with an overdue action",
    ("caseload_by_pathway_and_lead", "people"): "People",
    ("equality_monitoring", "people"): "People on the caseload",
}
# Codes shown in words by another column (a timescale's rule is its "Timescale").
HIDDEN = frozenset({"rule"})

REOFFER_STATUS = {"overdue": "Overdue", "due": "Due within 14 days"}
_AGENCY_CODES = {a.value for a in Agency}


def heading(query: str, column: str) -> str:
    return QUERY_HEADINGS.get((query, column)) or HEADINGS[column]


def day(value: str | date | None) -> str:
    """'2026-12-03' -> '3 Dec 2026'."""
    if not value:
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.day} {MONTH_NAMES[d.month]} {d.year}"


def as_of(moment: float) -> str:
    """A time as the pages give it: '3 Dec 2026, 09:00' (the server's local time)."""
    t = datetime.fromtimestamp(moment)
    return f"{day(t.date())}, {t:%H:%M}"


def month(value: str, today: date) -> str:
    """'2026-03' -> 'Mar 2026'; the current month is marked as partial, to today."""
    year, number = (int(p) for p in value.split("-"))
    text = f"{MONTH_NAMES[number]} {year}"
    if (year, number) == (today.year, today.month):
        text += f" (partial: to {today.day} {MONTH_NAMES[number]})"
    return text


def number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


@dataclass(frozen=True)
class Cell:
    text: str
    # "num" for figures (right-aligned), "small" for the rule's <5, "none" for no share.
    kind: str = ""


def label(column: str, value: Any) -> str:
    """A name or code column's value in words."""
    if value is None:
        return ""
    text = str(value)
    if column == "pathway":
        return Pathway.label_of(text)
    if column in ("role", "lead_role"):
        return Role.label_of(text)
    if column == "agency":
        return ConsentAgency.label_of(text)
    if column == "team" and text in _AGENCY_CODES:
        # A practitioner with no organisation recorded is shown by their agency.
        return Agency.label_of(text)
    if column == "status":
        return REOFFER_STATUS.get(text, text)
    if column == "ethnicity" and not text.strip():
        return "Not recorded"
    return text


def cell(column: str, kind: Any, value: Any, today: date) -> Cell:
    if kind == COUNT:
        if value == SMALL:
            return Cell(SMALL, "small")
        return Cell(number(value), "num")
    if isinstance(kind, tuple):
        return Cell(NO_SHARE, "none") if value is None else Cell(f"{value}%", "num")
    if kind == DATE:
        return Cell(day(value))
    if kind == DAYS:
        return Cell("" if value is None else number(value), "num")
    if column == "month":
        return Cell(month(str(value), today))
    return Cell(label(column, value))


def shown_columns(columns: dict[str, Any], rows: list[dict]) -> list[str]:
    """The columns a page shows: not the hidden codes, nor the site when every row is one
    site's (the page names it once, in its heading)."""
    out = [c for c in columns if c not in HIDDEN]
    if "site" in out and len({r["site"] for r in rows}) <= 1:
        out.remove("site")
    return out


def table(
    query: str, columns: dict[str, Any], shown: list[str], rows: list[dict], today: date
) -> dict:
    """Headings and cells for a page of rows, in the `shown` columns."""
    return {
        "headings": [(heading(query, c), "num" if _is_figure(columns[c]) else "") for c in shown],
        "rows": [[cell(c, columns[c], r[c], today) for c in shown] for r in rows],
    }


def _is_figure(kind: Any) -> bool:
    return kind in (COUNT, DAYS) or isinstance(kind, tuple)
