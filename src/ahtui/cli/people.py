"""`ahtui people`: the caseload as a list, or as JSON for scripts."""

from __future__ import annotations

import argparse
from datetime import date

from ..domain.enums import Pathway
from ..errors import EXIT_OK
from ..store.caseload import caseload
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
    for r in rows:
        due = f"{r.next_due_on} {one_line(r.next_due_title)}" if r.next_due_on else "nothing due"
        overdue = f"  OVERDUE {r.overdue_count}" if r.overdue_count else ""
        ref = one_line(r.crn or r.nomis_number or "-")
        say(
            f"{ref:<8} {one_line(r.name):<24.24} {Pathway(r.pathway).label():<15} "
            f"{one_line(r.lead_name or 'no lead'):<18.18} {due}{overdue}"
        )
    return EXIT_OK
