"""Correcting records through the real app at 80x24: a person's details, practitioners, contacts.

The person's details form opens pre-filled from the record (d on the person screen); bad input
is shown beside the field and nothing is saved; a good change shows on the overview and is
audited. On the Team screen, e edits the highlighted practitioner or personal contact and z
ends a contact after asking. Every site is a real SQLCipher file (the demo, fixed seed and date).
"""

from __future__ import annotations

from pathlib import Path

from conftest import ADMIN, PASSPHRASE
from test_app_screens import error, fill, open_first_person, plain, screen_text
from test_app_shell import TODAY, caseload_ready, press_and_hold, wait_for

from ahtui.app import AhtuiApp
from ahtui.screens.person import PersonScreen
from ahtui.screens.team import TeamScreen
from ahtui.widgets.form import FormScreen, QuestionScreen

SIZE = (80, 24)


def _audited_columns(app: AhtuiApp, table: str, row_id: str, action: str = "update") -> set[str]:
    """Every column named in the audit rows of one record (the triggers list what changed)."""
    rows = app.site.query(
        "SELECT columns FROM audit WHERE table_name = ? AND row_id = ? AND action = ?",
        (table, row_id, action),
    )
    return {c for r in rows for c in (r["columns"] or "").split(",") if c}


# -- a person's details ----------------------------------------------------------------------
async def test_edit_details_refuses_bad_dates_then_saves_a_change(unlocked) -> None:
    from ahtui.store import people

    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    before = people.get_person(app.site, pid)
    await pilot.press("d")
    form = await fill(pilot, {}, save=False)
    # Pre-filled with what is recorded.
    assert form.values()["family_name"] == before["family_name"]
    assert form.values()["crn"] == before["crn"]
    await fill(pilot, {"date_of_birth": "1999-02-30"})
    assert app.screen is form
    assert "1999-02-30 is not a real date" in error(form, "date_of_birth")
    assert people.get_person(app.site, pid)["date_of_birth"] == before["date_of_birth"]
    # A missing name, and a release before the sentence, in plain words beside the field.
    await fill(
        pilot,
        {
            "date_of_birth": before["date_of_birth"],
            "given_name": "",
            "sentence_date": "2024-06-01",
            "release_date": "2024-01-15",
        },
    )
    assert "required" in error(form, "given_name")
    form.set_value("given_name", before["given_name"])
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert "release date (15 Jan 2024) is before the sentence date (01 Jun 2024)" in error(
        form, "release_date"
    )
    assert people.get_person(app.site, pid)["release_date"] == before["release_date"]
    # Put right: saved, and the overview shows it.
    await fill(pilot, {"release_date": "2026-09-14", "prison": "HMP Eastmoor"})
    assert isinstance(app.screen, PersonScreen)
    after = people.get_person(app.site, pid)
    assert (after["release_date"], after["sentence_date"], after["prison"]) == (
        "2026-09-14",
        "2024-06-01",
        "HMP Eastmoor",
    )
    # Nothing else was touched.
    assert after["family_name"] == before["family_name"] and after["crn"] == before["crn"]
    overview = plain(app.screen.body)
    assert "Release 14 Sep 2026" in overview and "Prison HMP Eastmoor" in overview
    # Only the changed columns were written (and so audited).
    assert _audited_columns(app, "people", pid) == {"sentence_date", "release_date", "prison"}


async def test_edit_details_refuses_a_crn_someone_else_has(unlocked) -> None:
    from ahtui.store import people

    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    other = app.site.one(
        "SELECT crn FROM people WHERE id != ? AND crn IS NOT NULL AND deleted_at IS NULL", (pid,)
    )
    mine = people.get_person(app.site, pid)["crn"]
    await pilot.press("d")
    form = await fill(pilot, {"crn": other["crn"].lower()})
    assert app.screen is form
    assert f"already has CRN {other['crn']}" in error(form, "crn")
    assert people.get_person(app.site, pid)["crn"] == mine
    # Esc with the typed input asks first; d drops it.
    await pilot.press("escape")
    assert isinstance(app.screen, QuestionScreen)
    await pilot.press("d")
    assert isinstance(app.screen, PersonScreen)


async def test_saving_an_untouched_form_writes_nothing(unlocked) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    before = _audited_columns(app, "people", pid)
    await pilot.press("d")
    await fill(pilot, {})
    assert isinstance(app.screen, PersonScreen)
    assert _audited_columns(app, "people", pid) == before


# -- practitioners and personal contacts -------------------------------------------------------
async def test_edit_practitioner_and_contact_then_end_contact(unlocked) -> None:
    from ahtui.store import team

    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("m")
    assert isinstance(app.screen, TeamScreen)
    screen = app.screen
    member = screen.members[0]
    # The highlighted practitioner: a bad email is refused beside the field, then a good one.
    await pilot.press("e")
    form = await fill(pilot, {"email": "no-at-sign"})
    assert "does not look complete" in error(form, "email")
    await fill(pilot, {"email": "m.new@prison.example.org", "phone": "0161 496 0999"})
    assert app.screen is screen
    prac = team.get_practitioner(app.site, member["practitioner_id"])
    assert (prac["email"], prac["phone"]) == ("m.new@prison.example.org", "0161 496 0999")
    assert prac["name"] == member["name"]
    assert "0161 496 0999" in screen_text(app)
    assert _audited_columns(app, "practitioners", prac["id"]) == {"email", "phone"}
    # A personal contact: add one, then correct it from the contacts list (Tab).
    await pilot.press("k")
    await fill(pilot, {"name": "Ada Okafor", "relationship": "Grandmother"})
    contacts = screen.query_one("#contacts-table")
    contacts.focus()
    rows = team.contacts(app.site, pid)
    contacts.move_cursor(row=[c["name"] for c in rows].index("Ada Okafor"))
    await pilot.pause()
    await pilot.press("e")
    form = await fill(pilot, {}, save=False)
    assert form.values()["relationship"] == "Grandmother"
    await fill(pilot, {"relationship": "Aunt", "is_emergency_contact": True})
    ada = next(c for c in team.contacts(app.site, pid) if c["name"] == "Ada Okafor")
    assert ada["relationship"] == "Aunt" and ada["is_emergency_contact"]
    assert "Aunt" in screen_text(app)
    # End it: asked first; Esc keeps it, ctrl+s ends it.
    contacts.focus()
    contacts.move_cursor(row=[c["id"] for c in team.contacts(app.site, pid)].index(ada["id"]))
    await pilot.pause()
    await pilot.press("z")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    assert "Ada Okafor (Aunt) will no longer be listed" in screen_text(app)
    await pilot.press("escape")
    assert app.screen is screen
    assert any(c["id"] == ada["id"] for c in team.contacts(app.site, pid))
    await pilot.press("z")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert app.screen is screen
    assert all(c["id"] != ada["id"] for c in team.contacts(app.site, pid))
    assert "Ada Okafor" not in screen_text(app)
    # Kept, soft-deleted and audited.
    gone = app.site.one("SELECT deleted_at FROM personal_contacts WHERE id = ?", (ada["id"],))
    assert gone["deleted_at"]
    assert app.site.one(
        "SELECT 1 FROM audit WHERE table_name = 'personal_contacts' AND row_id = ? "
        "AND action = 'delete'",
        (ada["id"],),
    )


async def test_team_keys_in_help_and_palette(unlocked) -> None:
    from ahtui.app import AhtuiCommands
    from ahtui.screens.help import HelpScreen

    app, pilot = unlocked
    await open_first_person(app, pilot)
    await pilot.press("m")
    assert isinstance(app.screen, TeamScreen)
    # z only ends a highlighted personal contact, never a practitioner row.
    await pilot.press("z")
    await pilot.pause()
    assert isinstance(app.screen, TeamScreen)
    found = {hit.display async for hit in AhtuiCommands(app.screen).discover()}
    assert {"Team: edit a member or contact", "Team: end a personal contact"} <= found
    await pilot.press("f1")
    assert isinstance(app.screen, HelpScreen)
    assert {"Edit", "End contact"} <= {row[2] for row in app.screen.rows}


# -- snapshot --------------------------------------------------------------------------------
def test_snapshot_edit_details_form(snap_compare, snap_site: Path) -> None:
    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: caseload_ready(pilot.app))
        await pilot.app.workers.wait_for_complete()
        await press_and_hold(pilot, ("enter", "d"))

    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
