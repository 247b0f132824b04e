"""Keys that arrive together are handled in the order they were typed (`ahtui.key_order`).

Each test posts its keys to the real app at once, without waiting between them, as a terminal
delivers keys that came in one SSH packet or while the app was busy. Without `KeysInOrder`,
Textual ran backspace, the arrows, Tab and Enter only after the letters behind them ("smi",
three backspaces, "robe" gave "smir"; "Ann", Tab, "Smith" put "AnnSmith" in the first field),
and a key that opened a screen lost the letters behind it. The tmux test over SSH
(test_ssh.py) types a burst through a real terminal as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from test_app_forms import focused_name, new_person_form
from test_app_shell import wait_for
from textual import events
from textual.app import ComposeResult
from textual.widgets import Input

from ahtui import key_order
from ahtui.key_order import KeysInOrder
from ahtui.screens.notes import NotesScreen
from ahtui.screens.person import PersonScreen
from ahtui.widgets.form import FormScreen

CHARACTERS = {"backspace": "\x7f", "tab": "\t", "slash": "/", "space": " ", "enter": "\r"}


def burst(app, keys: list[str]) -> None:
    """Post every key to the app in one go, as the terminal driver does with one read."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None)))


async def until(pilot, condition) -> None:
    """Let the app run until `condition()` holds, or for 5 s: the assertion after says what
    came out instead, where a timeout would say only that it did not come."""
    with contextlib.suppress(AssertionError):
        await wait_for(pilot, condition, timeout=5.0)


async def test_backspaces_in_a_burst_delete_what_was_typed_before_them(unlocked) -> None:
    app, pilot = unlocked
    burst(app, ["slash", *"smi", "backspace", "backspace", "backspace", *"robe"])
    search = app.screen.query_one("#search", Input)
    await until(pilot, lambda: search.value == "robe")
    await pilot.pause(0.2)
    assert search.value == "robe"
    assert search.cursor_position == 4


async def test_tab_in_a_burst_moves_on_before_the_next_letters(unlocked) -> None:
    app, pilot = unlocked
    form = await new_person_form(pilot)
    assert focused_name(app) == "given_name"
    # "Smiht": back two, put the t in, then to the end and put the last two right.
    burst(app, [*"Anx", "backspace", "n", "tab", *"Smiht", "left", "left", "t", "end",
                "backspace", "backspace", "h"])  # fmt: skip
    await until(pilot, lambda: form.values()["family_name"] == "Smith")
    await pilot.pause(0.2)
    values = form.values()
    assert (values["given_name"], values["family_name"]) == ("Ann", "Smith")
    assert focused_name(app) == "family_name"


async def test_enter_in_a_burst_moves_on_before_the_next_letters(unlocked) -> None:
    # Enter moves on through the form's Submitted message, which goes by the app's own queue.
    app, pilot = unlocked
    form = await new_person_form(pilot)
    burst(app, [*"Ann", "enter", *"Smith"])
    await until(pilot, lambda: form.values()["family_name"] == "Smith")
    await pilot.pause(0.2)
    assert (form.values()["given_name"], form.values()["family_name"]) == ("Ann", "Smith")


async def test_letters_behind_a_key_that_opens_a_form_go_into_the_form(unlocked) -> None:
    app, pilot = unlocked
    caseload = app.screen
    burst(app, ["n", *"Ann"])
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    form = app.screen
    await until(pilot, lambda: form.values()["given_name"] == "Ann")
    await pilot.pause(0.2)
    assert form.values()["given_name"] == "Ann"
    assert caseload.query_one("#search", Input).value == ""


async def test_a_question_answered_in_a_burst_is_answered_before_the_next_key(unlocked) -> None:
    # Esc on a form with input asks; d discards; n, in the same burst, then opens a new form
    # from the caseload, as it does typed slowly.
    app, pilot = unlocked
    form = await new_person_form(pilot)
    burst(app, [*"Ann"])
    await wait_for(pilot, lambda: form.values()["given_name"] == "Ann")
    burst(app, ["escape", "d", "n"])
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen) and app.screen is not form)
    assert app.screen.values()["given_name"] in (None, "")


async def test_a_screen_opened_in_a_burst_takes_the_keys_meant_for_it(unlocked) -> None:
    app, pilot = unlocked
    burst(app, ["enter", "n"])  # open the person, then their case notes
    await wait_for(pilot, lambda: isinstance(app.screen, NotesScreen))
    assert isinstance(app.screen_stack[-2], PersonScreen)


class _Crashing(Input):
    async def on_key(self, event: events.Key) -> None:
        if event.key == "f5":
            raise RuntimeError("a handler that fails")


class _Crash(KeysInOrder):
    def compose(self) -> ComposeResult:
        yield _Crashing()


async def test_a_handler_that_fails_mid_burst_stops_the_app_at_once() -> None:
    # The failed widget's loop has ended: the keys behind are not each held for LONGEST_WAIT.
    app = _Crash()
    took = []
    with contextlib.suppress(RuntimeError):  # the app's failure, raised again as it closes
        async with app.run_test() as pilot:
            await pilot.pause()
            start = time.monotonic()
            burst(app, [*"ab", "f5", *"cdefgh"])
            while app.is_running and time.monotonic() - start < 10:
                await asyncio.sleep(0.01)
            took.append(time.monotonic() - start)
    assert took and took[0] < 1.0, took


class _SlowField(Input):
    """A field that takes a second over each key, as a handler stuck on a busy file might."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "x":
            await asyncio.sleep(1.0)
        await super()._on_key(event)


class _TwoFields(KeysInOrder):
    def compose(self) -> ComposeResult:
        yield _SlowField(id="slow")
        yield Input(id="other")


async def test_a_key_that_is_slow_to_handle_holds_the_next_back_for_a_while_only(
    monkeypatch,
) -> None:
    monkeypatch.setattr(key_order, "LONGEST_WAIT", 0.2)
    app = _TwoFields()
    async with app.run_test() as pilot:
        ran: list[float] = []
        start = time.monotonic()
        burst(app, ["x", "y"])
        app.call_later(lambda: ran.append(time.monotonic() - start))
        await pilot.pause(0.6)
        # The app goes on with its own work while the key ahead is slow.
        assert ran and ran[0] < 0.6
        await wait_for(pilot, lambda: app.query_one("#slow", Input).value == "xy")
        # Nothing is left held: the next burst is in order again.
        burst(app, ["backspace", "backspace", *"ab", "tab", *"cd"])
        await wait_for(pilot, lambda: app.query_one("#other", Input).value == "cd")
        assert app.query_one("#slow", Input).value == "ab"
