"""The person's support network: Lifelong Links, a Family Group Conference, or another offer.

The top shows one network step by step (offer and answer, referral, coordinator, conference,
network plan and its review, due 6 weeks after the plan starts, with DUE, OVERDUE or DONE in
words) and says what the next step is; the table lists the people in the network with their
relationship and whether the POM or PP vetted them (NOT VETTED in words). Each step is one key
and one short form; s shows the person's next network when there is more than one.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from .. import keymap
from ..domain.enums import NetworkOffer, Role
from ..store import networks, people
from ..widgets.form import Field
from ..widgets.shown import Shown, ShownTable
from . import navigation
from .base import SiteScreen, fmt_date, parse_day, person_refs


def next_step(n: Any, members: list[Any]) -> str:
    """What to do next, with the key that does it: the step after the latest one recorded."""
    if n["offer_outcome"] == "declined":
        return "The offer was declined: it stays open; o records a new answer, n a new offer."
    if n["reviewed_on"]:
        return "Reviewed. Copy the plan into the Pathway Plan."
    if n["plan_started_on"]:
        return (
            "Review the plan with the coordinator and the person (r); "
            "copy it into the Pathway Plan."
        )
    if n["conference_on"]:
        return "Record the network plan and the day it starts (p)."
    if members:
        unvetted = sum(1 for m in members if not m["vetted_on"])
        vet = f" {unvetted} NOT VETTED: the POM or PP may need to vet them (v)." if unvetted else ""
        return "Record the conference date (k)." + vet
    if n["coordinator_name"]:
        return "Add the people the person wants in their network (m)."
    if n["referred_on"]:
        return "Record the coordinator when one is allocated (c)."
    if not n["offer_outcome"]:
        return "Record the person's answer to the offer (o)."
    return "Refer the person (f)."


def stage_words(n: Any) -> str:
    """How far a network has got; an offer says its answer, as the Offer line below does."""
    stage = networks.stage(n)
    if stage != "offered":
        return stage
    answer = networks.outcome_label(n["offer_outcome"])
    return f"offered, {answer.lower()}" if answer else "offered, answer not recorded"


def network_text(n: Any, members: list[Any], review: Any, position: str) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=11, no_wrap=True, style="bold")
    grid.add_column(ratio=1)

    def not_yet(key: str) -> Text:
        return Text(f"not yet ({key})", style="dim")

    offered = networks.offer_label(n["offer_type"])
    if n["offered_on"]:
        offered += f", offered {fmt_date(n['offered_on'])}"
    answer = networks.outcome_label(n["offer_outcome"]) or "answer NOT RECORDED (o)"
    grid.add_row("Offer", f"{offered} · {answer}{position}")
    if n["referred_on"]:
        to = f" to {n['referred_to']}" if n["referred_to"] else ""
        grid.add_row("Referral", f"{fmt_date(n['referred_on'])}{to}")
    else:
        grid.add_row("Referral", not_yet("f"))
    if n["coordinator_name"]:
        who = n["coordinator_name"]
        if n["coordinator_contact"]:
            who += f" ({n['coordinator_contact']})"
        if n["coordinator_allocated_on"]:
            who += f", allocated {fmt_date(n['coordinator_allocated_on'])}"
        grid.add_row("Coordinator", who)
    else:
        grid.add_row("Coordinator", not_yet("c"))
    grid.add_row("Conference", fmt_date(n["conference_on"]) if n["conference_on"] else not_yet("k"))
    if n["plan_started_on"]:
        plan = Text(f"started {fmt_date(n['plan_started_on'])}")
        if review is not None:
            plan.append(" · ")
            plan.append(review.words, style="bold")
        if n["plan_text"]:
            plan.append(f"\n{n['plan_text']}")
        grid.add_row("Plan", plan)
    else:
        grid.add_row("Plan", not_yet("p"))
    grid.add_row("Next", Text(next_step(n, members), style="italic"))
    return grid


@navigation.screen("network")
class NetworkScreen(SiteScreen):
    """One person's support networks, step by step, and the people in them."""

    KEY_SCOPES = ("network",)
    BINDINGS = keymap.bindings("network")
    HELP_TITLE = "Support network"

    DEFAULT_CSS = """
    NetworkScreen #network-body {
        height: 1fr;
        padding: 0 1;
    }
    NetworkScreen #network-members {
        height: auto;
        max-height: 8;
    }
    """

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.index = 0
        self.networks: list[Any] = []
        self.members: list[Any] = []
        self.body: Any = ""

    def compose(self) -> ComposeResult:
        yield Shown("", id="network-head", classes="screen-head")
        with VerticalScroll(id="network-body"):
            yield Shown("", id="network-detail")
        table: DataTable[str] = ShownTable(id="network-members", cursor_type="row")
        table.add_columns("Member", "Relationship", "Vetted", "Vetting outcome")
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    @property
    def network(self) -> Any | None:
        return self.networks[self.index] if self.networks else None

    def reload(self) -> None:
        site = self.site
        person = people.get_person(site, self.person_id)
        self.networks = networks.networks_for(site, self.person_id)
        self.index = min(self.index, max(len(self.networks) - 1, 0))
        n = self.network
        table = self.query_one(DataTable)
        table.clear()
        detail = self.query_one("#network-detail", Static)
        if n is None:
            self.members = []
            self.query_one("#network-head", Static).update(
                f"{person_refs(person)}\nSupport network: none offered yet"
            )
            self.body = (
                "No support network has been offered yet.\n\n"
                "n records an offer (Lifelong Links, Family Group Conference or other) and the "
                "person's answer. Then: referral (f), coordinator (c), members (m) vetted by "
                "the POM or PP (v), conference (k), network plan (p), and its review 6 weeks "
                "after the plan starts (r)."
            )
            detail.update(self.body)
            table.display = False
            return
        review = networks.reviews_for(site, self.person_id, self.today).get(n["id"])
        self.members = networks.members_for(site, n["id"])
        # The review says more than the stage once the plan has started; the head has 2 lines.
        status = f"{networks.offer_label(n['offer_type'])}: " + (
            review.words if review is not None else stage_words(n)
        )
        self.query_one("#network-head", Static).update(
            f"{person_refs(person)}\nSupport network · {status}"
        )
        position = (
            f" · {self.index + 1} of {len(self.networks)} (s)" if len(self.networks) > 1 else ""
        )
        self.body = network_text(n, self.members, review, position)
        detail.update(self.body)
        table.display = True
        for m in self.members:
            if m["vetted_on"]:
                by = networks.VETTING_ROLES.get(m["vetted_by_role"] or "", m["vetted_by_role"])
                vetted = f"{by} {fmt_date(m['vetted_on'])}"
            else:
                vetted = "NOT VETTED"
            table.add_row(
                m["name"],
                m["relationship"] or "",
                vetted,
                m["vetting_outcome"] or "",
                key=m["id"],
            )
        if not self.members:
            table.add_row("No members yet: m adds one.", "", "", "", key="none")

    # -- keys ----------------------------------------------------------------------------
    def _need_network(self) -> Any | None:
        n = self.network
        if n is None:
            self.notify(
                "No support network yet: n records an offer first.",
                title="Nothing to change",
                severity="warning",
                markup=False,
            )
        return n

    def action_next_network(self) -> None:
        if len(self.networks) < 2:
            self.notify("The person has only this support network.", markup=False)
            return
        self.index = (self.index + 1) % len(self.networks)
        self.reload()

    def _offer_fields(self, n: Any | None) -> list[Any]:
        return [
            Field(
                "offer_type",
                "Offer",
                "select",
                n["offer_type"] if n else None,
                [(o.label(), o.value) for o in NetworkOffer],
                required=True,
            ),
            Field(
                "offered_on",
                "Offered on",
                "date",
                n["offered_on"] if n else self.today.isoformat(),
                required=True,
            ),
            Field(
                "offer_outcome",
                "Person's answer",
                "select",
                n["offer_outcome"] if n else None,
                [(words, code) for code, words in networks.OFFER_OUTCOMES.items()],
                placeholder="Not yet known",
            ),
        ]

    def action_new_offer(self) -> None:
        def submit(v: dict[str, Any]) -> str:
            return networks.offer(
                self.site,
                self.person_id,
                offer_type=v["offer_type"],
                offered_on=parse_day(v["offered_on"], "offered_on"),
                outcome=v["offer_outcome"],
                today=self.today,
            )

        def done(_r: Any) -> None:
            self.index = 0
            self.notify("Offer recorded.", markup=False)

        self.open_form(
            "Offer a support network",
            self._offer_fields(None),
            submit,
            intro="A separate offer, joined up with the team's plan. Declined: it stays open.",
            done=done,
        )

    def action_edit_offer(self) -> None:
        n = self._need_network()
        if n is None:
            return

        def submit(v: dict[str, Any]) -> None:
            networks.update_offer(
                self.site,
                n["id"],
                offer_type=v["offer_type"],
                offered_on=parse_day(v["offered_on"], "offered_on"),
                outcome=v["offer_outcome"],
                today=self.today,
            )

        self.open_form(
            "The offer and the person's answer",
            self._offer_fields(n),
            submit,
            done=lambda _r: self.notify("Offer updated.", markup=False),
        )

    def action_referral(self) -> None:
        n = self._need_network()
        if n is None:
            return

        def submit(v: dict[str, Any]) -> None:
            networks.record_referral(
                self.site,
                n["id"],
                referred_on=parse_day(v["referred_on"], "referred_on"),  # type: ignore[arg-type]
                referred_to=v["referred_to"],
                today=self.today,
            )

        self.open_form(
            "Referral",
            [
                Field(
                    "referred_on",
                    "Referred on",
                    "date",
                    n["referred_on"] or self.today.isoformat(),
                    required=True,
                ),
                Field(
                    "referred_to",
                    "Referred to",
                    value=n["referred_to"],
                    placeholder="the service or team",
                    required=True,
                ),
            ],
            submit,
            done=lambda _r: self.notify("Referral recorded.", markup=False),
        )

    def action_coordinator(self) -> None:
        n = self._need_network()
        if n is None:
            return

        def submit(v: dict[str, Any]) -> None:
            networks.allocate_coordinator(
                self.site,
                n["id"],
                name=v["coordinator_name"],
                contact=v["coordinator_contact"],
                allocated_on=parse_day(v["coordinator_allocated_on"], "coordinator_allocated_on"),
            )

        self.open_form(
            "Coordinator",
            [
                Field("coordinator_name", "Name", value=n["coordinator_name"], required=True),
                Field(
                    "coordinator_contact",
                    "Phone or email",
                    value=n["coordinator_contact"],
                ),
                Field(
                    "coordinator_allocated_on",
                    "Allocated on",
                    "date",
                    n["coordinator_allocated_on"] or self.today.isoformat(),
                ),
            ],
            submit,
            intro="Independent of the team; builds the network with the person, may join meetings.",
            done=lambda _r: self.notify("Coordinator recorded.", markup=False),
        )

    def action_add_member(self) -> None:
        n = self._need_network()
        if n is None:
            return

        def submit(v: dict[str, Any]) -> str:
            return networks.add_member(
                self.site,
                n["id"],
                name=v["name"] or "",
                relationship=v["relationship"],
                contact=v["contact"],
            )

        self.open_form(
            "Add a network member",
            [
                Field("name", "Name", required=True),
                Field("relationship", "Relationship", placeholder="to the person, e.g. aunt"),
                Field("contact", "Phone or email"),
            ],
            submit,
            intro="The POM or PP may need to vet invitees before the conference (v).",
            done=lambda _r: self.notify("Member added.", markup=False),
        )

    def _member(self) -> Any | None:
        table = self.query_one(DataTable)
        if not self.members or table.cursor_row is None:
            self.notify("No member to vet: m adds one.", markup=False, severity="warning")
            return None
        row_key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return next((m for m in self.members if m["id"] == row_key), None)

    def action_vet_member(self) -> None:
        if self._need_network() is None:
            return
        m = self._member()
        if m is None:
            return

        def submit(v: dict[str, Any]) -> None:
            networks.vet_member(
                self.site,
                m["id"],
                by_role=v["by_role"],
                vetted_on=parse_day(v["vetted_on"], "vetted_on"),  # type: ignore[arg-type]
                outcome=v["outcome"],
                today=self.today,
            )

        self.open_form(
            f"Vetting: {m['name']}",
            [
                Field(
                    "by_role",
                    "Vetted by",
                    "select",
                    m["vetted_by_role"],
                    [(Role.POM.label(), "pom"), (Role.PP.label(), "pp")],
                    required=True,
                ),
                Field(
                    "vetted_on",
                    "Vetted on",
                    "date",
                    m["vetted_on"] or self.today.isoformat(),
                    required=True,
                ),
                Field(
                    "outcome",
                    "Outcome",
                    value=m["vetting_outcome"],
                    placeholder="e.g. approved to attend",
                ),
            ],
            submit,
            done=lambda _r: self.notify("Vetting recorded.", markup=False),
        )

    def action_conference(self) -> None:
        n = self._need_network()
        if n is None:
            return

        def submit(v: dict[str, Any]) -> None:
            networks.set_conference(
                self.site,
                n["id"],
                conference_on=parse_day(v["conference_on"], "conference_on"),  # type: ignore[arg-type]
            )

        self.open_form(
            "Conference",
            [Field("conference_on", "Conference on", "date", n["conference_on"], required=True)],
            submit,
            intro="The day the network meets with the person (planned or held).",
            done=lambda _r: self.notify("Conference date recorded.", markup=False),
        )

    def action_network_plan(self) -> None:
        n = self._need_network()
        if n is None:
            return

        def submit(v: dict[str, Any]) -> None:
            networks.save_plan(
                self.site,
                n["id"],
                plan_text=v["plan_text"] or "",
                started_on=parse_day(v["plan_started_on"], "plan_started_on"),  # type: ignore[arg-type]
            )

        self.open_form(
            "Network plan",
            [
                Field("plan_text", "The plan", "area", n["plan_text"], required=True),
                Field(
                    "plan_started_on",
                    "Starts on",
                    "date",
                    n["plan_started_on"] or self.today.isoformat(),
                    required=True,
                ),
            ],
            submit,
            intro="Reviewed by the coordinator and the person 6 weeks after it starts.",
            done=lambda _r: self.notify("Network plan saved.", markup=False),
        )

    def action_review(self) -> None:
        n = self._need_network()
        if n is None:
            return

        def submit(v: dict[str, Any]) -> None:
            networks.record_review(
                self.site,
                n["id"],
                reviewed_on=parse_day(v["reviewed_on"], "reviewed_on"),  # type: ignore[arg-type]
                today=self.today,
            )

        self.open_form(
            "Network plan review",
            [
                Field(
                    "reviewed_on",
                    "Reviewed on",
                    "date",
                    n["reviewed_on"] or self.today.isoformat(),
                    required=True,
                )
            ],
            submit,
            intro="Then copy the plan into the Pathway Plan.",
            done=lambda _r: self.notify("Review recorded.", markup=False),
        )
