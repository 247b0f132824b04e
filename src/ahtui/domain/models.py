"""Input models for every write: what a practitioner may enter, checked before it is stored.

Each model validates its own fields and the relations between them (a release date before the
sentence date, a licence ending before release). `parse()` turns pydantic's errors into
`ValidationFailed` with one plain message per field, fit to show beside the field on screen.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from ..errors import ValidationFailed
from .enums import (
    CareLeaverStatus,
    ConsentAgency,
    ConsentEvent,
    ConsentMethod,
    ContactType,
    EmailTemplate,
    IdentificationMethod,
    MeetingMode,
    MeetingType,
    MilestoneKind,
    NetworkOffer,
    NoteKind,
    Pathway,
    Role,
    SentenceType,
)
from .facts import CaseDates, date_contradictions
from .terminal_text import control_characters

# Limits keep one runaway paste from filling a site file or a bundle.
NAME_MAX = 100
SHORT_MAX = 200
TEXT_MAX = 20_000


def _one_line(value: str) -> str:
    # Names and short fields are shown on one line of a terminal, where a control character
    # would be obeyed (see terminal_text); refused here, shown escaped wherever else it came from.
    found = control_characters(value)
    if found:
        raise ValueError(
            f"This holds a character that cannot be stored here ({', '.join(found)}: a line "
            "break, tab or terminal control); type it again without it."
        )
    return value


def _paragraphs(value: str) -> str:
    # Longer text may run over several lines and hold tabs, but no terminal controls.
    found = control_characters(value, lines=True)
    if found:
        raise ValueError(
            f"This holds a character that cannot be stored ({', '.join(found)}: a terminal "
            "control); type it again without it."
        )
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX),
    AfterValidator(_one_line),
]
Short = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=SHORT_MAX), AfterValidator(_one_line)
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=TEXT_MAX), AfterValidator(_paragraphs)
]


def _blank_as_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _none_as_blank(value: Any) -> Any:
    return "" if value is None else value


# Optional text or date where a blank answer means none was given.
MaybeShort = Annotated[Short | None, BeforeValidator(_blank_as_none)]
MaybeText = Annotated[Text | None, BeforeValidator(_blank_as_none)]
Day = Annotated[date | None, BeforeValidator(_blank_as_none)]
# Text a record cannot do without: left blank, the model's own words say what to write.
Said = Annotated[
    str,
    BeforeValidator(_none_as_blank),
    StringConstraints(strip_whitespace=True, max_length=TEXT_MAX),
    AfterValidator(_paragraphs),
]
Said2000 = Annotated[
    str,
    BeforeValidator(_none_as_blank),
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(_paragraphs),
]
SaidShort = Annotated[
    str,
    BeforeValidator(_none_as_blank),
    StringConstraints(strip_whitespace=True, max_length=SHORT_MAX),
    AfterValidator(_one_line),
]
SaidName = Annotated[
    str,
    BeforeValidator(_none_as_blank),
    StringConstraints(strip_whitespace=True, max_length=NAME_MAX),
    AfterValidator(_one_line),
]

CRN_PATTERN = re.compile(r"^[A-Z][0-9]{6}$")
NOMIS_PATTERN = re.compile(r"^[A-Z][0-9]{4}[A-Z]{2}$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Worded(_In):
    """An input whose required text fields each say, when left blank, what to write there."""

    BLANK: ClassVar[dict[str, str]] = {}

    @model_validator(mode="after")
    def _not_blank(self) -> Any:
        problems = {f: words for f, words in self.BLANK.items() if not getattr(self, f)}
        if problems:
            raise ValueError(_encode(problems))
        return self


class _PersonDetails(_In):
    """Who the person is, where, and the sentence they are serving."""

    given_name: Name
    family_name: Name
    preferred_name: Short | None = None
    crn: Short | None = None
    nomis_number: Short | None = None
    date_of_birth: date | None = None
    care_leaver_status: CareLeaverStatus | None = None
    responsible_local_authority: Short | None = None
    prison: Short | None = None
    probation_area: Short | None = None
    pathway: Pathway
    sentence_type: SentenceType | None = None
    sentence_date: date | None = None
    sentence_length_months: int | None = Field(default=None, ge=0, le=1200)
    remand_date: date | None = None


class PersonIn(CaseDates, _PersonDetails):
    """A person's record: their details, then the `CaseDates`, then equality monitoring.

    `CaseDates` is the first base so that its fields follow the details (pydantic orders the
    fields of the bases from the last to the first), keeping the fields in the form's order.
    """

    ethnicity: Short | None = None
    gender: Short | None = None
    religion: Short | None = None
    disability: Short | None = None
    sexual_orientation: Short | None = None

    @model_validator(mode="after")
    def _check(self) -> PersonIn:
        problems: dict[str, str] = {}
        if self.crn:
            self.crn = self.crn.upper()
            if not CRN_PATTERN.match(self.crn):
                problems["crn"] = "A CRN is one letter and six digits, like X123456."
        if self.nomis_number:
            self.nomis_number = self.nomis_number.upper()
            if not NOMIS_PATTERN.match(self.nomis_number):
                problems["nomis_number"] = (
                    "A NOMIS number is a letter, four digits and two letters, like A1234BC."
                )
        if self.date_of_birth and self.date_of_birth > date.today():
            problems["date_of_birth"] = "The date of birth is in the future."
        if self.date_of_birth and self.date_of_birth.year < 1900:
            problems["date_of_birth"] = "The date of birth is too long ago; check the year."
        # Dates that contradict each other, each message naming both (shared with the rules).
        for field, message in date_contradictions(self).items():
            problems.setdefault(field, message)
        if problems:
            raise ValueError(_encode(problems))
        return self


class IdentificationIn(_In):
    identified_on: date
    method: IdentificationMethod
    identified_by_name: Short | None = None
    identified_by_role: Role | None = None
    identified_by_practitioner_id: str | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _not_future(self) -> IdentificationIn:
        if self.identified_on > date.today():
            raise ValueError(_encode({"identified_on": "Identification cannot be in the future."}))
        return self


class PractitionerIn(_In):
    name: Name
    role: Role
    agency: Short | None = None
    organisation: Short | None = None
    email: Short | None = None
    phone: Short | None = None

    @model_validator(mode="after")
    def _email(self) -> PractitionerIn:
        if self.email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.email):
            raise ValueError(_encode({"email": "That email address does not look complete."}))
        return self


class ConsentIn(_In):
    agency: ConsentAgency
    event: ConsentEvent
    on_date: date
    reoffer_on: date | None = None
    method: ConsentMethod | None = None
    other_agency_name: Short | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _check(self) -> ConsentIn:
        if self.agency is ConsentAgency.OTHER and not self.other_agency_name:
            raise ValueError(_encode({"other_agency_name": "Name the other agency."}))
        if self.reoffer_on and self.reoffer_on < self.on_date:
            raise ValueError(
                _encode({"reoffer_on": "The date to offer again is before the refusal."})
            )
        return self


class ContactIn(_In):
    name: Name
    relationship: Short
    phone: Short | None = None
    email: Short | None = None
    address: Text | None = None
    is_next_of_kin: bool = False
    is_emergency_contact: bool = False
    notes: Text | None = None


class MeetingIn(_In):
    meeting_type: MeetingType
    scheduled_at: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
    mode: MeetingMode
    location: Short | None = None
    chair_practitioner_id: str | None = None
    pathway: Pathway | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _real_date(self) -> MeetingIn:
        try:
            date.fromisoformat(self.scheduled_at[:10])
            hh, mm = int(self.scheduled_at[11:13]), int(self.scheduled_at[14:16])
            if hh > 23 or mm > 59:
                raise ValueError
        except ValueError:
            raise ValueError(
                _encode({"scheduled_at": f"{self.scheduled_at} is not a real date and time."})
            ) from None
        return self


class ActionIn(_In):
    step: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
        AfterValidator(_paragraphs),
    ]
    responsible_practitioner_id: str | None = None
    responsible_name: Short | None = None
    due_on: date | None = None
    follow_up_of: str | None = None
    meeting_id: str | None = None
    notes: Text | None = None


class NoteIn(_In):
    contact_type: ContactType
    contact_at: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$")
    location: Short | None = None
    kind: NoteKind = NoteKind.FACT
    sensitive: bool = False
    body: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX),
        AfterValidator(_paragraphs),
    ]

    @model_validator(mode="after")
    def _real_date(self) -> NoteIn:
        try:
            when = date.fromisoformat(self.contact_at[:10])
            if len(self.contact_at) > 10:
                hh, mm = int(self.contact_at[11:13]), int(self.contact_at[14:16])
                if hh > 23 or mm > 59:
                    raise ValueError
        except ValueError:
            raise ValueError(
                _encode({"contact_at": f"{self.contact_at} is not a real date and time."})
            ) from None
        if when > date.today():
            raise ValueError(_encode({"contact_at": "A contact cannot be in the future."}))
        return self


class AgendaItemIn(_In):
    """What a meeting recorded against one agenda item (notes, outcome, covered or not)."""

    notes: MaybeText = None
    covered: bool = True
    outcome: MaybeText = None


class MilestoneIn(_In):
    kind: MilestoneKind
    on_date: date
    notes: Text | None = None


class NetworkIn(_In):
    offer_type: NetworkOffer
    offered_on: date | None = None
    offer_outcome: MaybeShort = None
    referred_on: date | None = None
    referred_to: MaybeShort = None
    coordinator_name: MaybeShort = None
    coordinator_contact: MaybeShort = None
    coordinator_allocated_on: date | None = None
    conference_on: date | None = None
    plan_started_on: date | None = None
    plan_text: Text | None = None
    reviewed_on: date | None = None


class CoordinatorIn(_Worded):
    BLANK = {"coordinator_name": "give the coordinator's name."}

    coordinator_name: SaidShort
    coordinator_contact: MaybeShort = None


class NetworkPlanIn(_Worded):
    BLANK = {"plan_text": "write what the network agreed to do."}

    plan_text: Said


class NetworkMemberIn(_Worded):
    BLANK = {"name": "give the member's name."}

    name: SaidName
    relationship: MaybeShort = None
    contact: MaybeShort = None


class VettingIn(_In):
    outcome: MaybeShort = None


# -- My Plan, the Combined Assessment, release day and remand, emails ------------------------


class AboutMeIn(_In):
    about_me: Text | None = None
    what_helps: Text | None = None


class WheelAreaIn(_Worded):
    BLANK = {"area": "name the life area being scored."}

    area: Annotated[
        str,
        BeforeValidator(_none_as_blank),
        StringConstraints(strip_whitespace=True, max_length=100),
        AfterValidator(_one_line),
    ]


GOAL_STATUSES = ("open", "achieved", "dropped")


class GoalIn(_Worded):
    """A goal in the person's own words; achieved on a day, or open or dropped."""

    BLANK = {"goal": "Write the goal in the person's own words."}

    goal: Said2000
    why: Text | None = None
    target_on: Day = None
    status: str = "open"
    achieved_on: Day = None

    @model_validator(mode="after")
    def _status(self) -> GoalIn:
        if self.status not in GOAL_STATUSES:
            raise ValueError(_encode({"status": "Choose open, achieved or dropped."}))
        if self.status == "achieved" and self.achieved_on is None:
            raise ValueError(_encode({"achieved_on": "Give the day the goal was achieved."}))
        if self.status != "achieved":
            self.achieved_on = None
        return self


class GoalStepIn(_Worded):
    BLANK = {"step": "Say what the step is."}

    step: Said2000
    who_helps: Short | None = None
    target_on: Day = None
    done_on: Day = None


class SupportIn(_Worded):
    BLANK = {"support": "Say what the support is."}

    support: Said2000
    from_whom: Short | None = None
    practitioner_id: str | None = None


class ProgressIn(_Worded):
    BLANK = {"note": "Write what has happened."}

    note: Said
    noted_on: date
    goal_id: str | None = None


class AnswerIn(_In):
    """An answer as stored (already checked against the form: ahtui.store.assessment)."""

    value: Text | None = None
    disclosed: bool | None = None
    notes: Text | None = None
    answered_on: date


class AreaRecordIn(_In):
    issues: Text | None = None
    positives: Text | None = None
    linked_to_harm: bool | None = None
    linked_to_offending: bool | None = None
    completed_on: date | None = None


class ReleasePlanIn(_In):
    """Any part of the release-day plan and its check-in (one plan per person)."""

    release_on: date | None = None
    gate_person: Text | None = None
    gate_backup: Text | None = None
    first_appointment_at: Text | None = None
    first_appointment_place: Text | None = None
    travel: Text | None = None
    pa_attends: bool | None = None
    who_attends: Text | None = None
    meeting_id: str | None = None
    checkin_on: date | None = None
    checkin_notes: Text | None = None


class RemandIn(_In):
    bail: Text | None = None
    legal_aid: Text | None = None
    accommodation: Text | None = None
    work: Text | None = None
    family_ties: Text | None = None
    myplan_parts: Text | None = None
    notes: Text | None = None


class EmailIn(_In):
    template: Annotated[EmailTemplate | None, BeforeValidator(_blank_as_none)] = None
    channel: str = "email"
    to_name: Short | None = None
    to_address: Short | None = None
    subject: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_one_line)
        ]
        | None
    ) = None
    sent_on: date | None = None
    to_practitioner_id: str | None = None


# -- turning pydantic's errors into plain words -------------------------------------------

_SEP = "\x1f"


def _encode(problems: dict[str, str]) -> str:
    # Cross-field validators raise one ValueError carrying several field messages.
    return _SEP.join(f"{k}={v}" for k, v in problems.items())


def _plain(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind in (
        "date_from_datetime_parsing",
        "date_parsing",
        "date_type",
        "date_from_datetime_inexact",
    ):
        return f"{value!s} is not a real date; write it as YYYY-MM-DD."
    if kind == "missing" or (kind == "string_type" and value is None):
        return "This is required."
    if kind == "string_too_short":
        return "This cannot be empty."
    if kind == "string_too_long":
        return f"This is too long: at most {ctx.get('max_length')} characters."
    if kind == "enum":
        return f"{value!s} is not one of: {ctx.get('expected')}."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{value!s} is not a whole number."
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{value!s} is out of range."
    if kind == "string_pattern_mismatch":
        return f"{value!s} is not in the expected form."
    if kind == "extra_forbidden":
        return "This field is not known."
    return str(err.get("msg", "This is not valid.")).removeprefix("Value error, ")


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: dict[str, Any] | M) -> M:
    """Validate `data` as `model`, raising ValidationFailed with plain per-field messages."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for err in exc.errors():
            msg = str(err.get("msg", ""))
            if _SEP in msg or ("=" in msg and err.get("type") == "value_error"):
                for part in msg.removeprefix("Value error, ").split(_SEP):
                    field, _, text = part.partition("=")
                    problems.setdefault(field, text)
                continue
            field = ".".join(str(p) for p in err.get("loc", ())) or ""
            problems.setdefault(field, _plain(err))
        raise ValidationFailed(problems) from None
