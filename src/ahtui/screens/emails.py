"""Template emails: introduction, professional challenge, first contact with the PP.

A template (schema/forms/emails.toml) is filled from the record: the person, you as sender
(the practitioner your user is linked to, in the role you hold on this person's team) and the
team member it goes to. The heading says who you are signed in as; when you are not on the
person's team it asks whether to join the team first (or, for a user linked to no
practitioner, says why it cannot), and a template is sent only by and to the roles it is worded
for. A professional challenge quotes your unanswered email and threads with it. It is saved as a
.eml draft that opens in a mail client; ahtui records it, and the date it was sent, so the
caseload shows "awaiting reply". After `reply_wait_working_days` working days with no reply
recorded, the screen says so and offers the professional challenge (c).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from .. import keymap
from ..config import data_dir
from ..domain import names
from ..domain.enums import EmailTemplate, Role
from ..domain.forms import EMAIL_PLACEHOLDERS, MissingEmailValuesError, render_email
from ..domain.workdays import working_days_between
from ..errors import AhtuiError, ValidationFailed
from ..exports.eml import build_eml, eml_filename, save_eml
from ..forms_loader import email_template
from ..store import emails, people, team
from ..widgets.form import Field, QuestionScreen
from . import navigation
from .base import fmt_date, label, parse_day, person_refs
from .record_table import Column, RecordTableScreen
from .team import short_role

DEFAULT_REPLY_WAIT = 10


def email_state(row: Any, today: date, wait: int) -> tuple[str, bool]:
    """(status words, whether the professional challenge is due) for one recorded email."""

    if not row["sent_on"]:
        return "NOT SENT", False
    if row["reply_on"]:
        return f"REPLIED {fmt_date(row['reply_on'])}", False
    days = working_days_between(date.fromisoformat(row["sent_on"]), today)
    challenge = days >= wait and row["template"] != "professional_challenge"
    plural = "" if days == 1 else "s"
    return f"AWAITING REPLY {days} working day{plural}", challenge


def missing_problems(names: list[str]) -> dict[str, str]:
    """Say in plain words which part of the record an email still needs, by form field."""

    problems: dict[str, list[str]] = {}
    for name in names:
        field = (
            "to"
            if name.startswith("recipient_")
            else "cc"
            if name.startswith("cc_")
            else "first_email"
            if name in ("first_sent_on", "first_email")
            else ""
        )
        problems.setdefault(field, []).append(EMAIL_PLACEHOLDERS.get(name, name))
    out = {f: "Needs " + "; ".join(v) + "." for f, v in problems.items()}
    if "first_email" in out:
        out["first_email"] = "Choose the unanswered email this follows up (it is quoted)."
    return out


@navigation.screen("emails")
class EmailsScreen(RecordTableScreen[Any]):
    KEY_SCOPES = ("emails",)
    BINDINGS = keymap.bindings("emails")
    HELP_TITLE = "Template emails"
    HEAD_ID = "emails-head"
    TABLE_ID = "emails-table"
    DETAIL_ID = "emails-detail"

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id

    @property
    def wait(self) -> int:
        return getattr(self.app, "reply_wait_working_days", None) or DEFAULT_REPLY_WAIT

    def columns(self) -> list[Column]:
        return ["Email", "To", "Sent", "Status"]

    def load_rows(self) -> list[Any]:
        return emails.emails_for(self.site, self.person_id)

    def heading(self) -> str:
        person = people.get_person(self.site, self.person_id)
        states = [email_state(r, self.today, self.wait) for r in self.rows]
        waiting = sum(1 for s, _ in states if s.startswith("AWAITING"))
        return (
            f"{person_refs(person)}\n{emails.signed_in_words(self.site)}\n"
            f"Template emails: {waiting} awaiting reply"
            f" (challenge after {self.wait} working days)"
        )

    def cells(self, r: Any) -> list[str]:
        status, challenge = email_state(r, self.today, self.wait)
        return [
            label(EmailTemplate, r["template"]) if r["template"] else r["channel"],
            r["to_name"] or "",
            fmt_date(r["sent_on"]),
            status + (" · CHALLENGE?" if challenge else ""),
        ]

    def empty_detail(self) -> str:
        return "No emails yet: n starts one."

    def detail(self, r: Any) -> str:
        status, challenge = email_state(r, self.today, self.wait)
        to = " ".join(x for x in (r["to_name"], r["to_address"]) if x)
        text = f"{r['subject'] or ''}\nTo {to} · {status}"
        if challenge:
            text += (
                f"\nNo reply after {self.wait} working days: send the professional challenge (c)."
            )
        return text

    # -- keys ----------------------------------------------------------------------------
    def action_new_email(self) -> None:
        self._email_form()

    def action_challenge(self) -> None:
        r = self.current
        if r is None or not r["sent_on"] or r["reply_on"]:
            self.notify("Highlight a sent email that has had no reply.", markup=False)
            return
        if why := emails.not_yours_words(self.site, r):
            self.notify(why, title="Not your email", severity="warning", markup=False)
            return
        self._email_form(
            template="professional_challenge",
            to=r["to_practitioner_id"],
            first_id=r["id"],
        )

    def _email_form(
        self,
        *,
        template: str | None = None,
        to: str | None = None,
        first_id: str | None = None,
    ) -> None:
        person = people.get_person(self.site, self.person_id)
        sender = emails.sender_on_team(self.site, self.person_id)
        if sender is None:
            self._ask_to_join(
                person, partial(self._email_form, template=template, to=to, first_id=first_id)
            )
            return
        members = team.team(self.site, self.person_id)
        # Only your own: the challenge says "my email below".
        unanswered = [
            r
            for r in emails.emails_for(self.site, self.person_id)
            if r["sent_on"]
            and not r["reply_on"]
            and r["template"] != "professional_challenge"
            and not emails.not_yours_words(self.site, r)
        ]
        first_options = [
            (
                f"{fmt_date(r['sent_on'])}: {r['subject'] or r['channel']} (to {r['to_name']})",
                r["id"],
            )
            for r in unanswered
        ]
        by_id = {m["practitioner_id"]: m for m in members}
        options = [
            (f"{m['name']} ({short_role(m['role'])})", m["practitioner_id"]) for m in members
        ]
        templates = [(e.label(), e.value) for e in EmailTemplate]
        today = self.today
        folder = data_dir() / "emails"

        def submit(v: dict[str, Any]) -> str:
            code = EmailTemplate(v["template"])
            tpl = email_template(code)
            recipient = by_id.get(v["to"]) if v["to"] else None
            cc = by_id.get(v["cc"]) if v["cc"] else None
            # The site as it is now: it may have been locked and unlocked since the form opened.
            site = self.site
            first = emails.get_email(site, v["first_email"]) if v["first_email"] else None
            problems = emails.role_problems(tpl, sender, recipient, cc)
            if problems:
                raise ValidationFailed(problems)
            values = emails.email_values(
                site, person, sender, recipient, cc, first_email=first, today=today
            )
            try:
                subject, body = render_email(tpl, values)
            except MissingEmailValuesError as exc:
                raise ValidationFailed(missing_problems(exc.names)) from None
            email_id = emails.new_email_id(site)
            sent_on = parse_day(v["sent_on"], "sent_on")
            path = (
                Path(v["path"]).expanduser()
                if v["path"]
                else folder / eml_filename(code.value, person, today)
            )
            message = build_eml(
                subject=subject,
                body=body,
                to_name=recipient["name"] if recipient else "",
                to_address=recipient["email"] if recipient else None,
                from_name=values["sender_name"],
                from_address=values.get("sender_email"),
                cc=[(cc["name"], cc["email"])] if cc else None,
                message_id=emails.message_id(email_id),
                in_reply_to=emails.message_id(first["id"]) if first is not None else None,
            )
            try:
                save_eml(message, path, force=bool(v["replace"]))
            except AhtuiError as exc:
                if str(path) in exc.message:
                    raise ValidationFailed({"path": exc.message}) from None
                raise
            emails.record_email(
                site,
                self.person_id,
                template=code,
                to_name=recipient["name"] if recipient else None,
                to_address=recipient["email"] if recipient else None,
                subject=subject,
                sent_on=sent_on,
                to_practitioner_id=recipient["practitioner_id"] if recipient else None,
                email_id=email_id,
            )
            return str(path)

        self.open_form(
            "Template email",
            [
                Field("template", "Template", "select", template, templates, required=True),
                Field("to", "To", "select", to, options, required=True),
                Field("cc", "Copy to", "select", None, options),
                Field(
                    "first_email",
                    "Following up",
                    "select",
                    first_id,
                    first_options,
                ),
                Field("sent_on", "Sent on", "date", placeholder="leave empty until sent (s)"),
                Field("path", "Save .eml to", placeholder="empty: the ahtui emails folder"),
                Field("replace", "Replace if there", "yesno", False),
            ],
            submit,
            intro=(
                f"From {sender['name']}, {label(Role, sender['role'])} on "
                f"{names.document_name(person)}'s team. Filled from the record and saved as "
                "a draft to send from your mail."
            ),
            done=lambda p: self.notify(f"Saved {p}", title="Email saved", markup=False),
        )

    def _ask_to_join(self, person: Any, then: Callable[[], None]) -> None:
        """Not on the person's team: ask to join it in your role, then go on to the email."""
        question = emails.join_question_words(self.site, person)
        if question is None:
            self.notify(
                emails.not_on_team_words(self.site, person),
                title="Not on the team",
                severity="warning",
                markup=False,
            )
            return

        def answered(answer: str | None) -> None:
            if answer != "join":
                return
            joined = self.call_service(
                lambda: emails.join_team(self.site, self.person_id, self.today),
                success=f"You joined {names.document_name(person)}'s team.",
            )
            if joined:
                then()

        self.app.push_screen(
            QuestionScreen(
                "Not on the team",
                question,
                [("keep", "Back", "escape"), ("join", "Join the team", "j")],
            ),
            answered,
        )

    def action_mark_sent(self) -> None:
        self._date_form("sent", "Sent on")

    def action_record_reply(self) -> None:
        self._date_form("reply", "Reply on")

    def _date_form(self, what: str, title: str) -> None:
        r = self.current
        if r is None:
            return
        if what == "reply" and not r["sent_on"]:
            self.notify("Record when it was sent first (s).", markup=False)
            return
        rid = r["id"]

        def submit(v: dict[str, Any]) -> None:
            on = parse_day(v["on"], "on") or self.today
            if what == "sent":
                emails.record_sent(self.site, rid, sent_on=on)
            else:
                emails.record_reply(self.site, rid, reply_on=on)

        self.open_form(
            title,
            [Field("on", title, "date", self.today.isoformat(), required=True)],
            submit,
            intro=f"{r['subject'] or ''} (to {r['to_name']})",
            done=lambda _r: self.notify(f"{title} recorded.", markup=False),
        )
