"""Emails and other contact attempts: what was sent to whom, when, and when a reply came.

The emails screen records an email written from a template (or a call or letter) and then the
day it was sent and the day the reply came, so an email awaiting its reply shows as such.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.enums import EmailTemplate
from ..domain.models import EmailIn, parse
from ..errors import BadInput
from . import rows
from .people import get_person
from .site import Site


def record_email(
    site: Site,
    person_id: str,
    *,
    template: EmailTemplate | str | None,
    to_name: str | None,
    to_address: str | None = None,
    subject: str | None = None,
    sent_on: date | None = None,
    to_practitioner_id: str | None = None,
    channel: str = "email",
) -> str:
    email = parse(
        EmailIn,
        {
            "template": template,
            "channel": channel,
            "to_name": to_name,
            "to_address": to_address,
            "subject": subject,
            "sent_on": sent_on,
            "to_practitioner_id": to_practitioner_id,
        },
    )
    get_person(site, person_id)
    return rows.insert(site, "emails", {"person_id": person_id, **email.model_dump()})


def record_reply(site: Site, email_id: str, *, reply_on: date) -> None:
    email = rows.get(site, "emails", email_id)
    if email["sent_on"] and reply_on.isoformat() < email["sent_on"]:
        raise BadInput("The reply date is before the email was sent.")
    rows.update(site, "emails", email_id, {"reply_on": reply_on})


def emails_for(site: Site, person_id: str) -> list[Any]:
    """The emails recorded for a person, newest first."""
    return site.query(
        "SELECT * FROM emails WHERE person_id = ? AND deleted_at IS NULL "
        "ORDER BY sent_on IS NULL, sent_on DESC, created_at DESC",
        (person_id,),
    )


def record_sent(site: Site, email_id: str, *, sent_on: date) -> None:
    """Record the day an email already saved was sent (it then awaits a reply)."""
    email = rows.get(site, "emails", email_id)
    if email["reply_on"] and email["reply_on"] < sent_on.isoformat():
        raise BadInput("The sent date is after the reply was recorded.")
    rows.update(site, "emails", email_id, {"sent_on": sent_on})
