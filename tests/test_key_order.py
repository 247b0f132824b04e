"""Keys that arrive together are handled in the order they were typed (`ahtui.key_order`).

Each test posts its keys to the real app at once, without waiting between them, as a terminal
delivers keys that came in one SSH packet or while the app was busy. Without `KeysInOrder`,
Textual ran backspace, the arrows and Tab only after the letters behind them ("smi", three
backspaces, "robe" gave "smir"; "Ann", Tab, "Smith" put "AnnSmith" in the first field). The
tmux test over SSH (test_ssh.py) types a burst through a real terminal as well.
"""

from __future__ import annotations

import asyncio
import time

from test_app_forms import focused_name, new_person_form
from test_app_shell import wait_for
from textual import events
from textual.app import ComposeResult
from textual.widgets import Input

from ahtui import key_order
from ahtui.key_order import KeysInOrder

CHARACTERS = {"backspace": "\x7f", "tab": "\t", "slash": "/", "space": " "}


def burst(app, keys: list[str]) -> None:
    """Post every key to the app in one go, as the terminal driver does with one read."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None)))


async def test_backspaces_in_a_burst_delete_what_was_typed_before_them(unlocked) -> None:
    app, pilot = unlocked
    burst(app, ["slash", *"smi", "backspace", "backspace", "backspace", *"robe"])
    search = app.screen.query_one("#search", Input)
    await wait_for(pilot, lambda: search.value == "robe")
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
    await wait_for(pilot, lambda: form.values()["family_name"] == "Smith")
    await pilot.pause(0.2)
    values = form.values()
    assert (values["given_name"], values["family_name"]) == ("Ann", "Smith")
    assert focused_name(app) == "family_name"


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
        # The app gave up waiting on "x" after 0.2 s and went on with its own work.
        assert ran and ran[0] < 0.6
        await wait_for(pilot, lambda: app.query_one("#slow", Input).value == "xy")
        # Nothing is left held: the next burst is in order again.
        burst(app, ["backspace", "backspace", *"ab", "tab", *"cd"])
        await wait_for(pilot, lambda: app.query_one("#other", Input).value == "cd")
        assert app.query_one("#slow", Input).value == "ab"
