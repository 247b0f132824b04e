"""Template emails written as you, in your role on this person's team, and the challenge that
quotes and threads your first email.

Real SQLCipher sites in a temp dir; the drafts are the .eml files the app writes, parsed back
with `email`. Pilot tests drive the real app at 80x24 over a copy of the demo site.
"""

from __future__ import annotations

import email
from datetime import date
from email import policy
from pathlib import Path

from conftest import ADMIN
from test_app_screens import error, fill, open_first_person, screen_text
from test_app_shell import wait_for
from test_documents_agree import _team_case

from ahtui.domain.forms import render_email
from ahtui.forms_loader import email_template
from ahtui.screens.caseload import CaseloadList
from ahtui.screens.emails import EmailsScreen
from ahtui.screens.person import PersonScreen
from ahtui.store import emails, people, team, users
from ahtui.store.site import open_site
from ahtui.widgets.form import FormScreen, QuestionScreen

COLLEAGUE = "riya"
COLLEAGUE_PASSPHRASE = "riya's own long passphrase"


def _said(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


def _read(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


# -- the roles a template is worded for --------------------------------------------------------
def test_a_template_goes_only_from_and_to_the_roles_it_is_worded_for() -> None:
    intro = email_template("introduction")  # "I am the Prison Offender Manager for…", to a PA
    pom = {"name": "Jo Patel", "role": "pom"}
    pa = {"name": "Morgan Hughes", "role": "pa"}
    pp = {"name": "Riya Shah", "role": "pp"}
    assert emails.role_problems(intro, pom, pa, None) == {}
    wrong = emails.role_problems(intro, pa, pp, pom)
    assert wrong["template"].endswith(
        "is written by a Prison Offender Manager; you are on this team as Personal Advisor."
    )
    assert wrong["to"] == (
        "It goes to a Personal Advisor; Riya Shah is on this team as Probation Practitioner."
    )
    assert "copies nobody in" in wrong["cc"]
    first_contact = email_template("pp_first_contact")
    assert emails.role_problems(first_contact, pa, pp, pom) == {}
    assert (
        "It goes to a Prison Offender Manager or a Personal Advisor"
        in (emails.role_problems(first_contact, pa, pp, pp)["cc"])
    )


# -- who wrote the first email ----------------------------------------------------------------
def _case(site, site_path: Path) -> tuple[str, dict[str, str]]:
    # Zak, with Morgan Hughes as his PA; Jo Patel (a POM, signed in) and Riya Shah (a PP, a
    # user of her own) join his team here.
    pid, ids = _team_case(site)
    for key in ("me", "pp"):
        team.add_to_team(site, pid, ids[key], from_date=date(2025, 1, 6))
    users.link_practitioner(site, ADMIN, ids["me"])
    users.add_user(site, COLLEAGUE, COLLEAGUE_PASSPHRASE, practitioner_id=ids["pp"])
    return pid, ids


def _send_intro(site, pid: str, ids: dict[str, str]) -> tuple[str, str]:
    person = people.get_person(site, pid)
    sender = emails.sender_on_team(site, pid)
    pa = next(m for m in team.team(site, pid) if m["practitioner_id"] == ids["pa"])
    subject, body = render_email(
        email_template("introduction"), emails.email_values(site, person, sender, pa, None)
    )
    first = emails.record_email(
        site,
        pid,
        template="introduction",
        to_name=pa["name"],
        subject=subject,
        sent_on=date(2025, 2, 10),
        to_practitioner_id=ids["pa"],
    )
    return first, body


def test_only_the_writer_of_an_email_challenges_it_and_the_quote_is_theirs(
    site, site_path: Path
) -> None:
    pid, ids = _case(site, site_path)
    first, body = _send_intro(site, pid, ids)
    assert emails.written_by(site, first) == ids["me"]
    assert emails.not_yours_words(site, emails.get_email(site, first)) is None
    colleague = open_site(site_path, COLLEAGUE, COLLEAGUE_PASSPHRASE)
    try:
        row = emails.get_email(colleague, first)
        assert emails.not_yours_words(colleague, row) == (
            'Jo Patel wrote this email, and the challenge follows up "my email below": it is '
            "theirs to send."
        )
        # Quoted by anyone, it is Jo's email as Jo wrote it, not re-signed by the reader.
        person = people.get_person(colleague, pid)
        riya = emails.sender_on_team(colleague, pid)
        quoted = emails.quoted_email(colleague, person, riya, row, date(2025, 3, 3))
    finally:
        colleague.close()
    assert quoted.startswith("On 10 Feb 2025, Jo Patel wrote:\n")
    assert "Riya Shah" not in quoted and "> I'm emailing because I am the Prison Offender" in quoted
    lines = [line.removeprefix(">").removeprefix(" ") for line in quoted.splitlines()[3:]]
    assert lines == body.strip().splitlines()


# -- in the app ---------------------------------------------------------------------------------
async def _someone_off_my_team(app, pilot) -> str:
    # The demo caseload has people whose team leaves out the demo user's practitioner.
    mine = app.site.user.practitioner_id
    table = app.screen.query_one(CaseloadList)
    row = next(
        r
        for r in table.shown
        if not app.site.one(
            "SELECT 1 FROM team_members WHERE person_id = ? AND practitioner_id = ? "
            "AND to_date IS NULL AND deleted_at IS NULL",
            (r.person_id, mine),
        )
    )
    table.move_to(table.shown.index(row))
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
    await pilot.press("e")
    assert isinstance(app.screen, EmailsScreen)
    return row.person_id


async def test_off_the_team_you_are_asked_to_join_then_write_in_your_role(unlocked) -> None:
    app, pilot = unlocked
    pid = await _someone_off_my_team(app, pilot)
    me = emails.signed_in_practitioner(app.site)
    assert f"Signed in as Sam Admin ({me['name']}, Prison Offender Manager)" in screen_text(app)
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, QuestionScreen))
    assert app.screen.text.startswith(f"You are signed in as {me['name']}, who is not on ")
    assert "Template emails are written in your role on the team" in app.screen.text
    await pilot.press("escape")  # Back changes nothing
    assert isinstance(app.screen, EmailsScreen)
    assert emails.sender_on_team(app.site, pid) is None
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, QuestionScreen))
    await pilot.press("j")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    joined = emails.sender_on_team(app.site, pid)
    assert joined is not None and joined["role"] == me["role"]
    assert "You joined" in _said(app)
    intro = str(app.screen.query_one(".form-intro").render())
    assert intro.startswith(f"From {me['name']}, Prison Offender Manager on")


async def test_the_form_refuses_a_template_worded_for_another_role(unlocked) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("e", "n")
    not_a_pa = app.site.one(
        "SELECT practitioner_id FROM team_members WHERE person_id = ? AND role != 'pa' "
        "AND to_date IS NULL AND deleted_at IS NULL AND practitioner_id != ?",
        (pid, app.site.user.practitioner_id),
    )["practitioner_id"]
    before = len(emails.emails_for(app.site, pid))
    form = await fill(pilot, {"template": "introduction", "to": not_a_pa})
    assert "It goes to a Personal Advisor;" in error(form, "to")
    assert len(emails.emails_for(app.site, pid)) == before  # nothing recorded


async def test_the_challenge_quotes_and_threads_the_first_email(unlocked, tmp_path: Path) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    await pilot.press("e")
    pa = app.site.one(
        "SELECT practitioner_id FROM team_members WHERE person_id = ? AND role = 'pa' "
        "AND to_date IS NULL",
        (pid,),
    )["practitioner_id"]
    first_file, challenge_file = tmp_path / "intro.eml", tmp_path / "challenge.eml"
    await pilot.press("n")
    await fill(
        pilot,
        {"template": "introduction", "to": pa, "sent_on": "2025-02-10", "path": str(first_file)},
    )
    assert isinstance(app.screen, EmailsScreen)
    row = next(r for r in app.screen.rows if r["sent_on"] == "2025-02-10")
    app.screen.query_one("#emails-table").move_cursor(row=app.screen.rows.index(row))
    await pilot.pause()
    await pilot.press("c")
    await fill(pilot, {"path": str(challenge_file)})
    first, challenge = _read(first_file), _read(challenge_file)
    # Threaded: the challenge answers the first draft's own Message-ID.
    assert challenge["In-Reply-To"] == challenge["References"] == first["Message-ID"]
    assert challenge["Subject"].startswith("Following up: ")
    # Quoted: the first email's text, line by line, after "> ", under who wrote it and when.
    me = emails.signed_in_practitioner(app.site)["name"]
    body = challenge.get_content()
    head = f"On 10 Feb 2025, {me} wrote:\n"
    assert head in body
    quoted = body.split(head, 1)[1].splitlines()
    assert quoted[0] == f"> Subject: {first['Subject']}"
    first_lines = first.get_content().strip().splitlines()
    assert [q.removeprefix(">").removeprefix(" ") for q in quoted[2:]] == first_lines


async def test_a_colleagues_email_is_theirs_to_challenge(unlocked) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    colleague = team.add_practitioner(app.site, {"name": "Riya Shah", "role": "pp"})
    team.add_to_team(app.site, pid, colleague, from_date=date(2025, 1, 6))
    users.add_user(app.site, COLLEAGUE, COLLEAGUE_PASSPHRASE, practitioner_id=colleague)
    theirs = open_site(app.site_path, COLLEAGUE, COLLEAGUE_PASSPHRASE)
    try:
        sent = emails.record_email(
            theirs,
            pid,
            template="pp_first_contact",
            to_name="Someone",
            subject="Joined-up support and resettlement planning",
            sent_on=date(2025, 2, 3),
        )
    finally:
        theirs.close()
    await pilot.press("e")
    assert isinstance(app.screen, EmailsScreen)
    row = next(r for r in app.screen.rows if r["id"] == sent)
    app.screen.query_one("#emails-table").move_cursor(row=app.screen.rows.index(row))
    await pilot.pause()
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, EmailsScreen)  # no form
    assert "Riya Shah wrote this email" in _said(app)
    # Nor is it offered to follow up in a new challenge.
    await pilot.press("n")
    form = await fill(pilot, {}, save=False)
    offered = [value for _label, value in form.query_one("#field-first_email")._options]
    assert sent not in offered
