"""The shape of one keyboard action; the registry of them all is keymap.py.

Kept apart from keymap.py so the key files of each screen area (keysets/) can build their
actions without importing the registry that gathers them.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def back(scope: str, help: str, *, show: bool = True) -> KeyAction:
    """Escape, back to the screen underneath: the same key on every screen that has one."""
    return KeyAction(
        id=f"{scope}.back", action="back", description="Back", keys="escape", help=help, show=show
    )
