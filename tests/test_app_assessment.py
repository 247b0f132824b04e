"""The Combined Assessment through the real app at 80x24, filled over two sittings.

A person with no answers (from the demo site, fixed seed and date) is opened; Accommodation is
started in one sitting ("Fill in turn", stopped with Esc), the screen left, and finished in a
second sitting; the six "cared for" scales are answered one by one. Completion shows in words
on the list of areas. OASys items offer their exact scales and the Disclosed mark; a question
the form asks only after a Yes appears once that Yes is given. Snapshots catch each new screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_app_screens import fill, screen_text
from test_app_shell import TODAY, caseload_ready, press_and_hold, wait_for

from ahtui.app import AhtuiApp
from ahtui.domain.forms import ItemType
from ahtui.forms_loader import load_assessment
from ahtui.screens.assessment import AssessmentAreaScreen, AssessmentScreen
from ahtui.screens.person import PersonScreen
from ahtui.widgets.form import FormScreen

SIZE = (80, 24)


def person_without_answers(app: AhtuiApp) -> str:
    return app.site.one(
        "SELECT id FROM people p WHERE deleted_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM assessment_answers a WHERE a.person_id = p.id) "
        "ORDER BY family_name, id LIMIT 1"
    )["id"]


async def open_assessment(app: AhtuiApp, pilot, person_id: str) -> AssessmentScreen:
    await app.push_screen(PersonScreen(person_id))
    await pilot.pause()
    await pilot.press("s")
    await wait_for(pilot, lambda: isinstance(app.screen, AssessmentScreen))
    return app.screen


def area_row(screen: AssessmentScreen, code: str) -> int:
    return [p.code for p in screen.progress].index(code)


def answer_for(item) -> dict:
    """What a practitioner might enter for an item, by its type."""
    form = load_assessment()
    if item.type in (ItemType.CHOICE, ItemType.SCALE_1_10):
        values = {"value": form.options_for(item)[0].code}
    else:
        values = {"value": f"Answer to {item.code}"}
    if item.disclosable:
        values["disclosed"] = True
    return values


async def answer_in_turn(app: AhtuiApp, pilot, count: int | None = None) -> list[str]:
    """Answer the forms "Fill in turn" opens, `count` of them or until none opens; item codes."""
    done: list[str] = []
    previous = None
    while count is None or len(done) < count:
        try:
            await wait_for(
                pilot,
                lambda previous=previous: (
                    isinstance(app.screen, FormScreen) and app.screen is not previous
                ),
                timeout=3 if count is None else 15,
            )
        except AssertionError:
            break
        area_screen = app.screen_stack[-2]
        assert isinstance(area_screen, AssessmentAreaScreen)
        item = area_screen._current()
        previous = await fill(pilot, answer_for(item))
        done.append(item.code)
    return done


async def test_two_areas_over_two_sittings(unlocked) -> None:
    app, pilot = unlocked
    pid = person_without_answers(app)
    listing = await open_assessment(app, pilot, pid)
    assert "0 of 9 areas COMPLETE" in screen_text(app)
    acc = load_assessment().area("acc")

    # Sitting one: Accommodation in turn, three answers, then Esc stops the sitting.
    listing.query_one("#assessment-areas").move_cursor(row=area_row(listing, "acc"))
    await pilot.pause()
    await pilot.press("f")
    first = await answer_in_turn(app, pilot, 3)
    assert first == ["acc.pp.1", "acc.pp.2", "acc.pp.3"]
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen, AssessmentAreaScreen))
    area_screen = app.screen
    assert not area_screen.filling
    assert f"3 of {len(acc.items)} answered · STARTED · Accommodation" in screen_text(app)
    # Leave the assessment and the person altogether.
    await pilot.press("escape")
    await pilot.press("escape")
    assert isinstance(app.screen, PersonScreen)
    await pilot.press("escape")

    # Sitting two: the answers are there; fill in turn carries on from the first unanswered.
    listing = await open_assessment(app, pilot, pid)
    row = area_row(listing, "acc")
    assert listing.progress[row].answered == 3
    assert "STARTED" in screen_text(app)
    listing.query_one("#assessment-areas").move_cursor(row=row)
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AssessmentAreaScreen))
    assert "Answer to acc.pp.1" in screen_text(app)
    await pilot.press("f")
    rest = await answer_in_turn(app, pilot)
    assert rest == [i.code for i in acc.items][3:]
    assert not isinstance(app.screen, FormScreen)
    assert f"{len(acc.items)} of {len(acc.items)} answered · COMPLETE" in screen_text(app)
    answers = app.site.query(
        "SELECT item_code, value, disclosed, answered_on FROM assessment_answers "
        "WHERE person_id = ? AND item_code LIKE 'acc.%'",
        (pid,),
    )
    by_code = {a["item_code"]: a for a in answers}
    assert len(by_code) == len(acc.items)
    assert by_code["acc.oasys.3.3"]["value"] == "no" and by_code["acc.oasys.3.3"]["disclosed"] == 1
    assert by_code["acc.oasys.3.linked_harm"]["value"] == "yes"
    assert all(a["answered_on"] == TODAY.isoformat() for a in answers)
    # The OASys item shows its exact scale and its Disclosed mark.
    table = app.screen.query_one("#area-items")
    table.move_cursor(row=[i.code for i in acc.items].index("acc.oasys.3.3"))
    await pilot.pause()
    shown = screen_text(app)
    assert "No - Some - Sig - Missing" in shown and "Disclosed: Yes" in shown
    await pilot.press("escape")

    # The cared-for scales, one at a time from the list: 1 to 10 each.
    listing = app.screen
    listing.query_one("#assessment-areas").move_cursor(row=area_row(listing, "cared"))
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AssessmentAreaScreen))
    cared = app.screen
    for n in range(6):
        cared.query_one("#area-items").move_cursor(row=n)
        await pilot.pause()
        await pilot.press("e")
        form = await fill(pilot, {"value": str(n + 4)}, save=False)
        assert "1 (not at all) to 10" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is cared)
        await pilot.pause()
    assert form is not cared
    assert "6 of 6 answered · COMPLETE · Cared for" in screen_text(app)
    assert " 9 █████████░" in screen_text(app)
    await pilot.press("escape")
    assert "2 of 9 areas COMPLETE" in screen_text(app)
    shown = screen_text(app)
    assert shown.count("COMPLETE") >= 3  # the heading and two rows


async def test_conditional_items_appear_after_yes(unlocked) -> None:
    app, pilot = unlocked
    pid = person_without_answers(app)
    listing = await open_assessment(app, pilot, pid)
    listing.query_one("#assessment-areas").move_cursor(row=area_row(listing, "rel"))
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AssessmentAreaScreen))
    screen = app.screen
    codes = [i.code for i in screen.area.items]
    before = next(p for p in listing.progress if p.code == "rel").total
    table = screen.query_one("#area-items")
    table.move_cursor(row=codes.index("rel.oasys.6.7.victim"))
    await pilot.pause()
    assert "(not asked)" in screen_text(app)
    await pilot.press("enter")
    assert not isinstance(app.screen, FormScreen)  # not asked yet: nothing to answer
    table.move_cursor(row=codes.index("rel.oasys.6.7"))
    await pilot.pause()
    await pilot.press("enter")
    await fill(pilot, {"value": "yes"})
    assert app.screen is screen
    from ahtui.store import assessment

    after = next(p for p in assessment.area_progress(app.site, pid) if p.code == "rel")
    assert after.total == before + 2 and after.answered == 1
    table.move_cursor(row=codes.index("rel.oasys.6.7.victim"))
    await pilot.pause()
    assert "(not asked)" not in str(table.get_row_at(codes.index("rel.oasys.6.7.victim")))
    # A wrong answer is refused in words and nothing is lost; clearing removes the answer.
    table.move_cursor(row=codes.index("rel.oasys.6.7"))
    await pilot.pause()
    await pilot.press("x")
    assert "rel.oasys.6.7" not in assessment.answers_for(app.site, pid) or (
        assessment.answers_for(app.site, pid)["rel.oasys.6.7"]["value"] is None
    )


async def test_ticks_and_grid_from_the_keyboard(unlocked) -> None:
    app, pilot = unlocked
    pid = person_without_answers(app)
    listing = await open_assessment(app, pilot, pid)
    listing.query_one("#assessment-areas").move_cursor(row=area_row(listing, "health"))
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AssessmentAreaScreen))
    screen = app.screen
    codes = [i.code for i in screen.area.items]
    table = screen.query_one("#area-items")
    table.move_cursor(row=codes.index("health.oasys.10.7"))
    await pilot.pause()
    await pilot.press("enter")
    await fill(pilot, {"tick_1": True, "tick_5": True, "notes": "From the health screen"})
    table.move_cursor(row=codes.index("health.oasys.8.1"))
    await pilot.pause()
    await pilot.press("enter")
    await fill(pilot, {"value": "yes"})
    table.move_cursor(row=codes.index("health.oasys.8.1.drugs"))
    await pilot.pause()
    await pilot.press("enter")
    # Cannabis (row K, the 11th) current usage weekly, previously used.
    await fill(pilot, {"cell_10_0": "weekly", "cell_10_2": True})
    from ahtui.store import assessment

    snap = assessment.assessment_snapshot(app.site, pid)
    items = {i["code"]: i for a in snap["areas"] for i in a["items"]}
    assert items["health.oasys.10.7"]["value"] == ["head_injuries", "current_psychiatric_treatment"]
    assert items["health.oasys.10.7"]["notes"] == "From the health screen"
    assert items["health.oasys.8.1.drugs"]["answer"] == (
        "Cannabis: Current usage: Weekly, Previous usage"
    )


async def test_palette_lists_assessment_commands(unlocked) -> None:
    app, pilot = unlocked
    await open_assessment(app, pilot, person_without_answers(app))
    from ahtui.app import AhtuiCommands

    names = {a.palette_name for a, _ in AhtuiCommands(app.screen)._commands()}
    assert {"Assessment: open an area", "Assessment: fill an area in turn"} <= names


# -- snapshots at 80x24 ------------------------------------------------------------------------
def _some_answers(app: AhtuiApp, pid: str) -> None:
    from ahtui.store import assessment

    assessment.answer_item(app.site, pid, "acc.pp.1", value="Shares a cell", answered_on=TODAY)
    assessment.answer_item(
        app.site, pid, "acc.oasys.3.3", value="sig", disclosed=True, answered_on=TODAY
    )
    for n in range(1, 7):
        assessment.answer_item(app.site, pid, f"cared.pp.{n}", value=str(n + 2), answered_on=TODAY)


def _snap_run(*keys: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: caseload_ready(app))
        await app.workers.wait_for_complete()
        pid = person_without_answers(app)
        _some_answers(app, pid)
        await open_assessment(app, pilot, pid)
        await press_and_hold(pilot, keys)

    return run_before


def _app(path: Path) -> AhtuiApp:
    return AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param((), id="areas"),
        pytest.param(("enter",), id="area_accommodation"),
        pytest.param(("enter",) + ("down",) * 13, id="area_oasys_item"),
        pytest.param(("enter", "u", "e"), id="answer_text_form"),
        pytest.param(("enter",) + ("down",) * 13 + ("enter",), id="answer_oasys_form"),
        pytest.param(("down",) * 6 + ("enter",), id="area_cared_for"),
        pytest.param(("f1",), id="help"),
    ],
)
def test_snapshot_assessment(snap_compare, snap_site: Path, keys: tuple[str, ...]) -> None:
    assert snap_compare(_app(snap_site), terminal_size=SIZE, run_before=_snap_run(*keys))


def test_snapshot_assessment_no_color(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(
        _app(snap_site),
        terminal_size=SIZE,
        run_before=_snap_run("down", "down", "down", "down", "down", "down", "enter"),
    )
