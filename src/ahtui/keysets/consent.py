"""Keys for Consent to share, per agency."""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    back("consent", "Back to the person."),
    KeyAction(
        id="consent.record",
        command="record consent",
        action="record",
        description="Record",
        keys="r",
        help="Record an offer, consent given, declined or withdrawn.",
    ),
)
