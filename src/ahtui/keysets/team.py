"""Keys for the team around the person and their personal contacts.

Less-used keys stay out of the footer so it fits 80 columns (F1 lists them).
"""

from __future__ import annotations

from ..keyspec import KeyAction, back
from .person import change_lead, change_pathway

ACTIONS: tuple[KeyAction, ...] = (
    back("team", "Back to the person.", show=False),
    KeyAction(
        id="team.add",
        command="add a practitioner",
        action="add_member",
        description="Add member",
        keys="t",
        help="Add a practitioner to the team (a new one, or one already at the site).",
    ),
    KeyAction(
        id="team.contact",
        command="add a personal contact",
        action="add_contact",
        description="Add contact",
        keys="k",
        help="Add a personal contact: family, friend, next of kin.",
    ),
    KeyAction(
        id="team.leave",
        command="a practitioner left the team",
        row=True,
        action="leave",
        description="Left team",
        keys="x",
        help="Record that the highlighted practitioner has left the team.",
    ),
    KeyAction(
        id="team.edit",
        command="edit a member or contact",
        row=True,
        action="edit",
        description="Edit",
        keys="e",
        help="Correct the highlighted practitioner or personal contact (Tab moves between).",
    ),
    KeyAction(
        id="team.end_contact",
        command="end a personal contact",
        row=True,
        action="end_contact",
        description="End contact",
        keys="z",
        help="The highlighted personal contact is no longer a contact (asks first).",
        show=False,
    ),
    change_pathway("team", show=False),
    change_lead("team"),
)
