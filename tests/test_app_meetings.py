"""Meetings end to end: schedule, run through the agenda, record held, and the schedule follows.

Pilot tests drive the real app at 80x24 on a copy of the demo site (fixed seed and date), with
the people under test added through the services: a long-sentence person in resettlement
planning runs Planning Meeting 1 with the long-sentence agenda, creating three actions; a
short-sentence person has a review and a final review. Snapshot tests pin the meetings list, the
scheduling form and the runner. A few service checks come first (they need no terminal).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_app_screens import fill, plain
from test_app_shell import TODAY, caseload_ready, press_and_hold, wait_for

from ahtui.app import AhtuiApp
from ahtui.errors import BadInput, NotFound
from ahtui.screens.caseload import CaseloadList, CaseloadScreen
from ahtui.screens.meeting_runner import MeetingRunnerScreen
from ahtui.screens.meetings import MeetingsScreen
from ahtui.screens.person import PersonScreen
from ahtui.store import actions, meetings, people, team
from ahtui.store.caseload import caseload, schedule_for
from ahtui.widgets.form import FormScreen

SIZE = (80, 24)
MEETING_1 = "Hold Joined-up Planning Meeting 1"


# -- people under test ---------------------------------------------------------------------------
def add_person(site, pathway: str, family: str, **dates) -> tuple[str, dict[str, str]]:
    """A person with a POM, PP, PA and CES in the team; returns the id and the practitioners."""
    pid = people.create_person(
        site,
        {"given_name": "Tunde", "family_name": family, "pathway": pathway, **dates},
        on=date(2024, 6, 10),
    )
    members = {}
    for role, name in (
        ("pom", "Pat Pomfrey"),
        ("pp", "Priya Parmar"),
        ("pa", "Alex Adeyemi"),
        ("ces", "Chris Cole"),
    ):
        members[role] = team.add_practitioner(site, {"name": f"{name}", "role": role})
        team.add_to_team(site, pid, members[role], from_date=date(2024, 6, 10))
    return pid, members


def long_sentence_person(site) -> tuple[str, dict[str, str]]:
    # Sentenced 1 Jun 2024, conditional release 1 Aug 2025: Meeting 1 overdue since Aug 2024,
    # and past the handover date (1 Feb 2025), so in resettlement planning on 3 Mar 2025.
    return add_person(
        site,
        "long",
        "Okafor",
        sentence_date=date(2024, 6, 1),
        conditional_release_date=date(2025, 8, 1),
        sentence_length_months=28,
        crn="X900001",
    )


def short_sentence_person(site) -> tuple[str, dict[str, str]]:
    # Review owed before release on 1 Apr; the licence ends 10 Apr, so the Final Review is
    # due on 10 Mar.
    return add_person(
        site,
        "short",
        "Mensah",
        sentence_date=date(2024, 12, 2),
        release_date=date(2025, 4, 1),
        licence_end_date=date(2025, 4, 10),
        crn="X900002",
    )


# -- the service, without a terminal ---------------------------------------------------------------
def test_items_are_saved_as_you_go_and_checked_against_the_agenda(site) -> None:
    pid, _ = long_sentence_person(site)
    mid = meetings.schedule_meeting(
        site,
        pid,
        {"meeting_type": "planning_1", "scheduled_at": "2025-03-03T10:00", "mode": "video"},
    )
    first = meetings.record_item(site, mid, "connect.introductions", notes="First go")
    again = meetings.record_item(site, mid, "connect.introductions", notes="Second go")
    assert first == again
    meetings.tick_item(site, mid, "connect.introductions", False)
    [item] = meetings.items(site, mid)
    assert (item["notes"], item["covered"]) == ("Second go", 0)
    with pytest.raises(BadInput, match="not on the agenda"):
        meetings.record_item(site, mid, "close.celebrate")
    with pytest.raises(BadInput, match="Not an outcome"):
        meetings.set_outcomes(site, mid, ["Something else"])
    detail = meetings.meeting_detail(site, mid)
    assert detail.items["connect.introductions"]["notes"] == "Second go"
    assert detail.expected_outcomes and detail.outcomes == []


def test_held_and_cancelled_meetings_stay_as_they_are(site) -> None:
    pid, _ = long_sentence_person(site)
    held = meetings.schedule_meeting(
        site, pid, {"meeting_type": "review", "scheduled_at": "2025-03-03T10:00", "mode": "phone"}
    )
    with pytest.raises(BadInput, match="future"):
        meetings.record_held(site, held, today=date(2025, 3, 2))
    meetings.record_held(site, held, today=TODAY)
    with pytest.raises(BadInput, match="cannot be cancelled"):
        meetings.cancel_meeting(site, held)
    off = meetings.schedule_meeting(
        site, pid, {"meeting_type": "review", "scheduled_at": "2025-03-10T10:00", "mode": "phone"}
    )
    meetings.cancel_meeting(site, off, reason="Moved prison")
    assert meetings.get_meeting(site, off)["notes"] == "Cancelled: Moved prison"
    with pytest.raises(BadInput, match="cancelled"):
        meetings.record_held(site, off, today=TODAY)
    with pytest.raises(BadInput, match="cancelled"):
        meetings.record_item(site, off, "start.introductions")
    with pytest.raises(NotFound):
        meetings.meeting_detail(site, "no-such-meeting")


# -- the app -------------------------------------------------------------------------------------
async def open_meetings(app, pilot, pid: str) -> MeetingsScreen:
    app.push_screen(PersonScreen(pid))
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
    await pilot.press("g")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingsScreen))
    return app.screen


async def schedule(pilot, values: dict) -> str:
    await pilot.press("n")
    await fill(pilot, values)
    screen = pilot.app.screen
    assert isinstance(screen, MeetingsScreen), type(screen)
    return screen.current["id"]


def runner_row(app, prefix: str) -> int:
    """Index of the runner's first row whose key starts with `prefix`."""
    return next(n for n, r in enumerate(app.screen.rows) if r.key.startswith(prefix))


def overview(app) -> str:
    return plain(app.screen.body)


async def test_planning_meeting_1_for_a_long_sentence_with_three_actions(unlocked) -> None:
    app, pilot = unlocked
    pid, members = long_sentence_person(app.site)
    overdue_before = next(r for r in caseload(app.site, TODAY) if r.person_id == pid).overdue_count
    screen = await open_meetings(app, pilot, pid)
    due = str(screen.query_one("#meetings-due").render())
    assert "OVERDUE" in due and MEETING_1 in due

    # Schedule: the form starts on the most urgent meeting due; the chair follows the rules.
    await pilot.press("n")
    form = await fill(pilot, {"location": "OMU room 2"}, save=False)
    assert form.values()["meeting_type"] == "planning_1"
    await fill(pilot, {"time": "25:00"})
    assert "not a time" in str(form.query_one("#error-time").render())
    form.set_value("time", "10:00")
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingsScreen))
    mid = app.screen.current["id"]
    meeting = meetings.get_meeting(app.site, mid)
    assert meeting["status"] == "scheduled" and meeting["location"] == "OMU room 2"
    # Resettlement planning on a long sentence: the PP chairs.
    assert meeting["chair_practitioner_id"] == members["pp"]
    assert len(meetings.attendees(app.site, mid)) == 4  # the team; the person is not at Meeting 1
    assert "SCHEDULED" in str(app.screen.query_one("#meetings-detail").render())

    # Run it: the long-sentence agenda in resettlement planning.
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    runner = app.screen
    head = str(runner.query_one("#runner-head").render())
    assert "Joined-up Planning Meeting 1" in head and "resettlement planning" in head
    keys = [r.key for r in runner.rows]
    assert "section:progress" in keys and "progress.in_custody" in keys
    assert "understand.recall" not in keys
    assert runner.current.key == "connect.introductions"

    # Notes against the first two items; each save moves on to the next open item.
    await pilot.press("enter")
    await fill(pilot, {"notes": "Everyone introduced; PP takes over the lead."})
    assert app.screen is runner and runner.current.key == "connect.contact_details"
    await pilot.press("enter")
    await fill(pilot, {"notes": "Team Contact Form checked.", "outcome": "Form up to date"})
    # Space ticks the next item without notes.
    current = runner.current.key
    await pilot.press("space")
    await pilot.pause()
    assert meetings.meeting_detail(app.site, mid).items[current]["covered"] == 1

    # Stop part way and pick up again: the runner opens on the first item still open.
    await pilot.press("escape")
    assert isinstance(app.screen, MeetingsScreen)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    runner = app.screen
    saved = meetings.meeting_detail(app.site, mid).items
    assert saved["connect.introductions"]["notes"].startswith("Everyone introduced")
    assert runner.current.key not in saved
    table = runner.query_one("#runner-table")
    assert str(table.get_row_at(runner_row(app, "connect.introductions"))[0]) == "[x]"

    # The progress in custody section, with its notes.
    runner.query_one("#runner-table").move_cursor(row=runner_row(app, "progress.in_custody"))
    await pilot.press("enter")
    await fill(pilot, {"notes": "Completed the Thinking Skills programme; ROTL to be explored."})

    # Attendance: all but the CES attended; the CES sent apologies; a key worker came too.
    await pilot.press("t")
    people_there = meetings.attendees(app.site, mid)
    choices = {
        f"a_{a['id']}": "apologies" if a["role"] == "ces" else "attended" for a in people_there
    }
    await fill(pilot, {**choices, "extra": "Kim Keyworker"})
    after = {a["name"]: a["attendance"] for a in meetings.attendees(app.site, mid)}
    assert after["Chris Cole"] == "apologies" and after["Pat Pomfrey"] == "attended"
    assert after["Kim Keyworker"] == "attended"

    # Three actions created in place, into the Team Actions Log.
    steps = [
        ("Send the Team Contact Form to everyone", members["pom"], "2025-03-07"),
        ("Arrange Meeting 2 with Tunde", members["pp"], "2025-03-14"),
        ("Ask the housing team about accommodation", members["pa"], "2025-03-21"),
    ]
    for step, who, due_on in steps:
        await pilot.press("n")
        await fill(pilot, {"step": step, "responsible_practitioner_id": who, "due_on": due_on})
        assert app.screen is runner
    assert sum(r.kind == "action" for r in runner.rows) == 3

    # Two outcomes ticked achieved: o jumps to them, Space ticks one (staying on it).
    await pilot.press("o")
    assert runner.current.key == "outcome:1"
    await pilot.press("space", "down", "space")
    await pilot.pause()
    assert len(meetings.meeting_detail(app.site, mid).outcomes) == 2
    assert runner.current.key == "outcome:2"
    # j goes back to the first item still open.
    await pilot.press("j")
    assert runner.current.kind == "item"

    # Finish: held, and Meeting 1 is no longer due.
    await pilot.press("f")
    await fill(pilot, {"next": "Meeting 2 with Tunde on 17 Mar"})
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingsScreen))
    held = meetings.get_meeting(app.site, mid)
    assert (held["status"], held["held_on"]) == ("held", "2025-03-03")
    assert held["next_meeting_note"] == "Meeting 2 with Tunde on 17 Mar"
    assert "HELD" in str(app.screen.query_one("#meetings-detail").render())
    assert MEETING_1 not in str(app.screen.query_one("#meetings-due").render())

    linked = [a for a in actions.actions_for(app.site, pid) if a["meeting_id"] == mid]
    assert sorted((a["step"], a["responsible_practitioner_id"], a["due_on"]) for a in linked) == (
        sorted(steps)
    )
    detail = meetings.meeting_detail(app.site, mid)
    assert len(detail.actions) == 3 and len(detail.items) == 4

    item = next(i for i in schedule_for(app.site, pid, TODAY) if i.key == "meeting1")
    assert (item.status.value, item.done_on) == ("done", date(2025, 3, 3))
    # The person's overview: Meeting 1 DONE.
    await pilot.press("escape")
    assert isinstance(app.screen, PersonScreen)
    lines = overview(app).splitlines()
    at = next(n for n, line in enumerate(lines) if MEETING_1 in line)
    assert "DONE" in lines[at]
    # The caseload: one overdue item fewer, and Meeting 1 is not what is next due.
    await pilot.press("escape")
    await wait_for(pilot, lambda: caseload_ready(app))
    assert isinstance(app.screen, CaseloadScreen)
    row = next(r for r in caseload(app.site, TODAY) if r.person_id == pid)
    assert row.overdue_count == overdue_before - 1
    assert row.next_due_title != MEETING_1
    await wait_for(
        pilot,
        lambda: any(
            r.person_id == pid and r.overdue_count == overdue_before - 1
            for r in app.screen.query_one(CaseloadList).shown
        ),
    )


async def test_a_review_and_a_final_review(unlocked) -> None:
    app, pilot = unlocked
    pid, members = short_sentence_person(app.site)
    screen = await open_meetings(app, pilot, pid)
    due = {t.value for _item, t in screen.due}
    assert {"review", "final_review"} <= due

    # The review: with the person, chaired by the PP on a short sentence.
    mid = await schedule(
        pilot, {"meeting_type": "review", "day": "2025-03-03", "mode": "in_person"}
    )
    meeting = meetings.get_meeting(app.site, mid)
    assert meeting["chair_practitioner_id"] == members["pp"]
    assert any(a["is_person"] for a in meetings.attendees(app.site, mid))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    runner = app.screen
    assert "progress.my_plan" in [r.key for r in runner.rows]
    runner.query_one("#runner-table").move_cursor(row=runner_row(app, "progress.my_plan"))
    await pilot.press("enter")
    await fill(pilot, {"notes": "Two goals met; work placement started."})
    await pilot.press("n")
    await fill(
        pilot,
        {"step": "Update the Pathway Plan", "responsible_practitioner_id": members["pa"]},
    )
    await pilot.press("f")
    await fill(pilot, {})
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingsScreen))
    review = next(i for i in schedule_for(app.site, pid, TODAY) if i.key == "review")
    assert review.status.value == "done"

    # The final review, a week later than planned: rescheduled by cancelling the first date.
    first = await schedule(
        pilot, {"meeting_type": "final_review", "day": "2025-03-10", "time": "14:00"}
    )
    await pilot.press("x")
    await fill(pilot, {"reason": "PA on leave"})
    assert meetings.get_meeting(app.site, first)["status"] == "cancelled"
    await pilot.press("enter")  # a cancelled meeting does not open
    assert isinstance(app.screen, MeetingsScreen)
    mid = await schedule(pilot, {"meeting_type": "final_review", "day": "2025-03-03"})
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    runner = app.screen
    keys = [r.key for r in runner.rows]
    assert {"statutory.termination_oasys", "ending.support_plan", "close.celebrate"} <= set(keys)
    runner.query_one("#runner-table").move_cursor(row=runner_row(app, "close.celebrate"))
    await pilot.press("space")
    await pilot.press("f")
    await fill(pilot, {})
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingsScreen))
    final = next(i for i in schedule_for(app.site, pid, TODAY) if i.key == "final_review:licence")
    assert (final.status.value, final.done_on) == ("done", date(2025, 3, 3))
    due_now = {item.key for item, _t in app.screen.due}
    assert not {"review", "final_review:licence"} & due_now
    # A held meeting is not finished twice.
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    await pilot.press("f")
    await pilot.pause()
    assert isinstance(app.screen, MeetingRunnerScreen)


async def test_keys_are_in_help_and_the_palette(unlocked) -> None:
    from ahtui.app import AhtuiCommands
    from ahtui.screens.help import HelpScreen

    app, pilot = unlocked
    pid, members = long_sentence_person(app.site)
    await open_meetings(app, pilot, pid)
    found = {hit.display async for hit in AhtuiCommands(app.screen).discover()}
    assert {
        "Meetings: schedule a meeting",
        "Meetings: run a meeting",
        "Meetings: cancel a meeting",
    } <= found
    await pilot.press("f1")
    assert isinstance(app.screen, HelpScreen)
    assert {"Schedule", "Run", "Cancel meeting"} <= {row[2] for row in app.screen.rows}
    await pilot.press("escape")
    mid = await schedule(pilot, {"meeting_type": "planning_1"})
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    runner = app.screen
    found = {hit.display async for hit in AhtuiCommands(runner).discover()}
    assert {
        "Meetings: notes on an agenda item",
        "Meetings: tick an agenda item",
        "Meetings: attendance",
        "Meetings: add an action from the meeting",
        "Meetings: finish the meeting",
        "Meetings: outcomes",
        "App: lock",
    } <= found
    # A palette command runs on the runner: attendance opens its form.
    hits = [h async for h in AhtuiCommands(runner).discover()]
    hit = next(h for h in hits if h.display == "Meetings: attendance")
    await hit.command()
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    assert app.screen.form_title == "Attendance"
    assert len(meetings.attendees(app.site, mid)) == len(members)


# -- snapshots at 80x24 ------------------------------------------------------------------------
def _then(setup: str, *keys: str, settle: float = 0.2):
    """Wait for the caseload, add the long-sentence person, open `setup`, press `keys`."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: caseload_ready(app))
        await app.workers.wait_for_complete()
        pid, members = long_sentence_person(app.site)
        mid = meetings.schedule_meeting(
            app.site,
            pid,
            {
                "meeting_type": "planning_1",
                "scheduled_at": "2025-03-03T10:00",
                "mode": "video",
                "location": "OMU room 2",
            },
            attendee_ids=list(members.values()),
        )
        meetings.record_item(app.site, mid, "connect.introductions", notes="Everyone introduced.")
        meetings.tick_item(app.site, mid, "connect.contact_details", True)
        app.push_screen(MeetingRunnerScreen(mid) if setup == "runner" else MeetingsScreen(pid))
        await pilot.pause()
        await press_and_hold(pilot, keys, settle)

    return run_before


@pytest.mark.parametrize(
    ("setup", "keys"),
    [
        pytest.param("meetings", (), id="meetings_list"),
        pytest.param("meetings", ("n",), id="schedule_form"),
        pytest.param("runner", (), id="runner"),
        pytest.param("runner", ("down", "down", "down", "enter"), id="runner_notes_form"),
    ],
)
def test_snapshot_meetings(
    snap_compare, snap_site: Path, setup: str, keys: tuple[str, ...]
) -> None:
    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=_then(setup, *keys))


def test_snapshot_runner_no_color(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert app.no_color
    assert snap_compare(app, terminal_size=SIZE, run_before=_then("runner", "o", "space"))
