"""The person's record end to end: each flow driven through the real app at 80x24.

Identify a person, record consent, build the team and personal contacts, add and complete
actions with a follow-up, write a sensitive note, generate an email (.eml) and record its reply,
the actions log across everyone, caseload filters, and a lock that keeps unsaved input. Every
site is a real SQLCipher file (the demo, fixed seed and date); forms are filled by setting their
fields and saved with ctrl+s, as a keyboard user would after typing.
"""

from __future__ import annotations

import csv
import email
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_app_shell import TODAY, caseload_ready, press_and_hold, wait_for

from ahtui.app import AhtuiApp, AhtuiCommands
from ahtui.screens.actions import ActionsScreen
from ahtui.screens.caseload import CaseloadList, CaseloadScreen
from ahtui.screens.consent import ConsentScreen
from ahtui.screens.emails import EmailsScreen
from ahtui.screens.help import HelpScreen
from ahtui.screens.notes import NotesScreen
from ahtui.screens.person import PersonScreen
from ahtui.screens.team import TeamScreen
from ahtui.screens.unlock import UnlockScreen
from ahtui.widgets.form import FormScreen, QuestionScreen

SIZE = (80, 24)


def text(app: AhtuiApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def plain(renderable, width: int = 200) -> str:
    """A rich renderable as plain text, wide enough that nothing wraps."""
    from rich.console import Console

    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def screen_text(app: AhtuiApp) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


async def fill(pilot, values: dict, *, save: bool = True) -> FormScreen:
    await wait_for(
        pilot,
        lambda: (
            isinstance(pilot.app.screen, FormScreen) and bool(pilot.app.screen.query(".form-row"))
        ),
    )
    form = pilot.app.screen
    assert isinstance(form, FormScreen), type(form)
    for name, value in values.items():
        form.set_value(name, value)
    await pilot.pause()
    if save:
        await pilot.press("ctrl+s")
        await pilot.pause()
    return form


def error(form: FormScreen, name: str) -> str:
    return str(form.query_one(f"#error-{name}").render())


async def open_first_person(app, pilot) -> str:
    row = app.screen.query_one(CaseloadList).current
    await pilot.press("enter")
    assert isinstance(app.screen, PersonScreen)
    return row.person_id


# -- identification ------------------------------------------------------------------------
async def test_identify_a_new_person_with_inline_messages(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("n")
    form = await fill(
        pilot,
        {
            "given_name": "",
            "family_name": "Okafor",
            "pathway": "long",
            "date_of_birth": "2001-02-30",
            "sentence_date": "2024-05-01",
            "release_date": "2024-01-01",
            "identified_on": "2025-02-20",
            "method": "self_disclosure",
        },
    )
    # Still open, with a plain message beside each problem and nothing written.
    assert app.screen is form
    assert "required" in error(form, "given_name")
    form.set_value("given_name", "Tunde")
    await pilot.press("ctrl+s")
    assert "2001-02-30 is not a real date" in error(form, "date_of_birth")
    form.set_value("date_of_birth", "2001-02-28")
    await pilot.press("ctrl+s")
    assert "release date (01 Jan 2024) is before the sentence date (01 May 2024)" in error(
        form, "release_date"
    )
    await fill(pilot, {"release_date": "2027-06-01", "identified_by_name": "Wing officer"})
    assert isinstance(app.screen, PersonScreen)
    from ahtui.store import people

    person = people.get_person(app.site, app.screen.person_id)
    assert (person["given_name"], person["family_name"], person["pathway"]) == (
        "Tunde",
        "Okafor",
        "long",
    )
    ident = app.site.one(
        "SELECT * FROM identifications WHERE person_id = ?", (app.screen.person_id,)
    )
    assert ident["method"] == "self_disclosure" and ident["identified_by_name"] == "Wing officer"
    assert "Okafor, Tunde" in text(app, "#person-head")
    # Written by the signed-in user, and audited.
    audit = app.site.one(
        "SELECT count(*) FROM audit WHERE row_id = ? AND table_name = 'people'",
        (app.screen.person_id,),
    )
    assert audit[0] >= 1
    # Back on the caseload the new person is listed.
    await pilot.press("escape")
    await wait_for(
        pilot, lambda: any("Okafor" in n.name for n in app.screen.query_one(CaseloadList).shown)
    )


async def test_escape_asks_before_dropping_typed_input(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("n")
    await fill(pilot, {"family_name": "Draft"}, save=False)
    await pilot.press("escape")
    assert isinstance(app.screen, QuestionScreen)
    assert "Discard what you typed?" in text(app, "#question-text")
    await pilot.press("escape")  # keep editing
    assert isinstance(app.screen, FormScreen) and app.screen.values()["family_name"] == "Draft"
    await pilot.press("escape", "d")
    assert isinstance(app.screen, CaseloadScreen)


# -- person overview and timeline ----------------------------------------------------------
async def test_overview_shows_due_items_in_plain_words(unlocked) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    shown = str(app.screen.query_one("#person-content").render())
    from ahtui.store.caseload import schedule_for

    due = [d for d in schedule_for(app.site, pid, TODAY) if d.status.value == "overdue"]
    assert due
    assert "OVERDUE" in screen_text(app)
    body = app.screen.body
    from rich.console import Console

    console = Console(width=78, record=True, color_system=None)
    console.print(body)
    full = console.export_text()
    # Said as a practitioner would: the source and the explanation, no rule or field names.
    assert due[0].rule not in full and "Rule:" not in full and "From:" not in full
    assert due[0].explanation.split(";")[0][:40] in " ".join(full.split())
    assert "Pathway history" in full
    del shown
    await pilot.press("t")
    assert "Timeline" in text(app, "#person-head")
    console = Console(width=78, record=True, color_system=None)
    console.print(app.screen.body)
    timeline = console.export_text()
    assert "consent" in timeline and "note" in timeline and "pathway" in timeline


# -- consent -------------------------------------------------------------------------------
async def test_record_consent_declined_then_given(unlocked) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("c")
    assert isinstance(app.screen, ConsentScreen)
    await pilot.press("r")
    await fill(pilot, {"agency": "ces", "event": "declined", "on_date": "2025-02-10"})
    assert isinstance(app.screen, ConsentScreen)
    summary = plain(app.screen.summary)
    assert "DECLINED" in summary and "Offer again on 10 May 2025" in summary
    await pilot.press("r")
    await fill(pilot, {"agency": "ces", "event": "given", "on_date": "2025-03-01"})
    from ahtui.domain.enums import ConsentAgency
    from ahtui.store.consent import current_consents

    assert current_consents(app.site, pid)[ConsentAgency.CES].allows_sharing
    assert "records may be shared with the Care Experience Specialist" in plain(app.screen.summary)
    # Other agency needs its name: shown beside the field.
    await pilot.press("r")
    form = await fill(pilot, {"agency": "other", "event": "given", "on_date": "2025-03-01"})
    assert "Name the other agency" in error(form, "other_agency_name")


# -- team and contacts ---------------------------------------------------------------------
async def test_build_the_team_contacts_and_change_lead(unlocked) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("m")
    assert isinstance(app.screen, TeamScreen)
    before = len(app.screen.members)
    await pilot.press("t")
    form = await fill(
        pilot,
        {
            "name": "Robin Shaw",
            "role": "recall_officer",
            "email": "robin@",
            "from_date": "2025-03-01",
        },
    )
    assert "does not look complete" in error(form, "email")
    await fill(pilot, {"email": "robin.shaw@probation.example.org", "phone": "0161 496 0000"})
    assert isinstance(app.screen, TeamScreen)
    assert len(app.screen.members) == before + 1
    assert "Robin Shaw" in screen_text(app)
    await pilot.press("k")
    await fill(pilot, {"name": "Ada Okafor", "relationship": "Grandmother", "is_next_of_kin": True})
    assert "Grandmother" in screen_text(app)
    # Lead: an explicit action with a reason, kept in the history.
    robin = next(m for m in app.screen.members if m["name"] == "Robin Shaw")
    await pilot.press("l")
    form = await fill(pilot, {"lead": robin["practitioner_id"], "reason": ""})
    assert "required" in error(form, "reason")
    await fill(pilot, {"reason": "Recalled: recall officer leads for now"})
    from ahtui.store import people

    assert people.get_person(app.site, pid)["lead_practitioner_id"] == robin["practitioner_id"]
    history = people.pathway_history(app.site, pid)
    assert history[-1]["reason"] == "Recalled: recall officer leads for now"
    assert "LEAD" in screen_text(app)
    # Pathway change too.
    await pilot.press("p")
    await fill(pilot, {"pathway": "recall", "reason": "Recalled on licence breach"})
    assert people.get_person(app.site, pid)["pathway"] == "recall"
    # Someone leaves.
    table = app.screen.query_one("#team-table")
    table.move_cursor(row=[m["name"] for m in app.screen.members].index("Robin Shaw"))
    await pilot.press("x")
    await fill(pilot, {"on": "2025-03-03"})
    left = next(m for m in app.screen.members if m["name"] == "Robin Shaw")
    assert left["to_date"] == "2025-03-03"


# -- actions -------------------------------------------------------------------------------
async def test_add_complete_and_follow_up_actions_then_export(unlocked, tmp_path: Path) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("a")
    assert isinstance(app.screen, ActionsScreen)
    await pilot.press("n")
    form = await fill(pilot, {"step": "Book the housing interview", "due_on": "2025-02-31"})
    assert "not a real date" in error(form, "due_on")
    team = app.site.query(
        "SELECT practitioner_id FROM team_members WHERE person_id = ? AND to_date IS NULL", (pid,)
    )
    await fill(
        pilot, {"due_on": "2025-02-28", "responsible_practitioner_id": team[0]["practitioner_id"]}
    )
    screen = app.screen
    added = next(r for r in screen.rows if r["step"] == "Book the housing interview")
    assert added["responsible_name"]
    # Overdue in words.
    screen.query_one("#actions-table").move_cursor(row=screen.rows.index(added))
    await pilot.pause()
    assert "OVERDUE: Book the housing interview" in text(app, "#actions-detail")
    await pilot.press("d")
    assert isinstance(app.screen, QuestionScreen)  # asks first
    await pilot.press("d")
    await pilot.pause()
    done = next(r for r in screen.rows if r["id"] == added["id"])
    assert done["completed_on"] == TODAY.isoformat()
    screen.query_one("#actions-table").move_cursor(row=screen.rows.index(done))
    await pilot.press("f")
    await fill(pilot, {"step": "Check the interview went ahead", "due_on": "2025-03-14"})
    follow = next(r for r in screen.rows if r["step"] == "Check the interview went ahead")
    assert follow["follow_up_of"] == added["id"]
    # Listed right under the original, marked.
    assert screen.rows.index(follow) == screen.rows.index(done) + 1
    assert "↳ Check the interview" in screen_text(app)
    # Edit.
    screen.query_one("#actions-table").move_cursor(row=screen.rows.index(follow))
    await pilot.press("e")
    await fill(pilot, {"step": "Check the interview went ahead and note the outcome"})
    assert any(r["step"].endswith("note the outcome") for r in screen.rows)
    # CSV export.
    out = tmp_path / "log.csv"
    await pilot.press("x")
    await fill(pilot, {"path": str(out)})
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(screen.rows)
    assert any(r["step"] == "Book the housing interview" and r["status"] == "done" for r in rows)
    assert all(r["crn"] == rows[0]["crn"] for r in rows)


async def test_actions_across_everyone(unlocked, tmp_path: Path) -> None:
    app, pilot = unlocked
    await pilot.press("a")
    screen = app.screen
    assert isinstance(screen, ActionsScreen) and screen.person_id is None
    me = app.site.user.practitioner_id
    assert screen.rows and all(r["responsible_practitioner_id"] == me for r in screen.rows)
    assert "My actions" in text(app, "#actions-head")
    await pilot.press("v")
    assert "Overdue actions" in text(app, "#actions-head")
    assert all(r["due_on"] < TODAY.isoformat() for r in screen.rows)
    assert "OVERDUE" in screen_text(app)
    await pilot.press("v")
    assert "next 7 days" in text(app, "#actions-head")
    await pilot.press("b")
    other = app.site.one("SELECT id, name FROM practitioners WHERE id <> ? LIMIT 1", (me,))
    await fill(pilot, {"practitioner": other["id"]})
    assert f"Actions for {other['name']}" in text(app, "#actions-head")
    assert all(r["responsible_practitioner_id"] == other["id"] for r in screen.rows)
    # Adding is for one person's log: not offered here.
    assert screen.check_action("add", ()) is False
    await pilot.press("o")
    assert isinstance(app.screen, PersonScreen)
    assert app.screen.person_id == screen.rows[0]["person_id"]


# -- case notes ----------------------------------------------------------------------------
async def test_write_a_sensitive_note(unlocked) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("n")
    assert isinstance(app.screen, NotesScreen)
    await pilot.press("n")
    form = await fill(pilot, {"contact_type": "phone", "contact_at": "2025-02-30", "body": "x"})
    assert "not a real date" in error(form, "contact_at")
    await fill(
        pilot,
        {
            "contact_at": "2025-02-27",
            "contact_time": "14:30",
            "location": "Phone",
            "kind": "opinion",
            "sensitive": True,
            "body": "Disclosed worries about a family member; keep to the team.",
        },
    )
    assert isinstance(app.screen, NotesScreen)
    note = app.site.one(
        "SELECT * FROM case_notes WHERE person_id = ? AND body LIKE 'Disclosed%'", (pid,)
    )
    assert note["sensitive"] == 1 and note["kind"] == "opinion"
    assert note["author_practitioner_id"] == app.site.user.practitioner_id
    shown = screen_text(app)
    assert "SENSITIVE" in shown and "27 Feb 2025 14:30" in shown
    # Recorded days after the contact (the site's clock is today's), so flagged late.
    assert "LATE" in shown
    # s on the highlighted note clears the mark, and sets it again.
    from textual.widgets import DataTable

    table = app.screen.query_one(DataTable)
    table.move_cursor(row=next(i for i, r in enumerate(app.screen.rows) if r["id"] == note["id"]))
    await pilot.press("s")
    await pilot.pause()
    assert app.site.one("SELECT sensitive FROM case_notes WHERE id = ?", (note["id"],))[0] == 0
    assert "Mark cleared" in " ".join(str(n.message) for n in app._notifications)
    await pilot.press("s")
    await pilot.pause()
    assert app.site.one("SELECT sensitive FROM case_notes WHERE id = ?", (note["id"],))[0] == 1
    # A note written by another agency's site cannot be marked here.
    from ahtui.store import rows

    with app.site.write():
        app.site.conn.execute(
            "UPDATE case_notes SET agency = 'probation' WHERE id = ?", (note["id"],)
        )
    app.screen.reload()
    await pilot.press("s")
    await pilot.pause()
    assert "written by probation" in " ".join(str(n.message) for n in app._notifications)
    assert rows.get(app.site, "case_notes", note["id"])["sensitive"] == 1


# -- emails --------------------------------------------------------------------------------
async def test_generate_an_email_and_record_its_reply(unlocked, tmp_path: Path) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("e")
    assert isinstance(app.screen, EmailsScreen)
    pa = app.site.one(
        "SELECT m.practitioner_id, p.name, p.email FROM team_members m "
        "JOIN practitioners p ON p.id = m.practitioner_id WHERE m.person_id = ? AND m.role = 'pa'",
        (pid,),
    )
    out = tmp_path / "intro.eml"
    await pilot.press("n")
    await fill(
        pilot,
        {
            "template": "introduction",
            "to": pa["practitioner_id"],
            "sent_on": "2025-02-10",
            "path": str(out),
        },
    )
    assert isinstance(app.screen, EmailsScreen)
    message = email.message_from_bytes(out.read_bytes())
    assert pa["email"] in message["To"] and pa["name"] in message["To"]
    assert message["Subject"].startswith("Joined-up support for ")
    body = message.get_payload(decode=True).decode()
    assert f"Dear {pa['name']}" in body and "Prison Offender Manager" in body
    row = next(r for r in app.screen.rows if r["sent_on"] == "2025-02-10")
    # 10 Feb to 3 Mar 2025 is 15 working days: past the wait, so the challenge is suggested.
    assert "AWAITING REPLY 15 working days" in screen_text(app)
    table = app.screen.query_one("#emails-table")
    table.move_cursor(row=app.screen.rows.index(row))
    await pilot.pause()
    assert "send the professional challenge (c)" in text(app, "#emails-detail")
    # The challenge is filled with the first email's date.
    challenge = tmp_path / "challenge.eml"
    await pilot.press("c")
    await fill(pilot, {"path": str(challenge)})
    chased = email.message_from_bytes(challenge.read_bytes())
    assert "sent on 10 Feb 2025" in chased.get_payload(decode=True).decode()
    # The caseload shows the person awaiting a reply.
    from ahtui.store.caseload import caseload

    assert next(r for r in caseload(app.site, TODAY) if r.person_id == pid).awaiting_reply >= 1
    # Record the reply.
    row = next(r for r in app.screen.rows if r["id"] == row["id"])
    table.move_cursor(row=app.screen.rows.index(row))
    await pilot.press("r")
    await fill(pilot, {"on": "2025-03-03"})
    replied = app.site.one("SELECT reply_on FROM emails WHERE id = ?", (row["id"],))
    assert replied["reply_on"] == "2025-03-03"
    assert "REPLIED 03 Mar 2025" in screen_text(app)


async def test_email_missing_values_are_named(unlocked) -> None:
    app, pilot = unlocked
    await open_first_person(app, pilot)
    await pilot.press("e", "n")
    form = await fill(pilot, {"template": "professional_challenge"})
    assert "required" in error(form, "to")
    first = form.query_one("#field-to")._options[1][1]
    form.set_value("to", first)
    await pilot.press("ctrl+s")
    assert "Choose the unanswered email this follows up" in error(form, "first_email")


# -- caseload filters ----------------------------------------------------------------------
async def test_caseload_filters(unlocked) -> None:
    app, pilot = unlocked
    table = app.screen.query_one(CaseloadList)
    everyone = list(table.shown)
    await pilot.press("o")
    assert table.shown and all(r.overdue_count > 0 for r in table.shown)
    assert "overdue" in text(app, "#caseload-count")
    await pilot.press("o", "w")
    assert table.shown and all(r.awaiting_reply > 0 for r in table.shown)
    await pilot.press("w", "p")
    assert all(r.pathway == "long" for r in table.shown)
    assert "long" in text(app, "#caseload-count")
    for _ in range(5):
        await pilot.press("p")
    assert len(table.shown) == len(everyone)
    await pilot.press("m")
    from ahtui.store.team import people_with_practitioner

    mine = people_with_practitioner(app.site, app.site.user.practitioner_id)
    assert table.shown and {r.person_id for r in table.shown} == mine
    # Sorted by urgency still: the service's order, filtered.
    order = [r.person_id for r in everyone]
    assert [r.person_id for r in table.shown] == [p for p in order if p in mine]
    # Letters typed into the search box are text, not filters.
    await pilot.press("m", "slash", "o", "w")
    assert app.screen.query_one("#search").value == "ow"
    assert "overdue" not in text(app, "#caseload-count")


# -- help, palette, lock -------------------------------------------------------------------
async def test_help_and_palette_on_the_person_screen(unlocked) -> None:
    app, pilot = unlocked
    await open_first_person(app, pilot)
    provider = AhtuiCommands(app.screen)
    found = {hit.display async for hit in provider.discover()}
    assert {
        "Person: open consent",
        "Person: open the team",
        "Person: change lead",
        "App: lock",
    } <= found
    await pilot.press("f1")
    assert isinstance(app.screen, HelpScreen)
    actions = {row[2] for row in app.screen.rows}
    assert {"Consent", "Team", "Actions", "Notes", "Emails", "Change pathway"} <= actions


async def test_lock_keeps_unsaved_input_for_the_same_user(unlocked) -> None:
    app, pilot = unlocked
    await open_first_person(app, pilot)
    await pilot.press("n", "n")
    await fill(pilot, {"body": "Half-written note"}, save=False)
    await pilot.press("ctrl+l")
    assert isinstance(app.screen, QuestionScreen)  # asked first; l locks, keeping the form
    await pilot.press("l")
    await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
    assert app.site is None
    app.screen.query_one("#passphrase").value = PASSPHRASE
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    assert app.screen.values()["body"] == "Half-written note"
    # And it still saves, to the newly opened site.
    await fill(pilot, {"contact_type": "phone", "contact_time": "10:00"})
    assert isinstance(app.screen, NotesScreen)
    assert app.site.one("SELECT 1 FROM case_notes WHERE body = 'Half-written note'")


async def test_lock_then_another_user_starts_clean(demo_path: Path, monkeypatch) -> None:
    from ahtui.store.site import open_site
    from ahtui.store.users import add_user

    site = open_site(demo_path, ADMIN, PASSPHRASE)
    try:
        add_user(site, "second", "second pass phrase", display_name="Second User")
    finally:
        site.close()
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await open_first_person(app, pilot)
        await pilot.press("n", "n")
        await app.action_lock()
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        app.screen.query_one("#username").value = "second"
        app.screen.query_one("#passphrase").value = "second pass phrase"
        app.screen.query_one("#passphrase").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: caseload_ready(app))
        assert [type(s).__name__ for s in app.screen_stack] == ["_WaitScreen", "CaseloadScreen"]
        assert app.site.user.username == "second"


# -- snapshots: every screen at 80x24 -------------------------------------------------------
def _app(path: Path) -> AhtuiApp:
    return AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)


def _then(*keys: str, settle: float = 0.2):
    """Wait for the caseload, press `keys`, let the screen settle."""

    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: caseload_ready(pilot.app))
        # Background loads (preloading, a caseload refresh) finish before keys are pressed,
        # so a busy machine cannot change what the snapshot catches.
        await pilot.app.workers.wait_for_complete()
        await press_and_hold(pilot, keys, settle)

    return run_before


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("enter",), id="person_overview"),
        pytest.param(("enter", "t"), id="person_timeline"),
        pytest.param(("enter", "c"), id="consent"),
        pytest.param(("enter", "c", "r"), id="consent_form"),
        pytest.param(("enter", "m"), id="team"),
        pytest.param(("enter", "a"), id="actions_person"),
        pytest.param(("enter", "a", "n"), id="actions_add_form"),
        pytest.param(("a",), id="actions_everyone"),
        pytest.param(("a", "v"), id="actions_overdue"),
        pytest.param(("enter", "n"), id="notes"),
        pytest.param(("enter", "n", "n"), id="notes_form"),
        pytest.param(("enter", "e"), id="emails"),
        pytest.param(("n",), id="new_person"),
        pytest.param(("enter", "f1"), id="help_person"),
        pytest.param(("o", "p"), id="caseload_filtered"),
    ],
)
def test_snapshot_screen(snap_compare, snap_site: Path, keys: tuple[str, ...]) -> None:
    assert snap_compare(_app(snap_site), terminal_size=SIZE, run_before=_then(*keys))


def test_snapshot_new_person_errors(snap_compare, snap_site: Path) -> None:
    async def run_before(pilot) -> None:
        await _then("n")(pilot)
        await fill(
            pilot,
            {
                "family_name": "Okafor",
                "pathway": "long",
                "date_of_birth": "2001-02-30",
                "sentence_date": "2024-05-01",
                "release_date": "2024-01-01",
                "method": "self_disclosure",
                "given_name": "Tunde",
            },
        )
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_site), terminal_size=SIZE, run_before=run_before)


def test_snapshot_person_no_color(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = _app(snap_site)
    assert app.no_color
    assert snap_compare(app, terminal_size=SIZE, run_before=_then("enter"))


def test_snapshot_actions_no_color(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(_app(snap_site), terminal_size=SIZE, run_before=_then("enter", "a"))


async def test_typing_on_narrows_to_the_same_rows_as_a_fresh_search() -> None:
    """Each key scans only the rows already shown; the result must match a full scan."""
    from test_app_shell import _rows
    from textual.app import App

    class ListApp(App[None]):
        def compose(self):
            yield CaseloadList()

    app = ListApp()
    async with app.run_test(size=SIZE):
        table = app.query_one(CaseloadList)
        rows = _rows(3000)
        table.set_rows(rows)
        for text in ("f", "fa", "family00", "family001", "family0012", "family001", "x00 giv"):
            table.filter(text)
            terms = text.split()
            expected = [
                r for r in rows if all(t in r.name.lower() or t in r.crn.lower() for t in terms)
            ]
            assert table.shown == expected, text
        table.predicate = lambda r: r.crn.endswith("7")
        table.filter("x00 giv")
        assert table.shown and all(r.crn.endswith("7") for r in table.shown)
        table.predicate = None
        table.filter("x00 giv")
        assert len(table.shown) == len(expected)
