"""The Team Actions Log as CSV, with the columns of the paper log plus person and status.

Status is written out ("OVERDUE", "open", "done"), so the file means the same in any
spreadsheet without colour.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

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


def write_actions_csv(
    rows: Iterable[Any], path: Path, today: date, *, person: dict[str, Any] | None = None
) -> int:
    """Write `rows` (actions, optionally with person_name/crn/nomis_number); returns the count."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for r in rows:
            keys = r.keys()
            ref = person or {
                "name": r["person_name"] if "person_name" in keys else "",
                "crn": r["crn"] if "crn" in keys else "",
                "nomis_number": r["nomis_number"] if "nomis_number" in keys else "",
            }
            out.writerow(
                [
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
    return count
