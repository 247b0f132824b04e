"""Keys for Exports of My Plan, the assessment, meetings and minutes."""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    back("exports", "Back to the person."),
    # Checked before the list's own Enter, so the footer shows it and a keymap can move it.
    KeyAction(
        id="exports.write",
        command="export the highlighted document",
        row=True,
        action="export",
        description="Export",
        keys="enter",
        help="Write the highlighted document: choose where, then it is saved whole.",
        priority=True,
    ),
    KeyAction(
        id="exports.myplan_html",
        command="My Plan as HTML",
        action="quick('myplan', 'html')",
        description="My Plan HTML",
        keys="p",
        help="Export My Plan as a printable HTML document.",
        show=False,
    ),
    KeyAction(
        id="exports.assessment_html",
        command="assessment as HTML",
        action="quick('assessment', 'html')",
        description="Assessment HTML",
        keys="a",
        help="Export the Combined Assessment as printable HTML, for OASys and the Pathway Plan.",
        show=False,
    ),
    KeyAction(
        id="exports.meetings_ics",
        command="meetings as a calendar (.ics)",
        action="quick('meetings', 'ics')",
        description="Meetings .ics",
        keys="c",
        help="Export the person's meetings as a calendar file (.ics).",
        show=False,
    ),
    KeyAction(
        id="exports.minutes_md",
        command="minutes as Markdown",
        action="quick('minutes', 'md')",
        description="Minutes",
        keys="m",
        help="Export the minutes of every held meeting, with their actions, as Markdown.",
        show=False,
    ),
)
