"""Reading the facts: when the current phase began, and the events recorded since a date.

Phase starts are the recorded dates, else the pathway history's; events before the phase a rule
counts from are left out by the `since` the rule passes. `long_sentence_release` and
`pa_support_ended` also answer for a rule when it cannot be dated (an item) or does not apply.
"""

from __future__ import annotations

from datetime import date

from ..enums import ContactType, MeetingStatus, MeetingType, MilestoneKind, Pathway, SentenceType
from ..facts import CaseFacts
from ..workdays import birthday
from .items import DueItem, Rule, fmt, missing, not_applicable

SENTENCED = frozenset({Pathway.LONG, Pathway.SHORT})
LIFE = frozenset({SentenceType.LIFE, SentenceType.IPP})


def held(facts: CaseFacts, types: frozenset[MeetingType], since: date | None) -> list[date]:
    """Dates of meetings of these types held on or after `since`, earliest first."""
    out = []
    for m in facts.meetings:
        if m.type in types and m.status is MeetingStatus.HELD:
            on = m.held_on or m.scheduled_on
            if on is not None and (since is None or on >= since):
                out.append(on)
    out.sort()
    return out


def contacts(facts: CaseFacts, kind: ContactType, since: date | None) -> list[date]:
    out = [c.on for c in facts.contacts if c.type is kind and (since is None or c.on >= since)]
    out.sort()
    return out


def milestones(facts: CaseFacts, kind: MilestoneKind, since: date | None) -> list[date]:
    out = [m.on for m in facts.milestones if m.kind is kind and (since is None or m.on >= since)]
    out.sort()
    return out


def earliest(dates: list[date]) -> date | None:
    return dates[0] if dates else None


def latest(dates: list[date]) -> date | None:
    return dates[-1] if dates else None


def _period_start(facts: CaseFacts, pathways: frozenset[Pathway]) -> date | None:
    """Start of the latest period on one of these pathways in the pathway history."""
    best = None
    for p in facts.pathway_history:
        if p.pathway in pathways and (best is None or p.start > best):
            best = p.start
    return best


def with_origin(name: str, value: date, from_history: bool) -> dict[str, str]:
    inputs = {name: value.isoformat()}
    if from_history:
        inputs[f"{name}_from"] = "pathway_history"
    return inputs


_RECALL_ONLY = frozenset({Pathway.RECALL})
_COMMUNITY_ONLY = frozenset({Pathway.COMMUNITY})


def sentence_start(facts: CaseFacts) -> tuple[date | None, bool]:
    """The sentence date (never the remand date); second value: taken from the history."""
    if facts.sentence_date is not None:
        return facts.sentence_date, False
    start = _period_start(facts, SENTENCED)
    return start, start is not None


def recall_start(facts: CaseFacts) -> tuple[date | None, bool]:
    if facts.recall_date is not None:
        return facts.recall_date, False
    start = _period_start(facts, _RECALL_ONLY)
    return start, start is not None


def community_release(facts: CaseFacts) -> tuple[date | None, bool]:
    """The release that began the current time in the community.

    A release date from before the latest recall is stale (the person has been re-released
    since); then the start of the latest community period in the history stands in.
    """
    recall, _ = recall_start(facts)
    rel = facts.release_date
    if rel is not None and (recall is None or rel > recall):
        return rel, False
    start = _period_start(facts, _COMMUNITY_ONLY)
    if start is not None and (recall is None or start > recall):
        return start, True
    return None, False


def custody_release(facts: CaseFacts) -> tuple[str, date] | None:
    """The expected release from custody as (input name, date), or None when unknown."""
    if facts.pathway is Pathway.RECALL:
        recall, _ = recall_start(facts)
        rel = facts.release_date
        # A release date from before the recall is the old release, not the next one.
        if rel is not None and (recall is None or rel > recall):
            return "release_date", rel
        return None
    # The release dates the rules count back from, most certain first: the conditional or
    # automatic release, then the earliest the parole board could release (PED, tariff).
    for name in (
        "conditional_release_date",
        "automatic_release_date",
        "parole_eligibility_date",
        "tariff_expiry_date",
        "release_date",
    ):
        value = getattr(facts, name)
        if value is not None:
            return name, value
    return None


def long_sentence_release(r: Rule, facts: CaseFacts) -> tuple[str, date] | DueItem | None:
    """The release the long-sentence rules count back from, a "needs" item, or None off it."""
    if facts.pathway is not Pathway.LONG:
        return None
    release = custody_release(facts)
    if release is None:
        return missing(r, "conditional_release_date", "the conditional release date")
    return release


def pa_support_end(facts: CaseFacts) -> tuple[date | None, dict[str, str], str]:
    """When the Personal Advisor's support ends: the recorded date, else the 25th birthday."""
    if facts.pa_support_ends_on is not None:
        end = facts.pa_support_ends_on
        return end, {"pa_support_ends_on": end.isoformat()}, "Personal Advisor support ends"
    if facts.date_of_birth is not None:
        end = birthday(facts.date_of_birth, 25)
        inputs = {"date_of_birth": facts.date_of_birth.isoformat(), "age": "25"}
        return end, inputs, "the 25th birthday ends Personal Advisor support"
    return None, {}, ""


def pa_support_ended(r: Rule, facts: CaseFacts, today: date) -> DueItem | None:
    end, inputs, _ = pa_support_end(facts)
    if end is not None and today > end:
        return not_applicable(r, inputs, f"Personal Advisor support ended on {fmt(end)}")
    return None
