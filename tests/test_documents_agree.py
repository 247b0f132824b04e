"""Documents that agree with each other and with the record (issue 17): a meeting held on
another day, calendar entries without names, My Plan fit for a statutory record, the
protective marking from the configuration, the short-sentence agenda, and template emails
written in your role on the team that quote and thread the email they follow up.

Real SQLCipher sites in a temp dir; the documents are parsed back (icalendar, email, HTML).
"""

from __future__ import annotations

import email
from datetime import date
from email import policy
from pathlib import Path
from typing import Any

import pytest
from test_exports_documents import TODAY, Page, build_case

from ahtui.domain.enums import MeetingType, Pathway
from ahtui.exports import assessment, ics, minutes, myplan
from ahtui.exports.documents import export_document
from ahtui.exports.eml import build_eml
from ahtui.forms_loader import agenda_for
from ahtui.store import emails, meetings, people, team, users


def parse_html(text: str) -> Page:
    page = Page()
    page.feed(text)
    return page


@pytest.fixture
def case(site) -> tuple[Any, dict[str, Any]]:
    return site, build_case(site)


def held_early(site, pid: str) -> str:
    """A Meeting 1 planned for 10 Dec 2026 at 14:00 and held a week early, on 3 Dec."""
    mid = meetings.schedule_meeting(
        site,
        pid,
        {"meeting_type": "planning_1", "scheduled_at": "2026-12-10T14:00", "mode": "video"},
    )
    meetings.record_held(
        site, mid, held_on=date(2026, 12, 3), next_meeting_note="2027-01-10 at the prison"
    )
    return mid


def write_config(text: str) -> None:
    from ahtui.config import config_path

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# -- a meeting planned for one day and held on another ------------------------------------------
def test_a_meeting_held_early_is_on_the_day_it_was_held_in_calendar_and_minutes(case) -> None:
    import icalendar

    site, ids = case
    mid = held_early(site, ids["person"])
    text = ics.to_ics(ics.gather(site, ids["person"], mid))
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    # An all-day entry on 3 Dec: never 14:00 on a day the meeting was not planned for.
    assert event.decoded("DTSTART") == date(2026, 12, 3)
    assert event.decoded("DTEND") == date(2026, 12, 4)
    assert "T140000" not in text
    assert "HELD on 03 Dec 2026 (planned for 10 Dec 2026 14:00)" in str(event["DESCRIPTION"])
    notes = minutes.to_markdown(minutes.gather(site, ids["person"], mid), TODAY)
    assert (
        "## Joined-up Planning Meeting 1, planned for 10 Dec 2026 14:00, held on 03 Dec 2026"
        in (notes)
    )
    # The team's note of when it meets next is written in words, like every other date.
    assert "### Next meeting\n\n10 Jan 2027 at the prison" in notes
    assert "2027-01-10" not in notes
    # Held on the day planned: the planned time stands.
    (same,) = icalendar.Calendar.from_ical(
        ics.to_ics(ics.gather(site, ids["person"], ids["held"]))
    ).walk("VEVENT")
    assert same.decoded("DTSTART").replace(tzinfo=None).isoformat() == "2025-02-10T10:00:00"


async def test_the_meetings_list_shows_the_day_a_meeting_was_held(unlocked) -> None:
    from test_app_screens import open_first_person

    from ahtui.screens.meetings import MeetingsScreen

    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    mid = held_early(app.site, pid)
    await pilot.press("g")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, MeetingsScreen)
    screen.reload(select=mid)
    await pilot.pause()
    row = next(r for r in screen.rows if r["id"] == mid)
    cells = [str(c) for c in screen.cells(row)]
    assert cells[0] == "03 Dec 2026" and cells[3] == "HELD"
    detail = screen.detail(row)
    assert "planned for 10 Dec 2026 14:00, held on 03 Dec 2026" in detail
    assert "Next: 10 Jan 2027 at the prison" in detail


# -- calendar entries carry initials and CRN only ---------------------------------------------
def test_calendar_entries_name_the_person_by_initials_and_crn_only(case, tmp_path: Path) -> None:
    import icalendar

    site, ids = case
    text = ics.to_ics(ics.gather(site, ids["person"]))
    unfolded = text.replace("\r\n ", "")
    for secret in ("Zak", "Roberts", "A1234BC", "NOMIS"):
        assert secret not in unfolded, secret
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
    held = events[f"meeting-{ids['held']}@ahtui.invalid"]
    assert str(held["SUMMARY"]) == "Joined-up Planning Meeting 1: Z.R. (CRN X100022)"
    summer = events[f"meeting-{ids['scheduled']}@ahtui.invalid"]
    assert "the person supported" in str(summer["DESCRIPTION"])
    # The site may choose full names in its configuration.
    write_config("calendar_full_names = true\n")
    out = export_document(site, "meetings", "X100022", out=tmp_path, today=TODAY)
    assert "Zak Roberts" in out.path.read_text().replace("\r\n ", "")
    write_config("calendar_full_names = 'sometimes'\n")
    from ahtui.errors import BadInput

    with pytest.raises(BadInput, match="calendar_full_names .* must be true or false"):
        export_document(site, "meetings", "X100022", out=tmp_path, today=TODAY, force=True)


# -- My Plan for a statutory record -----------------------------------------------------------
def test_my_plan_html_carries_legal_name_crn_version_recorder_agreed_date_and_marking(
    case,
) -> None:
    site, ids = case
    people.update_person(site, ids["person"], {"preferred_name": "Zee"})
    html = myplan.to_html(myplan.gather(site, ids["person"]), TODAY)
    text = parse_html(html[html.index("<body>") :]).all_text
    assert "Legal name: Zak Roberts · known as Zee" in text
    assert "CRN X100022 · NOMIS A1234BC" in text
    # Agreed twice (1 Feb, then 1 Mar): version 2, recorded by the admin who agreed it.
    assert "Version 2, agreed on 01 Mar 2025" in text
    assert f"Recorded by: {site.user.display_name}" in text
    assert "Lead: Jo Patel (Prison Offender Manager)" in text
    assert "Team: Morgan Hughes (Personal Advisor)" in text
    # The marking at the top and the bottom, and on every printed page with name and CRN.
    assert text.startswith("OFFICIAL-SENSITIVE") and text.endswith("OFFICIAL-SENSITIVE")
    assert (
        '@top-center { content: "OFFICIAL-SENSITIVE · Zak Roberts · CRN X100022 · NOMIS A1234BC";'
        in (html)
    )
    assert "counter(page)" in html
    # Changed since: the version says so.
    from ahtui.store import myplan as store_myplan

    store_myplan.add_goal(site, ids["person"], "Start a course")
    html = myplan.to_html(myplan.gather(site, ids["person"]), TODAY)
    text = parse_html(html[html.index("<body>") :]).all_text
    assert "Version 2, agreed on 01 Mar 2025; CHANGED since then" in text


def test_my_plan_text_export_has_the_same_record_lines(case) -> None:
    site, ids = case
    text = myplan.to_markdown(myplan.gather(site, ids["person"]), TODAY)
    for line in (
        "- Legal name: Zak Roberts",
        "- Version 2, agreed on 01 Mar 2025",
        "- Recorded by: ",
        "- Lead: Jo Patel (Prison Offender Manager)",
    ):
        assert line in text, line
    assert text.rstrip().endswith("**OFFICIAL-SENSITIVE**")


def test_a_draft_my_plan_says_it_is_not_yet_agreed(site) -> None:
    pid = people.create_person(
        site, {"given_name": "Ali", "family_name": "Khan", "pathway": "remand"}
    )
    text = parse_html(myplan.to_html(myplan.gather(site, pid), TODAY)).all_text
    assert "Version: draft, not yet agreed" in text and "Lead: no lead recorded" in text


def test_a_name_cannot_break_out_of_the_printed_page_header(site) -> None:
    pid = people.create_person(
        site,
        {"given_name": 'A"}</style><script>', "family_name": "X\\Y", "pathway": "short"},
    )
    html = myplan.to_html(myplan.gather(site, pid), TODAY)
    style = html[html.index("<style>") : html.index("</style>")]
    assert "<script>" not in style and '"}' not in style.split("@top-center")[1].split(";")[0]
    assert "<script>" not in html.replace("&lt;script&gt;", "")


def test_the_marking_chosen_in_the_configuration_heads_every_document(case, tmp_path: Path) -> None:
    site, ids = case
    write_config('protective_marking = "OFFICIAL"\n')
    for kind, fmt in (("myplan", "html"), ("assessment", "html"), ("minutes", "md")):
        out = export_document(site, kind, "X100022", fmt=fmt, out=tmp_path, today=TODAY)
        body = out.path.read_text()
        assert "OFFICIAL-SENSITIVE" not in body, kind
        assert body.count("OFFICIAL") >= 2, kind
    # The defaults: OFFICIAL-SENSITIVE on the assessment too, top and bottom.
    doc = assessment.gather(site, ids["person"])
    md = assessment.to_markdown(doc, TODAY)
    assert md.startswith("**OFFICIAL-SENSITIVE**") and md.rstrip().endswith(
        "**OFFICIAL-SENSITIVE**"
    )
    write_config('protective_marking = ""\n')
    from ahtui.errors import BadInput

    with pytest.raises(BadInput, match="protective_marking .* one line of text"):
        export_document(site, "myplan", "X100022", out=tmp_path, today=TODAY, force=True)


# -- the short-sentence agenda -------------------------------------------------------------------
def test_planning_meeting_1_for_a_short_sentence_has_no_parole_rotl_or_mappa() -> None:
    def titles(pathway: Pathway) -> set[str]:
        return {i.title for s in agenda_for(MeetingType.PLANNING_1, pathway) for i in s.items}

    short = titles(Pathway.SHORT)
    for word in ("Parole", "ROTL", "MAPPA"):
        assert not any(word in t for t in short), word
    assert "Supervision, interventions and licence conditions" in short
    for pathway in (Pathway.LONG, Pathway.RECALL):
        kept = titles(pathway)
        assert {"Parole recommendations", "Use of ROTL", "MAPPA arrangements"} <= kept


# -- template emails ---------------------------------------------------------------------------
def _team_case(site) -> tuple[str, dict[str, str]]:
    pid = people.create_person(
        site,
        {
            "given_name": "Zak",
            "family_name": "Roberts",
            "pathway": "short",
            "crn": "X100022",
            "prison": "HMP Testbridge",
        },
    )
    ids = {
        "pp": team.add_practitioner(site, {"name": "Riya Shah", "role": "pp"}),
        "pa": team.add_practitioner(site, {"name": "Morgan Hughes", "role": "pa"}),
        # Recorded at the site as a POM, on this team as the person's Probation Practitioner.
        "me": team.add_practitioner(
            site, {"name": "Jo Patel", "role": "pom", "email": "jo@example.org"}
        ),
    }
    team.add_to_team(site, pid, ids["pa"], from_date=date(2025, 1, 6))
    return pid, ids


def test_an_email_is_written_in_your_role_on_this_team_or_not_at_all(site) -> None:
    pid, ids = _team_case(site)
    person = people.get_person(site, pid)
    assert "not linked to a practitioner" in emails.not_on_team_words(site, person)
    users.link_practitioner(site, site.user.username, ids["me"])
    # Linked, but not on Zak's team: nobody writes as them, and the reason is one plain line.
    assert emails.sender_on_team(site, pid) is None
    words = emails.not_on_team_words(site, person)
    assert words.startswith("You are signed in as Jo Patel, who is not on Zak Roberts's team")
    team.add_to_team(site, pid, ids["me"], role="pp", from_date=date(2025, 1, 6))
    sender = emails.sender_on_team(site, pid)
    assert sender is not None
    pa = next(m for m in team.team(site, pid) if m["practitioner_id"] == ids["pa"])
    values = emails.email_values(site, person, sender, pa, None, today=TODAY)
    assert values["sender_role"] == "Probation Practitioner"  # the team role, not the site's
    assert values["expectations"] == "expectations within prison"
    assert values["planning_for"] == "their resettlement"
    assert emails.signed_in_words(site).endswith("(Jo Patel, Prison Offender Manager)")


def test_the_challenge_quotes_the_first_email_and_threads_with_it(site) -> None:
    from ahtui.domain.forms import render_email
    from ahtui.forms_loader import email_template

    pid, ids = _team_case(site)
    users.link_practitioner(site, site.user.username, ids["me"])
    team.add_to_team(site, pid, ids["me"], role="pom", from_date=date(2025, 1, 6))
    person = people.get_person(site, pid)
    sender = emails.sender_on_team(site, pid)
    pa = next(m for m in team.team(site, pid) if m["practitioner_id"] == ids["pa"])
    first_id = emails.new_email_id(site)
    values = emails.email_values(site, person, sender, pa, None, today=TODAY)
    subject, body = render_email(email_template("introduction"), values)
    assert (
        emails.record_email(
            site,
            pid,
            template="introduction",
            to_name=pa["name"],
            subject=subject,
            sent_on=date(2025, 2, 10),
            to_practitioner_id=ids["pa"],
            email_id=first_id,
        )
        == first_id
    )
    first = emails.get_email(site, first_id)
    values = emails.email_values(site, person, sender, pa, None, first_email=first, today=TODAY)
    subject2, body2 = render_email(email_template("professional_challenge"), values)
    assert "regarding my email below, sent on 10 Feb 2025" in body2
    assert "/" not in body2.split("On 10 Feb 2025")[0]  # no "prison/licence" left to choose
    quoted = body2.split("On 10 Feb 2025, Jo Patel wrote:\n", 1)[1]
    assert quoted.startswith(f"> Subject: {subject}\n>\n> Dear Morgan Hughes,")
    msg = build_eml(
        subject=subject2,
        body=body2,
        to_name=pa["name"],
        to_address=None,
        from_name="Jo Patel",
        from_address=None,
        message_id=emails.message_id(emails.new_email_id(site)),
        in_reply_to=emails.message_id(first_id),
    )
    back = email.message_from_bytes(bytes(msg), policy=policy.default)
    assert back["In-Reply-To"] == back["References"] == f"<email-{first_id}@ahtui.invalid>"
    assert back["Message-ID"] != back["In-Reply-To"]
    # The first email's Message-ID is the same however often it is asked for.
    assert emails.message_id(first_id) == emails.message_id(emails.get_email(site, first_id)["id"])


# -- the consent screen says what sync does with sensitive notes ------------------------------
async def test_the_consent_screen_says_sensitive_notes_stay_with_their_agency(unlocked) -> None:
    from test_app_screens import open_first_person, plain

    from ahtui.screens.consent import ConsentScreen
    from ahtui.sync.sharing import note_allowed

    app, pilot = unlocked
    await open_first_person(app, pilot)
    await pilot.press("c")
    assert isinstance(app.screen, ConsentScreen)
    summary = plain(app.screen.summary)
    assert "Sensitive notes stay with the agency that wrote them, whatever the consent" in summary
    assert "never shared" not in summary
    # What sync does, which the words describe: the same agency's sites, nobody else.
    assert note_allowed("prison", "prison", "prison")
    assert not note_allowed("probation", "prison", "prison")


# -- the README tells the truth about the demo ---------------------------------------------------
def test_the_demo_opens_unlocked_as_the_readme_says(tmp_path: Path, monkeypatch) -> None:
    from ahtui.cli import demo as cli_demo
    from ahtui.cli import main
    from ahtui.demo import DEMO_PASSPHRASE, DEMO_USER

    monkeypatch.delenv("AHTUI_USER", raising=False)
    monkeypatch.delenv("AHTUI_PASSPHRASE", raising=False)
    opened: list[tuple[Any, ...]] = []
    monkeypatch.setattr(cli_demo, "run_app", lambda *a: opened.append(a) or 0)
    assert main(["demo", "--people", "2", "--site", str(tmp_path / "d.ahtui")]) == 0
    # The app is handed the user and passphrase, so it unlocks by itself.
    (args,) = opened
    assert args[2:] == (DEMO_USER, DEMO_PASSPHRASE)
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "`./dev demo` opens the app already unlocked" in readme
    assert "passphrase to type into the unlock screen" not in readme
