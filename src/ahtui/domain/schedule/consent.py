"""Consent offered again 3 months after a refusal, one item per agency (Always Hope manual)."""

from __future__ import annotations

from datetime import date

from ..enums import ConsentAgency, ConsentEvent
from ..facts import CaseFacts
from ..workdays import add_months
from .items import DueItem, Rule, due_item, fmt

_REOFFERED = frozenset({ConsentEvent.OFFERED, ConsentEvent.GIVEN})
_CONSENT = Rule(
    "consent_reoffer_3_months_after_refusal",
    "consent_reoffer",
    "Offer consent again",
    "Always Hope manual: consent",
)


def consent_reoffer_3_months_after_refusal(facts: CaseFacts, today: date) -> list[DueItem]:
    """Consent offered again 3 months after a refusal, for each agency.

    Always Hope manual: "their PA may offer IPAA to them at another point, e.g. every 3 months.
    The offer is always open." One item per agency whose latest refusal is on record: due on
    the re-offer date set then, else 3 months after the refusal; done when the offer is made
    again (an offered or given event after it).
    """
    r = _CONSENT
    # Stable sort: events on the same day keep the order they were recorded in.
    events = sorted(facts.consents, key=lambda c: c.on)
    latest_refusal: dict[ConsentAgency, int] = {}
    for i, c in enumerate(events):
        if c.event is ConsentEvent.DECLINED:
            latest_refusal[c.agency] = i
    items = []
    for agency, i in latest_refusal.items():
        refusal = events[i]
        done = next(
            (e.on for e in events[i + 1 :] if e.agency is agency and e.event in _REOFFERED), None
        )
        inputs = {"agency": agency.value, "declined_on": refusal.on.isoformat()}
        if refusal.reoffer_on is not None:
            due = refusal.reoffer_on
            inputs["reoffer_on"] = due.isoformat()
            explanation = f"Re-offer date set when consent was declined on {fmt(refusal.on)}"
        else:
            due = add_months(refusal.on, 3)
            inputs["months"] = "3"
            explanation = f"3 months after consent was declined on {fmt(refusal.on)}"
        items.append(
            due_item(
                r,
                today,
                key=f"consent_reoffer:{agency.value}",
                title=f"Offer consent again: {agency.label()}",
                due_on=due,
                inputs=inputs,
                explanation=explanation,
                done_on=done,
                counts_from=refusal.on,
            )
        )
    return items
