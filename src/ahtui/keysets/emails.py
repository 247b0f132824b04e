"""Keys for Template emails and the replies to them."""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    back("emails", "Back to the person."),
    KeyAction(
        id="emails.new",
        command="write a template email",
        action="new_email",
        description="New email",
        keys="n",
        help="Fill a template email from the record and save it as a .eml file.",
    ),
    KeyAction(
        id="emails.challenge",
        command="professional challenge",
        row=True,
        action="challenge",
        description="Challenge",
        keys="c",
        help="Professional challenge for the highlighted unanswered email.",
    ),
    KeyAction(
        id="emails.sent",
        command="record the day it was sent",
        row=True,
        action="mark_sent",
        description="Sent",
        keys="s",
        help="Record the date the highlighted email was sent.",
    ),
    KeyAction(
        id="emails.reply",
        command="record a reply",
        row=True,
        action="record_reply",
        description="Reply",
        keys="r",
        help="Record the date a reply came to the highlighted email.",
    ),
)
