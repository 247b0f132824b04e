"""The person screen: overview (pathway, lead, key dates, the release-day plan as release nears,
what is due and why, pathway history) and timeline (everything dated, newest first), with keys
to the person's other records (a line at the top lists those the footer has no room for).

Each due item is shown with its source in the guidance and a sentence saying how its date was
worked out, so a practitioner can check it (no rule or field names: those are for `ahtui
rules --json`). The lead is the one the rules give today, or one set by hand, said as such. Status is written in capitals (OVERDUE,
DUE, UPCOMING, DONE), never only coloured. Changing the pathway or the lead is an explicit form
with a reason; both are kept in the pathway history shown here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from .. import keymap
from ..domain.enums import Pathway, Role
from ..store import people, team
from ..store.caseload import schedule_for
from ..store.release import release_summary
from ..store.timeline import timeline
from ..widgets.shown import Shown
from . import navigation
from .base import SiteScreen, fmt_date, label, person_refs
from .person_details import change_lead_form, change_pathway_form, edit_details_form

_STATUS_ORDER = {"overdue": 0, "due": 1, "upcoming": 2, "done": 3, "not_applicable": 4}
_KEY_DATES = (
    ("date_of_birth", "Born"),
    ("remand_date", "Remanded"),
    ("sentence_date", "Sentenced"),
    ("recall_date", "Recalled"),
    ("conditional_release_date", "Conditional release"),
    ("release_date", "Release"),
    ("licence_end_date", "Licence ends"),
    ("pa_support_ends_on", "PA support ends"),
)


# The person's other records whose keys the footer at 80 columns cannot fit.
MORE_KEYS = (
    "g Meetings · y My Plan · s Assessment · w Network",
    "r Release/remand · x Export · d Edit details · f Conflicts",
)


def overview_text(
    person: Any,
    team_rows: list[Any],
    due: list[Any],
    history: list[Any],
    release_lines: list[str] | None = None,
    lead_now: Any = None,
) -> Group:
    facts = Table.grid(padding=(0, 1))
    facts.add_column(width=10, style="bold", no_wrap=True)
    facts.add_column(ratio=1)
    since = next((h["from_date"] for h in reversed(history) if h["to_date"] is None), None)
    facts.add_row(
        "Pathway",
        label(Pathway, person["pathway"]) + (f" since {fmt_date(since)}" if since else ""),
    )
    if lead_now is not None:
        facts.add_row("Lead", _lead_text(lead_now, team_rows))
    else:
        lead = next((m for m in team_rows if m["leads"]), None)
        if lead is not None:
            facts.add_row("Lead", f"{lead['name']}, {label(Role, lead['role'])} (LEAD)")
        elif person["lead_practitioner_id"]:
            facts.add_row("Lead", f"{label(Role, person['lead_role'])} (not in the team list)")
        else:
            facts.add_row("Lead", Text("NO LEAD: allocate one (l)", style="bold"))
    places = [
        f"{name} {person[col]}"
        for col, name in (
            ("prison", "Prison"),
            ("responsible_local_authority", "LA"),
            ("probation_area", "Probation"),
        )
        if person[col]
    ]
    if places:
        facts.add_row("Where", " · ".join(places))
    dates = [f"{name} {fmt_date(person[col])}" for col, name in _KEY_DATES if person[col]]
    if person["sentence_length_months"]:
        dates.insert(0, f"Sentence {person['sentence_length_months']} months")
    if dates:
        facts.add_row("Key dates", " · ".join(dates))
    keys = Text("\n".join(MORE_KEYS), style="dim", no_wrap=True)
    facts.add_row("More", keys)
    if release_lines:
        # As release nears: who meets them and the first appointment (or NO GATE PLAN).
        release = Text(release_lines[0].removeprefix("Release "), style="bold")
        for line in release_lines[1:]:
            release.append(f"\n{line}")
        facts.add_row("Release", release)

    open_items = [d for d in due if d.status.value in ("overdue", "due", "upcoming")]
    overdue = sum(1 for d in due if d.status.value == "overdue")
    heading = Text(
        f"\nWhat is due: {len(open_items)} open, {overdue} overdue", style="bold underline"
    )
    items = Table.grid(padding=(0, 1))
    items.add_column(width=11, no_wrap=True)
    items.add_column(ratio=1)
    ordered = sorted(
        due,
        # An item owed with no date yet (a review before an unknown release) sorts last.
        key=lambda d: (_STATUS_ORDER.get(d.status.value, 9), d.due_on or d.done_on or date.max),
    )
    skipped = 0
    for d in ordered:
        if d.status.value == "not_applicable":
            skipped += 1
            continue
        status = d.status.value.replace("_", " ").upper()
        when = fmt_date(d.due_on) if d.due_on else "no date"
        if d.status.value == "done" and d.done_on:
            when = fmt_date(d.done_on)
        left = Text(status, style="bold" if status in ("OVERDUE", "DUE") else "")
        left.append(f"\n{when}", style="")
        right = Text(d.title, style="bold")
        if d.source:
            right.append(f"\n{d.source}", style="dim")
        if d.explanation:
            right.append(f"\n{d.explanation}", style="dim")
        items.add_row(left, right)
        items.add_row("", "")
    parts: list[Any] = [facts, heading, items]
    if skipped:
        parts.append(Text(f"({skipped} rules do not apply on this pathway)", style="dim"))
    parts.append(Text("\nPathway history", style="bold underline"))
    hist = Table.grid(padding=(0, 1))
    hist.add_column(width=11, no_wrap=True)
    hist.add_column(ratio=1)
    for h in reversed(history):
        role = label(Role, h["lead_role"])
        if h["lead_name"]:
            lead = f"led by {h['lead_name']}" + (f" ({role})" if role else "")
        else:
            # The rules name the role that should lead; no one in it was on the team.
            lead = "no one leading" + (f" (the {role}'s to lead)" if role else "")
        text = Text(f"{label(Pathway, h['pathway'])}, {lead}")
        # The latest has no end; who leads today is the Lead line above (the rules may have
        # moved it since, at the OMiC handover), so nothing here says "now".
        if h["to_date"]:
            text.append(f", until {fmt_date(h['to_date'])}")
        if h["reason"]:
            text.append(f"\nWhy: {h['reason']}")
        hist.add_row(fmt_date(h["from_date"]), text)
    parts.append(hist)
    return Group(*parts)


def _lead_text(lead: Any, team_rows: list[Any]) -> Text:
    """The lead today: who, in what role, and whether the rules or a person chose them."""
    role = label(Role, lead.role.value) if lead.role else "No role"
    name = next(
        (m["name"] for m in team_rows if m["practitioner_id"] == lead.practitioner_id), None
    )
    if lead.practitioner_id and name is None:
        name = "not in the team list"
    if name is None:
        text = Text(f"NO {role.upper()} IN THE TEAM: add one (m, then t)", style="bold")
    else:
        text = Text(f"{name}, {role} (LEAD)")
    if lead.by_hand:
        text.append(f"\nSet by hand: {lead.by_hand}", style="dim")
    elif lead.why:
        text.append(f"\n{lead.why}", style="dim")
    return text


def timeline_text(entries: list[Any]) -> Group | Text:
    """The timeline in its two parts, each under its heading: what is coming up, soonest
    first, then what has happened, newest first (the order `store.timeline` gives)."""
    if not entries:
        return Text("Nothing recorded yet.")
    parts: list[Any] = []
    coming = [e for e in entries if e.upcoming]
    past = [e for e in entries if not e.upcoming]
    for title, part in (
        ("Coming up (soonest first)", coming),
        ("What has happened (newest first)", past),
    ):
        if not part:
            continue
        if parts:
            parts.append(Text(""))
        parts.append(Text(title, style="bold underline"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=11, no_wrap=True, style="bold")
        grid.add_column(width=10, no_wrap=True)
        grid.add_column(ratio=1)
        for e in part:
            grid.add_row(fmt_date(e.on), e.kind, Text(e.text, style="bold" if e.sensitive else ""))
        parts.append(grid)
    return Group(*parts)


@navigation.screen("person")
class PersonScreen(SiteScreen):
    """One person's record: overview or timeline, and keys to consent, team, actions, notes."""

    KEY_SCOPES = ("person",)
    BINDINGS = keymap.bindings("person")
    HELP_TITLE = "Person"

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.view = "overview"

    def compose(self) -> ComposeResult:
        yield Shown("", id="person-head", classes="screen-head")
        with VerticalScroll(id="person-body"):
            yield Shown("", id="person-content")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#person-body").focus()

    def reload(self) -> None:
        site = self.site
        person = people.get_person(site, self.person_id)
        self.person = person
        view = "Overview" if self.view == "overview" else "Timeline"
        self.query_one("#person-head", Static).update(
            f"{person_refs(person)}\n{label(Pathway, person['pathway'])} · {view}"
        )
        if self.view == "overview":
            body = overview_text(
                person,
                team.team(site, self.person_id),
                schedule_for(site, self.person_id, self.today),
                people.pathway_history(site, self.person_id),
                release_summary(site, self.person_id, self.today),
                people.lead_today(site, self.person_id, self.today),
            )
        else:
            body = timeline_text(timeline(site, self.person_id, self.today))
        self.body = body
        self.query_one("#person-content", Static).update(body)

    # -- keys ----------------------------------------------------------------------------
    def action_show_view(self, view: str) -> None:
        self.view = view
        self.reload()
        self.query_one("#person-body").scroll_home(animate=False)

    def action_open_consent(self) -> None:
        navigation.open_consent(self.app, self.person_id)

    def action_open_team(self) -> None:
        navigation.open_team(self.app, self.person_id)

    def action_open_actions(self) -> None:
        navigation.open_actions(self.app, self.person_id)

    def action_open_notes(self) -> None:
        navigation.open_notes(self.app, self.person_id)

    def action_open_emails(self) -> None:
        navigation.open_emails(self.app, self.person_id)

    def action_open_meetings(self) -> None:
        navigation.open_meetings(self.app, self.person_id)

    def action_open_plan(self) -> None:
        navigation.open_plan(self.app, self.person_id)

    def action_open_assessment(self) -> None:
        navigation.open_assessment(self.app, self.person_id)

    def action_open_network(self) -> None:
        navigation.open_network(self.app, self.person_id)

    def action_open_release(self) -> None:
        navigation.open_release(self.app, self.person_id)

    def action_open_exports(self) -> None:
        navigation.open_exports(self.app, self.person_id)

    def action_open_conflicts(self) -> None:
        navigation.open_conflicts(self.app, self.person_id)

    def action_edit_details(self) -> None:
        edit_details_form(self, self.person_id)

    def action_change_pathway(self) -> None:
        change_pathway_form(self, self.person_id)

    def action_change_lead(self) -> None:
        change_lead_form(self, self.person_id)
