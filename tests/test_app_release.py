"""Release day and remand through the real app at 80x24, keyboard only.

A person six weeks from release: the overview says NO GATE PLAN; the release-day form starts
from what the resettlement meeting recorded; once saved, the overview shows who meets them at
the gate and the first appointment. A person released last week: CHECK-IN DUE, then the
check-in. A person on remand: the Care Experience Specialist's support record and the parts of
My Plan chosen. Snapshot tests catch each screen and the release-day form.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_app_screens import SIZE, _app, _then, fill, plain, screen_text
from test_app_shell import TODAY, caseload_ready, wait_for

from ahtui.app import AhtuiApp, AhtuiCommands
from ahtui.screens.person import PersonScreen
from ahtui.screens.release import ReleaseScreen
from ahtui.widgets.form import FormScreen


def _seed(path: Path) -> dict[str, str]:
    """Three synthetic people: near release with a resettlement meeting, released, remand."""
    from ahtui.store import meetings, people
    from ahtui.store.site import open_site

    site = open_site(path, ADMIN, PASSPHRASE)
    try:
        near = people.create_person(
            site,
            {
                "given_name": "Femi",
                "family_name": "Okonkwo",
                "pathway": "long",
                "date_of_birth": "2003-05-01",
                "sentence_date": "2023-06-01",
                "conditional_release_date": "2025-04-14",
            },
            on=date(2024, 10, 1),
        )
        mid = meetings.schedule_meeting(
            site,
            near,
            {
                "meeting_type": "resettlement",
                "scheduled_at": "2025-02-10T10:00",
                "mode": "in_person",
            },
        )
        meetings.record_item(
            site, mid, "my_plan.gate", notes="Meets at gate: Tom Reed (PA)\nStands in: Aunt Grace"
        )
        meetings.record_item(
            site,
            mid,
            "my_plan.first_appointment",
            notes="When: 2025-04-15 09:30; Place: Leeds probation office; "
            "Travel: bus with the PA; PA attends: yes",
        )
        released = people.create_person(
            site,
            {
                "given_name": "Ravi",
                "family_name": "Quayle",
                "pathway": "community",
                "date_of_birth": "2002-02-02",
                "sentence_date": "2024-06-01",
                "release_date": "2025-02-24",
            },
            on=date(2025, 2, 24),
        )
        remand = people.create_person(
            site,
            {
                "given_name": "Luca",
                "family_name": "Zeller",
                "pathway": "remand",
                "date_of_birth": "2004-09-09",
                "remand_date": "2025-01-06",
            },
            on=date(2025, 1, 6),
        )
    finally:
        site.close()
    return {"near": near, "meeting": mid, "released": released, "remand": remand}


@asynccontextmanager
async def running(path: Path):
    app = AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        yield app, pilot


def _find(name: str) -> tuple[str, ...]:
    """Keys that search the caseload for `name` and open the person."""
    return ("slash", *name.lower(), "enter", "enter")


async def open_person(pilot, name: str) -> None:
    await pilot.press(*_find(name))
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, PersonScreen))


def body(app) -> str:
    return plain(app.screen.body)


async def test_release_plan_from_the_meeting_on_the_overview(demo_path: Path) -> None:
    ids = _seed(demo_path)
    async with running(demo_path) as (app, pilot):
        await open_person(pilot, "Okonkwo")
        overview = body(app)
        assert "14 Apr 2025 (in 42 days)" in overview
        assert "NO GATE PLAN" in overview
        assert "g Meetings · y My Plan · s Assessment · w Network" in overview
        assert "r Release/remand · x Export · d Edit details" in overview

        await pilot.press("r")
        assert isinstance(app.screen, ReleaseScreen)
        assert "NO GATE PLAN" in screen_text(app) and "NOT BOOKED" in screen_text(app)
        found = {hit.display async for hit in AhtuiCommands(app.screen).discover()}
        assert {
            "Release: release plan",
            "Release: check-in after release",
            "Release: remand support",
        } <= found
        # Before release there is nothing to check in on.
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ReleaseScreen)

        await pilot.press("p")
        form = await fill(pilot, {}, save=False)
        assert "Resettlement meeting, 10 Feb 2025" in plain(form.query_one(".form-intro").render())
        assert form.values() == {
            "release_on": "2025-04-14",
            "gate_person": "Tom Reed (PA)",
            "gate_backup": "Aunt Grace",
            "first_on": "2025-04-15",
            "first_time": "09:30",
            "first_place": "Leeds probation office",
            "travel": "bus with the PA",
            "pa_attends": "yes",
            "who_attends": None,
        }
        # A first appointment before the release day is refused beside the field.
        form.set_value("first_on", "2025-04-11")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "before the release day" in str(form.query_one("#error-first_on").render())
        await fill(pilot, {"first_on": "2025-04-15", "who_attends": "Housing worker"})
        assert isinstance(app.screen, ReleaseScreen)
        text = screen_text(app)
        assert "Tom Reed (PA)" in text and "15 Apr 2025 09:30" in text

        from ahtui.store.release import release_plan

        plan = release_plan(app.site, ids["near"])
        assert plan["meeting_id"] == ids["meeting"] and plan["pa_attends"] == 1

        await pilot.press("escape")
        overview = body(app)
        assert "Gate: Tom Reed (PA); stands in: Aunt Grace" in overview
        assert "First probation appointment: 15 Apr 2025 09:30, Leeds probation office" in overview
        assert "NO GATE PLAN" not in overview
        await pilot.press("t")
        assert "Release day: gate Tom Reed (PA); first appointment 15 Apr 09:30" in body(app)


async def test_checkin_after_release(demo_path: Path) -> None:
    _seed(demo_path)
    async with running(demo_path) as (app, pilot):
        await open_person(pilot, "Quayle")
        assert "CHECK-IN DUE" in body(app)
        await pilot.press("r", "c")
        await fill(
            pilot,
            {
                "checkin_on": "2025-02-26",
                "to_plan": "partly",
                "notes": "Met at the gate; the bus was late, so the PA drove him.",
            },
        )
        assert isinstance(app.screen, ReleaseScreen)
        text = screen_text(app)
        assert "Went to plan" in text and "Partly" in text and "the bus was late" in text
        await pilot.press("escape")
        assert "check-in 26 Feb 2025 DONE: went to plan: partly" in body(app)


async def test_remand_support_record(demo_path: Path) -> None:
    _seed(demo_path)
    async with running(demo_path) as (app, pilot):
        await open_person(pilot, "Zeller")
        await pilot.press("r")
        assert "Remand support (Care Experience Specialist)" in screen_text(app)
        assert "Nothing recorded yet" in screen_text(app)
        await pilot.press("m")
        await fill(
            pilot,
            {
                "bail": "Bail address with his aunt being checked",
                "legal_aid": "Granted 10 Jan",
                "accommodation": "Tenancy kept: housing benefit continues",
                "work": "Employer holding his job open",
                "family_ties": "Sister visits weekly",
                "part_about_me": True,
                "part_goals": True,
            },
        )
        assert isinstance(app.screen, ReleaseScreen)
        text = screen_text(app)
        assert "Granted 10 Jan" in text and "About Me, Goals" in text
        # Opening the form again shows what was saved.
        await pilot.press("m")
        form = await fill(pilot, {}, save=False)
        assert isinstance(form, FormScreen)
        assert form.values()["part_goals"] is True and form.values()["part_wheel"] is False


# -- snapshots ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("enter", "r"), id="release_demo"),
        pytest.param((*_find("Okonkwo"), "r", "p"), id="release_form_from_meeting"),
        pytest.param((*_find("Okonkwo"),), id="overview_no_gate_plan"),
        pytest.param((*_find("Quayle"), "r"), id="release_checkin_due"),
        pytest.param((*_find("Zeller"), "r"), id="remand_empty"),
        pytest.param((*_find("Zeller"), "r", "m"), id="remand_form"),
    ],
)
def test_snapshot_release(snap_compare, snap_site: Path, keys: tuple[str, ...]) -> None:
    _seed(snap_site)
    assert snap_compare(_app(snap_site), terminal_size=SIZE, run_before=_then(*keys))
