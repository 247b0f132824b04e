"""What the rules need to know about one person: their dates and the events recorded so far.

The store builds a `CaseFacts` from the database; the rules (`ahtui.domain.schedule`) read it
and never touch storage, so every rule can be tested from a literal `CaseFacts`.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from . import enums
from .dates import fmt_date


class CaseDates(BaseModel):
    """The dates after sentence that a practitioner records and the rules count from.

    Shared by the rules' `CaseFacts` and the person's record as entered (`models.PersonIn`).
    """

    conditional_release_date: date | None = None
    recall_date: date | None = None
    recall_type: enums.RecallType | None = None
    # Release and licence
    release_date: date | None = None
    licence_end_date: date | None = None
    # Allocation of the statutory practitioners
    pom_allocated_on: date | None = None
    pp_allocated_on: date | None = None
    # Leaving-care support usually ends at 25; set when the local authority says otherwise
    pa_support_ends_on: date | None = None
    # What Manage POM Cases reads to work out the earliest release, the handover to probation
    # and who is responsible (OMiC): the release dates NOMIS holds, and the overrides.
    parole_eligibility_date: date | None = None
    automatic_release_date: date | None = None
    tariff_expiry_date: date | None = None
    target_hearing_date: date | None = None
    early_allocation: bool = False
    open_conditions_since: date | None = None
    mappa_level: int | None = Field(default=None, ge=0, le=3)
    parole_outcome: enums.ParoleOutcome | None = None
    immigration_case: bool = False


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MeetingFact(_Frozen):
    """A meeting scheduled or held for the person."""

    id: str = ""
    type: enums.MeetingType
    status: enums.MeetingStatus = enums.MeetingStatus.SCHEDULED
    scheduled_on: date | None = None
    held_on: date | None = None


class ConsentFact(_Frozen):
    """One consent event for one agency (the latest per agency is the current state)."""

    agency: enums.ConsentAgency
    event: enums.ConsentEvent
    on: date
    reoffer_on: date | None = None


class ContactFact(_Frozen):
    """A recorded contact (case note): when it happened and when it was written down."""

    id: str = ""
    type: enums.ContactType
    on: date
    recorded_on: date | None = None


class MilestoneFact(_Frozen):
    """A statutory plan or check recorded as done."""

    kind: enums.MilestoneKind
    on: date


class NetworkFact(_Frozen):
    """A personal support network (Lifelong Links, Family Group Conference)."""

    id: str = ""
    plan_started_on: date | None = None
    reviewed_on: date | None = None


class PathwayPeriod(_Frozen):
    """A stretch of time on one pathway, from the pathway history."""

    pathway: enums.Pathway
    start: date
    end: date | None = None


class CaseFacts(_Frozen, CaseDates):
    """Everything the rules read about one person. Dates left as None are unknown.

    The dates from conditional release to the end of PA support are `CaseDates`'.
    """

    person_id: str = ""
    pathway: enums.Pathway
    sentence_type: enums.SentenceType | None = None
    date_of_birth: date | None = None
    # Custody
    remand_date: date | None = None
    sentence_date: date | None = None
    # The length recorded on the Team Contact Form. The rules classify long and short from the
    # time left to serve (sentence date to conditional release date) and fall back on this
    # only when those dates are unknown.
    sentence_length_months: int | None = None
    identified_on: date | None = None
    pathway_history: list[PathwayPeriod] = Field(default_factory=list)
    meetings: list[MeetingFact] = Field(default_factory=list)
    consents: list[ConsentFact] = Field(default_factory=list)
    contacts: list[ContactFact] = Field(default_factory=list)
    milestones: list[MilestoneFact] = Field(default_factory=list)
    networks: list[NetworkFact] = Field(default_factory=list)


# Dates that cannot both be right, as (later, earlier, the later's words, the earlier's words):
# the first must not come before the second. Read by the person's form (`models.PersonIn`) and
# by `ahtui rules`, which refuse them; the store does not, so a record written before these
# checks still opens.
_ORDER = (
    ("release_date", "sentence_date", "release date", "sentence date"),
    ("conditional_release_date", "sentence_date", "conditional release date", "sentence date"),
    ("automatic_release_date", "sentence_date", "automatic release date", "sentence date"),
    ("parole_eligibility_date", "sentence_date", "parole eligibility date", "sentence date"),
    ("tariff_expiry_date", "sentence_date", "tariff expiry date", "sentence date"),
    ("open_conditions_since", "sentence_date", "move to open conditions", "sentence date"),
    ("licence_end_date", "release_date", "licence end date", "release date"),
    ("sentence_date", "remand_date", "sentence date", "remand date"),
    ("sentence_date", "date_of_birth", "sentence date", "date of birth"),
    ("licence_end_date", "recall_date", "licence end date", "recall date"),
    (
        "conditional_release_date",
        "parole_eligibility_date",
        "conditional release date",
        "parole eligibility date",
    ),
)


def date_contradictions(record: object) -> dict[str, str]:
    """Dates on a record (a `CaseFacts` or a person as entered) that contradict each other.

    One plain message per field at fault, naming both dates, such as "The recall date
    (3 Mar 2027) is after the licence end date (1 Feb 2027)." A release before sentence, a
    recall after the licence has ended, a PED after the CRD, and a handover (its start, the
    move to open conditions) before the sentence are among them.
    """
    problems: dict[str, str] = {}
    for later, earlier, later_words, earlier_words in _ORDER:
        a, b = getattr(record, later, None), getattr(record, earlier, None)
        if a is None or b is None or not a < b:
            continue
        # The message sits beside the field the practitioner most likely mistyped: the one
        # named first, except a recall after the licence, where the recall is the odd one.
        if later == "licence_end_date" and earlier == "recall_date":
            field, text = (
                earlier,
                (f"The recall date ({fmt_date(b)}) is after the licence end date ({fmt_date(a)})."),
            )
        elif later == "conditional_release_date" and earlier == "parole_eligibility_date":
            field, text = (
                earlier,
                (
                    f"The parole eligibility date ({fmt_date(b)}) is after the conditional release "
                    f"date ({fmt_date(a)})."
                ),
            )
        else:
            field, text = (
                later,
                (
                    f"The {later_words} ({fmt_date(a)}) is before the {earlier_words} "
                    f"({fmt_date(b)})."
                ),
            )
        problems.setdefault(field, text[0].upper() + text[1:])
    return problems
