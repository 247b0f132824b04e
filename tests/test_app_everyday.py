"""What a practitioner notices day to day at 80x24, each test named after it.

The real app on a copy of the demo site: a saved note's message leaves the lines below the
list in view and no half-blocks behind; a form covers the caseload's ▶; the help's scrollbar
goes down as the help does; the timeline has one order and every kind of event; the words of
the record read plainly; notes say who wrote them and when; marking a step done asks and can
be undone; the edit-details form shows the record's own rules on the first ctrl+s. Snapshots
of the caseload with two people of one name and of the timeline, in colour and NO_COLOR.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_app_screens import fill, open_first_person, screen_text
from test_app_shell import TODAY, caseload_ready, press_and_hold, wait_for
from textual.widgets import DataTable
from textual.widgets._toast import Toast

from ahtui.app import AhtuiApp
from ahtui.screens.actions import ActionsScreen
from ahtui.screens.caseload import CaseloadList
from ahtui.screens.help import HelpScreen
from ahtui.screens.network import NetworkScreen
from ahtui.screens.notes import NotesScreen
from ahtui.screens.person import PersonScreen
from ahtui.screens.team import TeamScreen
from ahtui.store import actions, myplan, networks, people, team
from ahtui.store.timeline import timeline
from ahtui.widgets.form import FormScreen, QuestionScreen

SIZE = (80, 24)


def lines(app: AhtuiApp) -> list[str]:
    return screen_text(app).split("\n")


# -- notifications, forms over the caseload, the help's scrollbar ---------------------------
async def test_a_saved_note_says_so_without_covering_the_lines_below_the_list(demo_path) -> None:
    # Notifications are drawn here (run_test leaves them out unless asked).
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await open_first_person(app, pilot)
        await pilot.press("n")
        assert isinstance(app.screen, NotesScreen)
        notes_screen = app.screen
        await pilot.press("n")
        await fill(
            pilot,
            {"contact_type": "pa_visit", "contact_time": "14:30", "body": "Talked about the flat."},
        )
        await wait_for(pilot, lambda: app.screen is notes_screen and bool(app.screen.query(Toast)))
        await pilot.pause(0.3)
        toast = app.screen.query_one(Toast)
        detail = app.screen.query_one("#note-body-box")
        assert "Note saved." in screen_text(app)
        assert not toast.region.overlaps(detail.region), (toast.region, detail.region)
        assert "Talked about the flat." in "\n".join(lines(app)[detail.region.y :])
        # No half-block edge, then or after the message goes.
        assert not any(ch in screen_text(app) for ch in "▌▐▊▍")
        toast.remove()
        await pilot.pause()
        assert not any(ch in screen_text(app) for ch in "▌▐▊▍")


async def test_a_form_covers_the_caseload_marker_at_its_left_edge(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    await pilot.pause()
    box = app.screen.query_one("#form-box").region
    for y in range(box.y, box.bottom):
        assert lines(app)[y][0] in "╭│╰", lines(app)[y]
    assert not any(line.startswith("▶") for line in lines(app))


def thumb_rows(app: AhtuiApp) -> list[int]:
    """The rows where the help box's scrollbar thumb (█) is drawn."""
    box = app.screen.query_one("#help-box").region
    column = box.right - 3  # the scrollbar's cells, inside the right border
    return [y for y in range(box.y, box.bottom) if lines(app)[y][column] == "█"]


async def test_the_help_scrollbar_moves_down_as_the_help_scrolls_down(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("f1")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
    await pilot.pause()
    top = thumb_rows(app)
    assert top, "no scrollbar thumb drawn in whole cells"
    await pilot.press("down", "down", "down", "down")
    await pilot.pause()
    lower = thumb_rows(app)
    await pilot.press("end")
    await pilot.pause()
    end = thumb_rows(app)
    assert top[0] <= lower[0] < end[0] and end[-1] >= lower[-1]
    assert end[-1] == app.screen.query_one("#help-box").region.bottom - 2


# -- the timeline ---------------------------------------------------------------------------
def _person(app: AhtuiApp) -> str:
    return app.screen.query_one(CaseloadList).shown[0].person_id


async def test_the_timeline_has_one_order_and_every_kind_of_event(unlocked) -> None:
    app, pilot = unlocked
    site, pid = app.site, _person(app)
    myplan.add_wheel_scores(site, pid, {"Home": 6, "Health": 7}, scored_on=TODAY)
    goal = myplan.add_goal(site, pid, "Keep my flat")
    myplan.add_progress(site, pid, "Paid the first month's rent", noted_on=TODAY)
    myplan.agree_plan(site, pid, agreed_on=TODAY)
    prac = team.list_practitioners(site)[0]
    member = team.add_to_team(
        site, pid, prac["id"], role=prac["role"], from_date=TODAY - timedelta(5)
    )
    team.leave_team(site, member, on=TODAY)
    first = actions.add_action(site, pid, {"step": "Ring the housing officer"})
    actions.add_follow_up(site, first, {"step": "Check the housing officer rang back"})
    entries = timeline(site, pid, TODAY)
    texts = [e.text for e in entries]
    assert any(t == "My Plan version 1 agreed" for t in texts)
    assert any(t.startswith("Wheel of Life scored (2 life areas)") for t in texts)
    assert any(t == "Goal set: Keep my flat" for t in texts) and goal
    assert any(t.startswith("Progress: Paid the first") for t in texts)
    assert any("joined the team" in t for t in texts) and any("left the team" in t for t in texts)
    follow = next(e for e in entries if "Check the housing officer" in e.text)
    assert follow.text.startswith("Added, no due date:") and not follow.upcoming
    assert "Due" not in follow.text
    # Coming up first, soonest first; then the rest newest first, latest in a day first.
    coming = [e for e in entries if e.upcoming]
    past = [e for e in entries if not e.upcoming]
    assert entries == coming + past
    # (What is dated by the day it was written down is dated by the machine's clock here,
    # after the app's fixed today, so only the coming part is held to today.)
    assert all(e.on >= TODAY for e in coming)
    assert [e.on for e in coming] == sorted(e.on for e in coming)
    assert [(e.on, e.at) for e in past] == sorted(((e.on, e.at) for e in past), reverse=True)
    same_day = [e for e in past if e.on == TODAY]
    assert [e.at for e in same_day] == sorted((e.at for e in same_day), reverse=True)

    # On screen: two parts, each under its heading.
    await open_first_person(app, pilot)
    await pilot.press("t")
    await pilot.pause()
    shown = screen_text(app)
    assert "Timeline" in shown
    app.screen.query_one("#person-body").scroll_end(animate=False)
    await pilot.pause()
    body = str(app.screen.body.renderables[0]) if coming else ""
    assert not coming or "Coming up" in body


async def test_identified_lead_and_network_read_in_plain_words(unlocked) -> None:
    app, pilot = unlocked
    site, pid = app.site, _person(app)
    texts = [e.text for e in timeline(site, pid, TODAY)]
    identified = next(t for t in texts if t.startswith("Identified"))
    assert "(pa learned)" not in identified and "learned" not in identified.split("How:")[0]
    assert all("lead no lead" not in t for t in texts)
    nid = networks.offer(
        site, pid, offer_type="lifelong_links", offered_on=TODAY, outcome="accepted", today=TODAY
    )
    assert nid
    await open_first_person(app, pilot)
    await pilot.press("m")
    await wait_for(pilot, lambda: isinstance(app.screen, TeamScreen))
    head = str(app.screen.query_one("#team-head").render())
    assert "marked LEAD" not in head and ("led by" in head or "no one leads" in head)
    await pilot.press("escape")
    await pilot.press("o")
    await pilot.pause()
    overview = screen_text(app)
    assert "lead no lead" not in overview and "now" not in overview.split("Pathway history")[-1]
    await pilot.press("w")
    await wait_for(pilot, lambda: isinstance(app.screen, NetworkScreen))
    head = str(app.screen.query_one("#network-head").render())
    assert "offered, accepted" in head, head


# -- case notes -----------------------------------------------------------------------------
async def test_notes_show_who_wrote_them_and_a_new_note_takes_a_time(unlocked) -> None:
    app, pilot = unlocked
    await open_first_person(app, pilot)
    await pilot.press("n")
    screen = app.screen
    assert isinstance(screen, NotesScreen)
    await pilot.press("n")
    form = await fill(pilot, {"contact_type": "phone", "contact_time": "25:99", "body": "Rang."})
    assert "not a time of day" in str(form.query_one("#error-contact_time").render())
    await fill(pilot, {"contact_time": "9:05"})
    await wait_for(pilot, lambda: app.screen is screen)
    row = next(r for r in screen.rows if r["body"] == "Rang.")
    assert row["contact_at"] == f"{TODAY.isoformat()}T09:05"
    screen.query_one(DataTable).move_cursor(row=screen.rows.index(row))
    await pilot.pause()
    detail = str(screen.query_one("#note-body").render())
    assert f"{TODAY.strftime('%d %b %Y')} 09:05" in detail
    assert "by " in detail and row["author_name"] in detail
    assert "By" in lines(app)[2]


# -- marking a step done ----------------------------------------------------------------------
async def test_marking_a_step_done_asks_first_and_can_be_undone(unlocked) -> None:
    app, pilot = unlocked
    pid = await open_first_person(app, pilot)
    step = actions.add_action(app.site, pid, {"step": "Post the housing form", "due_on": TODAY})
    await pilot.press("a")
    screen = app.screen
    assert isinstance(screen, ActionsScreen)
    screen.table.move_cursor(row=next(i for i, r in enumerate(screen.rows) if r["id"] == step))
    await pilot.pause()
    await pilot.press("d")
    assert isinstance(app.screen, QuestionScreen) and "Post the housing form" in app.screen.text
    await pilot.press("escape")  # a stray d, then Esc: nothing changes
    await pilot.pause()
    assert actions.get_action(app.site, step)["completed_on"] is None
    await pilot.press("d", "d")
    await pilot.pause()
    assert actions.get_action(app.site, step)["completed_on"] == TODAY.isoformat()
    assert "u undoes it" in " ".join(str(n.message) for n in app._notifications)
    await pilot.press("u")
    await pilot.pause()
    assert actions.get_action(app.site, step)["completed_on"] is None
    # Or later: d on a done step offers to mark it not done.
    actions.complete_action(app.site, step, on=TODAY)
    screen.reload()
    screen.table.move_cursor(row=next(i for i, r in enumerate(screen.rows) if r["id"] == step))
    await pilot.pause()
    await pilot.press("d")
    assert isinstance(app.screen, QuestionScreen) and "not done" in app.screen.text
    await pilot.press("n")
    await pilot.pause()
    assert actions.get_action(app.site, step)["completed_on"] is None


# -- edit details -----------------------------------------------------------------------------
async def test_edit_details_shows_the_records_own_rules_on_the_first_save(unlocked) -> None:
    app, pilot = unlocked
    listing = app.screen.query_one(CaseloadList)
    other = listing.shown[1]
    pid = await open_first_person(app, pilot)
    person = people.get_person(app.site, pid)
    await pilot.press("d")
    before = person["sentence_date"] or TODAY.isoformat()
    form = await fill(
        pilot,
        {
            "crn": other.crn,
            "sentence_date": before,
            "release_date": "2001-01-01",
            "date_of_birth": "2001-02-30",
        },
    )
    assert isinstance(app.screen, FormScreen)
    messages = {
        name: str(form.query_one(f"#error-{name}").render())
        for name in ("crn", "release_date", "date_of_birth")
    }
    assert "not a real date" in messages["date_of_birth"]
    assert messages["crn"].strip() and messages["release_date"].strip(), messages
    assert people.get_person(app.site, pid)["crn"] == person["crn"]  # nothing written


# -- snapshots --------------------------------------------------------------------------------
async def _until_caseload(pilot) -> None:
    await wait_for(pilot, lambda: caseload_ready(pilot.app))


COLOURS = [pytest.param(False, id="colour"), pytest.param(True, id="no_color")]


@pytest.mark.parametrize("no_color", COLOURS)
def test_snapshot_caseload_duplicate_names(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    """Two people of one name, told apart by the CRN column."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert snap_compare(
        app, terminal_size=SIZE, run_before=_until_caseload, press=["slash", *"wright"]
    )


@pytest.mark.parametrize("no_color", COLOURS)
def test_snapshot_timeline(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)

    async def run_before(pilot) -> None:
        await _until_caseload(pilot)
        await press_and_hold(pilot, ["enter", "t"])
        assert isinstance(pilot.app.screen, PersonScreen)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
