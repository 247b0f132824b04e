"""Document exports written from a real site and read back: My Plan (Markdown, printable HTML),
the Combined Assessment (grouped for OASys and for the Pathway Plan), meetings as .ics (parsed
by `icalendar`, as a calendar would) and minutes (Markdown); safe writing; the export screen
driven through the app, and its snapshot at 80x24.
"""

from __future__ import annotations

import os
import stat
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN, PASSPHRASE

from ahtui.errors import BadInput
from ahtui.exports import assessment, ics, minutes, myplan
from ahtui.exports.documents import export_document
from ahtui.exports.files import write_file
from ahtui.exports.text import escape_markdown

TODAY = date(2025, 3, 3)
EVIL_GOAL = 'Learn to cook <script>alert("x")</script> & "eat well"'


# -- a case built through the services ------------------------------------------------------
def build_case(site) -> dict[str, Any]:
    from ahtui.store import actions, meetings, people, team
    from ahtui.store import assessment as store_assessment
    from ahtui.store import myplan as store_myplan

    pid = people.create_person(
        site,
        {
            "given_name": "Zak",
            "family_name": "Roberts",
            "pathway": "long",
            "crn": "X100022",
            "nomis_number": "A1234BC",
            "date_of_birth": date(2002, 5, 17),
        },
    )
    pom = team.add_practitioner(
        site, {"name": "Jo Patel", "role": "pom", "email": "jo@prison.example.org"}
    )
    pa = team.add_practitioner(site, {"name": "Morgan Hughes", "role": "pa"})
    team.add_to_team(site, pid, pom, is_lead=True, from_date=date(2025, 1, 6))
    team.add_to_team(site, pid, pa, from_date=date(2025, 1, 6))
    # My Plan: About Me, two dated rounds of the Wheel of Life, goals with steps, support.
    store_myplan.save_about_me(
        site, pid, about_me="I like football.\nI want a place of my own.", what_helps="Honesty"
    )
    for area, first, second in (("Home", 3, 6), ("Money", 5, 4), ("Health", 7, 7)):
        store_myplan.add_wheel_score(site, pid, area, first, date(2025, 1, 10))
        store_myplan.add_wheel_score(site, pid, area, second, date(2025, 3, 1))
    flat = store_myplan.add_goal(
        site, pid, "Get my own flat", why="Somewhere safe", target_on=date(2025, 9, 1)
    )
    store_myplan.add_goal_step(
        site, flat, "Apply for housing", who_helps="Morgan (PA)", target_on=date(2025, 4, 1)
    )
    store_myplan.add_goal_step(site, flat, "Open a bank account", who_helps="Jo (POM)")
    store_myplan.add_goal(site, pid, EVIL_GOAL, target_on=date(2025, 6, 1))
    store_myplan.add_support(site, pid, "Weekly calls about housing", from_whom="Morgan Hughes")
    store_myplan.add_progress(
        site, pid, "Housing form sent", noted_on=date(2025, 2, 20), goal_id=flat
    )
    store_myplan.agree_plan(site, pid, agreed_on=date(2025, 2, 1))
    store_myplan.agree_plan(site, pid, agreed_on=date(2025, 3, 1))
    # The assessment: two areas.
    store_assessment.answer_item(site, pid, "acc.pp.1", value="Shares a cell; wants a room.")
    store_assessment.answer_item(site, pid, "acc.oasys.3.3", value="some", disclosed=True)
    store_assessment.answer_item(site, pid, "acc.oasys.3.linked_harm", value="no")
    store_assessment.save_area(
        site,
        pid,
        "acc",
        issues="No fixed address on release.",
        positives="Motivated | keen",
        linked_to_offending=True,
    )
    store_assessment.answer_item(site, pid, "ete.pp.1", value="Studying maths in custody")
    store_assessment.answer_item(site, pid, "ete.oasys.4.2", value="sig", disclosed=False)
    store_assessment.answer_item(site, pid, "cared.pp.1", value="7")
    # A held Meeting 1 with agenda notes and three actions; a scheduled Meeting 2 in summer.
    held = meetings.schedule_meeting(
        site,
        pid,
        {
            "meeting_type": "planning_1",
            "scheduled_at": "2025-02-10T10:00",
            "mode": "video",
            "location": "Teams; link in the invite",
        },
        attendee_ids=[pom, pa],
    )
    meetings.record_item(site, held, "connect.introductions", notes="Everyone introduced.")
    meetings.record_item(
        site,
        held,
        "understand.care_journey",
        notes="Moved placements 6 times.\nStable with foster carer 2015-2018.",
        outcome="PA to share the Pathway Plan",
    )
    for a in meetings.attendees(site, held):
        meetings.record_attendance(site, a["id"], "attended" if a["role"] == "pom" else "apologies")
    meetings.set_outcomes(site, held, ["The joined-up team has met and shared information."])
    meetings.record_held(
        site, held, held_on=date(2025, 2, 10), next_meeting_note="Meeting 2 in March"
    )
    for step, who, due in (
        ("Send the Pathway Plan to the team", pa, date(2025, 2, 17)),
        ("Book Meeting 2 with Zak", pom, date(2025, 3, 10)),
        ("Check housing register", pa, None),
    ):
        actions.add_action(
            site,
            pid,
            {"step": step, "responsible_practitioner_id": who, "due_on": due, "meeting_id": held},
        )
    later = meetings.schedule_meeting(
        site,
        pid,
        {
            "meeting_type": "planning_2",
            "scheduled_at": "2025-07-01T14:30",
            "mode": "in_person",
            "location": "Visits hall, HMP Testbridge",
        },
        attendee_ids=[pom, pa],
        with_person=True,
    )
    dropped = meetings.schedule_meeting(
        site, pid, {"meeting_type": "review", "scheduled_at": "2025-05-01T09:00", "mode": "phone"}
    )
    meetings.cancel_meeting(site, dropped)
    return {"person": pid, "held": held, "scheduled": later, "cancelled": dropped}


@pytest.fixture
def case(site):
    return site, build_case(site)


# -- reading HTML back ----------------------------------------------------------------------
class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        self._in_heading = tag in ("h1", "h2", "h3")
        if self._in_heading:
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3"):
            self._in_heading = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_heading:
            self.headings[-1] += data

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def parse_html(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


# -- My Plan ------------------------------------------------------------------------------------
def test_myplan_markdown_has_wheel_goals_support_and_agreed_date(case) -> None:
    site, ids = case
    doc = myplan.gather(site, ids["person"])
    text = myplan.to_markdown(doc, TODAY)
    assert text.startswith("**OFFICIAL-SENSITIVE**\n\n# My Plan: Zak Roberts\n")
    assert "CRN X100022 · NOMIS A1234BC · born 17 May 2002" in text
    assert "Agreed with Zak on 01 Mar 2025. Earlier agreed versions: 01 Feb 2025." in text
    # The chart: a text bar with the number written, the date and the change in words.
    assert "Home    [######....]  6/10  01 Mar 2025, up 3 since 10 Jan 2025" in text
    assert "Money   [####......]  4/10  01 Mar 2025, down 1 since 10 Jan 2025" in text
    assert "Health  [#######...]  7/10  01 Mar 2025, same as 10 Jan 2025" in text
    assert "| Area | 10 Jan 2025 | 01 Mar 2025 |" in text and "| Home | 3 | 6 |" in text
    assert "### Goal 1: Get my own flat" in text
    assert "| Apply for housing | Morgan (PA) | 01 Apr 2025 | not yet |" in text
    assert "Target date: 01 Sep 2025" in text and "Why it matters: Somewhere safe" in text
    assert "- 20 Feb 2025: Housing form sent" in text
    assert "| Weekly calls about housing | Morgan Hughes |" in text
    # The goal with markup in it is literal text, not HTML, in Markdown too.
    assert r"\<script\>" in text and "<script>" not in text
    assert "I like football.  \nI want a place of my own." in text
    # Changed after it was agreed: the document says so.
    from ahtui.store import myplan as store_myplan

    store_myplan.add_goal(site, ids["person"], "Start a course")
    text = myplan.to_markdown(myplan.gather(site, ids["person"]), TODAY)
    assert "Agreed with Zak on 01 Mar 2025. CHANGED since then: agree it again." in text


def test_myplan_html_is_printable_self_contained_and_escaped(case) -> None:
    site, ids = case
    html = myplan.to_html(myplan.gather(site, ids["person"]), TODAY)
    page = parse_html(html)
    assert "script" not in page.tags  # the goal's <script> is text, not an element
    assert EVIL_GOAL in page.all_text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;eat well&quot;" in html
    assert "Goal 1: Get my own flat" in page.headings
    assert f"Goal 2: {EVIL_GOAL}" in page.headings
    text = page.all_text
    for words in (
        "Agreed with Zak on 01 Mar 2025",
        "Apply for housing Morgan (PA) 01 Apr 2025 not yet",
        "Weekly calls about housing Morgan Hughes",
        "Housing form sent",
        "Home 3 6 up 3 since 10 Jan 2025",
    ):
        assert words in text, words
    # The chart is inline SVG whose bars carry their numbers in text.
    assert "svg" in page.tags and "6/10" in text and "4/10" in text and "7/10" in text
    assert "Home: 6 out of 10; Money: 4 out of 10; Health: 7 out of 10" in text
    # Printable and standalone: print CSS, nothing fetched from elsewhere.
    assert "@media print" in html and "@page" in html
    assert not [v for k, v in page.attrs if k in ("src", "href") and v and "://" in v]
    assert "link" not in page.tags


def test_myplan_of_an_empty_plan_says_so(site) -> None:
    from ahtui.store import people

    pid = people.create_person(
        site, {"given_name": "Ali", "family_name": "Khan", "pathway": "remand"}
    )
    doc = myplan.gather(site, pid)
    text = myplan.to_markdown(doc, TODAY)
    assert "Not yet agreed with Ali." in text and "_No scores yet._" in text
    assert "_No goals yet._" in text
    page = parse_html(myplan.to_html(doc, TODAY))
    assert "No scores yet." in page.all_text


# -- the Combined Assessment -----------------------------------------------------------------
def test_assessment_markdown_groups_oasys_sections_and_pathway_plan_areas(case) -> None:
    site, ids = case
    text = assessment.to_markdown(assessment.gather(site, ids["person"]), TODAY)
    oasys, pathway = text.split("## Part 2: for the Pathway Plan (Personal Advisor)")
    assert "## Part 1: for OASys" in oasys
    # OASys: by section number, with the official codes, printed scale labels, disclosed mark.
    headings = [line for line in oasys.splitlines() if line.startswith("### ")]
    assert headings[:3] == [
        "### Section 3: Accommodation",
        "### Section 4: Education, training and employment",
        "### Section 5: Financial Management and Income",
    ]
    assert "- **3.3** Currently of no fixed abode or in transient accommodation: **Some**" in oasys
    assert "  Disclosed: Yes · Answered " in oasys
    assert "- **4.2** Is the person unemployed, or will be unemployed on release: **Sig**" in oasys
    assert "- **3.4** Suitability of accommodation: _Not answered_" in oasys
    # The area record answers the section's issues and "linked to offending" questions.
    assert "**No fixed address on release.**" in oasys
    assert "Accommodation issues linked to offending behaviour: **Yes**" in oasys
    assert "Accommodation issues linked to risk of serious harm" in oasys
    assert r"**Positive factors:** Motivated \| keen" in oasys
    assert "Shares a cell" not in oasys  # Pathway Plan answers stay in part 2
    # The Pathway Plan: by area, numbered questions, answers.
    assert "### Accommodation" in pathway and "### Identity (Pathway Plan only)" in pathway
    assert (
        "- **1.** Do you have enough space to yourself where you live?: **Shares a cell; wants a room.**"
        in pathway
    )
    assert "**Studying maths in custody**" in pathway
    assert "**7 of 10**" in pathway
    assert "1 of 13 answered; whole area STARTED." in pathway
    assert "Some" not in pathway.split("### Employment")[0].split("**1.**")[1].split("\n")[0]


def test_assessment_html_has_both_parts_and_answers(case) -> None:
    site, ids = case
    html = assessment.to_html(assessment.gather(site, ids["person"]), TODAY)
    page = parse_html(html)
    assert "Part 1: for OASys (Prison Offender Manager or Probation Practitioner)" in page.headings
    assert "Part 2: for the Pathway Plan (Personal Advisor)" in page.headings
    assert "Section 13: Health and other considerations" in page.headings
    text = page.all_text
    assert (
        "3.3 Currently of no fixed abode or in transient accommodation Some Disclosed: Yes" in text
    )
    assert "Shares a cell; wants a room." in text
    assert "@media print" in html


def test_assessment_ticks_and_grids_in_words_and_overall_progress(site) -> None:
    from ahtui.forms_loader import load_assessment
    from ahtui.store import assessment as store_assessment
    from ahtui.store import people

    pid = people.create_person(
        site, {"given_name": "Ali", "family_name": "Khan", "pathway": "short"}
    )
    form = load_assessment()
    multi = form.item("health.oasys.10.7")
    store_assessment.answer_item(site, pid, multi.code, value=[o.code for o in multi.options[:2]])
    store_assessment.answer_item(
        site,
        pid,
        "health.oasys.8.1.drugs",
        value={"A": {"current_usage": "daily", "currently_injected": True}},
    )
    doc = assessment.gather(site, pid)
    text = assessment.to_markdown(doc, TODAY)
    assert "; ".join(escape_markdown(o.label) for o in multi.options[:2]) in text
    assert "Heroin: Current usage: Daily, Currently injected" in text
    assert "questions answered; 0 of 9 areas COMPLETE." in text
    assert "_Not asked (depends on an earlier answer)_" in text


# -- meetings as a calendar ----------------------------------------------------------------------
def test_meetings_ics_is_read_by_a_calendar_parser(case) -> None:
    import icalendar

    site, ids = case
    # A site that chose full names in its calendars (calendar_full_names = true).
    text = ics.to_ics(ics.gather(site, ids["person"]), site_name=site.name, full_names=True)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert text.endswith("END:VCALENDAR\r\n") and "\n" not in text.replace("\r\n", "")
    cal = icalendar.Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    # The cancelled review is marked so, for calendars that took it before; each UID comes
    # from the meeting's id.
    assert set(events) == {
        f"meeting-{ids['held']}@ahtui.invalid",
        f"meeting-{ids['scheduled']}@ahtui.invalid",
        f"meeting-{ids['cancelled']}@ahtui.invalid",
    }
    assert str(events[f"meeting-{ids['cancelled']}@ahtui.invalid"]["STATUS"]) == "CANCELLED"
    assert str(events[f"meeting-{ids['held']}@ahtui.invalid"]["STATUS"]) == "CONFIRMED"
    held = events[f"meeting-{ids['held']}@ahtui.invalid"]
    start, end = held.decoded("DTSTART"), held.decoded("DTEND")
    assert start.tzinfo is not None
    assert start.utcoffset().total_seconds() == 0  # February: GMT
    assert (start.replace(tzinfo=None), end.replace(tzinfo=None)) == (
        datetime(2025, 2, 10, 10, 0),
        datetime(2025, 2, 10, 11, 30),
    )
    assert str(held["SUMMARY"]) == "Joined-up Planning Meeting 1: Zak Roberts"
    assert str(held["LOCATION"]) == "Teams; link in the invite"
    desc = str(held["DESCRIPTION"])
    assert (
        "Attendees: Morgan Hughes (Personal Advisor), apologies; "
        "Jo Patel (Prison Offender Manager), attended"
    ) in desc
    assert "HELD on 10 Feb 2025" in desc and "CRN X100022" in desc
    summer = events[f"meeting-{ids['scheduled']}@ahtui.invalid"]
    start = summer.decoded("DTSTART")
    assert start.utcoffset().total_seconds() == 3600  # July: British Summer Time
    assert start.astimezone().utctimetuple()[:5] == (2025, 7, 1, 13, 30)
    assert "Zak (the person supported)" in str(summer["DESCRIPTION"])
    assert str(summer["LOCATION"]) == "Visits hall, HMP Testbridge"
    # Exported again: the same UIDs, so a calendar updates rather than duplicates.
    again = icalendar.Calendar.from_ical(ics.to_ics(ics.gather(site, ids["person"])))
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)


def test_ics_escapes_and_folds_long_text() -> None:
    import icalendar

    line = "DESCRIPTION:" + ics.escape_text("Notes; with, commas\\and\nlines " + "é" * 80)
    folded = ics.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    body = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//t//t//EN",
            "BEGIN:VEVENT",
            "UID:x",
            "DTSTAMP:20250303T000000Z",
            folded,
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]) == "Notes; with, commas\\and\nlines " + "é" * 80


def test_one_meeting_and_refusals(case) -> None:
    site, ids = case
    assert len(ics.gather(site, ids["person"], ids["scheduled"])) == 1
    with pytest.raises(BadInput, match="cancelled"):
        ics.gather(site, ids["person"], ids["cancelled"])
    with pytest.raises(BadInput, match="no meeting with id nope"):
        minutes.gather(site, ids["person"], "nope")


# -- minutes --------------------------------------------------------------------------------------
def test_minutes_have_agenda_notes_attendance_and_actions(case) -> None:
    site, ids = case
    records = minutes.gather(site, ids["person"])
    assert [r["meeting"]["id"] for r in records] == [ids["held"]]  # held meetings only
    text = minutes.to_markdown(records, TODAY)
    assert text.startswith("**OFFICIAL-SENSITIVE**\n\n# Meeting minutes: Zak Roberts\n")
    assert text.endswith("\n\n**OFFICIAL-SENSITIVE**\n")
    assert "## Joined-up Planning Meeting 1, 10 Feb 2025 10:00" in text
    assert "- Status: **HELD**" in text and "- Mode: Video" in text
    assert "- Jo Patel (Prison Offender Manager): attended" in text
    assert "- Morgan Hughes (Personal Advisor): apologies" in text
    assert "#### Connect as a team" in text
    assert "- **Introductions**: COVERED\n  - Notes: Everyone introduced." in text
    assert (
        "- **The person's care journey**: COVERED\n"
        "  - Notes: Moved placements 6 times.  \n    Stable with foster carer 2015-2018.\n"
        "  - Outcome: PA to share the Pathway Plan"
    ) in text
    assert "- **Share contact details**: not covered" in text
    assert (
        "### Outcomes\n\n- ACHIEVED: The joined-up team has met and shared information.\n"
        "- not recorded as achieved: Practitioners understand one another's roles and plans."
    ) in text
    assert "### Next meeting\n\nMeeting 2 in March" in text
    assert "| Send the Pathway Plan to the team | Morgan Hughes | 17 Feb 2025 | OVERDUE |" in text
    assert "| Book Meeting 2 with Zak | Jo Patel | 10 Mar 2025 | open |" in text
    assert "| Check housing register | Morgan Hughes | no date | open |" in text
    later = minutes.to_markdown(records, date(2025, 3, 20))
    assert "| Book Meeting 2 with Zak | Jo Patel | 10 Mar 2025 | OVERDUE |" in later
    one = minutes.to_markdown(minutes.gather(site, ids["person"], ids["scheduled"]), TODAY)
    assert "- Status: **SCHEDULED**" in one and ": invited" in one


# -- writing ------------------------------------------------------------------------------------
def test_markdown_escaping_keeps_user_text_literal() -> None:
    assert (
        escape_markdown("*not bold* [link](x) <b> | #1") == r"\*not bold\* \[link\](x) \<b\> \| \#1"
    )
    assert escape_markdown("- not a list\n1. not a number\n2024 was hard") == (
        "\\- not a list\n1\\. not a number\n2024 was hard"
    )


def test_write_file_whole_or_nothing_and_keeps_what_exists(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "plan.md"
    write_file(target, "first\n")
    assert target.read_text() == "first\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with pytest.raises(BadInput, match="already exists"):
        write_file(target, "second\n")
    assert target.read_text() == "first\n"
    write_file(target, "second\n", force=True)
    assert target.read_text() == "second\n"
    with pytest.raises(BadInput, match="is a folder"):
        write_file(tmp_path, "x")
    assert sorted(p.name for p in target.parent.iterdir()) == ["plan.md"]  # no temp files left


def test_export_document_by_crn_to_a_folder(case, tmp_path: Path) -> None:
    site, ids = case
    done = export_document(site, "myplan", "x100022", fmt="html", out=tmp_path, today=TODAY)
    assert done.path == tmp_path / "myplan-x100022-2025-03-03.html"
    assert "Get my own flat" in done.path.read_text(encoding="utf-8")
    assert str(done.path) in done.message
    with pytest.raises(BadInput, match="can be written as md or html, not ics"):
        export_document(site, "myplan", "x100022", fmt="ics", out=tmp_path, today=TODAY)
    done = export_document(
        site, "minutes", ids["person"], meeting_id=ids["held"], out=tmp_path, today=TODAY
    )
    assert done.path.name == f"minutes-x100022-meeting-{ids['held'][:8]}-2025-03-03.md"


# -- the export screen ------------------------------------------------------------------------
SIZE = (80, 24)


@pytest.fixture
def case_path(site) -> tuple[Path, dict[str, Any]]:
    ids = build_case(site)
    site.close()
    return site.path, ids


def _app(path: Path):
    from ahtui.app import AhtuiApp

    return AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)


async def _to_exports(pilot, person_id: str) -> None:
    from test_app_shell import caseload_ready, wait_for

    from ahtui.screens.exports import ExportScreen

    await wait_for(pilot, lambda: caseload_ready(pilot.app))
    await pilot.press("enter")  # the only person
    await pilot.pause()
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExportScreen))
    assert pilot.app.screen.person_id == person_id


async def test_export_screen_writes_each_kind(case_path, tmp_path: Path) -> None:
    from test_app_screens import fill, wait_for

    from ahtui.screens.exports import ExportScreen

    path, ids = case_path
    app = _app(path)
    async with app.run_test(size=SIZE) as pilot:
        await _to_exports(pilot, ids["person"])
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        labels = [(c.label, c.fmt) for c in screen.choices]
        assert ("My Plan", "html") in labels and ("Meetings (2)", "ics") in labels
        # Highlight "My Plan as HTML", press Enter, accept the suggested path under the
        # export folder, save.
        screen.select(("myplan", "html", None))
        await pilot.press("enter")
        form = await fill(pilot, {}, save=False)
        suggested = form.values()["path"]
        assert suggested.endswith("myplan-x100022-2025-03-03.html")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        written = Path(suggested)
        assert "Get my own flat" in written.read_text(encoding="utf-8")
        assert str(written) in str(app.screen.query_one("#exports-status").render())
        # The same again: refused beside the path field, the file kept, until Replace is Yes.
        await pilot.press("enter")
        form = await fill(pilot, {})
        assert "already exists" in str(form.query_one("#error-path").render())
        await fill(pilot, {"replace": True})
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        # The calendar, to a path typed in.
        screen.select(("meetings", "ics", None))
        await pilot.press("enter")
        target = tmp_path / "cal" / "zak.ics"
        await fill(pilot, {"path": str(target)})
        await wait_for(pilot, lambda: target.exists())
        import icalendar

        cal = icalendar.Calendar.from_ical(target.read_text(encoding="utf-8"))
        assert len(cal.walk("VEVENT")) == 3  # two meetings, and the cancelled one marked
        # Minutes of the held meeting.
        screen.select(("minutes", "md", ids["held"]))
        await pilot.press("enter")
        target = tmp_path / "minutes.md"
        await fill(pilot, {"path": str(target)})
        await wait_for(pilot, lambda: target.exists())
        assert "Send the Pathway Plan to the team" in target.read_text(encoding="utf-8")
        # Letter keys go straight to a kind; every key is in the palette and F1.
        from ahtui import keymap

        await pilot.press("c")
        form = await fill(pilot, {}, save=False)
        assert form.form_title == "Export Meetings (2) as calendar (.ics)"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        names = {a.palette_name for a in keymap.actions(keymap.screen_scopes(app.screen))}
        assert {
            "Export: export the highlighted document",
            "Export: My Plan as HTML",
            "Export: minutes as Markdown",
        } <= names


def test_snapshot_export_screen(snap_compare, case_path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, ids = case_path
    # Suggested paths show the export folder: keep it the same on every run.
    monkeypatch.setenv("AHTUI_DATA_DIR", "/tmp/ahtui-snapshot-data")

    async def run_before(pilot) -> None:
        await _to_exports(pilot, ids["person"])
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.2)

    assert snap_compare(_app(path), terminal_size=SIZE, run_before=run_before)
