"""The command palette (ctrl+p): every key of the app as a command named `Area: action`.

Posting's way of doing it: a provider lists commands with their names, help and keys. Ours come
from the keymap registry, each binding by its id, so every key is a command and a remapped key
shows as remapped. A command runs where its key works. On the screen the palette was opened
over, when that screen has the key; otherwise the palette goes to the screen first (back down
the stack to one already open, or opening it for the person in context: the one on screen, or
the one highlighted on the caseload or in the actions log) and runs it there. A command that
acts on a highlighted row only opens its screen and asks for the row, rather than acting on
whichever row comes first. Where none of that can be done it says why in one line ("Open a
person first") and changes nothing.

Textual's own commands (theme, screenshot, maximise) are not offered: the app's help, lock and
quit take their place, and a screenshot would write people's details to disk unencrypted.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.screen import ModalScreen, Screen

from .. import keymap
from ..keyspec import AREA_TITLES, KeyAction
from . import navigation

NO_PERSON = "Open a person first (Enter on the caseload), then choose this again."

# Scopes the palette cannot reach on its own: what has to be open first, in words.
_OPEN_FIRST = {
    "meetings.runner": "Open a meeting first: the person's meetings, then Enter on the meeting.",
    "assessment.area": "Open an area first: the person's assessment, then Enter on the area.",
    "form": "Open a form first: this saves or closes the form on screen.",
}

# Scopes of one person's screens, each by the name its screen registers with navigation.
_PERSON_SCREENS = {
    "person": "person",
    "consent": "consent",
    "team": "team",
    "notes": "notes",
    "emails": "emails",
    "meetings": "meetings",
    "plan": "plan",
    "assessment": "assessment",
    "network": "network",
    "release": "release",
    "exports": "exports",
}


def key_shown(app: App[Any], action: KeyAction) -> str:
    """The first key bound to `action` now, as the footer shows it ("" when none is)."""
    keys = keymap.effective_keys(app, action)
    return app.get_key_display(Binding(keys[0], action.action)) if keys else ""


def commands(app: App[Any], screen: Screen[Any]) -> list[KeyAction]:
    """Every palette command, the screen's own first; only the app's while the site is locked."""
    if getattr(app, "site", None) is None:
        return [a for a in keymap.actions(["app"]) if a.palette and a.id != "app.lock"]
    here = keymap.screen_scopes(screen)
    first = [a for a in keymap.actions(here) if a.palette]
    return first + [a for a in keymap.ACTIONS if a.palette and a not in first]


def _allowed(node: Any, action: KeyAction) -> bool:
    # Textual's run_action does not ask check_action, so a key hidden on this screen (adding
    # to the log across everyone) would run anyway.
    _namespace, name, params = parse_action(action.action)
    return bool(node.check_action(name, params))


def runs_here(screen: Screen[Any], action: KeyAction) -> bool:
    return action.scope in keymap.screen_scopes(screen) and _allowed(screen, action)


def person_in_context(screen: Screen[Any]) -> str | None:
    """The person of the screen, else of the nearest screen under it that has one (the sync
    screen opened from a person's consent: that person); None when there is none."""
    stack = screen.app.screen_stack
    under = stack[: stack.index(screen)] if screen in stack else []
    for seen in (screen, *reversed(under)):
        person_id = _person_of(seen)
        if person_id:
            return person_id
    return None


def _person_of(screen: Screen[Any]) -> str | None:
    """The person the screen is about, or the one highlighted on it."""
    from .caseload import CaseloadList, CaseloadScreen

    if isinstance(screen, CaseloadScreen):
        highlighted = screen.query_one(CaseloadList).current
        return highlighted.person_id if highlighted is not None else None
    person_id = getattr(screen, "person_id", None)
    if person_id:
        return str(person_id)
    record = getattr(screen, "record", None)  # the meeting runner's meeting
    meeting = getattr(record, "meeting", None)
    if meeting is not None:
        return str(meeting["person_id"])
    row = getattr(screen, "current", None)  # the actions log across everyone: its row's
    keys = getattr(row, "keys", None)
    if callable(keys) and "person_id" in keys() and row["person_id"]:
        return str(row["person_id"])
    return None


async def _back_to(app: App[Any], target: Screen[Any]) -> Screen[Any]:
    while app.screen is not target:
        await app.pop_screen()
    return target


async def _open(
    app: App[Any], scope: str, for_person: str | None, name: str, *args: Any, **kwargs: Any
) -> Screen[Any]:
    """The screen with `scope` for `for_person`: back to it when it is open, else opened."""
    for open_screen in reversed(app.screen_stack):
        if scope in getattr(open_screen, "KEY_SCOPES", ()) and (
            getattr(open_screen, "person_id", None) == for_person
        ):
            return await _back_to(app, open_screen)
    await navigation.push(app, name, *args, **kwargs)
    return app.screen


async def _go(app: App[Any], screen: Screen[Any], action: KeyAction) -> Screen[Any] | str:
    """Go where `action` works; the screen there, or why it cannot be reached."""
    from .caseload import CaseloadScreen

    scope = action.scope
    if scope in _OPEN_FIRST:
        return _OPEN_FIRST[scope]
    if scope in ("caseload", "caseload.list"):
        caseload = next((s for s in app.screen_stack if isinstance(s, CaseloadScreen)), None)
        return await _back_to(app, caseload) if caseload else "Unlock the site first."
    if scope == "sync":
        return await _open(app, scope, None, "sync")
    person_id = person_in_context(screen)
    if scope in ("actions", "conflicts"):
        # Either one person's or the one across everyone, unless the key belongs to one.
        if action.reach == "person" and not person_id:
            return NO_PERSON
        if action.reach == "site":
            person_id = None
        if scope == "actions":
            return await _open(app, scope, person_id, "actions", person_id=person_id)
        return await _open(app, scope, person_id, "conflicts", person_id)
    if scope in _PERSON_SCREENS:
        if not person_id:
            return NO_PERSON
        return await _open(app, scope, person_id, _PERSON_SCREENS[scope], person_id)
    return "That command works only on its own screen."


def _blocked(screen: Screen[Any]) -> str | None:
    """Why nothing but the screen's own commands can run over it (a form, a question)."""
    from ..widgets.form import FormScreen

    if isinstance(screen, FormScreen):
        return "Save the form (ctrl+s) or close it (Esc) first."
    if isinstance(screen, ModalScreen):
        return "Close this first (Esc), then choose the command again."
    return None


async def run(app: App[Any], screen: Screen[Any], action: KeyAction) -> None:
    """Run `action` as chosen in the palette opened over `screen`."""
    if action.area == "app":
        await app.run_action(action.action)
        return
    if runs_here(screen, action):
        await app.run_action(action.action, default_namespace=screen)
        return
    why = _blocked(screen)
    target = why or await _go(app, screen, action)
    if isinstance(target, str):
        app.notify(target, title=action.palette_name, severity="warning")
        return
    if action.row:
        key = key_shown(app, action)
        app.notify(
            f"Highlight the one it is for, then press {key} (or choose this command again).",
            title=action.palette_name,
        )
        return
    if not _allowed(target, action):
        app.notify("That command does nothing on this screen.", title=action.palette_name)
        return
    await app.run_action(action.action, default_namespace=target)


def match_score(words: list[str], name: str, help_text: str = "") -> float:
    """How well the typed words find a command: each must be in its name (best at the start of
    a word), or failing that in its help; 0 when one is in neither.

    Words, not Textual's scattered letters: "theme" would otherwise find "Meetings: schedule a
    meeting", and "sync" the caseload's search by name, CRN or NOMIS number.
    """
    if not words:
        return 0.0
    folded = name.casefold()
    if all(w in folded for w in words):
        at_start = sum(bool(re.search(rf"(?:^|\W){re.escape(w)}", folded)) for w in words)
        # "sync" puts the Sync screen's commands before the caseload's way to it.
        area = folded.split(":", 1)[0]
        in_area = any(area.startswith(w) for w in words)
        return 0.5 + 0.4 * at_start / len(words) + 0.1 * in_area
    if all(w in f"{folded} {help_text.casefold()}" for w in words):
        return 0.25
    return 0.0


def _spans(words: list[str], name: str) -> list[tuple[int, int]]:
    folded = name.casefold()
    return [(m.start(), m.end()) for w in words for m in re.finditer(re.escape(w), folded)]


class AhtuiCommands(Provider):
    """Every command of the app for the palette, named `Area: action`."""

    def _commands(self) -> list[tuple[KeyAction, str]]:
        found = []
        for action in commands(self.app, self.screen):
            shown = key_shown(self.app, action)
            if shown and not runs_here(self.screen, action) and action.area != "app":
                # The key works on its own screen, not on this one.
                title = AREA_TITLES.get(action.area, action.area)
                shown += " in a form" if action.area == "form" else f" on the {title} screen"
            found.append((action, f"{action.help} ({shown})" if shown else action.help))
        return found

    async def discover(self) -> Hits:
        for action, help_text in self._commands():
            yield DiscoveryHit(
                action.palette_name, partial(run, self.app, self.screen, action), help=help_text
            )

    async def search(self, query: str) -> Hits:
        words = query.casefold().split()
        for action, help_text in self._commands():
            name = action.palette_name
            score = match_score(words, name, help_text)
            if score > 0:
                shown = Content(name)
                for start, end in _spans(words, name):
                    shown = shown.stylize(self.match_style or "underline", start, end)
                yield Hit(
                    score,
                    shown,
                    partial(run, self.app, self.screen, action),
                    text=name,
                    help=help_text,
                )
