"""The official forms as data: the Combined Assessment, the meeting agendas and the template emails.

The definitions live in TOML under `schema/forms/`; `ahtui.forms_loader` reads the files and hands
the parsed dicts to the `build_*` functions here. This module only validates and answers questions
about the definitions, so it never touches files. OASys codes, question texts and answer scales
are kept exactly as the form prints them: they are official data, not our wording.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .enums import EmailTemplate, MeetingType, Pathway, Role


class FormsError(ValueError):
    """A form definition is missing or invalid, or a form cannot be filled as asked."""


class _Frozen(BaseModel):
    # Frozen because the loader caches one shared copy for the whole app.
    model_config = ConfigDict(frozen=True, extra="forbid")


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
DottedCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")]
OptionCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]+$")]
OasysCode = Annotated[str, StringConstraints(pattern=r"^\d+\.\d+$")]


def _duplicates(values: Sequence[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


# --------------------------------------------------------------------------------------------
# Combined Assessment
# --------------------------------------------------------------------------------------------


class Source(StrEnum):
    """Which statutory document a question comes from."""

    PATHWAY_PLAN = "pathway_plan"
    OASYS = "oasys"


class ItemType(StrEnum):
    """What kind of answer an item takes."""

    TEXT = "text"
    CHOICE = "choice"  # one option of a named scale
    MULTI_CHOICE = "multi_choice"  # tick any of `options`
    SCALE_1_10 = "scale_1_10"
    GRID = "grid"  # one answer per (row, column); a column without a scale is a tick box


class ItemKind(StrEnum):
    """The part an item plays in its OASys section."""

    QUESTION = "question"
    ISSUES = "issues"  # "Identify ... issues contributing to risks ... positive factors"
    LINKED_HARM = "linked_harm"  # "... linked to risk of serious harm, risks to the individual ..."
    LINKED_OFFENDING = "linked_offending"  # "... linked to offending behaviour"


class Option(_Frozen):
    """One answer on a scale, one tick box, or one row of a grid."""

    code: OptionCode
    label: Text


def _check_unique_options(options: tuple[Option, ...], what: str) -> None:
    dup = _duplicates([o.code for o in options])
    if dup:
        raise ValueError(f"{what} has repeated option codes: {', '.join(dup)}")


class Scale(_Frozen):
    """A named answer scale, its labels exactly as the form prints them."""

    options: tuple[Option, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique(self) -> Scale:
        _check_unique_options(self.options, "scale")
        return self

    @property
    def labels(self) -> list[str]:
        return [o.label for o in self.options]

    @property
    def printed(self) -> str:
        """The scale as the form prints it, e.g. "No - Some - Sig - Missing"."""
        return " - ".join(self.labels)

    def codes(self) -> set[str]:
        return {o.code for o in self.options}


class GridColumn(_Frozen):
    code: OptionCode
    label: Text
    scale: Slug | None = None  # None: the column is a tick box


class ShownIf(_Frozen):
    """Show an item only when any of `items` has been answered with any of `values`."""

    items: tuple[DottedCode, ...] = Field(min_length=1)
    values: tuple[OptionCode, ...] = Field(min_length=1)


SCALE_1_10_OPTIONS: tuple[Option, ...] = tuple(
    Option(code=str(n), label=str(n)) for n in range(1, 11)
)


class Item(_Frozen):
    """One question of the Combined Assessment, from the Pathway Plan or from OASys."""

    code: DottedCode  # ours and stable, e.g. "acc.pp.1", "acc.oasys.3.3"; answers are keyed on it
    source: Source
    text: Text  # exactly as printed
    type: ItemType = ItemType.TEXT
    kind: ItemKind = ItemKind.QUESTION
    prompt: str = ""  # printed explanation that follows the question
    number: int | None = Field(default=None, ge=1)  # Pathway Plan question number as printed
    oasys_code: OasysCode | None = (
        None  # official item number exactly as printed; None if unnumbered
    )
    oasys_section: int | None = Field(default=None, ge=1)
    scale: Slug | None = None  # name of a scale in `Assessment.scales`, for CHOICE items
    options: tuple[Option, ...] = ()  # MULTI_CHOICE tick boxes
    rows: tuple[Option, ...] = ()  # GRID rows
    columns: tuple[GridColumn, ...] = ()  # GRID columns
    disclosable: bool = False  # the form prints a "Disclosed" mark beside it
    condition: str = ""  # the form's own wording of when to answer, e.g. "If yes to 6.9:"
    shown_if: ShownIf | None = None  # the same condition, machine-readable
    no_answer_option: bool = False  # the form offers "No Answer" beside the question

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        if self.source is Source.PATHWAY_PLAN:
            if self.number is None:
                raise ValueError("a Pathway Plan question needs its printed `number`")
            if self.oasys_code or self.oasys_section or self.disclosable:
                raise ValueError("a Pathway Plan question has no OASys code, section or mark")
            if self.kind is not ItemKind.QUESTION:
                raise ValueError("a Pathway Plan question has kind 'question'")
            if self.type not in (ItemType.TEXT, ItemType.SCALE_1_10):
                raise ValueError("a Pathway Plan question is free text or a 1-10 scale")
        else:
            if self.number is not None:
                raise ValueError("an OASys item is identified by `oasys_code`, not `number`")
            if self.oasys_section is None:
                raise ValueError("an OASys item needs its `oasys_section`")
            if self.oasys_code and self.oasys_code.split(".")[0] != str(self.oasys_section):
                raise ValueError(
                    f"OASys code {self.oasys_code} is not in section {self.oasys_section}"
                )
        if (self.type is ItemType.CHOICE) != (self.scale is not None):
            raise ValueError("a `scale` is given exactly when the type is 'choice'")
        if (self.type is ItemType.MULTI_CHOICE) != bool(self.options):
            raise ValueError("`options` are given exactly when the type is 'multi_choice'")
        if (self.type is ItemType.GRID) != bool(self.rows and self.columns):
            raise ValueError("`rows` and `columns` are given exactly when the type is 'grid'")
        if self.type is not ItemType.GRID and (self.rows or self.columns):
            raise ValueError("only a grid has `rows` and `columns`")
        _check_unique_options(self.options, f"item {self.code}")
        _check_unique_options(self.rows, f"item {self.code} rows")
        if _duplicates([c.code for c in self.columns]):
            raise ValueError(f"item {self.code} has repeated column codes")
        if self.kind is ItemKind.ISSUES and self.type is not ItemType.TEXT:
            raise ValueError("an 'issues' item takes free text")
        if self.kind in (ItemKind.LINKED_HARM, ItemKind.LINKED_OFFENDING) and (
            self.type is not ItemType.CHOICE
        ):
            raise ValueError("a 'linked to' item is answered on a scale (Yes / No)")
        return self

    @property
    def optional(self) -> bool:
        """OASys marks optional questions in their printed text."""
        return "(optional)" in self.text


class OasysSection(_Frozen):
    number: int = Field(ge=1)
    title: Text  # as printed, without the number
    note: str = ""


class Area(_Frozen):
    """One of the nine areas of the Combined Assessment."""

    code: Slug  # also the first part of every item code in the area
    title: Text
    intro: str = ""  # the Pathway Plan's "This is about ..." line
    pathway_plan_only: bool = False  # starred on the form: no corresponding OASys section
    items: tuple[Item, ...] = Field(min_length=1)

    @property
    def pathway_plan_items(self) -> list[Item]:
        return [i for i in self.items if i.source is Source.PATHWAY_PLAN]

    @property
    def oasys_items(self) -> list[Item]:
        return [i for i in self.items if i.source is Source.OASYS]

    @property
    def oasys_sections(self) -> list[int]:
        """The OASys sections this area covers, in the order the form shows them."""
        return list(dict.fromkeys(i.oasys_section for i in self.oasys_items if i.oasys_section))

    @model_validator(mode="after")
    def _check(self) -> Area:
        wrong = [i.code for i in self.items if not i.code.startswith(f"{self.code}.")]
        if wrong:
            raise ValueError(
                f"item codes in area '{self.code}' must start with '{self.code}.': {wrong}"
            )
        if not self.pathway_plan_items:
            raise ValueError(f"area '{self.code}' has no Pathway Plan question")
        if self.pathway_plan_only and self.oasys_items:
            raise ValueError(f"area '{self.code}' is Pathway Plan only but has OASys items")
        if not self.pathway_plan_only and not self.oasys_items:
            raise ValueError(f"area '{self.code}' has no OASys items; mark it pathway_plan_only")
        numbers = [i.number for i in self.pathway_plan_items]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"area '{self.code}': Pathway Plan questions are not numbered 1..n")
        return self


class Assessment(_Frozen):
    """The Combined Assessment: Pathway Plan questions and OASys items in nine areas."""

    title: Text
    intro: str = ""
    guidance: str = ""
    pathway_plan_only_note: str = ""
    oasys_note: str = ""  # printed under every OASys section heading
    scales: dict[Slug, Scale]
    oasys_sections: tuple[OasysSection, ...]
    areas: tuple[Area, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_check(self) -> Assessment:
        problems: list[str] = []
        items = list(self.items())
        by_code = {i.code: i for i in items}
        if dup := _duplicates([a.code for a in self.areas]):
            problems.append(f"repeated area codes: {dup}")
        if dup := _duplicates([i.code for i in items]):
            problems.append(f"repeated item codes: {dup}")
        if dup := _duplicates([i.oasys_code for i in items if i.oasys_code]):
            problems.append(f"repeated OASys codes: {dup}")
        if dup := _duplicates([str(s.number) for s in self.oasys_sections]):
            problems.append(f"repeated OASys sections: {dup}")
        sections = {s.number for s in self.oasys_sections}
        used_sections: set[int] = set()
        for item in items:
            if item.oasys_section is not None:
                used_sections.add(item.oasys_section)
                if item.oasys_section not in sections:
                    problems.append(
                        f"{item.code}: OASys section {item.oasys_section} is not defined"
                    )
            scale_names = [item.scale] + [c.scale for c in item.columns]
            for name in scale_names:
                if name is not None and name not in self.scales:
                    problems.append(f"{item.code}: unknown scale '{name}'")
            if item.shown_if:
                for ref in item.shown_if.items:
                    target = by_code.get(ref)
                    if target is None:
                        problems.append(f"{item.code}: shown_if names unknown item '{ref}'")
                        continue
                    if target.type is not ItemType.CHOICE or target.scale not in self.scales:
                        problems.append(f"{item.code}: shown_if item '{ref}' is not a choice")
                        continue
                    unknown = set(item.shown_if.values) - self.scales[target.scale].codes()
                    if unknown:
                        problems.append(
                            f"{item.code}: shown_if values {sorted(unknown)} are not on the "
                            f"scale of '{ref}'"
                        )
        if unused := sections - used_sections:
            problems.append(f"OASys sections with no items: {sorted(unused)}")
        for number in sections:
            for kind in (ItemKind.ISSUES, ItemKind.LINKED_HARM, ItemKind.LINKED_OFFENDING):
                if sum(1 for i in items if i.oasys_section == number and i.kind is kind) > 1:
                    problems.append(f"OASys section {number} has more than one '{kind}' item")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def items(self) -> Iterator[Item]:
        for area in self.areas:
            yield from area.items

    def item(self, code: str) -> Item:
        for item in self.items():
            if item.code == code:
                return item
        raise KeyError(code)

    def area(self, code: str) -> Area:
        for area in self.areas:
            if area.code == code:
                return area
        raise KeyError(code)

    def area_of(self, item_code: str) -> Area:
        return self.area(item_code.split(".", 1)[0])

    def options_for(self, item: Item) -> tuple[Option, ...]:
        """The answers an item offers (empty for free text and grids)."""
        if item.type is ItemType.CHOICE and item.scale:
            return self.scales[item.scale].options
        if item.type is ItemType.MULTI_CHOICE:
            return item.options
        if item.type is ItemType.SCALE_1_10:
            return SCALE_1_10_OPTIONS
        return ()

    def oasys_items(self) -> list[Item]:
        """The numbered OASys items, in form order."""
        return [i for i in self.items() if i.oasys_code]

    def by_oasys_section(self) -> list[tuple[OasysSection, list[Item]]]:
        """All OASys items grouped as OASys sections, in section-number order."""
        return [
            (section, [i for i in self.items() if i.oasys_section == section.number])
            for section in sorted(self.oasys_sections, key=lambda s: s.number)
        ]

    def by_pathway_plan_area(self) -> list[tuple[Area, list[Item]]]:
        """The Pathway Plan questions grouped by area, in form order."""
        return [(area, area.pathway_plan_items) for area in self.areas]


def build_assessment(data: Mapping[str, Any]) -> Assessment:
    """Validate a parsed `combined_assessment.toml`."""
    return Assessment.model_validate(data)


# --------------------------------------------------------------------------------------------
# Meeting agendas
# --------------------------------------------------------------------------------------------

# Short sentences and recalls are in resettlement planning from the first day (Connections guide),
# so their agendas always include the resettlement items; long sentences only after handover.
RESETTLEMENT_FROM_START: frozenset[Pathway] = frozenset({Pathway.SHORT, Pathway.RECALL})


class _Conditional(_Frozen):
    pathways: tuple[Pathway, ...] = ()  # empty: every pathway
    resettlement_only: bool = False  # only in resettlement planning

    def applies(self, pathway: Pathway, in_resettlement: bool) -> bool:
        if self.pathways and pathway not in self.pathways:
            return False
        return in_resettlement or not self.resettlement_only


class AgendaItem(_Conditional):
    code: DottedCode  # starts with its section's code
    title: Text  # our wording
    prompt: str = ""  # guidance for whoever leads the item
    questions: tuple[Text, ...] = ()  # prompt questions to work through
    lead: Role | None = None  # who leads it, where the guidance says


class AgendaSection(_Conditional):
    code: Slug
    title: Text
    guidance: str = ""
    items: tuple[AgendaItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> AgendaSection:
        wrong = [i.code for i in self.items if not i.code.startswith(f"{self.code}.")]
        if wrong:
            raise ValueError(
                f"item codes in section '{self.code}' must start with '{self.code}.': {wrong}"
            )
        if self.pathways:
            # An item limited to pathways its section never shows on would never appear.
            for item in self.items:
                if item.pathways and not set(item.pathways) & set(self.pathways):
                    raise ValueError(f"item '{item.code}' can never show inside '{self.code}'")
        return self


class Attendee(_Conditional):
    role: Role
    optional: bool = False  # invited when appropriate rather than by default
    note: str = ""


class ChairRule(_Frozen):
    """Who chairs (and organises) a meeting: a default, overridden by pathway and phase."""

    default: Role
    pathways: dict[Pathway, Role] = {}
    resettlement: dict[Pathway, Role] = {}  # overrides once in resettlement planning
    note: str = ""

    def chair_for(self, pathway: Pathway, in_resettlement: bool = False) -> Role:
        if in_resettlement and pathway in self.resettlement:
            return self.resettlement[pathway]
        return self.pathways.get(pathway, self.default)


class Agenda(_Frozen):
    """The agenda of one meeting type, with who attends and who chairs."""

    meeting_type: MeetingType
    title: Text
    purpose: str = ""
    person_attends: bool
    timing: str = ""
    where: str = ""
    outcomes: tuple[Text, ...] = ()
    next_steps: str = ""
    chair: ChairRule
    attendees: tuple[Attendee, ...] = Field(min_length=1)
    attendees_note: str = ""
    always_resettlement: bool = False  # the meeting only happens in resettlement planning
    sections_from: MeetingType | None = None  # sections were copied from this agenda
    sections: tuple[AgendaSection, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Agenda:
        if dup := _duplicates([s.code for s in self.sections]):
            raise ValueError(f"{self.meeting_type}: repeated section codes {dup}")
        if dup := _duplicates([i.code for s in self.sections for i in s.items]):
            raise ValueError(f"{self.meeting_type}: repeated item codes {dup}")
        for pathway in Pathway:
            if not self.sections_for(pathway):
                raise ValueError(f"{self.meeting_type}: nothing on the agenda for {pathway}")
        return self

    def in_resettlement(self, pathway: Pathway, resettlement: bool = False) -> bool:
        return resettlement or self.always_resettlement or pathway in RESETTLEMENT_FROM_START

    def sections_for(self, pathway: Pathway, resettlement: bool = False) -> list[AgendaSection]:
        """The sections and items that apply, in order; sections left empty are dropped."""
        phase = self.in_resettlement(pathway, resettlement)
        out: list[AgendaSection] = []
        for section in self.sections:
            if not section.applies(pathway, phase):
                continue
            items = tuple(i for i in section.items if i.applies(pathway, phase))
            if items:
                out.append(section.model_copy(update={"items": items}))
        return out

    def attendees_for(self, pathway: Pathway, resettlement: bool = False) -> list[Attendee]:
        """Default attendees, one entry per role (the first that applies)."""
        phase = self.in_resettlement(pathway, resettlement)
        seen: dict[Role, Attendee] = {}
        for attendee in self.attendees:
            if attendee.applies(pathway, phase) and attendee.role not in seen:
                seen[attendee.role] = attendee
        return list(seen.values())

    def chair_for(self, pathway: Pathway, resettlement: bool = False) -> Role:
        return self.chair.chair_for(pathway, self.in_resettlement(pathway, resettlement))


class Agendas(_Frozen):
    agendas: tuple[Agenda, ...]

    @model_validator(mode="after")
    def _all_types(self) -> Agendas:
        types = [a.meeting_type for a in self.agendas]
        if dup := _duplicates(types):
            raise ValueError(f"more than one agenda for {dup}")
        if missing := [t.value for t in MeetingType if t not in types]:
            raise ValueError(f"no agenda for meeting types {missing}")
        return self

    def agenda(self, meeting_type: MeetingType) -> Agenda:
        for agenda in self.agendas:
            if agenda.meeting_type == meeting_type:
                return agenda
        raise KeyError(meeting_type)


def build_agendas(docs: Mapping[str, Mapping[str, Any]]) -> Agendas:
    """Validate parsed agenda files, keyed by name; `sections_from` copies another's sections."""
    by_type = {str(doc.get("meeting_type")): dict(doc) for doc in docs.values()}
    resolved: list[dict[str, Any]] = []
    for name, doc in docs.items():
        doc = dict(doc)
        base_name = doc.get("sections_from")
        if base_name is not None:
            base = by_type.get(str(base_name))
            if base is None:
                raise FormsError(f"{name}: sections_from names unknown agenda '{base_name}'")
            if base.get("sections_from") is not None:
                raise FormsError(f"{name}: sections_from '{base_name}' itself copies its sections")
            if "sections" in doc:
                raise FormsError(f"{name}: give either sections or sections_from, not both")
            doc["sections"] = base.get("sections", [])
        resolved.append(doc)
    return Agendas.model_validate({"agendas": resolved})


# --------------------------------------------------------------------------------------------
# Template emails
# --------------------------------------------------------------------------------------------

# The values an email template may ask for; the app fills them from the case and the users.
EMAIL_PLACEHOLDERS: Mapping[str, str] = {
    "person_name": "full name of the person supported",
    "person_first_name": "first name of the person supported",
    "crn": "the person's CRN (probation case reference number)",
    "nomis": "the person's NOMIS (prison) number",
    "date_of_birth": "the person's date of birth",
    "prison": "the prison the person is in",
    "local_authority": "the local authority responsible for the person's care",
    "sender_name": "name of the practitioner sending the email",
    "sender_role": "role of the sender, e.g. Prison Offender Manager",
    "sender_email": "the sender's email address",
    "sender_phone": "the sender's phone number",
    "recipient_name": "name of the practitioner the email is to",
    "recipient_role": "role of the recipient, e.g. Personal Advisor",
    "cc_name": "name of the practitioner copied in",
    "cc_role": "role of the practitioner copied in",
    "first_sent_on": "date the unanswered email was sent (professional challenge)",
    "first_email": "the unanswered email, quoted (professional challenge)",
    "expectations": "what the person must keep to now: expectations in prison or licence conditions",
    "planning_for": "what the team plans for now: the sentence, resettlement, remand or community",
}


def template_fields(text: str) -> list[str]:
    """The `{placeholder}` names used in a template, in order; raises on anything but plain names."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"bad braces in template: {exc}") from exc
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", field) or spec or conversion:
            raise ValueError(f"placeholder '{{{field}}}' must be a plain name like {{person_name}}")
        names.append(field)
    return names


class TemplateEmail(_Frozen):
    """One template email, with `{placeholder}` fields filled by `render_email`."""

    code: EmailTemplate
    title: Text
    purpose: str = ""
    from_roles: tuple[Role, ...] = Field(min_length=1)
    to_roles: tuple[Role, ...] = Field(min_length=1)
    cc_roles: tuple[Role, ...] = ()
    awaits_reply: bool = True  # the app tracks that a reply is due
    follow_up: EmailTemplate | None = None  # what to send if no reply comes
    subject: Text
    body: Text

    @model_validator(mode="after")
    def _placeholders_known(self) -> TemplateEmail:
        unknown = sorted(self.placeholders() - set(EMAIL_PLACEHOLDERS))
        if unknown:
            raise ValueError(
                f"email '{self.code}' uses unknown placeholders {unknown}; "
                f"allowed: {sorted(EMAIL_PLACEHOLDERS)}"
            )
        return self

    def placeholders(self) -> set[str]:
        return set(template_fields(self.subject)) | set(template_fields(self.body))


class EmailTemplates(_Frozen):
    emails: tuple[TemplateEmail, ...]

    @model_validator(mode="after")
    def _all_codes(self) -> EmailTemplates:
        codes = [e.code for e in self.emails]
        if dup := _duplicates(codes):
            raise ValueError(f"more than one template for {dup}")
        if missing := [c.value for c in EmailTemplate if c not in codes]:
            raise ValueError(f"no template for {missing}")
        for email in self.emails:
            if email.follow_up == email.code:
                raise ValueError(f"email '{email.code}' cannot follow itself up")
        return self

    def get(self, code: EmailTemplate) -> TemplateEmail:
        for email in self.emails:
            if email.code == code:
                return email
        raise KeyError(code)


def build_email_templates(data: Mapping[str, Any]) -> EmailTemplates:
    """Validate a parsed `emails.toml`."""
    return EmailTemplates.model_validate(data)


class MissingEmailValuesError(FormsError):
    """An email cannot be rendered because values are missing."""

    def __init__(self, code: str, names: list[str]) -> None:
        self.code = code
        self.names = names
        super().__init__(f"The '{code}' email needs a value for: {', '.join(names)}")


def render_email(template: TemplateEmail, values: Mapping[str, str]) -> tuple[str, str]:
    """Fill a template; returns (subject, body). Blank values count as missing."""
    needed = template_fields(template.subject) + template_fields(template.body)
    missing = [
        name
        for name in dict.fromkeys(needed)
        if values.get(name) is None or not str(values[name]).strip()
    ]
    if missing:
        raise MissingEmailValuesError(template.code.value, missing)
    filled = {name: str(values[name]) for name in needed}
    # format_map never re-reads braces inside a value, so user text is inserted literally.
    return template.subject.format_map(filled), template.body.format_map(filled)
