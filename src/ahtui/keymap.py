"""Key bindings as data: one registry of every keyboard action in the app.

Each `KeyAction` names a Textual action, the scope it is bound in (the app, a screen, or a widget
on a screen), its default keys and the words shown in the footer, the help screen and the command
palette. Screens build their `BINDINGS` from here with `bindings(scope)`, and each binding carries
the action's id, so a site whose terminal swallows a key can remap it by id through Textual's
keymap (`App.set_keymap({"caseload.search": "f2"})`) without touching code.

Default keys stay within what Textual's FAQ says terminals and SSH deliver reliably: F-keys,
ctrl+letter, plain letters and `/` on lists, escape to go back. This module does not import
Textual at import time, so the registry can be read (for a config check or generated docs)
without starting the UI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import BadInput

if TYPE_CHECKING:
    from textual.binding import Binding


@dataclass(frozen=True)
class KeyAction:
    """One keyboard action: where it is bound, what it runs, and how it is described."""

    id: str
    """`<scope>.<name>`: the binding id a keymap overrides, e.g. "caseload.search"."""
    action: str
    """The Textual action run on the node that owns the scope, e.g. "focus_search"."""
    description: str
    """Short words for the footer and the help screen."""
    keys: str
    """Default keys, comma-separated as Textual writes them."""
    help: str = ""
    """A sentence for the help screen and the command palette."""
    show: bool = True
    """Show in the footer."""
    priority: bool = False
    """Checked before the focused widget's own keys (for keys that must work everywhere)."""
    palette: bool = True
    """Offer in the command palette (cursor movement is not worth a palette entry)."""

    @property
    def scope(self) -> str:
        """Where the binding lives: "app", a screen ("caseload") or a widget ("caseload.list")."""
        return self.id.rsplit(".", 1)[0]

    @property
    def area(self) -> str:
        """The first part of the scope: the prefix of the palette name."""
        return self.id.split(".", 1)[0]

    @property
    def palette_name(self) -> str:
        """Posting's `area: action` naming, e.g. "caseload: search"."""
        return f"{self.area}: {self.description.lower()}"

    def key_list(self) -> list[str]:
        return [k.strip() for k in self.keys.split(",") if k.strip()]


ACTIONS: tuple[KeyAction, ...] = (
    # -- everywhere ----------------------------------------------------------------------
    KeyAction(
        "app.help",
        "show_help",
        "Help",
        "f1",
        "List the keys of this screen.",
        priority=True,
    ),
    KeyAction(
        "app.palette",
        "command_palette",
        "Commands",
        "ctrl+p",
        "Search every command by name.",
        show=False,
        priority=True,
        palette=False,
    ),
    KeyAction(
        "app.lock",
        "lock",
        "Lock",
        "ctrl+l",
        "Close the site and return to the unlock screen.",
        priority=True,
    ),
    KeyAction(
        "app.quit", "quit", "Quit", "ctrl+q", "Close the site and leave ahtui.", priority=True
    ),
    # -- unlock screen -------------------------------------------------------------------
    KeyAction(
        "unlock.submit",
        "submit",
        "Next / unlock",
        "enter",
        "From the user name, go to the passphrase; from the passphrase, unlock the site.",
        # Checked as the key arrives, so keys typed ahead of a slow link after Enter land in
        # the passphrase field and never in the visible user name field.
        priority=True,
        palette=False,
    ),
    # -- caseload screen -----------------------------------------------------------------
    # The caseload keys that move focus are priority keys: Textual then handles them in the
    # order keys arrive, so text typed straight after `/` lands in the search box, and keys
    # after Enter land in the list, even when a slow link delivers them in one burst.
    KeyAction(
        "caseload.search",
        "focus_search",
        "Search",
        "slash",
        "Filter the list by name, CRN or NOMIS number as you type.",
        priority=True,
    ),
    KeyAction(
        "caseload.clear_search",
        "clear_search",
        "Clear search",
        "escape",
        "Empty the search box and go back to the list.",
        show=False,
        priority=True,
    ),
    KeyAction(
        "caseload.open",
        "open_person",
        "Open person",
        "enter",
        "Open the highlighted person (from the search box: go to the list).",
        priority=True,
    ),
    # Moving the cursor: listed in help, not in the footer or the palette.
    *(
        KeyAction(
            f"caseload.list.{name}", action, words, keys, help_text, show=False, palette=False
        )
        for name, action, words, keys, help_text in (
            ("up", "cursor_up", "Up", "up,k", "Previous person."),
            ("down", "cursor_down", "Down", "down,j", "Next person."),
            ("page_up", "page_up", "Page up", "pageup", "Up a page."),
            ("page_down", "page_down", "Page down", "pagedown", "Down a page."),
            ("first", "first", "First", "home", "First person."),
            ("last", "last", "Last", "end", "Last person."),
        )
    ),
    # -- help ----------------------------------------------------------------------------
    KeyAction("help.close", "close", "Close", "escape,f1", "Close the help.", palette=False),
)

_BY_ID = {a.id: a for a in ACTIONS}
assert len(_BY_ID) == len(ACTIONS), "duplicate key action ids"


def get(action_id: str) -> KeyAction:
    return _BY_ID[action_id]


def actions(scopes: Iterable[str]) -> list[KeyAction]:
    """The actions bound in any of `scopes`, in registry order."""
    wanted = set(scopes)
    return [a for a in ACTIONS if a.scope in wanted]


def screen_scopes(screen: object) -> tuple[str, ...]:
    """The scopes whose keys work on `screen`: its own (`KEY_SCOPES`), then the app's."""
    return (*getattr(screen, "KEY_SCOPES", ()), "app")


def effective_keys(app: object, action: KeyAction) -> list[str]:
    """The keys bound to `action` now: a keymap override if the app has one, else the defaults."""
    # Textual keeps the keymap only here and applies it while walking bindings.
    overrides = getattr(app, "_keymap", None) or {}
    if action.id in overrides:
        return [k.strip() for k in overrides[action.id].split(",") if k.strip()]
    return action.key_list()


def bindings(scope: str) -> list[Binding]:
    """Textual bindings for one scope, each with its registry id so a keymap can remap it."""
    from textual.binding import Binding

    return [
        Binding(
            a.keys,
            a.action,
            a.description,
            show=a.show,
            priority=a.priority,
            tooltip=a.help,
            id=a.id,
        )
        for a in actions([scope])
    ]


def check_keymap(overrides: Mapping[str, str]) -> dict[str, str]:
    """Validate remapped keys from a config file: known ids, non-empty keys."""
    unknown = sorted(set(overrides) - set(_BY_ID))
    if unknown:
        raise BadInput(f"Unknown key action(s) in the keymap: {', '.join(unknown)}.")
    empty = sorted(k for k, v in overrides.items() if not str(v).strip())
    if empty:
        raise BadInput(f"No key given for: {', '.join(empty)}.")
    return {k: str(v) for k, v in overrides.items()}
