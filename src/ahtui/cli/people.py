"""`ahtui people`: the caseload as a list, or as JSON for scripts.

The list has a header line and fits 80 columns: the start of the id, CRN, NOMIS number, name,
pathway, lead, how many items are overdue and the next due date; a cut value ends in "…".
`--json` has every value whole, with the next due item's title.
"""

from __future__ import annotations

import argparse
from datetime import date

from ..domain.dates import fmt_date
from ..errors import EXIT_OK
from ..store.caseload import CaseloadRow, caseload
from .common import one_line, open_chosen_site, print_json, say


def cmd_people(args: argparse.Namespace) -> int:
    site = open_chosen_site(args)
    try:
        rows = caseload(site, date.today())
    finally:
        site.close()
    if args.json:
        print_json(
            [
                {
                    "id": r.person_id,
                    "name": r.name,
                    "crn": r.crn,
                    "nomis_number": r.nomis_number,
                    "pathway": r.pathway,
                    "lead": r.lead_name,
                    "lead_role": r.lead_role,
                    "next_due": r.next_due_title,
                    "next_due_on": r.next_due_on,
                    "next_due_status": r.next_due_status,
                    "overdue": r.overdue_count,
                }
                for r in rows
            ]
        )
        return EXIT_OK
    say(people_header())
    for r in rows:
        say(people_line(r))
    return EXIT_OK


# Column widths for `ahtui people` at 80 columns: what does not fit is cut and ends in "…".
# The id is the first characters of the person's id (`--json` has it whole).
COLUMNS = (
    ("ID", 9),
    ("CRN", 8),
    ("NOMIS", 7),
    ("NAME", 14),
    ("PATHWAY", 9),
    ("LEAD", 11),
    ("LATE", 4),
    ("NEXT DUE", 11),
)


def cut(text: str, width: int) -> str:
    """`text` in `width` columns: padded, or cut with "…" as its last character."""
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def _row(values: list[str]) -> str:
    return " ".join(cut(v, w) for v, (_h, w) in zip(values, COLUMNS, strict=True)).rstrip()


def people_header() -> str:
    return _row([h for h, _w in COLUMNS])


def people_line(r: CaseloadRow) -> str:
    return _row(
        [
            r.person_id,
            one_line(r.crn or "-"),
            one_line(r.nomis_number or "-"),
            one_line(r.name),
            r.pathway,
            one_line(r.lead_name or "no lead"),
            str(r.overdue_count) if r.overdue_count else "-",
            fmt_date(r.next_due_on) if r.next_due_on else "none",
        ]
    )
