"""My Plan through the real app at 80x24: written with the person, agreed, changed, agreed again.

A person without a plan (from the demo site, fixed seed and date) is opened from the caseload;
About Me, Wheel of Life scores on two dates, two goals with steps, support and progress are
entered from the keyboard through the forms, the plan is agreed, changed and agreed again, and
the earlier version is read back unchanged. Snapshots catch each new screen, the wheel chart
included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_app_screens import fill, plain, screen_text
from test_app_shell import TODAY, caseload_ready, press_and_hold, wait_for

from ahtui.app import AhtuiApp
from ahtui.screens.myplan import MyPlanScreen, PlanVersionsScreen
from ahtui.screens.person import PersonScreen
from ahtui.widgets.form import FormScreen

SIZE = (80, 24)


def person_without_plan(app: AhtuiApp) -> str:
    row = app.site.one(
        "SELECT id FROM people p WHERE deleted_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM my_plans m WHERE m.person_id = p.id) "
        "AND NOT EXISTS (SELECT 1 FROM wheel_scores w WHERE w.person_id = p.id) "
        "ORDER BY family_name, id LIMIT 1"
    )
    return row["id"]


def person_with_wheel(app: AhtuiApp) -> str:
    return app.site.one(
        "SELECT p.id FROM people p JOIN wheel_scores w ON w.person_id = p.id "
        "WHERE p.deleted_at IS NULL ORDER BY p.family_name, p.id LIMIT 1"
    )["id"]


async def open_plan(app: AhtuiApp, pilot, person_id: str) -> MyPlanScreen:
    await app.push_screen(PersonScreen(person_id))
    await pilot.pause()
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, MyPlanScreen))
    return app.screen


def body(screen: MyPlanScreen) -> str:
    return plain(screen.body, width=78)


async def test_complete_agree_change_and_read_the_earlier_version(unlocked) -> None:
    app, pilot = unlocked
    pid = person_without_plan(app)
    screen = await open_plan(app, pilot, pid)
    assert "NOT YET AGREED" in screen_text(app)

    # About Me, in the person's words.
    await pilot.press("a")
    await fill(
        pilot,
        {
            "about_me": "I like football and cooking. I want a place of my own.",
            "what_helps": "People who turn up when they say.",
        },
    )
    assert app.screen is screen
    assert "I like football and cooking" in body(screen)

    # Wheel of Life on two dates: a bad score is named and nothing is saved.
    await pilot.press("w")
    form = await fill(pilot, {"scored_on": "2025-01-10", "area_0": "3", "area_2": "11"})
    assert isinstance(app.screen, FormScreen)
    assert "1 to 10" in str(form.query_one("#error-area_2").render())
    await fill(pilot, {"area_2": "4", "area_3": "7"})
    assert app.screen is screen
    await pilot.press("w")
    await fill(
        pilot,
        {
            "scored_on": "2025-03-03",
            "area_0": "6",
            "area_2": "4",
            "area_3": "5",
            "other_area": "Music",
            "other_score": "8",
        },
    )
    shown = body(screen)
    home = next(line for line in shown.splitlines() if line.startswith("Home"))
    assert "███░░░░░░░  3" in home and "██████░░░░  6" in home and "up 3" in home
    family = next(line for line in shown.splitlines() if line.startswith("Family"))
    assert "down 2" in family
    assert "first score" in next(line for line in shown.splitlines() if line.startswith("Music"))

    # Two goals with steps, in their own words.
    await pilot.press("g")
    form = await fill(pilot, {"goal": "", "target_on": "2025-09-01"})
    assert "required" in str(form.query_one("#error-goal").render())
    await fill(pilot, {"goal": "Get my own flat near my sister", "why": "Family matters"})
    await pilot.press("g")
    await fill(pilot, {"goal": "Start a barbering course"})
    goals = screen.goals
    assert [g["goal"] for g in goals] == [
        "Get my own flat near my sister",
        "Start a barbering course",
    ]
    await pilot.press("t")
    await fill(
        pilot,
        {
            "goal_id": goals[0]["id"],
            "step": "Apply for housing",
            "who_helps": "Personal Advisor",
            "target_on": "2025-02-28",
        },
    )
    await pilot.press("t")
    await fill(pilot, {"goal_id": goals[0]["id"], "step": "Visit the flat"})
    await pilot.press("t")
    await fill(pilot, {"goal_id": goals[1]["id"], "step": "Ask education about courses"})
    assert [len(g["steps"]) for g in screen.goals] == [2, 1]

    # Support and progress.
    await pilot.press("s")
    await fill(pilot, {"support": "Weekly phone call", "from_whom": "Personal Advisor"})
    await pilot.press("n")
    await fill(pilot, {"note": "Housing form sent", "goal_id": goals[0]["id"]})
    shown = body(screen)
    assert "Weekly phone call (from Personal Advisor)" in shown
    assert "Housing form sent (goal: Get my own flat" in shown
    # A step past its target and not done says so in words.
    assert "OVERDUE" in shown and "TO DO" in shown

    # Agree it.
    await pilot.press("m")
    await fill(pilot, {"agreed_on": "2025-03-03"})
    assert "AGREED 03 Mar 2025 (version 1)" in screen_text(app)
    assert "CHANGED SINCE AGREED" not in screen_text(app)

    # Change it from the goals list: the first step done, the second goal edited.
    await pilot.press("l")
    assert "Goals list" in screen_text(app)
    table = screen.query_one("#plan-goals")
    table.move_cursor(row=1)  # goal 1's first step
    await pilot.pause()
    await pilot.press("d")
    assert screen.goals[0]["steps"][0]["done_on"] == TODAY.isoformat()
    assert "DONE 03 Mar 2025" in screen_text(app)
    table.move_cursor(row=3)  # goal 2
    await pilot.pause()
    await pilot.press("e")
    await fill(pilot, {"goal": "Start a barbering course in April", "target_on": "2025-04-01"})
    assert screen.goals[1]["goal"] == "Start a barbering course in April"
    table.move_cursor(row=4)  # goal 2's step
    await pilot.pause()
    await pilot.press("e")
    await fill(pilot, {"who_helps": "Education officer"})
    assert screen.goals[1]["steps"][0]["who_helps"] == "Education officer"
    assert "CHANGED SINCE AGREED" in screen_text(app)

    # Agree again, later.
    await pilot.press("m")
    await fill(pilot, {"agreed_on": "2025-03-04"})
    assert "AGREED 04 Mar 2025 (version 2)" in screen_text(app)

    # The earlier version is still readable, as it was.
    await pilot.press("v")
    await wait_for(pilot, lambda: isinstance(app.screen, PlanVersionsScreen))
    versions = app.screen
    assert [v["number"] for v in versions.versions] == [1, 2]
    assert versions.shown["number"] == 2
    versions.query_one("#versions-table").move_cursor(row=0)
    await pilot.pause()
    assert versions.shown["number"] == 1
    earlier = plain(versions.body, width=78)
    assert "Start a barbering course" in earlier and "in April" not in earlier
    assert "Apply for housing" in earlier and "DONE" not in earlier
    assert "EARLIER VERSION" in screen_text(app) and "READ ONLY" in screen_text(app)
    await pilot.press("escape")
    assert app.screen is screen


async def test_goal_keys_from_the_whole_plan_show_the_goals_list(unlocked) -> None:
    app, pilot = unlocked
    screen = await open_plan(app, pilot, person_without_plan(app))
    await pilot.press("e")
    assert screen.view == "goals"
    await pilot.press("t")
    assert not isinstance(app.screen, FormScreen)  # no goals: nothing to add a step to
    await pilot.press("m")
    form = await fill(pilot, {"agreed_on": "2025-03-03"})
    assert "nothing to agree" in str(form.query_one("#form-status").render())


async def test_palette_lists_my_plan_commands(unlocked) -> None:
    app, pilot = unlocked
    await open_plan(app, pilot, person_without_plan(app))
    from ahtui.app import AhtuiCommands

    provider = AhtuiCommands(app.screen)
    names = {a.palette_name for a, _ in provider._commands()}
    assert {
        "My Plan: mark the plan agreed",
        "My Plan: score the Wheel of Life",
        "My Plan: add a goal",
        "My Plan: agreed versions",
    } <= names


# -- snapshots at 80x24 ------------------------------------------------------------------------
def _snap_run(*keys: str, prepare=None):
    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: caseload_ready(app))
        await app.workers.wait_for_complete()
        pid = person_with_wheel(app)
        if prepare is not None:
            prepare(app, pid)
        await open_plan(app, pilot, pid)
        await press_and_hold(pilot, keys)

    return run_before


def _second_scoring_and_agreed(app: AhtuiApp, pid: str) -> None:
    from ahtui.store import myplan

    myplan.add_wheel_scores(
        app.site, pid, {"Home": 7, "Money": 2, "Family": 5, "Friends": 6}, TODAY
    )
    myplan.add_goal(app.site, pid, "Start a barbering course")
    if not myplan.plan_versions(app.site, pid):
        myplan.agree_plan(app.site, pid, agreed_on=TODAY)


def _app(path: Path) -> AhtuiApp:
    return AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param((), id="whole_plan"),
        pytest.param(("pagedown",), id="whole_plan_scrolled"),
        pytest.param(("l",), id="goals_list"),
        pytest.param(("w",), id="wheel_form"),
        pytest.param(("v",), id="versions"),
        pytest.param(("f1",), id="help"),
    ],
)
def test_snapshot_myplan(snap_compare, snap_site: Path, keys: tuple[str, ...]) -> None:
    assert snap_compare(
        _app(snap_site),
        terminal_size=SIZE,
        run_before=_snap_run(*keys, prepare=_second_scoring_and_agreed),
    )


def test_snapshot_myplan_no_color(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(
        _app(snap_site),
        terminal_size=SIZE,
        run_before=_snap_run(prepare=_second_scoring_and_agreed),
    )
