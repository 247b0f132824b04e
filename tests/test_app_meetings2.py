"""Planning Meeting 2 run from the keyboard, completing My Plan and two assessment areas in it.

A long-sentence person in resettlement planning whose Meeting 1 was held in February (added
through the services on a fresh site, so the run is deterministic) is opened from the caseload.
The practitioner schedules Meeting 2 from the meetings screen, starts it in the runner, leaves
it part way to write My Plan with the person (About Me, wheel scores, a goal with a step,
support, agreed) and to complete two Combined Assessment areas in turn, comes back to the
runner, which carries on where it stopped, records the My Plan item and outcomes, attendance
and an action, and finishes. The services then say what was recorded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_app_assessment import answer_in_turn
from test_app_meetings import long_sentence_person, overview
from test_app_screens import fill, open_first_person
from test_app_shell import TODAY, caseload_ready, wait_for

from ahtui.app import AhtuiApp
from ahtui.domain.enums import MeetingType
from ahtui.screens.assessment import AssessmentAreaScreen, AssessmentScreen
from ahtui.screens.meeting_runner import MeetingRunnerScreen
from ahtui.screens.meetings import MeetingsScreen
from ahtui.screens.myplan import MyPlanScreen
from ahtui.screens.person import PersonScreen
from ahtui.store import actions, assessment, meetings, myplan
from ahtui.store.caseload import schedule_for

SIZE = (80, 24)
MEETING_1_HELD = date(2025, 2, 10)
GOAL = "Get my own flat near my sister"
STEP = "Apply for housing with the PA"
AREAS = ("goals", "cared")  # three free-text questions; the six "cared for" scales


def make_site(path: Path) -> tuple[str, dict[str, str]]:
    """A fresh site holding one person, their team and Meeting 1 held (so Meeting 2 is next)."""
    from ahtui.store.site import init_site

    site = init_site(
        path, name="HMP Testbridge", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    )
    try:
        pid, members = long_sentence_person(site)
        first = meetings.schedule_meeting(
            site,
            pid,
            {"meeting_type": "planning_1", "scheduled_at": "2025-02-10T10:00", "mode": "video"},
            attendee_ids=list(members.values()),
        )
        meetings.record_held(site, first, today=TODAY)
    finally:
        site.close()
    return pid, members


@pytest.fixture
def site_file(tmp_path: Path) -> tuple[Path, str, dict[str, str]]:
    path = tmp_path / "site.ahtui"
    return (path, *make_site(path))


@pytest.fixture
async def unlocked(site_file):
    path, pid, members = site_file
    app = AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await app.workers.wait_for_complete()
        yield app, pilot, pid, members


async def back_to_person(app, pilot) -> None:
    """Esc until the person's screen is on top (the way a practitioner backs out)."""
    for _ in range(4):
        if isinstance(app.screen, PersonScreen):
            return
        await pilot.press("escape")
        await pilot.pause()
    assert isinstance(app.screen, PersonScreen), type(app.screen)


async def complete_area(app, pilot, listing: AssessmentScreen, code: str) -> None:
    """Move to the area with the arrow keys, fill it in turn, and come back to the list."""
    target = [p.code for p in listing.progress].index(code)
    table = listing.query_one("#assessment-areas")
    step = "down" if target > table.cursor_row else "up"
    for _ in range(abs(target - table.cursor_row)):
        await pilot.press(step)
    await pilot.pause()
    assert listing.progress[table.cursor_row].code == code
    await pilot.press("f")
    total = listing.progress[target].total
    answered = await answer_in_turn(app, pilot, total)
    assert len(answered) == total
    await wait_for(pilot, lambda: isinstance(app.screen, AssessmentAreaScreen))
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is listing)


async def test_planning_meeting_2_completes_my_plan_and_two_assessment_areas(unlocked) -> None:
    app, pilot, pid, members = unlocked

    # From the caseload (one person) to their meetings.
    assert await open_first_person(app, pilot) == pid
    await pilot.press("g")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingsScreen))
    listing = app.screen
    # Meeting 1 was held, so the rules make Meeting 2 due, and the form starts on it.
    assert MeetingType.PLANNING_2 in {t for _item, t in listing.due}

    # Schedule Meeting 2 for today, with the person, somewhere informal.
    await pilot.press("n")
    await fill(pilot, {"meeting_type": "planning_2", "location": "Visits hall, round table"})
    await wait_for(pilot, lambda: app.screen is listing)
    mid = listing.current["id"]
    meeting = meetings.get_meeting(app.site, mid)
    assert (meeting["meeting_type"], meeting["status"]) == ("planning_2", "scheduled")
    assert meeting["scheduled_at"].startswith("2025-03-03")
    assert meeting["chair_practitioner_id"] == members["pp"]  # resettlement, long sentence
    invited = meetings.attendees(app.site, mid)
    assert any(a["is_person"] for a in invited) and len(invited) == len(members) + 1

    # Start it: the Meeting 2 agenda in resettlement planning, from its first item.
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    runner = app.screen
    head = str(runner.query_one("#runner-head").render())
    assert "Joined-up Planning Meeting 2" in head and "resettlement planning" in head
    keys = [r.key for r in runner.rows]
    assert {"my_plan.complete", "my_plan.gate", "my_plan.first_appointment"} <= set(keys)
    assert runner.current.key == "start.introductions"
    await pilot.press("enter")
    await fill(pilot, {"notes": "Tunde met the team; round table, no desk."})
    assert app.screen is runner and runner.current.key == "start.support"
    await pilot.press("space", "down", "space", "down", "space")  # support, hopes, check-in
    await pilot.pause()
    await pilot.press("j")
    assert runner.current.key == "my_plan.complete"
    started = meetings.meeting_detail(app.site, mid).items
    assert all(started[k]["covered"] for k in keys if k.startswith("start."))

    # Part way through, out to My Plan with the person.
    await back_to_person(app, pilot)
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, MyPlanScreen))
    plan = app.screen
    await pilot.press("a")
    await fill(pilot, {"about_me": "I like cooking and football.", "what_helps": "Straight talk."})
    await pilot.press("w")
    await fill(pilot, {"area_0": "3", "area_1": "5", "area_2": "6", "area_3": "4"})
    assert app.screen is plan
    await pilot.press("g")
    await fill(pilot, {"goal": GOAL, "why": "Family matters", "target_on": "2025-09-01"})
    assert [g["goal"] for g in plan.goals] == [GOAL]
    await pilot.press("t")
    await fill(
        pilot,
        {
            "goal_id": plan.goals[0]["id"],
            "step": STEP,
            "who_helps": "Personal Advisor",
            "target_on": "2025-04-01",
        },
    )
    await pilot.press("s")
    await fill(pilot, {"support": "Weekly phone call", "from_whom": "Personal Advisor"})
    await pilot.press("m")
    await fill(pilot, {})  # agreed today, the date the form offers
    await wait_for(pilot, lambda: app.screen is plan)
    assert myplan.plan_status(app.site, pid)["versions"] == 1

    # Then two areas of the Combined Assessment, each filled in turn to COMPLETE.
    await back_to_person(app, pilot)
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen))
    areas = app.screen
    for code in AREAS:
        await complete_area(app, pilot, areas, code)

    # Back to the meeting: the runner carries on from the first item still open.
    await back_to_person(app, pilot)
    await pilot.press("g")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingsScreen))
    assert app.screen.current["id"] == mid  # the newest meeting is highlighted
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    runner = app.screen
    assert runner.current.key == "my_plan.complete"
    await pilot.press("enter")
    await fill(
        pilot,
        {
            "notes": "My Plan completed together and agreed; the goals and cared-for areas of "
            "the Combined Assessment completed.",
            "outcome": "My Plan agreed",
        },
    )
    assert runner.current.key == "my_plan.identity"
    await pilot.press("enter")
    await fill(pilot, {"notes": "Tunde chose not to talk about this today; offered again later."})

    # Two outcomes achieved: My Plan completed; OASys and Pathway Plans aligned.
    await pilot.press("o")
    assert runner.current.key == "outcome:1"
    await pilot.press("space", "down", "space")
    await pilot.pause()

    # Attendance (everyone came, as the form offers) and an action from the meeting.
    await pilot.press("t")
    await fill(pilot, {})
    assert {a["attendance"] for a in meetings.attendees(app.site, mid)} == {"attended"}
    await pilot.press("n")
    await fill(
        pilot,
        {
            "step": "Update OASys from the Combined Assessment",
            "responsible_practitioner_id": members["pom"],
            "due_on": "2025-03-14",
        },
    )
    assert app.screen is runner
    assert sum(r.kind == "action" for r in runner.rows) == 1

    # Finish.
    await pilot.press("f")
    await fill(pilot, {"next": "Review before release"})
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingsScreen))
    await app.workers.wait_for_complete()

    # The meeting is held, with what was recorded in it.
    held = meetings.get_meeting(app.site, mid)
    assert (held["status"], held["held_on"]) == ("held", TODAY.isoformat())
    assert held["next_meeting_note"] == "Review before release"
    detail = meetings.meeting_detail(app.site, mid)
    assert detail.items["my_plan.complete"]["covered"] == 1
    assert detail.items["my_plan.complete"]["outcome"] == "My Plan agreed"
    assert detail.items["my_plan.identity"]["notes"].startswith("Tunde chose")
    assert detail.outcomes == [
        "My Plan has been completed with the person.",
        "OASys and Pathway Plans are updated and aligned.",
    ]
    assert "HELD" in str(app.screen.query_one("#meetings-detail").render())

    # My Plan is agreed, with the goal and its step.
    status = myplan.plan_status(app.site, pid)
    assert status["versions"] == 1 and not status["changed"]
    assert status["latest"]["agreed_on"] == TODAY.isoformat()
    snapshot = myplan.plan_snapshot(app.site, pid)
    assert snapshot["about_me"] == "I like cooking and football."
    [goal] = snapshot["goals"]
    assert goal["goal"] == GOAL and [s["step"] for s in goal["steps"]] == [STEP]
    assert len(snapshot["wheel"]) == 4 and snapshot["support"]

    # Two areas COMPLETE, the rest untouched.
    progress = {p.code: p for p in assessment.area_progress(app.site, pid)}
    assert {c for c, p in progress.items() if p.complete} == set(AREAS)
    assert all(p.answered == 0 for c, p in progress.items() if c not in AREAS)

    # The action is in the Team Actions Log, linked to the meeting.
    [action] = [a for a in actions.actions_for(app.site, pid) if a["meeting_id"] == mid]
    assert (action["step"], action["responsible_practitioner_id"], action["due_on"]) == (
        "Update OASys from the Combined Assessment",
        members["pom"],
        "2025-03-14",
    )

    # Held, Meeting 2 is no longer due on the meetings screen, in the schedule or the overview.
    assert MeetingType.PLANNING_2 not in {t for _item, t in app.screen.due}
    open_ = {"upcoming", "due", "overdue"}
    assert not [
        i.title
        for i in schedule_for(app.site, pid, TODAY)
        if "Meeting 2" in i.title and i.status.value in open_
    ]
    await pilot.press("escape")
    assert isinstance(app.screen, PersonScreen)
    for line in overview(app).splitlines():
        if "Meeting 2" in line:
            assert not any(word in line for word in ("OVERDUE", "DUE", "UPCOMING")), line


# -- snapshot at 80x24 -------------------------------------------------------------------------
async def _runner_part_way(pilot) -> None:
    """Meeting 2 scheduled, the scene set, the runner open on Complete My Plan together."""
    app = pilot.app
    await wait_for(pilot, lambda: caseload_ready(app))
    await app.workers.wait_for_complete()
    pid = app.site.one("SELECT id FROM people")["id"]
    mid = meetings.schedule_meeting(
        app.site,
        pid,
        {
            "meeting_type": "planning_2",
            "scheduled_at": "2025-03-03T10:00",
            "mode": "in_person",
            "location": "Visits hall, round table",
        },
        with_person=True,
    )
    meetings.record_item(app.site, mid, "start.introductions", notes="Round table.")
    for code in ("start.support", "start.hopes", "start.check_in"):
        meetings.tick_item(app.site, mid, code, True)
    app.push_screen(MeetingRunnerScreen(mid))
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    await app.workers.wait_for_complete()
    await pilot.pause(0.2)


def test_snapshot_meeting_2_runner(
    snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_site(tmp_path / "site.ahtui")
    monkeypatch.chdir(tmp_path)
    app = AhtuiApp(Path("site.ahtui"), username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=_runner_part_way)
