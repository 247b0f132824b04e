"""Exports without the UI: template emails as .eml drafts, the actions log as CSV."""

from __future__ import annotations

import csv
import email
import subprocess
import sys
from datetime import date
from pathlib import Path

from ahtui.exports.actions_csv import COLUMNS, write_actions_csv
from ahtui.exports.eml import build_eml, eml_filename, save_eml


def test_eml_is_a_draft_a_mail_client_opens(site, tmp_path: Path) -> None:
    from ahtui.store import people

    pid = people.create_person(
        site,
        {"given_name": "Zak", "family_name": "Roberts", "pathway": "short", "crn": "X100022"},
    )
    person = people.get_person(site, pid)
    message = build_eml(
        subject="Joined-up support for Zak Roberts",
        body="Dear Morgan,\n\nLine with é and “quotes”.\n",
        to_name="Morgan Hughes",
        to_address="morgan@la.example.org",
        from_name="Jo Patel",
        from_address="jo@prison.example.org",
        cc=[("Alex Edwards", "alex@ces.example.org")],
    )
    path = save_eml(
        message,
        tmp_path / "out" / eml_filename("pp_first_contact", person, date(2025, 3, 3)),
    )
    # Named by the person's reference, never their name (issue 15).
    assert path.name == "pp-first-contact-x100022-2025-03-03.eml"
    parsed = email.message_from_bytes(path.read_bytes())
    assert parsed["To"] == "Morgan Hughes <morgan@la.example.org>"
    assert parsed["Cc"] == "Alex Edwards <alex@ces.example.org>"
    assert parsed["X-Unsent"] == "1"
    assert "é and “quotes”" in parsed.get_payload(decode=True).decode(parsed.get_content_charset())


def test_actions_csv_writes_status_in_words(site, tmp_path: Path) -> None:
    from ahtui.store import actions, people

    pid = people.create_person(
        site,
        {"given_name": "Zak", "family_name": "Roberts", "pathway": "short", "crn": "X100022"},
    )
    late = actions.add_action(site, pid, {"step": "Late step", "due_on": date(2025, 1, 1)})
    actions.add_action(site, pid, {"step": "Later step", "due_on": date(2025, 6, 1)})
    actions.add_follow_up(site, late, {"step": "Follow it up"})
    out = tmp_path / "log.csv"
    count = write_actions_csv(
        actions.actions_for(site, pid),
        out,
        date(2025, 3, 3),
        person={"name": "Roberts, Zak", "crn": "X100022", "nomis_number": None},
    )
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert count == 3 and list(rows[0]) == list(COLUMNS)
    by_step = {r["step"]: r for r in rows}
    assert by_step["Late step"]["status"] == "OVERDUE"
    assert by_step["Later step"]["status"] == "open"
    assert by_step["Follow it up"]["follow_up_of"] == late
    assert all(r["crn"] == "X100022" for r in rows)


def test_exports_do_not_import_textual() -> None:
    code = (
        "import sys, ahtui.exports.eml, ahtui.exports.actions_csv; print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
