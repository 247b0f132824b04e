"""Personal support networks (Lifelong Links, Family Group Conference, other): the services.

A network goes offer -> referral -> coordinator -> members (vetted by the POM or PP) ->
conference -> network plan -> review 6 weeks after the plan starts. Each step is one service
that checks its dates against the steps before it, so the record reads in order. The review
date and its status come from the schedule rule (`network_plan_review_6_weeks_after_start`),
so the network screen, the timeline, the overview and the team view all agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain.dates import day as _day
from ..domain.dates import fmt_date as _fmt
from ..domain.enums import DueStatus, NetworkOffer, Role
from ..domain.models import (
    CoordinatorIn,
    NetworkIn,
    NetworkMemberIn,
    NetworkPlanIn,
    VettingIn,
    parse,
)
from ..domain.schedule import network_plan_review_6_weeks_after_start
from ..errors import BadInput, ValidationFailed
from . import rows
from .facts_loader import facts_for
from .people import get_person
from .site import Site

REVIEW_WEEKS = 6
OFFER_OUTCOMES = {
    "accepted": "Accepted",
    "declined": "Declined: offer again later",
    "considering": "Thinking about it",
}
# Invitees to a network may need vetting by the practitioner who manages risk.
VETTING_ROLES = {Role.POM.value: "POM", Role.PP.value: "PP"}


@dataclass(frozen=True)
class Review:
    """When a network plan's review is due and where it stands (words, never only colour)."""

    due_on: date
    status: DueStatus
    done_on: date | None

    @property
    def words(self) -> str:
        if self.status is DueStatus.DONE and self.done_on:
            return f"reviewed {_fmt(self.done_on)} (DONE)"
        return f"review due {_fmt(self.due_on)} ({self.status.value.upper()})"


def offer_label(code: str | None) -> str:
    return NetworkOffer.label_of(code)


def outcome_label(code: str | None) -> str:
    return OFFER_OUTCOMES.get(code or "", code or "")


# -- reading ---------------------------------------------------------------------------------


def networks_for(site: Site, person_id: str) -> list[Any]:
    """A person's support networks, newest offer first."""
    return site.query(
        "SELECT * FROM support_networks WHERE person_id = ? AND deleted_at IS NULL "
        "ORDER BY coalesce(offered_on, referred_on, created_at) DESC, created_at DESC",
        (person_id,),
    )


def members_for(site: Site, network_id: str) -> list[Any]:
    return site.query(
        "SELECT * FROM network_members WHERE network_id = ? AND deleted_at IS NULL "
        "ORDER BY created_at, id",
        (network_id,),
    )


def reviews_for(site: Site, person_id: str, today: date) -> dict[str, Review]:
    """Each network's plan review (only networks whose plan has started), by network id."""

    out: dict[str, Review] = {}
    for item in network_plan_review_6_weeks_after_start(facts_for(site, person_id), today):
        network_id = item.inputs.get("network_id")
        if network_id and item.due_on:
            out[network_id] = Review(item.due_on, item.status, item.done_on)
    return out


# -- writing, step by step -------------------------------------------------------------------


def _network(site: Site, network_id: str) -> Any:
    return rows.get(site, "support_networks", network_id)


def _insert_network(site: Site, person_id: str, network: NetworkIn | dict[str, Any]) -> str:
    n = parse(NetworkIn, network)
    get_person(site, person_id)
    return rows.insert(site, "support_networks", {"person_id": person_id, **n.model_dump()})


def _update_network(site: Site, network_id: str, changes: dict[str, Any]) -> None:
    # The whole record is checked as it will be; only the columns changed are written.
    current = _network(site, network_id)
    merged = {k: current[k] for k in NetworkIn.model_fields if current[k] is not None}
    merged.update(changes)
    n = parse(NetworkIn, merged).model_dump()
    rows.update(site, "support_networks", network_id, {k: n[k] for k in changes})


def _not_before(field: str, value: date | None, earlier: Any, earlier_words: str) -> dict[str, str]:
    first = _day(earlier)
    if value is not None and first is not None and value < first:
        return {field: f"this is before {earlier_words} ({_fmt(first)}); check the date."}
    return {}


def _check_today(field: str, value: date | None, today: date | None, what: str) -> dict[str, str]:
    if value is not None and today is not None and value > today:
        return {field: f"{what} cannot be recorded on a future date."}
    return {}


def _in_order(n: Mapping[str, Any], today: date | None) -> dict[str, str]:
    """Each step's date checked against the steps before it (and none in the future)."""
    problems: dict[str, str] = {}
    if n["offer_outcome"] == "declined" and n["referred_on"]:
        problems["referred_on"] = "the person declined this offer: there is no referral."
    if n["reviewed_on"] and not n["plan_started_on"]:
        problems["reviewed_on"] = "there is no network plan to review."
    return {
        **problems,
        **_check_today("offered_on", n["offered_on"], today, "An offer"),
        **_not_before("referred_on", n["referred_on"], n["offered_on"], "the offer"),
        **_check_today("referred_on", n["referred_on"], today, "A referral"),
        **_not_before(
            "coordinator_allocated_on",
            n["coordinator_allocated_on"],
            n["referred_on"],
            "the referral",
        ),
        **_not_before("conference_on", n["conference_on"], n["referred_on"], "the referral"),
        **_not_before(
            "plan_started_on", n["plan_started_on"], n["conference_on"], "the conference"
        ),
        **_not_before("reviewed_on", n["reviewed_on"], n["plan_started_on"], "the plan started"),
        **_check_today("reviewed_on", n["reviewed_on"], today, "A review"),
    }


def record_network(
    site: Site, person_id: str, network: NetworkIn | dict[str, Any], *, today: date | None = None
) -> str:
    """A network recorded as it already stands (several steps at once, as when it is brought
    over from another record), its dates checked in order as the step services check them."""
    n = parse(NetworkIn, network)
    problems = _in_order(n.model_dump(), today)
    if problems:
        raise ValidationFailed(problems)
    return _insert_network(site, person_id, n)


def offer(
    site: Site,
    person_id: str,
    *,
    offer_type: NetworkOffer | str,
    offered_on: date | None = None,
    outcome: str | None = None,
    today: date | None = None,
) -> str:
    """Record a new offer of a support network and, when known, the person's answer."""
    problems = _check_today("offered_on", offered_on, today, "An offer")
    if problems:
        raise ValidationFailed(problems)
    return _insert_network(
        site,
        person_id,
        {"offer_type": offer_type, "offered_on": offered_on, "offer_outcome": outcome},
    )


def update_offer(
    site: Site,
    network_id: str,
    *,
    offer_type: NetworkOffer | str,
    offered_on: date | None,
    outcome: str | None,
    today: date | None = None,
) -> None:
    problems = _check_today("offered_on", offered_on, today, "An offer")
    if problems:
        raise ValidationFailed(problems)
    _update_network(
        site,
        network_id,
        {"offer_type": offer_type, "offered_on": offered_on, "offer_outcome": outcome},
    )


def record_referral(
    site: Site,
    network_id: str,
    *,
    referred_on: date,
    referred_to: str | None,
    today: date | None = None,
) -> None:
    """The referral: when, and to whom (a service or coordinator)."""
    n = _network(site, network_id)
    if n["offer_outcome"] == "declined":
        raise BadInput(
            "The person declined this offer: record a new answer with o (Offer) before referring."
        )
    problems = {
        **_not_before("referred_on", referred_on, n["offered_on"], "the offer"),
        **_check_today("referred_on", referred_on, today, "A referral"),
    }
    if problems:
        raise ValidationFailed(problems)
    _update_network(site, network_id, {"referred_on": referred_on, "referred_to": referred_to})


def allocate_coordinator(
    site: Site,
    network_id: str,
    *,
    name: str,
    contact: str | None = None,
    allocated_on: date | None = None,
) -> None:
    coordinator = parse(CoordinatorIn, {"coordinator_name": name, "coordinator_contact": contact})
    n = _network(site, network_id)
    problems = _not_before(
        "coordinator_allocated_on", allocated_on, n["referred_on"], "the referral"
    )
    if problems:
        raise ValidationFailed(problems)
    _update_network(
        site,
        network_id,
        {**coordinator.model_dump(), "coordinator_allocated_on": allocated_on},
    )


def add_member(
    site: Site,
    network_id: str,
    *,
    name: str,
    relationship: str | None = None,
    contact: str | None = None,
) -> str:
    """Someone the person wants in their network (family, friend, mentor)."""
    member = parse(
        NetworkMemberIn, {"name": name, "relationship": relationship, "contact": contact}
    )
    _network(site, network_id)
    return rows.insert(site, "network_members", {"network_id": network_id, **member.model_dump()})


def vet_member(
    site: Site,
    member_id: str,
    *,
    by_role: Role | str,
    vetted_on: date,
    outcome: str | None = None,
    today: date | None = None,
) -> None:
    """Invitees may need vetting by the POM or the PP before a conference."""
    role = Role(by_role).value if by_role else ""
    if role not in VETTING_ROLES:
        raise ValidationFailed({"by_role": "vetting is done by the POM or the PP."})
    problems = _check_today("vetted_on", vetted_on, today, "Vetting")
    if problems:
        raise ValidationFailed(problems)
    checked = parse(VettingIn, {"outcome": outcome})
    rows.update(
        site,
        "network_members",
        member_id,
        {"vetted_by_role": role, "vetted_on": vetted_on, "vetting_outcome": checked.outcome},
    )


def set_conference(site: Site, network_id: str, *, conference_on: date) -> None:
    """The conference date (planned or held): the network meets with the person."""
    n = _network(site, network_id)
    problems = _not_before("conference_on", conference_on, n["referred_on"], "the referral")
    if problems:
        raise ValidationFailed(problems)
    _update_network(site, network_id, {"conference_on": conference_on})


def save_plan(site: Site, network_id: str, *, plan_text: str, started_on: date) -> None:
    """The network plan and the day it starts; its review falls due 6 weeks later."""
    plan = parse(NetworkPlanIn, {"plan_text": plan_text})
    n = _network(site, network_id)
    problems = _not_before("plan_started_on", started_on, n["conference_on"], "the conference")
    if problems:
        raise ValidationFailed(problems)
    _update_network(site, network_id, {"plan_text": plan.plan_text, "plan_started_on": started_on})


def record_review(
    site: Site, network_id: str, *, reviewed_on: date, today: date | None = None
) -> None:
    n = _network(site, network_id)
    if not n["plan_started_on"]:
        raise BadInput("There is no network plan to review yet: record the plan first (p).")
    problems = {
        **_not_before("reviewed_on", reviewed_on, n["plan_started_on"], "the plan started"),
        **_check_today("reviewed_on", reviewed_on, today, "A review"),
    }
    if problems:
        raise ValidationFailed(problems)
    _update_network(site, network_id, {"reviewed_on": reviewed_on})


# -- in a few plain lines ------------------------------------------------------------------


def stage(n: Any) -> str:
    """How far a network has got, in words."""
    if n["reviewed_on"]:
        return "plan reviewed"
    if n["plan_started_on"]:
        return "plan in place"
    if n["conference_on"]:
        return "conference set"
    if n["coordinator_name"]:
        return "coordinator allocated"
    if n["referred_on"]:
        return "referred"
    if n["offer_outcome"] == "declined":
        return "offer declined"
    return "offered"


def network_summary(site: Site, person_id: str, today: date) -> list[str]:
    """Plain lines about a person's support networks, for the team view (newest first)."""
    networks = networks_for(site, person_id)
    if not networks:
        return ["Support network: none offered yet."]
    reviews = reviews_for(site, person_id, today)
    lines: list[str] = []
    for n in networks:
        head = f"{offer_label(n['offer_type'])}: {stage(n)}"
        if n["offered_on"]:
            head += f", offered {_fmt(n['offered_on'])}"
        if n["offer_outcome"]:
            head += f" ({outcome_label(n['offer_outcome']).split(':')[0].lower()})"
        lines.append(head)
        detail = []
        if n["referred_on"]:
            to = f" to {n['referred_to']}" if n["referred_to"] else ""
            detail.append(f"referred {_fmt(n['referred_on'])}{to}")
        if n["coordinator_name"]:
            detail.append(f"coordinator {n['coordinator_name']}")
        members = members_for(site, n["id"])
        if members:
            vetted = sum(1 for m in members if m["vetted_on"])
            detail.append(f"{len(members)} members, {vetted} vetted")
        if n["conference_on"]:
            detail.append(f"conference {_fmt(n['conference_on'])}")
        if detail:
            lines.append("  " + "; ".join(detail))
        review = reviews.get(n["id"])
        if review is not None:
            lines.append(f"  plan started {_fmt(n['plan_started_on'])}; {review.words}")
    return lines
