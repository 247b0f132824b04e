"""Keys for Release day and remand support."""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    back("release", "Back to the person.", show=False),
    KeyAction(
        id="release.plan",
        command="release plan",
        action="release_plan",
        description="Release plan",
        keys="p",
        help="Who meets them at the gate and who stands in, the first probation appointment, travel, whether the PA attends (starts from Meeting 2 or the resettlement meeting).",
    ),
    KeyAction(
        id="release.checkin",
        command="check-in after release",
        action="checkin",
        description="Check-in",
        keys="c",
        help="After release: did the day go to plan, and how it went.",
    ),
    KeyAction(
        id="release.remand",
        command="remand support",
        action="remand",
        description="Remand support",
        keys="m",
        help="The Care Experience Specialist's remand support: bail, legal aid, accommodation, work, family ties, and the parts of My Plan the person chose.",
    ),
)
