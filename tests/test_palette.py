"""The command palette (ctrl+p): every command of the app, named `Area: action`, from any screen.

The real app on a copy of the demo site at 80x24, driven through Textual's Pilot: the palette
is opened with ctrl+p and searched by typing into it, as a person would; what it found is read
from its list, and what a command did from the screens and notifications that follow.
"""

from __future__ import annotations

import importlib
import pkgutil

from conftest import ADMIN, APP_SIZE, APP_TODAY, PASSPHRASE
from test_app_shell import wait_for
from textual.command import CommandInput, CommandList, CommandPalette

from ahtui import keymap, keysets
from ahtui.app import AhtuiApp
from ahtui.keyspec import KeyAction
from ahtui.screens.actions import ActionsScreen
from ahtui.screens.caseload import CaseloadList, CaseloadScreen
from ahtui.screens.consent import ConsentScreen
from ahtui.screens.emails import EmailsScreen
from ahtui.screens.help import HelpScreen
from ahtui.screens.palette import NO_PERSON, AhtuiCommands
from ahtui.screens.person import PersonScreen
from ahtui.screens.sync import SyncScreen
from ahtui.widgets.form import FormScreen


async def palette_finds(app: AhtuiApp, pilot, query: str) -> list[str]:
    """Open the palette, type `query`, and read the commands it lists."""
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: bool(app.screen.query(CommandInput)))
    app.screen.query_one(CommandInput).value = query
    # Searching runs in a worker; "No matches found" comes after a short wait.
    await pilot.pause(0.6)
    listed = app.screen.query_one(CommandList)
    options = [listed.get_option_at_index(i) for i in range(listed.option_count)]
    # "No matches found" is an option too, without a hit.
    return [o.hit.text for o in options if getattr(o, "hit", None) is not None]


async def choose(app: AhtuiApp, pilot, name: str) -> None:
    """Run the command called `name` from the palette, as typed and chosen with Enter."""
    found = await palette_finds(app, pilot, name)
    assert found and found[0] == name, found
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))


def said(app: AhtuiApp) -> str:
    return " ".join(str(n.message) for n in app._notifications)


async def to_consent(app: AhtuiApp, pilot) -> str:
    pid = app.screen.query_one(CaseloadList).current.person_id
    await pilot.press("enter", "c")
    await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen))
    return pid


async def test_from_the_consent_screen_sync_finds_the_sync_commands(unlocked) -> None:
    app, pilot = unlocked
    await to_consent(app, pilot)
    found = await palette_finds(app, pilot, "sync")
    assert {
        "Sync: export a bundle",
        "Sync: import bundles",
        "Sync: open conflicts",
        "Caseload: open sync",
    } <= set(found)
    # Every hit has the word in its name: no scattered letters ("search by name, CRN…").
    assert all("sync" in f.lower() for f in found), found


async def test_theme_and_textuals_own_commands_are_not_offered(unlocked) -> None:
    app, pilot = unlocked
    for query in ("theme", "screenshot", "maximize", "minimize"):
        assert await palette_finds(app, pilot, query) == [], query
        await pilot.press("escape")
    everything = [h.display async for h in AhtuiCommands(app.screen).discover()]
    assert not {"Theme", "Screenshot", "Keys", "Quit", "Maximize"} & set(everything)
    # Quit and help are still there, as the app's own.
    assert {"App: quit", "App: help", "App: lock"} <= set(everything)


async def test_a_command_for_another_screen_goes_there_with_the_highlighted_person(
    unlocked,
) -> None:
    app, pilot = unlocked
    table = app.screen.query_one(CaseloadList)
    table.move_to(2)
    await pilot.pause()
    pid = table.current.person_id
    await choose(app, pilot, "Consent: record consent")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    assert app.screen.form_title == "Record consent"
    beneath = app.screen_stack[-2]
    assert isinstance(beneath, ConsentScreen) and beneath.person_id == pid


async def test_a_command_goes_back_to_a_screen_already_open(unlocked) -> None:
    app, pilot = unlocked
    pid = await to_consent(app, pilot)
    depth = len(app.screen_stack)
    await choose(app, pilot, "Person: timeline")
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
    # Back down to the person already open, not a second copy of them on top.
    assert app.screen.person_id == pid and len(app.screen_stack) == depth - 1
    assert app.screen.view == "timeline"
    await choose(app, pilot, "Sync: import bundles")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    assert isinstance(app.screen_stack[-2], SyncScreen)
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen))
    await choose(app, pilot, "Caseload: only people with overdue items")
    await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen))
    assert app.screen.filters == {"overdue"}


async def test_the_person_in_context_is_the_one_under_the_screen(unlocked) -> None:
    app, pilot = unlocked
    pid = await to_consent(app, pilot)
    await choose(app, pilot, "Caseload: open sync")
    await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen))
    # The sync screen is about no one: the person is the one whose consent it was opened over.
    found = {h.display: h.help async for h in AhtuiCommands(app.screen).discover()}
    assert found["Notes: write a case note"].endswith("(n on the Notes screen)")
    assert found["Sync: import bundles"].endswith("(i)")
    await choose(app, pilot, "Notes: write a case note")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    assert app.screen.form_title == "New case note"
    assert app.screen_stack[-2].person_id == pid


async def test_a_person_command_with_no_one_selected_says_why(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("slash", *"zzzzqq", "enter")
    assert app.screen.query_one(CaseloadList).current is None
    await choose(app, pilot, "Notes: write a case note")
    await pilot.pause()
    assert isinstance(app.screen, CaseloadScreen)
    assert NO_PERSON in said(app)
    assert NO_PERSON.startswith("Open a person first")


async def test_a_row_command_opens_its_screen_and_asks_for_the_row(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
    await choose(app, pilot, "Emails: professional challenge")
    await wait_for(pilot, lambda: isinstance(app.screen, EmailsScreen))
    await pilot.pause()
    # Not the first email on the list, chased unasked: the person chooses which.
    assert isinstance(app.screen, EmailsScreen)
    assert "Highlight the one it is for, then press c" in said(app)


async def test_actions_commands_open_the_right_log(unlocked) -> None:
    app, pilot = unlocked
    pid = app.screen.query_one(CaseloadList).current.person_id
    await choose(app, pilot, "Actions: add a step")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    log = app.screen_stack[-2]
    assert isinstance(log, ActionsScreen) and log.person_id == pid
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen, ActionsScreen))
    # Views belong to the log across everyone: it opens that one, whatever person is shown.
    await choose(app, pilot, "Actions: next view (mine, overdue, this week…)")
    await wait_for(
        pilot, lambda: isinstance(app.screen, ActionsScreen) and not app.screen.person_id
    )
    assert app.screen.view != "mine"


async def test_over_a_form_only_the_forms_own_commands_run(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    form = app.screen
    await choose(app, pilot, "Sync: export a bundle")
    await pilot.pause()
    assert app.screen is form
    assert "Save the form (ctrl+s) or close it (Esc) first" in said(app)
    await choose(app, pilot, "Form: close the form")
    await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen))


async def test_locked_the_palette_offers_only_help_and_quit(demo_path) -> None:
    app = AhtuiApp(demo_path, today=APP_TODAY)
    async with app.run_test(size=APP_SIZE) as pilot:
        await pilot.pause()
        found = [h.display async for h in AhtuiCommands(app.screen).discover()]
        assert found == ["App: help", "App: quit"]


def _every_keyset_action() -> list[KeyAction]:
    found = []
    for info in pkgutil.iter_modules(keysets.__path__):
        module = importlib.import_module(f"ahtui.keysets.{info.name}")
        found += list(module.ACTIONS)
    return found


# Keys that are no command: moving a cursor, going back, the palette itself, the unlock
# screen's Enter, a drop-down's and a question's own keys, closing the help.
_NOT_COMMANDS = {"back", "command_palette", "first_row", "last_row", "submit"}


async def test_every_key_of_every_keyset_is_in_the_palette(unlocked) -> None:
    app, pilot = unlocked
    walked = _every_keyset_action()
    assert len(walked) > 100
    assert {a.id for a in walked} == {a.id for a in keymap.ACTIONS}  # the registry has them all
    listed = [h.display async for h in AhtuiCommands(app.screen).discover()]
    assert len(listed) == len(set(listed)), "two commands of one name"
    for action in walked:
        if action.palette:
            assert action.palette_name in listed, action.id
        else:
            left_out = action.action in _NOT_COMMANDS or action.scope in (
                "caseload.list",
                "form.choice",
                "question",
                "help",
            )
            assert left_out, f"{action.id} is a command but not in the palette"
    # Named `Area: action`, the area as the screens call it.
    assert all(": " in name and name[0].isupper() for name in listed)


async def test_f1_still_lists_the_keys_of_the_screen_only(unlocked) -> None:
    app, pilot = unlocked
    await to_consent(app, pilot)
    await pilot.press("f1")
    assert isinstance(app.screen, HelpScreen)
    actions = {row[2] for row in app.screen.rows}
    assert {"Record", "Back", "Help", "Lock", "Quit"} <= actions
    assert "Export" not in actions  # the sync screen's, not this one's


def test_the_palette_at_80x24(snap_compare, snap_site) -> None:
    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: isinstance(app.screen, CaseloadScreen))
        await app.workers.wait_for_complete()
        await pilot.press("enter", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConsentScreen))
        await palette_finds(app, pilot, "sync")
        app.screen.query_one(CommandInput).cursor_blink = False

    app = AhtuiApp(snap_site, username=ADMIN, passphrase=PASSPHRASE, today=APP_TODAY)
    assert snap_compare(app, terminal_size=APP_SIZE, run_before=run_before)
