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
from typing import TYPE_CHECKING

from .errors import BadInput
from .keysets import actions as actions_keys
from .keysets import (
    app,
    assessment,
    caseload,
    consent,
    emails,
    exports,
    meetings,
    network,
    notes,
    person,
    plan,
    release,
    sync,
    team,
)
from .keyspec import KeyAction

if TYPE_CHECKING:
    from textual.binding import Binding


# Registry order: the help screen and the palette list a screen's keys in this order.
ACTIONS: tuple[KeyAction, ...] = (
    *app.ACTIONS,
    *caseload.ACTIONS,
    *person.ACTIONS,
    *consent.ACTIONS,
    *team.ACTIONS,
    *actions_keys.ACTIONS,
    *notes.ACTIONS,
    *emails.ACTIONS,
    *meetings.ACTIONS,
    *plan.ACTIONS,
    *assessment.ACTIONS,
    *network.ACTIONS,
    *release.ACTIONS,
    *exports.ACTIONS,
    *sync.ACTIONS,
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
    # Textual applies a keymap but gives no public way to read it back, so the app keeps the
    # one it was given (`AhtuiApp.keymap_overrides`).
    overrides: Mapping[str, str] = getattr(app, "keymap_overrides", None) or {}
    if action.id in overrides:
        return [k.strip() for k in overrides[action.id].split(",") if k.strip()]
    return action.key_list()


def bindings(scope: str) -> list[Binding]:
    """Textual bindings for one scope, each with its registry id so a keymap can remap it."""
    # Here, not at the top: reading the registry (a config check) must not load Textual.
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
