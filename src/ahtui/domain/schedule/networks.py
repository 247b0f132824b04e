"""The personal support network's plan, reviewed 6 weeks after it starts (Always Hope manual)."""

from __future__ import annotations

from datetime import date

from ..facts import CaseFacts
from ..workdays import add_weeks
from .items import DueItem, Rule, due_item, fmt

_NETWORK = Rule(
    "network_plan_review_6_weeks_after_start",
    "network_review",
    "Review the network plan",
    "Always Hope manual: network plan",
)


def network_plan_review_6_weeks_after_start(facts: CaseFacts, today: date) -> list[DueItem]:
    """Network plan reviewed 6 weeks after it starts, for each network.

    Always Hope manual: "6 weeks after the plan is implemented, it is reviewed by the
    coordinator and the young adult." A network still being built (no plan yet) has no item.
    """
    r = _NETWORK
    items = []
    for n, network in enumerate(facts.networks):
        start = network.plan_started_on
        if start is None:
            continue
        reviewed = network.reviewed_on
        inputs = {"plan_started_on": start.isoformat(), "weeks": "6"}
        if network.id:
            inputs["network_id"] = network.id
        items.append(
            due_item(
                r,
                today,
                key=f"network_review:{network.id or n}",
                due_on=add_weeks(start, 6),
                inputs=inputs,
                explanation=f"6 weeks after the network plan started on {fmt(start)}",
                done_on=reviewed if reviewed is not None and reviewed >= start else None,
                counts_from=start,
            )
        )
    return items
