"""Going from one screen to another: the one place a screen asks for another screen.

Screens open each other in circles (the caseload opens a person, whose actions log opens the
person again), so no screen module imports another to open it. Each screen class registers
here under a name (`@navigation.screen("person")`) and callers open it by a function of this
module; `catalogue.py` imports every screen module, and the app imports the catalogue (in the
background while the passphrase is typed, and at the latest once the caseload is drawn). This
module imports no screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen
from textual.widget import AwaitMount

_S = TypeVar("_S", bound=type[Screen[Any]])

_SCREENS: dict[str, Callable[..., Screen[Any]]] = {}


def screen(name: str) -> Callable[[_S], _S]:
    """Register a screen class under `name`, for the `open_*` functions below."""

    def register(cls: _S) -> _S:
        _SCREENS[name] = cls
        return cls

    return register


def push(app: App[Any], name: str, *args: Any, **kwargs: Any) -> AwaitMount:
    """Open the screen registered as `name`; awaiting the result waits until it is mounted
    (the command palette then runs a key's action on it)."""
    try:
        make = _SCREENS[name]
    except KeyError:
        raise LookupError(
            f"No screen registered as {name!r}: import ahtui.screens.catalogue first."
        ) from None
    return app.push_screen(make(*args, **kwargs))


def _open(app: App[Any], name: str, *args: Any, **kwargs: Any) -> None:
    push(app, name, *args, **kwargs)


def open_person(app: App[Any], person_id: str) -> None:
    _open(app, "person", person_id)


def open_actions(app: App[Any], person_id: str | None = None) -> None:
    """One person's actions log, or (no person) the log across everyone."""
    _open(app, "actions", person_id=person_id)


def open_sync(app: App[Any]) -> None:
    _open(app, "sync")


def open_conflicts(app: App[Any], person_id: str | None = None) -> None:
    """The conflicts waiting, for one person or (no person) the whole site."""
    _open(app, "conflicts", person_id)


def open_consent(app: App[Any], person_id: str) -> None:
    _open(app, "consent", person_id)


def open_team(app: App[Any], person_id: str) -> None:
    _open(app, "team", person_id)


def open_notes(app: App[Any], person_id: str) -> None:
    _open(app, "notes", person_id)


def open_emails(app: App[Any], person_id: str) -> None:
    _open(app, "emails", person_id)


def open_meetings(app: App[Any], person_id: str) -> None:
    _open(app, "meetings", person_id)


def open_meeting_runner(app: App[Any], meeting_id: str) -> None:
    _open(app, "meeting_runner", meeting_id)


def open_plan(app: App[Any], person_id: str) -> None:
    _open(app, "plan", person_id)


def open_assessment(app: App[Any], person_id: str) -> None:
    _open(app, "assessment", person_id)


def open_network(app: App[Any], person_id: str) -> None:
    _open(app, "network", person_id)


def open_release(app: App[Any], person_id: str) -> None:
    _open(app, "release", person_id)


def open_exports(app: App[Any], person_id: str) -> None:
    _open(app, "exports", person_id)
