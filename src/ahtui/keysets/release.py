"""Keys for Release day and remand support."""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("release.back", "back", "Back", "escape", "Back to the person.", show=False),
    KeyAction(
        "release.plan",
        "release_plan",
        "Release plan",
        "p",
        "Who meets them at the gate and who stands in, the first probation appointment, "
        "travel, whether the PA attends (starts from Meeting 2 or the resettlement meeting).",
    ),
    KeyAction(
        "release.checkin",
        "checkin",
        "Check-in",
        "c",
        "After release: did the day go to plan, and how it went.",
    ),
    KeyAction(
        "release.remand",
        "remand",
        "Remand support",
        "m",
        "The Care Experience Specialist's remand support: bail, legal aid, accommodation, "
        "work, family ties, and the parts of My Plan the person chose.",
    ),
)
