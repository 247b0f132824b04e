"""The app shell: unlock, caseload, search, help, palette and lock, on real SQLCipher sites.

Pilot tests drive `AhtuiApp.run_test()` at 80x24; snapshot tests (pytest-textual-snapshot)
pin what the unlock screen and the caseload look like, in colour and with NO_COLOR. Every site
is a real file built by `init_site` and filled by `build_demo` with a fixed seed and date, so
the snapshots are the same on every run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import ADMIN, APP_SIZE, APP_TODAY, PASSPHRASE
from textual import events

from ahtui.app import AhtuiApp, AhtuiCommands
from ahtui.screens.caseload import CaseloadList, CaseloadScreen
from ahtui.screens.help import HelpScreen
from ahtui.screens.unlock import UnlockScreen

TODAY = APP_TODAY
SIZE = APP_SIZE
DEMO_PEOPLE = 40


# -- sites ---------------------------------------------------------------------------------
@pytest.fixture
def empty_path(site) -> Path:
    """The conftest's empty prison site, closed so the app can open it."""
    site.close()
    return site.path


# -- helpers -------------------------------------------------------------------------------
async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until `condition()` holds (workers run in threads)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)
    await pilot.pause()


async def press_and_hold(pilot, keys, settle: float = 0.2) -> None:
    """Press `keys` one by one, let background work finish, then hold every text cursor on (a
    blinking cursor is caught on or off by chance) and let the screen settle: for snapshots."""
    from textual.widgets import Input, TextArea

    for key in keys:
        await pilot.press(key)
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for widget in (*pilot.app.screen.query(Input), *pilot.app.screen.query(TextArea)):
        widget.cursor_blink = False
    await pilot.pause(settle)


def caseload_ready(app: AhtuiApp) -> bool:
    screen = app.screen
    if not isinstance(screen, CaseloadScreen):
        return False
    lists = screen.query(CaseloadList)
    return bool(lists) and lists.first().loaded


async def unlock(
    pilot, username: str = ADMIN, passphrase: str = PASSPHRASE, *, type_it: bool = False
) -> None:
    """Fill in the unlock form and press Enter (typing every key only when asked: it is slow)."""
    screen = pilot.app.screen
    assert isinstance(screen, UnlockScreen)
    user_field = screen.query_one("#username")
    user_field.value = ""
    user_field.focus()
    if type_it:
        await pilot.press(*username, "enter", *passphrase, "enter")
        return
    user_field.value = username
    screen.query_one("#passphrase").value = passphrase
    screen.query_one("#passphrase").focus()
    await pilot.pause()
    await pilot.press("enter")


def text_of(app: AhtuiApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def names(app: AhtuiApp) -> list[str]:
    return [row.name for row in app.screen.query_one(CaseloadList).shown]


# -- unlock --------------------------------------------------------------------------------
async def test_wrong_passphrase_shows_message_and_count(demo_path: Path) -> None:
    app = AhtuiApp(demo_path, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        await unlock(pilot, passphrase="not the passphrase", type_it=True)
        await wait_for(pilot, lambda: app.failed_attempts == 1 and not app.screen.busy)
        assert "Wrong user name or passphrase" in text_of(app, "#unlock-status")
        assert text_of(app, "#unlock-failed") == "Failed attempts: 1"
        # The passphrase is gone from the screen; the user name stays for the next try.
        assert app.screen.query_one("#passphrase").value == ""
        assert app.screen.query_one("#username").value == ADMIN
        app.screen.query_one("#passphrase").value = "still wrong"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.failed_attempts == 2 and not app.screen.busy)
        assert text_of(app, "#unlock-failed") == "Failed attempts: 2"
        assert isinstance(app.screen, UnlockScreen)
        assert app.site is None


async def test_unlock_shows_busy_then_caseload(demo_path: Path) -> None:
    app = AhtuiApp(demo_path, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await unlock(pilot)
        # The key derivation runs in a thread; the screen says so meanwhile.
        if isinstance(app.screen, UnlockScreen) and app.screen.busy:
            assert text_of(app, "#unlock-status") == "Unlocking…"
        await wait_for(pilot, lambda: caseload_ready(app))
        assert app.site is not None and app.failed_attempts == 0
        assert len(names(app)) == DEMO_PEOPLE
        top = text_of(app, "#site-line")
        assert "HMP Testbridge" in top and "Prison" in top and "Sam Admin" in top
        assert text_of(app, "#caseload-count") == f"{DEMO_PEOPLE} people"
        assert app.unlock_to_drawn_seconds is not None


async def test_missing_site_shows_plain_message(tmp_path: Path) -> None:
    app = AhtuiApp(tmp_path / "nowhere.ahtui", today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await unlock(pilot)
        await wait_for(pilot, lambda: app.failed_attempts == 1 and not app.screen.busy)
        assert "There is no site file" in text_of(app, "#unlock-status")


async def test_keys_typed_ahead_after_enter_go_to_the_passphrase(demo_path: Path) -> None:
    """Over a slow link keys arrive in a burst: none may land in the visible user name field."""
    app = AhtuiApp(demo_path, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        keys = [*ADMIN, "enter", *"secret", "enter"]
        # All at once, without waiting between keys, as a burst from the terminal would come.
        for key in keys:
            app.post_message(events.Key(key, None if len(key) > 1 else key))
        await wait_for(pilot, lambda: app.failed_attempts == 1 and not app.screen.busy)
        assert app.screen.query_one("#username").value == ADMIN
        assert "Wrong user name or passphrase" in text_of(app, "#unlock-status")


async def test_empty_fields_are_asked_for_not_tried(demo_path: Path) -> None:
    app = AhtuiApp(demo_path, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # empty user name: moves on to the passphrase
        await pilot.press("enter")
        await pilot.pause()
        assert "Enter your user name" in text_of(app, "#unlock-status")
        assert app.failed_attempts == 0


async def test_credentials_from_the_environment_skip_the_unlock_screen(
    demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    original = UnlockScreen.on_mount

    def record(self: UnlockScreen) -> None:
        shown.append("unlock")
        original(self)

    monkeypatch.setattr(UnlockScreen, "on_mount", record)
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        assert shown == []
        assert [type(s).__name__ for s in app.screen_stack] == ["_WaitScreen", "CaseloadScreen"]


async def test_credentials_from_the_environment_that_fail_show_the_error(demo_path: Path) -> None:
    app = AhtuiApp(demo_path, username=ADMIN, passphrase="wrong wrong wrong", today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        assert "Wrong user name or passphrase" in text_of(app, "#unlock-status")
        assert text_of(app, "#unlock-failed") == "Failed attempts: 1"
        # The user name is kept, so only the passphrase needs typing.
        assert app.screen.query_one("#username").value == ADMIN
        assert app.screen.focused is app.screen.query_one("#passphrase")


# -- caseload ------------------------------------------------------------------------------
async def test_rows_come_in_the_services_order(unlocked, demo_path: Path) -> None:
    app, _pilot = unlocked
    from ahtui.store.caseload import caseload

    expected = [r.person_id for r in caseload(app.site, today=TODAY)]
    assert [r.person_id for r in app.screen.query_one(CaseloadList).shown] == expected


async def test_search_filters_by_name(unlocked) -> None:
    app, pilot = unlocked
    everyone = app.screen.query_one(CaseloadList).shown
    family = everyone[5].name.split(",")[0]
    await pilot.press("slash")
    assert app.screen.focused is app.screen.query_one("#search")
    await pilot.press(*family.lower())
    shown = names(app)
    assert shown and all(family.lower() in n.lower() for n in shown)
    assert len(shown) < len(everyone)
    assert text_of(app, "#caseload-count") == f"{len(shown)} of {len(everyone)}"
    # Escape empties the search and goes back to the list.
    await pilot.press("escape")
    assert len(names(app)) == len(everyone)
    assert app.screen.focused is app.screen.query_one(CaseloadList)


async def test_search_filters_by_crn_and_nomis(unlocked) -> None:
    app, pilot = unlocked
    rows = app.screen.query_one(CaseloadList).shown
    target = next(r for r in rows[10:] if r.crn and r.nomis_number)
    await pilot.press("slash", *target.crn.lower())
    assert [r.person_id for r in app.screen.query_one(CaseloadList).shown] == [target.person_id]
    app.screen.query_one("#search").value = ""
    await pilot.press(*target.nomis_number)
    assert [r.person_id for r in app.screen.query_one(CaseloadList).shown] == [target.person_id]
    await pilot.press(*"zzzz")
    await pilot.pause()
    assert names(app) == []
    assert text_of(app, "#caseload-count") == f"0 of {len(rows)}"


async def test_search_keys_in_a_burst_keep_their_order(unlocked) -> None:
    app, pilot = unlocked
    for key in ["slash", *"lewis", "enter", "j"]:
        app.post_message(
            events.Key(key, "/" if key == "slash" else (key if len(key) == 1 else None))
        )
    table = app.screen.query_one(CaseloadList)
    await wait_for(pilot, lambda: table.cursor == 1)
    assert app.screen.query_one("#search").value == "lewis"
    assert app.screen.focused is table
    assert all("lewis" in n.lower() for n in names(app))


async def test_enter_opens_the_person(unlocked) -> None:
    from ahtui.screens.person import PersonScreen

    app, pilot = unlocked
    await pilot.press("down", "down")
    row = app.screen.query_one(CaseloadList).current
    assert row is app.screen.query_one(CaseloadList).shown[2]
    await pilot.press("enter")
    assert isinstance(app.screen, PersonScreen) and app.screen.person_id == row.person_id
    assert row.name in text_of(app, "#person-head")
    # Enter in the search box moves to the list; Enter again opens the person.
    await pilot.press("escape")
    assert isinstance(app.screen, CaseloadScreen)
    await pilot.press("slash", *row.crn, "enter")
    assert app.screen.focused is app.screen.query_one(CaseloadList)
    await pilot.press("enter")
    assert isinstance(app.screen, PersonScreen) and app.screen.person_id == row.person_id


async def test_list_keys_move_the_cursor(unlocked) -> None:
    app, pilot = unlocked
    table = app.screen.query_one(CaseloadList)
    await pilot.press("end")
    assert table.cursor == DEMO_PEOPLE - 1
    await pilot.press("home", "j", "j", "k")
    assert table.cursor == 1
    await pilot.press("pagedown")
    assert table.cursor > 1
    detail = text_of(app, "#caseload-detail")
    assert table.current.name in detail


async def test_overdue_is_written_not_only_coloured(unlocked) -> None:
    app, _pilot = unlocked
    table = app.screen.query_one(CaseloadList)
    first = table.shown[0]
    assert first.overdue_count > 0
    line = table.render_line(1).text
    assert f"OVERDUE {first.overdue_count}" in line
    assert line.startswith("▶ ")  # the cursor is a marker, not just a colour


# -- help, palette, keymap, lock ------------------------------------------------------------
async def test_f1_lists_the_keys_of_the_screen(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("f1")
    assert isinstance(app.screen, HelpScreen)
    rows = {(keys, action) for _group, keys, action, _help in app.screen.rows}
    assert {("/", "Search"), ("⏎", "Open person"), ("esc", "Clear search")} <= rows
    assert {("f1", "Help"), ("^l", "Lock"), ("^q", "Quit"), ("↑ / k", "Up")} <= rows
    shown = app.export_screenshot()
    for words in ("Search", "Open", "Lock", "Quit"):
        assert words in shown
    await pilot.press("escape")
    assert isinstance(app.screen, CaseloadScreen)
    await pilot.press("f1", "f1")
    assert isinstance(app.screen, CaseloadScreen)


async def test_help_on_the_unlock_screen(demo_path: Path) -> None:
    app = AhtuiApp(demo_path, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        from ahtui.screens.help import key_rows

        actions = {row[2] for row in key_rows(app.screen_stack[-2])}
        assert {"Next / unlock", "Help", "Quit"} <= actions
        assert "Search" not in actions


async def test_palette_names_every_action_area_first(unlocked) -> None:
    app, pilot = unlocked
    provider = AhtuiCommands(app.screen)
    found = [hit.display async for hit in provider.discover()]
    assert {
        "Caseload: search by name, CRN or NOMIS number",
        "Caseload: open the highlighted person",
        "App: lock",
        "App: help",
    } <= set(found)
    # And a command runs through the palette.
    from textual.command import CommandInput

    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: bool(app.screen.query(CommandInput)))
    app.screen.query_one(CommandInput).value = "Caseload: search by name"
    await pilot.pause(0.3)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen))
    await wait_for(pilot, lambda: app.screen.focused is app.screen.query_one("#search"))


async def test_keys_can_be_remapped_by_id(unlocked) -> None:
    app, pilot = unlocked
    app.set_keymap({"caseload.search": "f2"})
    await pilot.press("f2")
    assert app.screen.focused is app.screen.query_one("#search")
    from ahtui.screens.help import key_rows

    search = next(r for r in key_rows(app.screen) if r[2] == "Search")
    assert search[1] == "f2"
    await pilot.press("escape", "slash")  # the old key no longer searches
    assert app.screen.focused is app.screen.query_one(CaseloadList)


async def test_lock_returns_to_the_unlock_screen(unlocked) -> None:
    app, pilot = unlocked
    site = app.site
    await pilot.press("f1")  # lock works from a modal too
    await pilot.press("ctrl+l")
    await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
    assert app.site is None
    # Help is gone; the caseload waits under the unlock screen, which hides it.
    assert [type(s).__name__ for s in app.screen_stack] == [
        "_WaitScreen",
        "CaseloadScreen",
        "UnlockScreen",
    ]
    await app.workers.wait_for_complete()
    with pytest.raises(Exception):  # noqa: B017 - sqlcipher's closed-connection error
        site.query("SELECT 1")
    # And unlocks again.
    app.screen.query_one("#passphrase").value = PASSPHRASE
    await pilot.press("enter")
    await wait_for(pilot, lambda: caseload_ready(app))


async def test_someone_else_unlocking_finds_none_of_the_last_users_screens(demo_path) -> None:
    """A shared terminal: the next person to unlock starts at the caseload, and the screens the
    last person left open (and what they typed) are gone, not waiting under the new ones."""
    from ahtui.screens.person import PersonScreen
    from ahtui.store import users
    from ahtui.store.site import open_site

    admin = open_site(demo_path, ADMIN, PASSPHRASE)
    users.add_user(admin, "sam", "another long passphrase", display_name="Sam Officer")
    admin.close()
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=APP_TODAY)
    async with app.run_test(size=APP_SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await pilot.press("enter")  # the highlighted person
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        left_open = app.screen
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        app.screen.query_one("#username").value = "sam"
        app.screen.query_one("#passphrase").value = "another long passphrase"
        await pilot.press("enter")
        await wait_for(pilot, lambda: caseload_ready(app))
        assert app.site.user.username == "sam"
        assert left_open not in app.screen_stack
        assert [type(s).__name__ for s in app.screen_stack] == ["_WaitScreen", "CaseloadScreen"]
        await pilot.press("escape")  # nothing of the last user's comes back
        assert isinstance(app.screen, CaseloadScreen)


async def test_quit_closes_the_site(demo_path: Path) -> None:
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        site = app.site
        await pilot.press("ctrl+q")
    assert app.site is None
    with pytest.raises(Exception):  # noqa: B017 - sqlcipher's closed-connection error
        site.query("SELECT 1")


async def test_idle_lock(demo_path: Path) -> None:
    app = AhtuiApp(
        demo_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY, idle_lock_seconds=1
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen), timeout=5)
        assert app.site is None


async def test_empty_site_says_so(empty_path: Path) -> None:
    app = AhtuiApp(empty_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        assert (
            "No people on this caseload yet"
            in app.screen.query_one(CaseloadList).render_line(2).text
        )
        await pilot.press("enter")  # nothing to open, nothing breaks


# -- the list on its own: 10,000 rows ------------------------------------------------------
def _rows(n: int):
    from ahtui.store.caseload import CaseloadRow

    return [
        CaseloadRow(
            person_id=f"p{i}",
            name=f"Family{i:05d}, Given",
            crn=f"X{i:06d}",
            nomis_number=f"A{i:04d}BC",
            pathway="long",
            lead_name="Pat Clarke",
            lead_role="pom",
            next_due_title="Review",
            next_due_on=TODAY + timedelta(days=i % 90),
            next_due_status="upcoming",
            overdue_count=0,
        )
        for i in range(n)
    ]


async def test_ten_thousand_rows_filter_fast() -> None:
    from textual.app import App

    class ListApp(App[None]):
        def compose(self):
            yield CaseloadList()

    app = ListApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(CaseloadList)
        started = time.perf_counter()
        table.set_rows(_rows(10_000))
        await pilot.pause()
        drawn = time.perf_counter() - started
        started = time.perf_counter()
        table.filter("x004242")
        filtered = time.perf_counter() - started
        assert [r.crn for r in table.shown] == ["X004242"]
        table.filter("")
        await pilot.press("end")
        assert table.cursor == 9_999
        assert "Family09999" in table.render_line(app.size.height - 1).text
        # Generous bounds: this is about not scaling with rows, not about the machine.
        assert drawn < 1.0 and filtered < 0.2


# -- start-up stays light ------------------------------------------------------------------
def test_importing_the_app_starts_nothing_heavy() -> None:
    code = (
        "import sys, ahtui.app; "
        "heavy = [m for m in ('datasette', 'sqlcipher3', 'ahtui.store.site', 'ahtui.demo') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- snapshots -----------------------------------------------------------------------------
async def _until_caseload(pilot) -> None:
    await wait_for(pilot, lambda: caseload_ready(pilot.app))


def test_snapshot_unlock(snap_compare, snap_site: Path) -> None:
    app = AhtuiApp(snap_site, username=ADMIN, today=TODAY)
    assert snap_compare(app, terminal_size=SIZE)


def test_snapshot_unlock_error(snap_compare, snap_site: Path) -> None:
    app = AhtuiApp(snap_site, username=ADMIN, passphrase="wrong wrong wrong", today=TODAY)

    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, UnlockScreen))

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_caseload(snap_compare, snap_site: Path) -> None:
    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=_until_caseload)


def test_snapshot_caseload_no_color(
    snap_compare, snap_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert app.no_color
    assert snap_compare(app, terminal_size=SIZE, run_before=_until_caseload)


def test_snapshot_caseload_search(snap_compare, snap_site: Path) -> None:
    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert snap_compare(
        app, terminal_size=SIZE, run_before=_until_caseload, press=["slash", *"lewis"]
    )


def test_snapshot_help(snap_compare, snap_site: Path) -> None:
    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=_until_caseload, press=["f1"])


async def test_next_day_draws_yesterday_at_once_then_today(
    demo_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first open of a day does not wait for every schedule: it redraws when they are in."""
    from ahtui.store import caseload as caseload_module
    from ahtui.store.caseload import caseload
    from ahtui.store.site import open_site

    with open_site(demo_path, ADMIN, PASSPHRASE) as site:
        caseload(site, TODAY)
        # As when more people's rows moved than are worked out before the first draw (a new
        # day otherwise recomputes the few it moves at once: tests/test_caseload_new_day.py).
        monkeypatch.setattr(caseload_module, "AT_ONCE", 0)
        with site.write() as conn:
            conn.execute("UPDATE due_cache SET valid_through = NULL, rules_through = NULL")
    tomorrow = TODAY + timedelta(days=1)
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=tomorrow)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))

        def fresh() -> bool:
            rows = app.screen.query_one(CaseloadList).shown
            return bool(rows) and not any(r.stale for r in rows)

        await wait_for(pilot, fresh)
        screen = app.screen
        assert isinstance(screen, CaseloadScreen)
        assert screen.stale_draws == 1  # yesterday's figures first, then today's
        assert "updating" not in text_of(app, "#caseload-count")
        shown = {r.person_id: r for r in screen.query_one(CaseloadList).shown}
    with open_site(demo_path, ADMIN, PASSPHRASE) as site:
        assert shown == {r.person_id: r for r in caseload(site, tomorrow)}


async def test_same_day_draws_once(demo_path: Path) -> None:
    from ahtui.store.caseload import caseload
    from ahtui.store.site import open_site

    with open_site(demo_path, ADMIN, PASSPHRASE) as site:
        caseload(site, TODAY)
    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        await pilot.pause(0.2)
        assert app.screen.stale_draws == 0
