"""Forms at 80x24 as a practitioner meets them: messages in view, nothing lost, focus shown.

Driven through the real app on a copy of the demo site. Each test is named after what the
user notices: saving with a mistake shows why and goes to the field (even one below the fold),
every check runs on the first ctrl+s, a message goes once the field is put right, unsaved input
is asked about in a question drawn on screen (Esc, ctrl+q, ctrl+l), Enter on a drop-down moves
on, typing adds to a filled field, Space in the meeting runner stays on the row, End works in
an assessment area, and the focused field and the highlighted row show without colour.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from rich.console import Console
from rich.segment import Segment
from test_app_assessment import open_assessment, person_without_answers
from test_app_meetings import long_sentence_person, runner_row
from test_app_screens import fill, open_first_person, screen_text
from test_app_shell import TODAY, caseload_ready, press_and_hold, wait_for

from ahtui.app import AhtuiApp
from ahtui.screens.assessment import AssessmentAreaScreen
from ahtui.screens.caseload import CaseloadScreen
from ahtui.screens.meeting_runner import MeetingRunnerScreen
from ahtui.screens.person import PersonScreen
from ahtui.screens.unlock import UnlockScreen
from ahtui.store import meetings
from ahtui.widgets.form import REQUIRED, FormScreen, QuestionScreen

SIZE = (80, 24)


def visible(app: AhtuiApp) -> list[str]:
    """The 24 lines on screen now, as a user sees them."""
    lines = screen_text(app).split("\n")
    assert len(lines) == SIZE[1]
    return lines


def flat(app: AhtuiApp) -> str:
    """The screen's words run together, borders dropped, so wrapped text reads as one."""
    return " ".join(" ".join(line.strip(" │█▌▐").split()) for line in visible(app))


def line_with(app: AhtuiApp, text: str) -> int:
    found = [n for n, line in enumerate(visible(app)) if text in line]
    assert found, f"{text!r} is not on screen:\n" + screen_text(app)
    return found[0]


async def new_person_form(pilot) -> FormScreen:
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormScreen))
    await pilot.pause()
    return pilot.app.screen


def focused_name(app: AhtuiApp) -> str:
    focused = app.focused
    assert focused is not None and focused.id and focused.id.startswith("field-"), focused
    return focused.id.removeprefix("field-")


# -- saving with mistakes -----------------------------------------------------------------
async def test_saving_with_a_missing_field_shows_why_and_focuses_it_at_80x24(unlocked) -> None:
    app, pilot = unlocked
    form = await new_person_form(pilot)
    # Everything but "How identified", which is below the bottom of the screen at 24 rows.
    await fill(
        pilot,
        {"given_name": "Tunde", "family_name": "Okafor", "pathway": "long"},
        save=False,
    )
    assert "How identified" not in screen_text(app)
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert app.screen is form
    assert focused_name(app) == "method"
    # The field, its message on the line below, and the summary are all on screen.
    row = line_with(app, "How identified")
    assert "▶" in visible(app)[row]
    assert f"↳ {REQUIRED}" in visible(app)[row + 1]
    summary = line_with(app, "Not saved. Check 1 field: How identified.")
    assert row + 1 < summary < SIZE[1] - 1
    # Back at the top of the form the summary is still in the same place.
    form.query_one("#field-given_name").focus()
    await pilot.pause()
    assert line_with(app, "Not saved. Check 1 field") == summary
    assert "How identified" not in screen_text(app).replace("Check 1 field: How identified", "")


async def test_an_impossible_date_is_reported_with_the_missing_fields_at_once(unlocked) -> None:
    app, pilot = unlocked
    people_before = app.site.one("SELECT count(*) FROM people")[0]
    form = await new_person_form(pilot)
    await fill(pilot, {"family_name": "Quillfeather", "date_of_birth": "2001-02-30"})
    assert app.screen is form
    assert form.problems == {
        "given_name": REQUIRED,
        "date_of_birth": "2001-02-30 is not a real date; write it as YYYY-MM-DD.",
        "pathway": REQUIRED,
        "method": REQUIRED,
    }
    # The first of them has the focus; the summary names all four.
    assert focused_name(app) == "given_name"
    assert "Check 4 fields: Given name, Date of birth, Pathway, How identified." in flat(app)
    # Nothing was written.
    assert app.site.one("SELECT count(*) FROM people")[0] == people_before


async def test_a_service_check_is_shown_with_the_forms_own_on_the_first_save(unlocked) -> None:
    app, pilot = unlocked
    form = await new_person_form(pilot)
    await fill(pilot, {"given_name": "Tunde", "family_name": "Okafor", "crn": "nonsense"})
    # The CRN rule is the service's; it comes on the same ctrl+s as the missing fields.
    assert set(form.problems) == {"crn", "pathway", "method"}
    assert "like X123456" in form.problems["crn"]
    # And one date before another, alongside an impossible date and the missing fields.
    await fill(
        pilot,
        {
            "crn": "",
            "date_of_birth": "2001-02-30",
            "sentence_date": "2024-05-01",
            "release_date": "2024-01-01",
        },
    )
    assert set(form.problems) == {"date_of_birth", "release_date", "pathway", "method"}
    assert form.problems["release_date"] == (
        "The release date (01 Jan 2024) is before the sentence date (01 May 2024)."
    )
    # Fixed, the next ctrl+s saves.
    await fill(
        pilot,
        {
            "date_of_birth": "2001-02-28",
            "release_date": "2027-06-01",
            "pathway": "long",
            "method": "self_disclosure",
        },
    )
    assert isinstance(app.screen, PersonScreen)


async def test_a_required_message_goes_as_soon_as_the_field_is_filled(unlocked) -> None:
    app, pilot = unlocked
    form = await new_person_form(pilot)
    await fill(pilot, {"family_name": "Okafor", "date_of_birth": "2001-02-30"})
    assert focused_name(app) == "given_name"
    assert f"↳ {REQUIRED}" in visible(app)[line_with(app, "Given name") + 1]
    await pilot.press("T", "u")
    await pilot.pause()
    assert "given_name" not in form.problems
    assert f"↳ {REQUIRED}" not in visible(app)[line_with(app, "Given name") + 1]
    assert "Check 3 fields: Date of birth, Pathway" in screen_text(app)
    # A date put right loses its message too; one half-typed is not flagged while typing.
    date_field = form.query_one("#field-date_of_birth")
    date_field.focus()
    await pilot.press("backspace", "backspace", "2")
    await pilot.pause()
    assert form.values()["date_of_birth"] == "2001-02-2"
    assert "date_of_birth" in form.problems
    await pilot.press("8")
    await pilot.pause()
    assert "date_of_birth" not in form.problems
    # Emptying a filled required field does not bring a message back before ctrl+s.
    form.query_one("#field-given_name").focus()
    await pilot.press("backspace", "backspace")
    await pilot.pause()
    assert "given_name" not in form.problems
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert form.problems["given_name"] == REQUIRED


# -- unsaved input ------------------------------------------------------------------------
async def test_escape_with_unsaved_input_asks_a_question_on_screen(unlocked) -> None:
    app, pilot = unlocked
    form = await new_person_form(pilot)
    await pilot.press(*"Draft")
    await pilot.press("escape")
    assert isinstance(app.screen, QuestionScreen)
    # Drawn in the middle of the screen, whole, with both answers and their keys.
    question = line_with(app, "Discard what you typed?")
    assert 3 < question < SIZE[1] - 4
    assert "Keep editing (Esc)" in screen_text(app) and "Discard (d)" in screen_text(app)
    # Esc again, or Enter on the answer that has the focus, goes back with nothing lost.
    await pilot.press("escape")
    assert app.screen is form and form.values()["given_name"] == "Draft"
    await pilot.press("escape", "enter")
    assert app.screen is form and form.values()["given_name"] == "Draft"
    # Typing goes on where it was.
    await pilot.press("s")
    assert form.values()["given_name"] == "Drafts"
    await pilot.press("escape", "d")
    assert isinstance(app.screen, CaseloadScreen)
    # A form with nothing typed closes at once.
    await new_person_form(pilot)
    await pilot.press("escape")
    assert isinstance(app.screen, CaseloadScreen)


async def test_ctrl_q_with_unsaved_input_asks_before_quitting(unlocked) -> None:
    app, pilot = unlocked
    form = await new_person_form(pilot)
    await pilot.press(*"Half")
    await pilot.press("ctrl+q")
    assert isinstance(app.screen, QuestionScreen)
    assert "Quitting now discards it." in screen_text(app)
    await pilot.press("escape")
    assert app.screen is form and app.site is not None and app.is_running
    # The same from the form's own question: ctrl+q replaces it, and ctrl+q again quits.
    await pilot.press("escape")
    assert "Discard what you typed?" in screen_text(app)
    await pilot.press("ctrl+q")
    assert "Quitting now discards it." in screen_text(app)
    site = app.site
    await pilot.press("ctrl+q")
    await pilot.pause()
    assert app.site is None and not app.is_running
    with pytest.raises(Exception):  # noqa: B017 - sqlcipher's closed-connection error
        site.query("SELECT 1")


async def test_q_in_the_quit_question_quits(demo_path: Path) -> None:
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await new_person_form(pilot)
        await pilot.press("X", "ctrl+q", "q")
        await pilot.pause()
        assert app.site is None
    assert app.return_code == 0


async def test_ctrl_l_with_unsaved_input_asks_and_keeps_the_form_under_the_lock(
    unlocked,
) -> None:
    app, pilot = unlocked
    await open_first_person(app, pilot)
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    form = app.screen
    await pilot.press("end", *" Jr")
    typed = form.values()["given_name"]
    assert typed.endswith(" Jr")
    await pilot.press("ctrl+l")
    assert isinstance(app.screen, QuestionScreen)
    assert "if someone else unlocks, it is discarded" in flat(app)
    await pilot.press("escape")
    assert app.screen is form and app.site is not None
    await pilot.press("ctrl+l", "l")
    await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
    assert app.site is None and form in app.screen_stack
    assert not any(isinstance(s, QuestionScreen) for s in app.screen_stack)
    app.screen.query_one("#passphrase").value = PASSPHRASE
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.screen is form)
    assert form.values()["given_name"] == typed


async def test_the_idle_lock_does_not_wait_for_an_answer(demo_path: Path) -> None:
    # An hour's lock, so a slow machine never locks while the form is opened; once the question
    # is up, the last key press is made an hour old, and the lock's own timer (every 5 seconds
    # at this limit) must lock with the question still unanswered.
    app = AhtuiApp(
        demo_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY, idle_lock_seconds=3600
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        form = await new_person_form(pilot)
        await pilot.press("x", "escape")
        assert isinstance(app.screen, QuestionScreen)
        app._last_activity -= 3600
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen), timeout=20)
        assert app.site is None
        assert form in app.screen_stack
        assert not any(isinstance(s, QuestionScreen) for s in app.screen_stack)


# -- keys in fields -----------------------------------------------------------------------
async def test_enter_on_a_drop_down_moves_to_the_next_field(unlocked) -> None:
    app, pilot = unlocked
    form = await new_person_form(pilot)
    pathway = form.query_one("#field-pathway")
    pathway.focus()
    await pilot.pause()
    await pilot.press("enter")
    assert not pathway.expanded
    assert focused_name(app) == "sentence_type"
    # The arrows (or Space) open it; Enter picks, and the next Enter moves on.
    pathway.focus()
    await pilot.press("down")
    assert pathway.expanded
    await pilot.press("down", "enter")
    await pilot.pause()
    assert not pathway.expanded and form.values()["pathway"] is not None
    assert focused_name(app) == "pathway"
    await pilot.press("enter")
    assert focused_name(app) == "sentence_type"
    # A yes/no field is a drop-down too.
    await open_yes_no(app, pilot)


async def open_yes_no(app: AhtuiApp, pilot) -> None:
    await pilot.press("escape", "d")
    await open_first_person(app, pilot)
    await pilot.press("n", "n")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    form = app.screen
    form.query_one("#field-sensitive").focus()
    await pilot.press("enter")
    assert focused_name(app) == "body"


async def test_typing_into_a_filled_field_adds_to_what_is_there(unlocked) -> None:
    app, pilot = unlocked
    await open_first_person(app, pilot)
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    form = app.screen
    before = form.values()
    assert focused_name(app) == "given_name"
    await pilot.press("x")
    assert form.values()["given_name"] == before["given_name"] + "x"
    # Tab into the next filled field: the cursor is at the end, nothing is selected.
    await pilot.press("tab", "y")
    assert form.values()["family_name"] == before["family_name"] + "y"
    # Back again with shift+tab: still at the end.
    await pilot.press("shift+tab", "z")
    assert form.values()["given_name"] == before["given_name"] + "xz"


async def test_typing_into_a_filled_notes_area_adds_at_the_end(unlocked) -> None:
    app, pilot = unlocked
    await open_first_person(app, pilot)
    await pilot.press("n", "n")
    form = await fill(pilot, {"body": "First line"}, save=False)
    form.query_one("#field-contact_at").focus()
    await pilot.pause()
    form.query_one("#field-body").focus()
    await pilot.pause()
    await pilot.press("!")
    assert form.values()["body"] == "First line!"


# -- the meeting runner and the assessment ---------------------------------------------------
async def test_space_in_the_meeting_runner_ticks_and_down_goes_to_the_very_next_item(
    unlocked,
) -> None:
    app, pilot = unlocked
    pid, members = long_sentence_person(app.site)
    mid = meetings.schedule_meeting(
        app.site,
        pid,
        {"meeting_type": "planning_1", "scheduled_at": "2025-03-03T10:00", "mode": "video"},
        attendee_ids=list(members.values()),
    )
    app.push_screen(MeetingRunnerScreen(mid))
    await wait_for(pilot, lambda: isinstance(app.screen, MeetingRunnerScreen))
    runner = app.screen
    first = runner_row(app, "connect.introductions")
    assert runner.table.cursor_row == first
    await pilot.press("space")
    await pilot.pause()
    assert meetings.meeting_detail(app.site, mid).items["connect.introductions"]["covered"]
    assert runner.table.cursor_row == first and str(runner.table.get_row_at(first)[0]) == "[x]"
    await pilot.press("down")
    assert runner.current.key == runner.rows[first + 1].key == "connect.contact_details"
    # Space again unticks, still in place.
    await pilot.press("up", "space")
    await pilot.pause()
    assert not meetings.meeting_detail(app.site, mid).items["connect.introductions"]["covered"]
    assert runner.table.cursor_row == first
    # An outcome too.
    await pilot.press("o", "space")
    await pilot.pause()
    assert runner.current.key == "outcome:1"
    assert len(meetings.meeting_detail(app.site, mid).outcomes) == 1


async def test_end_and_home_in_an_assessment_area_go_to_the_last_and_first_question(
    unlocked,
) -> None:
    app, pilot = unlocked
    areas = await open_assessment(app, pilot, person_without_answers(app))
    await pilot.press("end")
    assert areas.table.cursor_row == areas.table.row_count - 1
    await pilot.press("home")
    assert areas.table.cursor_row == 0
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AssessmentAreaScreen))
    area = app.screen
    table = area.query_one("#area-items")
    await pilot.press("end")
    assert table.cursor_row == table.row_count - 1 == len(area.area.items) - 1
    # The detail line follows, naming the last question.
    last = area.area.items[-1]
    assert last.text[:30] in str(area.query_one("#area-detail").render())
    await pilot.press("home")
    assert table.cursor_row == 0


# -- focus and selection without colour ----------------------------------------------------
def shown_segments(app: AhtuiApp) -> list[list[Segment]]:
    """Each screen line's segments after the app's own filters (NO_COLOR's among them)."""
    background = app.screen.styles.background
    out = []
    for strip in app.screen._compositor.render_strips():
        segments = list(strip)
        for line_filter in app._filters:
            segments = line_filter.apply(segments, background)
        out.append(segments)
    return out


def reversed_text(segments: list[Segment]) -> str:
    return "".join(s.text for s in segments if s.style is not None and s.style.reverse)


def in_16_colours(segments: list[Segment]) -> list[str]:
    """Each segment's SGR codes as a 16-colour terminal would get them."""
    console = Console(color_system="standard", force_terminal=True, width=200)
    return [s.style._make_ansi_codes(console.color_system) if s.style else "" for s in segments]


def has_reverse(codes: list[str]) -> bool:
    return any("7" in code.split(";") for code in codes)


@pytest.fixture
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


async def test_the_highlighted_row_and_the_focused_field_show_without_colour(
    demo_path: Path, no_color: None
) -> None:
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert app.no_color
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await open_first_person(app, pilot)
        await pilot.press("a")  # the person's actions: a table with its cursor on row 1
        await pilot.pause(0.3)
        lines = shown_segments(app)
        table = app.screen.query_one("#actions-table")
        top = table.region.y + 1  # below the header
        cursor = top + table.cursor_row
        assert reversed_text(lines[cursor]).strip(), "the highlighted row is not reversed"
        others = [n for n in range(top, top + min(table.row_count, 5)) if n != cursor]
        assert others and not any(reversed_text(lines[n]).strip() for n in others)
        # A 16-colour terminal gets the reverse attribute (SGR 7) on that row, and only there.
        assert has_reverse(in_16_colours(lines[cursor]))
        assert not any(has_reverse(in_16_colours(lines[n])) for n in others)
        await pilot.press("down")
        await pilot.pause()
        lines = shown_segments(app)
        assert reversed_text(lines[cursor + 1]).strip() and not reversed_text(lines[cursor])

        # In a form: ▶ beside the focused field and its label reversed; both move with Tab.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        await pilot.pause()
        for label in ("Given name", "Family name"):
            text = visible(app)
            row = next(n for n, line in enumerate(text) if label in line)
            assert text[row].startswith(f"│ ▶ {label}"), text[row]
            assert label in reversed_text(shown_segments(app)[row])
            marked = [line for line in text if "▶" in line]
            assert len(marked) == 1
            await pilot.press("tab")
            await pilot.pause()


# -- snapshots ---------------------------------------------------------------------------
def _app(path: Path) -> AhtuiApp:
    return AhtuiApp(path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)


def _new_person_with_errors():
    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: caseload_ready(pilot.app))
        await pilot.app.workers.wait_for_complete()
        await press_and_hold(pilot, ("n",), 0.2)
        await fill(
            pilot,
            {
                "family_name": "Okafor",
                "date_of_birth": "2001-02-30",
                "pathway": "long",
                "sentence_date": "2024-05-01",
                "release_date": "2024-01-01",
            },
        )
        await pilot.pause(0.2)

    return run_before


def _unsaved_question():
    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: caseload_ready(pilot.app))
        await pilot.app.workers.wait_for_complete()
        await press_and_hold(pilot, ("n", "T", "u", "n", "d", "e", "escape"), 0.2)

    return run_before


@pytest.mark.parametrize(
    "colour", [pytest.param(True, id="colour"), pytest.param(False, id="no_color")]
)
def test_snapshot_new_person_form_with_errors(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch, colour: bool
) -> None:
    if not colour:
        monkeypatch.setenv("NO_COLOR", "1")
    app = _app(snap_site)
    assert app.no_color is not colour
    assert snap_compare(app, terminal_size=SIZE, run_before=_new_person_with_errors())


@pytest.mark.parametrize(
    "colour", [pytest.param(True, id="colour"), pytest.param(False, id="no_color")]
)
def test_snapshot_unsaved_input_question(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch, colour: bool
) -> None:
    if not colour:
        monkeypatch.setenv("NO_COLOR", "1")
    app = _app(snap_site)
    assert app.no_color is not colour
    assert snap_compare(app, terminal_size=SIZE, run_before=_unsaved_question())
