"""Consent to share, per agency: the offer and its outcome, refusals, withdrawals, history.

The top says in plain words what the current consent allows to be shared and with whom;
the table below is the whole log. A refusal shows when to offer again (3 months on unless
another date was given). Every state is a word (GIVEN, DECLINED, WITHDRAWN, OFFERED, NOT ASKED).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from .. import keymap
from ..domain.consent import RANK
from ..domain.enums import ConsentAgency, ConsentEvent, ConsentMethod
from ..store import consent, people
from ..widgets.form import Field
from ..widgets.shown import Shown
from . import navigation
from .base import fmt_date, label, person_refs
from .record_table import Column, RecordTableScreen

# Who sharing with each agency reaches, in the words of the team.
WHO = {
    "prison": "the prison: POM and prison staff working with them",
    "probation": "probation: the Probation Practitioner",
    "local_authority": "the local authority: the Personal Advisor and leaving-care team",
    "ces": "the Care Experience Specialist",
    "other": "the named agency",
}


def consent_summary(states: dict[Any, Any], today: date) -> Table:
    """One line per agency saying what may be shared with whom, and what to do next."""

    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=16, no_wrap=True, style="bold")
    grid.add_column(width=10, no_wrap=True)
    grid.add_column(ratio=1)
    allowed = []
    for agency in ConsentAgency:
        state = states.get(agency)
        name = "CES" if agency is ConsentAgency.CES else agency.label()
        if state is None:
            if agency is ConsentAgency.OTHER:
                continue
            grid.add_row(name, "NOT ASKED", "Do not share yet: offer consent first.")
            continue
        event = state.event.value
        when = fmt_date(state.on)
        if event == "given":
            allowed.append(name)
            text = f"Since {when}, records may be shared with {WHO[agency.value]}."
        elif event == "declined":
            again = state.reoffer_on
            due = ""
            if again:
                due = " (OVERDUE)" if again < today else ""
                due = f" Offer again on {fmt_date(again)}{due}."
            text = f"Declined {when}: do not share.{due}"
        elif event == "withdrawn":
            text = f"Withdrawn {when}: share nothing more from that date."
        else:
            text = f"Offered {when}, no answer yet: do not share."
        grid.add_row(name, event.upper(), text)
    who = ", ".join(allowed) if allowed else "nobody yet"
    grid.add_row("", "", "")
    grid.add_row(
        "Shared with",
        "",
        Text(f"{who}. Sensitive notes stay with the agency that wrote them, whatever the consent."),
    )
    return grid


def _event_order(r: Any) -> tuple[str, int, str, str, str]:
    # The order sync decides by (ahtui.domain.consent), grouped by agency within a day so rows
    # written together read the same way on every copy of the site.
    return (r["on_date"], RANK.get(r["event"], 1), r["agency"], r["created_at"], r["id"])


@navigation.screen("consent")
class ConsentScreen(RecordTableScreen[Any]):
    KEY_SCOPES = ("consent",)
    BINDINGS = keymap.bindings("consent")
    HELP_TITLE = "Consent"
    SHRINK = ("Notes", "How")
    HEAD_ID = "consent-head"
    TABLE_ID = "consent-history"

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id

    def compose_above_table(self) -> ComposeResult:
        yield Shown("", id="consent-summary")
        yield Shown("History", classes="list-title")

    def columns(self) -> list[Column]:
        return ["Date", "Agency", "Event", "How", "Offer again", "Notes"]

    def load_rows(self) -> list[Any]:
        rows = consent.consent_history(self.site, self.person_id)
        history = sorted(rows, key=_event_order)
        # The latest event per agency, from the rows already read (as `current_consents` does).
        self.summary = consent_summary(consent.states_from(rows), self.today)
        self.query_one("#consent-summary", Static).update(self.summary)
        # Newest first.
        return list(reversed(history))

    def heading(self) -> str:
        person = people.get_person(self.site, self.person_id)
        return f"{person_refs(person)}\nConsent to share"

    def cells(self, r: Any) -> list[str]:
        return [
            fmt_date(r["on_date"]),
            r["other_agency_name"] or label(ConsentAgency, r["agency"]),
            r["event"].upper(),
            label(ConsentMethod, r["method"]),
            fmt_date(r["reoffer_on"]),
            r["notes"] or "",
        ]

    def action_record(self) -> None:
        def opts(enum: Any) -> list[tuple[str, str]]:
            return [(e.label(), e.value) for e in enum]

        def submit(v: dict[str, Any]) -> str:
            return consent.record_consent(self.site, self.person_id, v)

        self.open_form(
            "Record consent",
            [
                Field("agency", "Agency", "select", None, opts(ConsentAgency), required=True),
                Field("other_agency_name", "Other agency name"),
                Field("event", "What happened", "select", None, opts(ConsentEvent), required=True),
                Field("on_date", "On", "date", self.today.isoformat(), required=True),
                Field("method", "How", "select", "written", opts(ConsentMethod)),
                Field("reoffer_on", "Offer again on", "date", placeholder="if declined: 3 months"),
                Field("notes", "Notes", "area"),
            ],
            submit,
            intro="Declined: the offer stays open; leave 'Offer again on' empty for 3 months.",
            done=lambda _r: self.notify(
                "Consent recorded. This site may no longer hold this person's records: they "
                "leave it after its next exchange with the sites that may still hold them."
                if consent.leaves_this_site(self.site, self.person_id)
                else "Consent recorded.",
                markup=False,
            ),
        )
