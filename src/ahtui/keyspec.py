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
    """Offer in the command palette (cursor movement and going back are not worth an entry)."""
    command: str = ""
    """What the palette calls it after the area ("export a bundle"); empty: the description."""
    row: bool = False
    """Acts on the highlighted row: from another screen the palette opens the screen and asks
    for a row to be highlighted, rather than acting on whichever row comes first."""
    reach: str = ""
    """Which version of the screen it needs when opened from elsewhere: "person" (one person's,
    e.g. adding to their actions log) or "site" (the one across everyone); empty: either."""

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
        """Posting's `area: action` naming, e.g. "Sync: export a bundle"."""
        words = self.command or _lower_first(self.description)
        return f"{AREA_TITLES.get(self.area, self.area.capitalize())}: {words}"

    def key_list(self) -> list[str]:
        return [k.strip() for k in self.keys.split(",") if k.strip()]


# The area of each key in the palette's names, as the screens' headings call it.
AREA_TITLES = {
    "app": "App",
    "caseload": "Caseload",
    "person": "Person",
    "consent": "Consent",
    "team": "Team",
    "actions": "Actions",
    "notes": "Notes",
    "emails": "Emails",
    "meetings": "Meetings",
    "plan": "My Plan",
    "assessment": "Assessment",
    "network": "Support network",
    "release": "Release",
    "exports": "Export",
    "sync": "Sync",
    "conflicts": "Conflicts",
    "form": "Form",
}


def _lower_first(words: str) -> str:
    # "Open person" reads "open person" after the area; "CSV" or "My Plan" keep their capitals.
    first = words.split(" ", 1)[0]
    if first.isupper() or first in ("My", "About", "Wheel"):
        return words
    return words[:1].lower() + words[1:]


def back(scope: str, help: str, *, show: bool = True) -> KeyAction:
    """Escape, back to the screen underneath: the same key on every screen that has one.

    Not in the palette: from another screen, "back" from this one means nothing."""
    return KeyAction(
        id=f"{scope}.back",
        action="back",
        description="Back",
        keys="escape",
        help=help,
        show=show,
        palette=False,
    )
