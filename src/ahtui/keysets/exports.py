"""Keys for Exports of My Plan, the assessment, meetings and minutes."""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("exports.back", "back", "Back", "escape", "Back to the person."),
    KeyAction(
        "exports.write",
        "export",
        "Export",
        "enter",
        "Write the highlighted document: choose where, then it is saved whole.",
        # Checked before the list's own Enter, so the footer shows it and a keymap can move it.
        priority=True,
    ),
    KeyAction(
        "exports.myplan_html",
        "quick('myplan', 'html')",
        "My Plan HTML",
        "p",
        "Export My Plan as a printable HTML document.",
        show=False,
    ),
    KeyAction(
        "exports.assessment_html",
        "quick('assessment', 'html')",
        "Assessment HTML",
        "a",
        "Export the Combined Assessment as printable HTML, for OASys and the Pathway Plan.",
        show=False,
    ),
    KeyAction(
        "exports.meetings_ics",
        "quick('meetings', 'ics')",
        "Meetings .ics",
        "c",
        "Export the person's meetings as a calendar file (.ics).",
        show=False,
    ),
    KeyAction(
        "exports.minutes_md",
        "quick('minutes', 'md')",
        "Minutes",
        "m",
        "Export the minutes of every held meeting, with their actions, as Markdown.",
        show=False,
    ),
)
