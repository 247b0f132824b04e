"""Emails and other contact attempts: what was sent to whom, when, and when a reply came.

The emails screen records an email written from a template (or a call or letter) and then the
day it was sent and the day the reply came, so an email awaiting its reply shows as such.

A template email is written as the signed-in user's practitioner in their role on this
person's team (`sender_on_team`), and only a template meant for that role, to a team member in
a role it is meant for (`role_problems`); a caller whose practitioner is not on the team is
asked whether to join it (`join_question_words`), or told why not (`not_on_team_words`). Each
email's Message-ID is made from its row id (`message_id`), so it is the same in the draft, in
every copy of the site and in the professional challenge that answers it (In-Reply-To,
References). The challenge quotes the email (`quoted_email`) as the practitioner who wrote it
(`written_by`), and only they send it: it says "my email below" (`not_yours_words`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.dates import fmt_date
from ..domain.enums import EmailTemplate, Pathway, Role
from ..domain.forms import TemplateEmail, render_email
from ..domain.models import EmailIn, parse
from ..domain.names import document_name, known_as
from ..errors import BadInput, NotFound
from ..forms_loader import email_template
from . import rows
from .people import get_person
from .site import Site
from .team import add_to_team, get_practitioner, team

MESSAGE_ID_DOMAIN = "ahtui.invalid"


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
    email_id: str | None = None,
) -> str:
    """Record an email; `email_id` (from `new_email_id`) when its draft already carries the
    Message-ID made from it."""
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
    values = {"person_id": person_id, **email.model_dump()}
    if email_id:
        values["id"] = email_id
    return rows.insert(site, "emails", values)


def new_email_id(site: Site) -> str:
    """An id for an email about to be written, so its draft can carry its Message-ID."""
    return str(site.id_factory())


def message_id(email_id: str) -> str:
    """The email's Message-ID: made from its row id, so it never changes and never repeats."""
    return f"<email-{email_id}@{MESSAGE_ID_DOMAIN}>"


def get_email(site: Site, email_id: str) -> Any:
    return rows.get(site, "emails", email_id)


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


# -- who writes, and what the templates are filled with --------------------------------------


def signed_in_practitioner(site: Site) -> Any | None:
    """The practitioner the signed-in user is linked to, or None."""
    if not site.user.practitioner_id:
        return None
    try:
        return get_practitioner(site, site.user.practitioner_id)
    except NotFound:
        return None


def sender_on_team(site: Site, person_id: str) -> Any | None:
    """The signed-in user's practitioner as a member of this person's team (with the role
    they hold on it), or None when they are not on it."""
    mine = site.user.practitioner_id
    if not mine:
        return None
    return next((m for m in team(site, person_id) if m["practitioner_id"] == mine), None)


def signed_in_words(site: Site) -> str:
    """ "Signed in as Sam Admin (Jo Patel, Prison Offender Manager)", for the email screen."""
    me = signed_in_practitioner(site)
    if me is None:
        return f"Signed in as {site.user.display_name}, not linked to a practitioner"
    return f"Signed in as {site.user.display_name} ({me['name']}, {Role.label_of(me['role'])})"


def not_on_team_words(site: Site, person: Any) -> str:
    """Why a template email cannot be written as the signed-in user, in one plain line."""
    me = signed_in_practitioner(site)
    name = document_name(person)
    if me is None:
        return (
            f"You are signed in as {site.user.display_name}, who is not linked to a "
            f"practitioner: an admin links you (ahtui user add --practitioner), then you can "
            f"write {name}'s emails."
        )
    return (
        f"You are signed in as {me['name']}, who is not on {name}'s team: add yourself to the "
        "team (t on the person's screen) to write their emails in your role there."
    )


def join_question_words(site: Site, person: Any) -> str | None:
    """The question for a linked practitioner not on the person's team; None when the user is
    linked to no practitioner (nothing to join as: `not_on_team_words` says why)."""
    me = signed_in_practitioner(site)
    if me is None:
        return None
    return (
        f"You are signed in as {me['name']}, who is not on {document_name(person)}'s team. "
        f"Template emails are written in your role on the team: join it from today as "
        f"{Role.label_of(me['role'])}, then write the email?"
    )


def join_team(site: Site, person_id: str, on: date) -> str:
    """Put the signed-in user's practitioner on the person's team, in their role at the site."""
    me = signed_in_practitioner(site)
    if me is None:
        raise BadInput(not_on_team_words(site, get_person(site, person_id)))
    return add_to_team(site, person_id, me["id"], role=me["role"], from_date=on)


def _roles_words(roles: tuple[Role, ...]) -> str:
    return " or ".join(f"a {r.label()}" for r in roles)


def role_problems(
    template: TemplateEmail, sender: Any, recipient: Any | None, cc: Any | None
) -> dict[str, str]:
    """What is wrong with who writes, receives and is copied, by form field: each template is
    worded for the roles it names ("I am the Prison Offender Manager for…")."""
    problems: dict[str, str] = {}
    if sender["role"] not in template.from_roles:
        problems["template"] = (
            f"{template.title} is written by {_roles_words(template.from_roles)}; you are on "
            f"this team as {Role.label_of(sender['role'])}."
        )
    for field, member, roles in (
        ("to", recipient, template.to_roles),
        ("cc", cc, template.cc_roles),
    ):
        if member is not None and roles and member["role"] not in roles:
            problems[field] = (
                f"It goes to {_roles_words(roles)}; {member['name']} is on this team as "
                f"{Role.label_of(member['role'])}."
            )
    if cc is not None and not template.cc_roles:
        problems["cc"] = f"{template.title} copies nobody in."
    return problems


def written_by(site: Site, email_id: str) -> str | None:
    """The practitioner an email was written as: the one linked to the user who recorded it at
    this site (a template email is always written as the signed-in user's practitioner). None
    for one recorded at another site, or by a user linked to no practitioner."""
    row = site.one(
        "SELECT u.practitioner_id FROM audit a JOIN users u ON u.id = a.user_id "
        "WHERE a.table_name = 'emails' AND a.row_id = ? AND a.action = 'insert' "
        "ORDER BY a.id LIMIT 1",
        (email_id,),
    )
    return row["practitioner_id"] if row and row["practitioner_id"] else None


def not_yours_words(site: Site, email: Any) -> str | None:
    """Why the signed-in user cannot send the challenge to `email` (someone else wrote it, and
    the challenge says "my email below"); None when they can."""
    author = written_by(site, email["id"])
    if author is None or author == site.user.practitioner_id:
        return None
    try:
        name = get_practitioner(site, author)["name"]
    except NotFound:
        name = "another practitioner"
    return (
        f'{name} wrote this email, and the challenge follows up "my email below": it is '
        f"theirs to send."
    )


def _custody_words(person: Any, today: date) -> tuple[str, str]:
    # The template's "prison/licence conditions" and "sentence/resettlement", chosen from facts.
    released = bool(person["release_date"]) and person["release_date"] <= today.isoformat()
    pathway = person["pathway"]
    if pathway == Pathway.COMMUNITY or released:
        return "their licence conditions in the community", "their time in the community"
    if pathway == Pathway.REMAND:
        return "expectations within prison", "their time on remand"
    if pathway == Pathway.LONG:
        return "expectations within prison", "their sentence and resettlement"
    return "expectations within prison", "their resettlement"


def email_values(
    site: Site,
    person: Any,
    sender: Any | None,
    recipient: Any | None,
    cc: Any | None,
    *,
    first_email: Any | None = None,
    first_sent_on: str | None = None,
    today: date | None = None,
) -> dict[str, str]:
    """Placeholder values from the record; missing ones are simply absent.

    `sender`, `recipient` and `cc` are team members (rows of `team`): each is named with the
    role they hold on this person's team. `first_email` is the unanswered email a professional
    challenge follows up: its date and its text, quoted."""

    today = today or date.today()
    values: dict[str, str] = {
        "person_name": document_name(person),
        "person_first_name": known_as(person),
    }
    for key, col in (
        ("crn", "crn"),
        ("nomis", "nomis_number"),
        ("prison", "prison"),
        ("local_authority", "responsible_local_authority"),
    ):
        if person[col]:
            values[key] = person[col]
    if person["date_of_birth"]:
        values["date_of_birth"] = fmt_date(person["date_of_birth"])
    values["expectations"], values["planning_for"] = _custody_words(person, today)
    if sender is not None:
        values["sender_name"] = sender["name"]
        values["sender_role"] = Role.label_of(sender["role"])
        for key in ("email", "phone"):
            if sender[key]:
                values[f"sender_{key}"] = sender[key]
    for prefix, member in (("recipient", recipient), ("cc", cc)):
        if member is not None:
            values[f"{prefix}_name"] = member["name"]
            values[f"{prefix}_role"] = Role.label_of(member["role"])
    sent_on = first_email["sent_on"] if first_email is not None else first_sent_on
    if sent_on:
        values["first_sent_on"] = fmt_date(sent_on)
    if first_email is not None:
        values["first_email"] = quoted_email(site, person, sender, first_email, today)
    return values


def quoted_email(site: Site, person: Any, sender: Any | None, first: Any, today: date) -> str:
    """The first email as a reply quotes it: who wrote it and when, then its text after "> ".

    Its text is written again from its template and the record (ahtui keeps the subject and
    the date, not the body), by the same sender to the same team member."""
    members = {m["practitioner_id"]: m for m in team(site, person["id"], include_past=True)}
    # Signed as its writer signed it, in their role on the team; the sender's when the email
    # came from another site (no record here of who wrote it).
    author = written_by(site, first["id"])
    writer = members.get(author) if author else None
    writer = writer if writer is not None else sender
    who = writer["name"] if writer is not None else "I"
    head = f"On {fmt_date(first['sent_on'])}, {who} wrote:" if first["sent_on"] else f"{who} wrote:"
    lines = [f"Subject: {first['subject'] or ''}", ""]
    body = ""
    if first["template"]:
        recipient = members.get(first["to_practitioner_id"])
        values = email_values(site, person, writer, recipient, None, today=today)
        try:
            _subject, body = render_email(email_template(EmailTemplate(first["template"])), values)
        except ValueError:
            body = ""
    lines += body.strip().split("\n") if body else ["(no text kept for this email)"]
    return "\n".join([head, *(f"> {line}".rstrip() for line in lines)])
