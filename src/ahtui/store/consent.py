"""Consent to share, per agency: a log of offers, answers and withdrawals.

The latest event for an agency (in `ahtui.domain.consent`'s order) is the current state.
Consent is what allows a person's records to be shared with that agency; a refusal is offered
again (by default after 3 months). Events are never changed once written (the schema refuses
it): a correction is a new event, which is what lets sync compare decisions across sites.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain.enums import ConsentAgency, ConsentEvent
from ..domain.models import ConsentIn, parse
from ..domain.workdays import add_months
from . import rows
from .people import get_person
from .site import Site

REOFFER_MONTHS = 3


def record_consent(site: Site, person_id: str, consent: ConsentIn | dict[str, Any]) -> str:
    c = parse(ConsentIn, consent)
    get_person(site, person_id)
    values = c.model_dump()
    if c.event is ConsentEvent.DECLINED and c.reoffer_on is None:
        values["reoffer_on"] = add_months(c.on_date, REOFFER_MONTHS)
    return rows.insert(site, "consents", {"person_id": person_id, **values})


@dataclass(frozen=True)
class ConsentState:
    agency: ConsentAgency
    event: ConsentEvent
    on: date
    reoffer_on: date | None

    @property
    def allows_sharing(self) -> bool:
        return self.event is ConsentEvent.GIVEN


def current_consents(site: Site, person_id: str) -> dict[ConsentAgency, ConsentState]:
    """The latest consent event per agency for one person."""
    return states_from(consent_history(site, person_id))


def states_from(history: Iterable[Any]) -> dict[ConsentAgency, ConsentState]:
    """The latest event per agency, from consent rows already in `ORDER` (`consent_history`)."""
    states: dict[ConsentAgency, ConsentState] = {}
    for r in history:
        agency = ConsentAgency(r["agency"])
        states[agency] = ConsentState(
            agency,
            ConsentEvent(r["event"]),
            date.fromisoformat(r["on_date"]),
            date.fromisoformat(r["reoffer_on"]) if r["reoffer_on"] else None,
        )
    return states


# The order of `ahtui.domain.consent`: by day, an offer before its answer and a withdrawal
# last, then when it was written down, then id. Every site reads the same latest event.
ORDER = (
    "ORDER BY on_date, CASE event WHEN 'offered' THEN 0 WHEN 'withdrawn' THEN 2 ELSE 1 END, "
    "created_at, id"
)


def consent_history(site: Site, person_id: str) -> list[Any]:
    return site.query(
        f"SELECT * FROM consents WHERE person_id = ? AND deleted_at IS NULL {ORDER}",
        (person_id,),
    )


def leaves_this_site(site: Site, person_id: str) -> bool:
    """Whether the person's consent no longer lets this site hold them: their latest event for
    this site's agency is not "given", and they were first recorded elsewhere (a person's home
    site keeps its own record). They leave once the other sites have what it wrote."""
    if site.agency not in {a.value for a in ConsentAgency}:
        return False
    latest = current_consents(site, person_id).get(ConsentAgency(site.agency))
    if latest is None or latest.allows_sharing:
        return False
    home = site.one(
        "SELECT ins_origin FROM sync_rows WHERE tbl = 'people' AND row_id = ?", (person_id,)
    )
    return home is not None and home[0] != site.site_id
