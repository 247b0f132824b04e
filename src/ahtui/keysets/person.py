"""Keys for the person screen: its views, and the way to each of the person's records.

Most keys stay out of the footer so it fits 80 columns; F1 and the palette list them all.
"""

from __future__ import annotations

from ..keyspec import KeyAction, back


def change_pathway(scope: str, *, show: bool = True) -> KeyAction:
    """The pathway change, on the person screen and the team screen alike."""
    return KeyAction(
        id=f"{scope}.pathway",
        action="change_pathway",
        description="Change pathway",
        keys="p",
        help="Move the person to another pathway, giving a reason.",
        show=show,
    )


def change_lead(scope: str, *, show: bool = True) -> KeyAction:
    """The hand-over of the lead, on the person screen and the team screen alike."""
    return KeyAction(
        id=f"{scope}.lead",
        action="change_lead",
        description="Change lead",
        keys="l",
        help="Hand the lead to another practitioner, giving a reason.",
        show=show,
    )


ACTIONS: tuple[KeyAction, ...] = (
    back("person", "Back to the previous screen.", show=False),
    KeyAction(
        id="person.overview",
        command="overview",
        action="show_view('overview')",
        description="Overview",
        keys="o",
        help="Pathway, lead, key dates, everything due and why, pathway history.",
        show=False,
    ),
    KeyAction(
        id="person.timeline",
        command="timeline",
        action="show_view('timeline')",
        description="Timeline",
        keys="t",
        help="Meetings, actions, notes, consents and pathway changes in date order.",
    ),
    KeyAction(
        id="person.consent",
        command="open consent",
        action="open_consent",
        description="Consent",
        keys="c",
        help="Consent to share, per agency.",
    ),
    KeyAction(
        id="person.team",
        command="open the team",
        action="open_team",
        description="Team",
        keys="m",
        help="The team around the person and their personal contacts.",
    ),
    KeyAction(
        id="person.actions",
        command="open their actions log",
        action="open_actions",
        description="Actions",
        keys="a",
        help="The person's Team Actions Log.",
    ),
    KeyAction(
        id="person.notes",
        command="open case notes",
        action="open_notes",
        description="Notes",
        keys="n",
        help="Case notes (contacts).",
    ),
    KeyAction(
        id="person.emails",
        command="open template emails",
        action="open_emails",
        description="Emails",
        keys="e",
        help="Template emails and replies.",
    ),
    KeyAction(
        id="person.meetings",
        command="open meetings",
        action="open_meetings",
        description="Meetings",
        keys="g",
        help="Meetings: schedule one, or run one through its agenda.",
        show=False,
    ),
    KeyAction(
        id="person.plan",
        command="open My Plan",
        action="open_plan",
        description="My Plan",
        keys="y",
        help="My Plan, written with the person.",
        show=False,
    ),
    KeyAction(
        id="person.assessment",
        command="open the assessment",
        action="open_assessment",
        description="Assessment",
        keys="s",
        help="The Combined Assessment, area by area.",
        show=False,
    ),
    KeyAction(
        id="person.network",
        command="open the support network",
        action="open_network",
        description="Support network",
        keys="w",
        help="Lifelong Links, Family Group Conference or another support network.",
        show=False,
    ),
    KeyAction(
        id="person.release",
        command="open release day and remand",
        action="open_release",
        description="Release / remand",
        keys="r",
        help="The release-day plan and check-in, or remand support.",
        show=False,
    ),
    KeyAction(
        id="person.export",
        command="export documents",
        action="open_exports",
        description="Export",
        keys="x",
        help="Write My Plan, the assessment, meetings or minutes to a file.",
        show=False,
    ),
    KeyAction(
        id="person.conflicts",
        command="open their conflicts",
        action="open_conflicts",
        description="Conflicts",
        keys="f",
        help="Edits to this person made at two sites at once: choose or combine.",
        show=False,
    ),
    KeyAction(
        id="person.details",
        command="edit details",
        action="edit_details",
        description="Edit details",
        keys="d",
        help="Correct the person's names, identifiers, places and dates.",
        show=False,
    ),
    change_pathway("person", show=False),
    change_lead("person", show=False),
)
