"""The Team Actions Log as CSV, with the columns of the paper log plus person and status.

Status is written out ("OVERDUE", "open", "done"), so the file means the same in any
spreadsheet without colour. A cell a spreadsheet would read as a formula (beginning with `=`,
`+`, `-`, `@`, a tab or a carriage return) is written with a `'` in front, as OWASP advises
against CSV injection, so opening the file never runs anything a person typed. The file is
written by files.write_file: whole or not at all, owner-only, an existing file kept unless the
caller says to replace it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from .files import default_filename, slug, write_file

# What a spreadsheet may take as the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "person",
    "crn",
    "nomis_number",
    "step",
    "responsible",
    "due_on",
    "status",
    "completed_on",
    "follow_up_of",
    "notes",
)


def action_status(row: Any, today: date) -> str:
    if row["completed_on"]:
        return "done"
    if row["due_on"] and row["due_on"] < today.isoformat():
        return "OVERDUE"
    return "open"


def actions_filename(person: Any | None, view: str, today: date) -> str:
    """e.g. actions-x100022-2025-03-03.csv for one person (their reference, never their name),
    actions-overdue-2025-03-03.csv for a list across everyone."""
    if person is not None:
        return default_filename("actions", "csv", person, today)
    return f"actions-{slug(view)}-{today.isoformat()}.csv"


def neutralise(cell: str) -> str:
    """`cell` as a spreadsheet shows it as text: a `'` before anything read as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_actions_csv(
    rows: Iterable[Any],
    path: Path,
    today: date,
    *,
    person: dict[str, Any] | None = None,
    force: bool = False,
) -> int:
    """Write `rows` (actions, optionally with person_name/crn/nomis_number); returns the count.

    Refuses (BadInput) when `path` exists and `force` is false, as files.write_file does.
    """
    text, count = actions_csv(rows, today, person=person)
    write_file(Path(path), text, force=force)
    return count


def actions_csv(
    rows: Iterable[Any], today: date, *, person: dict[str, Any] | None = None
) -> tuple[str, int]:
    """The CSV text of `rows`, and how many there are."""
    fh = io.StringIO(newline="")
    out = csv.writer(fh)
    out.writerow(COLUMNS)
    count = 0
    for r in rows:
        keys = r.keys()
        ref = person or {
            "name": r["person_name"] if "person_name" in keys else "",
            "crn": r["crn"] if "crn" in keys else "",
            "nomis_number": r["nomis_number"] if "nomis_number" in keys else "",
        }
        out.writerow(
            neutralise(str(cell))
            for cell in [
                ref.get("name") or "",
                ref.get("crn") or "",
                ref.get("nomis_number") or "",
                r["step"],
                r["responsible_name"] or "",
                r["due_on"] or "",
                action_status(r, today),
                r["completed_on"] or "",
                r["follow_up_of"] or "",
                r["notes"] or "",
            ]
        )
        count += 1
    return fh.getvalue(), count
