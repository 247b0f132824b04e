"""What the rules need to know about one person: their dates and the events recorded so far.

The store builds a `CaseFacts` from the database; the rules (`ahtui.domain.schedule`) read it
and never touch storage, so every rule can be tested from a literal `CaseFacts`.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from . import enums


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
