"""Responsibility and handover as Manage POM Cases works them out under OMiC.

The Offender Management in Custody model (OMiC) moves responsibility for a sentenced person
from the Prison Offender Manager (POM) to the Probation Practitioner (PP) at a handover date
counted back from the earliest release. Prison staff check these dates in Manage POM Cases
every day, so the rules here follow that service's published calculation (HMPPS's public
code) step by step:

- Earliest release (ERD): determinate, the parole eligibility date (PED) if there is one, else
  the earlier of the automatic and the conditional release dates (ARD wins a tie);
  indeterminate (life, IPP), the tariff expiry date (TED) if it is in the future, else the
  target hearing date (THD) if in the future, else whichever of the two is nearer today.
  When none is recorded, the expected release date stands in (records made before these dates
  were asked for).
- Handover date: early allocation, ERD less 15 months; indeterminate, less 12 months;
  determinate with a PED, less 12 months; a determinate ERD 10 months or less after the
  sentence date, no handover (probation holds the case from the start); otherwise less 8
  months and 14 days. Calendar months, the day clamped to the end of a short month.
- Handover start: for an indeterminate sentence in open conditions, the earlier of the
  handover date and the move to open conditions; otherwise the handover date.
- Responsibility on a day: checked first, a recall or an immigration case puts probation in
  charge; no release date at all, the POM alone; an indeterminate sentence whose THD is 12
  months or more away and whose last parole hearing did not release them: MAPPA level 2 or 3,
  probation; else the POM with probation supporting. Then by the dates: no handover date,
  probation; before the handover start, the POM; from the start to the day before the
  handover date, the POM with probation supporting; from the handover date, probation.

Remand is the Care Experience Specialist's and the community on licence the PP's, whatever
the dates (the Connections guide's pathway table).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from ..enums import ParoleOutcome, Pathway, Responsibility, Role, SentenceType
from ..facts import CaseFacts
from ..workdays import add_months
from .items import fmt

__all__ = [
    "THRESHOLD_MONTHS",
    "LEAD_FOR",
    "Handover",
    "Release",
    "ResponsibilityToday",
    "earliest_release",
    "handover",
    "compare_to_threshold",
    "lead_role",
    "responsibility",
]

INDETERMINATE = frozenset({SentenceType.LIFE, SentenceType.IPP})
THRESHOLD_MONTHS = 10
"""Time left to serve at the point of sentence that separates short from long sentences: an
earliest release this many months or less after sentence has no handover (probation from the
start)."""


def compare_to_threshold(
    sentence_date: date | None,
    release_date: date | None = None,
    *,
    sentence_length_months: int | None = None,
) -> int | None:
    """-1, 0 or 1 as the time left to serve at sentence is under, exactly or over 10 months.

    Time left to serve runs from the sentence date to the earliest release date, so time on
    remand (already taken off the release date) is not counted twice. The sentence length is
    not the time to serve (most people are released part of the way through), so it can only
    say "under": a sentence shorter than 10 months cannot leave 10 to serve. None when the
    dates are unknown and the length does not settle it.
    """
    if sentence_date is not None and release_date is not None:
        threshold = add_months(sentence_date, THRESHOLD_MONTHS)
        return (release_date > threshold) - (release_date < threshold)
    if sentence_length_months is not None and sentence_length_months < THRESHOLD_MONTHS:
        return -1
    return None


class Release(NamedTuple):
    """The earliest release date, what it is in words ("the conditional release date", "conditional_release_date") and the
    fact it was read from."""

    on: date
    what: str
    field: str


class Handover(NamedTuple):
    """The handover to probation: its date, when it starts, and the formula in words.

    `on` is None when there is none (a short sentence: probation from the start); `why` then
    says so. `release` is the ERD it was counted from.
    """

    on: date | None
    start: date | None
    release: Release
    why: str


class ResponsibilityToday(NamedTuple):
    """Who is responsible on a day, a sentence saying why, and the handover behind it.

    `handover` is None when an override or the pathway decided (a recall, an immigration case,
    no release date, a parole outcome, remand, the community): then there is no handover date.
    """

    responsibility: Responsibility
    why: str
    handover: Handover | None = None


def _nearest(today: date, a: date, b: date) -> date:
    return a if abs((a - today).days) <= abs((b - today).days) else b


def earliest_release(facts: CaseFacts, today: date) -> Release | None:
    """The ERD Manage POM Cases counts the handover from, or None when no date is known."""
    if facts.sentence_type in INDETERMINATE:
        ted, thd = facts.tariff_expiry_date, facts.target_hearing_date
        if ted is not None and ted > today:
            return Release(ted, "the tariff expiry date", "tariff_expiry_date")
        if thd is not None and thd > today:
            return Release(thd, "the target hearing date", "target_hearing_date")
        if ted is not None and thd is not None:
            if _nearest(today, ted, thd) == ted:
                return Release(ted, "the tariff expiry date", "tariff_expiry_date")
            return Release(thd, "the target hearing date", "target_hearing_date")
        if ted is not None:
            return Release(ted, "the tariff expiry date", "tariff_expiry_date")
        if thd is not None:
            return Release(thd, "the target hearing date", "target_hearing_date")
    else:
        if facts.parole_eligibility_date is not None:
            return Release(
                facts.parole_eligibility_date,
                "the parole eligibility date",
                "parole_eligibility_date",
            )
        ard, crd = facts.automatic_release_date, facts.conditional_release_date
        if ard is not None and (crd is None or ard <= crd):
            return Release(ard, "the automatic release date", "automatic_release_date")
        if crd is not None:
            return Release(crd, "the conditional release date", "conditional_release_date")
    if facts.release_date is not None and (
        facts.recall_date is None or facts.release_date > facts.recall_date
    ):
        return Release(facts.release_date, "the expected release date", "release_date")
    return None


def _before(months: int, days: int, release: Release) -> str:
    span = f"{months} months" + (f" and {days} days" if days else "")
    return f"{span} before {release.what} of {fmt(release.on)}"


def handover(facts: CaseFacts, today: date) -> Handover | None:
    """The OMiC handover for a sentenced person in custody, or None without a release date.

    Recalls, remand and the community have no handover here: see `responsibility`.
    """
    release = earliest_release(facts, today)
    if release is None:
        return None
    erd = release.on
    indeterminate = facts.sentence_type in INDETERMINATE
    if facts.early_allocation:
        on, why = add_months(erd, -15), _before(15, 0, release) + ", as the case is allocated early"
    elif indeterminate:
        on, why = add_months(erd, -12), _before(12, 0, release) + " on an indeterminate sentence"
    elif facts.parole_eligibility_date is not None:
        on, why = add_months(erd, -12), _before(12, 0, release) + ", as parole applies"
    elif _short(facts, erd):
        return Handover(
            None,
            None,
            release,
            f"No handover: release on {fmt(erd)} is {THRESHOLD_MONTHS} months or less after "
            "sentence, so the Probation Practitioner is responsible from the start",
        )
    else:
        on, why = add_months(erd, -8) - timedelta(days=14), _before(8, 14, release)
    start = on
    opened = facts.open_conditions_since
    if indeterminate and opened is not None and opened < on:
        start = opened
        why += f"; it starts on the move to open conditions on {fmt(opened)}"
    return Handover(on, start, release, why)


def _short(facts: CaseFacts, erd: date) -> bool:
    comparison = compare_to_threshold(facts.sentence_date, erd)
    if comparison is not None:
        return comparison <= 0
    # Without a sentence date the practitioner's choice of pathway says which it is.
    return facts.pathway is Pathway.SHORT


# The handover rules each ask for the same person and day in turn (`compute_schedule`): the
# last answer is kept, with the facts themselves (frozen), so it is only reused for them.
_last: tuple[CaseFacts, date, ResponsibilityToday] | None = None


def responsibility(facts: CaseFacts, today: date) -> ResponsibilityToday:
    """Who is responsible for the case on `today`, and why, in a practitioner's words."""
    global _last
    last = _last
    if last is not None and last[0] is facts and last[1] == today:
        return last[2]
    got = _responsibility(facts, today)
    _last = (facts, today, got)
    return got


def _responsibility(facts: CaseFacts, today: date) -> ResponsibilityToday:
    pathway = facts.pathway
    if pathway is Pathway.REMAND:
        return ResponsibilityToday(
            Responsibility.CES, "On remand the Care Experience Specialist leads"
        )
    if pathway is Pathway.COMMUNITY:
        return ResponsibilityToday(Responsibility.PP, "On licence the Probation Practitioner leads")
    if pathway is Pathway.RECALL:
        return ResponsibilityToday(Responsibility.PP, "On recall probation is responsible (OMiC)")
    if facts.immigration_case:
        return ResponsibilityToday(
            Responsibility.PP, "As an immigration case, probation is responsible (OMiC)"
        )
    release = earliest_release(facts, today)
    if release is None:
        return ResponsibilityToday(
            Responsibility.POM,
            "No release date is known yet, so the Prison Offender Manager is responsible (OMiC)",
        )
    thd = facts.target_hearing_date
    if (
        facts.sentence_type in INDETERMINATE
        and thd is not None
        and thd >= add_months(today, 12)
        and facts.parole_outcome is ParoleOutcome.NOT_RELEASE
    ):
        if facts.mappa_level in (2, 3):
            return ResponsibilityToday(
                Responsibility.PP,
                f"Parole did not release them, the next hearing on {fmt(thd)} is a year or more "
                f"away and they are managed at MAPPA level {facts.mappa_level}, so probation is "
                "responsible (OMiC)",
            )
        return ResponsibilityToday(
            Responsibility.POM_PP_SUPPORTING,
            f"Parole did not release them and the next hearing on {fmt(thd)} is a year or more "
            "away, so the Prison Offender Manager stays responsible with probation supporting "
            "(OMiC)",
        )
    h = handover(facts, today)
    assert h is not None  # a release date is known
    if h.on is None or h.start is None:
        return ResponsibilityToday(Responsibility.PP, h.why + " (OMiC)", h)
    if today < h.start:
        return ResponsibilityToday(
            Responsibility.POM,
            f"The Prison Offender Manager is responsible until the handover to probation on "
            f"{fmt(h.start)}: {h.why} (OMiC)",
            h,
        )
    if today < h.on:
        return ResponsibilityToday(
            Responsibility.POM_PP_SUPPORTING,
            f"The handover has started: the Prison Offender Manager is responsible with "
            f"probation supporting until {fmt(h.on)} (OMiC)",
            h,
        )
    return ResponsibilityToday(
        Responsibility.PP,
        f"Probation has been responsible since the handover on {fmt(h.on)}: {h.why} (OMiC)",
        h,
    )


LEAD_FOR = {
    Responsibility.POM: Role.POM,
    Responsibility.POM_PP_SUPPORTING: Role.POM,
    Responsibility.PP: Role.PP,
    Responsibility.CES: Role.CES,
}


def lead_role(facts: CaseFacts, today: date) -> Role:
    """The role that leads the team on `today`: whoever OMiC makes responsible."""
    return LEAD_FOR[responsibility(facts, today).responsibility]
