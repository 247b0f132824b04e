"""Keys for Case notes (contacts)."""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    back("notes", "Back to the person."),
    KeyAction(
        id="notes.add",
        command="write a case note",
        action="add",
        description="New note",
        keys="n",
        help="Write a case note: contact type, when, where, fact or opinion, sensitive.",
    ),
    KeyAction(
        id="notes.sensitive",
        command="mark a note sensitive, or clear it",
        row=True,
        action="toggle_sensitive",
        description="Sensitive",
        keys="s",
        help="Mark the highlighted note sensitive (kept from other agencies), or clear the mark.",
    ),
)
