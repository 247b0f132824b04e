"""The caseload's words: the pathway, the lead, dates and the detail lines, for one row.

Kept apart from the screen so the list and its tests share one wording, and so the screen
module stays about the drawing and the keys.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from ..domain.dates import fmt_date
from ..domain.enums import DueStatus, Pathway, Role
from ..widgets.shown import one_line

if TYPE_CHECKING:
    from ..store.caseload import CaseloadRow

# Short role names for the lead column; other roles use their on-screen label.
_ROLE_ABBREVIATIONS = {"pom": "POM", "pp": "PP", "pa": "PA", "ces": "CES"}


@lru_cache(maxsize=64)
def pathway_text(code: str) -> str:
    """Short pathway wording for a narrow column: "Long", "Short", "Recall", "Remand"…"""

    try:
        label = Pathway(code).label()
    except ValueError:
        return code
    return label.removesuffix(" sentence")


def lead_text(row: CaseloadRow) -> str:
    if not row.lead_name:
        # The rules say which role leads (after the handover, the PP) but no one holds it.
        abbreviation = _ROLE_ABBREVIATIONS.get(row.lead_role or "", "")
        return f"NO LEAD ({abbreviation})" if abbreviation else "NO LEAD"
    role = row.lead_role or ""
    if role in _ROLE_ABBREVIATIONS:
        role = _ROLE_ABBREVIATIONS[role]
    elif role:
        try:
            role = Role(role).label()
        except ValueError:
            pass
    return f"{role} {row.lead_name}" if role else row.lead_name


def date_text(value: date | None) -> str:
    return fmt_date(value)


def overdue_text(count: int) -> str:
    return f"OVERDUE {count}" if count else ""


def search_key(row: CaseloadRow) -> str:
    """What the search box matches: name, CRN and NOMIS number, case-folded."""
    return f"{row.name}\n{row.crn or ''}\n{row.nomis_number or ''}".casefold()


def _matching(
    rows: list[CaseloadRow], keys: list[str], terms: list[str]
) -> tuple[list[CaseloadRow], list[str]]:
    """The rows (and their keys) whose key holds every term: one plain scan per term."""
    found, kept, _ = narrowed(rows, keys, range(len(rows)), terms)
    return found, kept


def narrowed(
    rows: list[CaseloadRow], keys: list[str], places: Sequence[int], terms: list[str]
) -> tuple[list[CaseloadRow], list[str], Sequence[int]]:
    """As `_matching`, with each row's place in the whole list (`places`) carried along."""
    for term in terms:
        picked = [i for i, key in enumerate(keys) if term in key]
        if len(picked) < len(keys):
            rows = [rows[i] for i in picked]
            keys = [keys[i] for i in picked]
            places = [places[i] for i in picked]
    return rows, keys, places


def detail_text(row: CaseloadRow | None) -> str:
    """Three lines about one person, uncut: who they are, what is next, what is late.

    Everything the list cuts at 80 columns (the name, the lead, the next item) is here whole.
    """
    if row is None:
        return ""

    # Each stored value on its own line's terms: a line break in one cannot add a line.
    who = [one_line(row.name)]
    if row.crn:
        who.append(f"CRN {one_line(row.crn)}")
    if row.nomis_number:
        who.append(f"NOMIS {one_line(row.nomis_number)}")
    if row.lead_name:
        role = _ROLE_ABBREVIATIONS.get(row.lead_role or "", "")
        if not role and row.lead_role:
            try:
                role = Role(row.lead_role).label()
            except ValueError:
                role = row.lead_role
        who.append(f"Lead: {one_line(row.lead_name)}{f' ({one_line(role)})' if role else ''}")
    else:
        who.append(lead_text(row))
    if row.next_due_title:
        what = f"Next: {one_line(row.next_due_title)}"
        when = []
        if row.next_due_on:
            when.append(f"due {date_text(row.next_due_on)}")
        if row.next_due_status and not (row.overdue_count and row.next_due_status == "overdue"):
            with contextlib.suppress(ValueError):
                when.append(DueStatus(row.next_due_status).label().lower())
    else:
        what, when = "Nothing due", []
    if row.overdue_count:
        when.insert(0, f"OVERDUE {row.overdue_count}")
    awaiting = getattr(row, "awaiting_reply", 0)
    if awaiting:
        when.append(f"{awaiting} awaiting reply")
    return " · ".join(who) + "\n" + what + "\n" + " · ".join(when)
