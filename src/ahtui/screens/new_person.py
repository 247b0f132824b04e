"""New person / identification: who they are, their dates and pathway, and who identified them.

A form (see `widgets.form`) over `people.create_person`. The input models check each value and
how the dates relate; their plain messages ("The release date is before the sentence date.")
appear beside the fields, and nothing typed is lost while they are put right.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain.enums import (
    CareLeaverStatus,
    IdentificationMethod,
    ParoleOutcome,
    Pathway,
    Role,
    SentenceType,
)
from ..domain.models import IdentificationIn, PersonIn, parse
from ..errors import ValidationFailed
from ..store import people
from ..widgets.form import Field, FormScreen
from . import navigation
from .base import SiteScreen

# What Manage POM Cases reads for the handover and responsibility (OMiC).
OMIC_FIELDS = (
    "parole_eligibility_date",
    "automatic_release_date",
    "tariff_expiry_date",
    "target_hearing_date",
    "early_allocation",
    "open_conditions_since",
    "mappa_level",
    "parole_outcome",
    "immigration_case",
)
_PERSON = (
    "given_name",
    "family_name",
    "preferred_name",
    "crn",
    "nomis_number",
    "date_of_birth",
    "pathway",
    "sentence_type",
    "sentence_date",
    "sentence_length_months",
    "remand_date",
    "conditional_release_date",
    "release_date",
    "licence_end_date",
    *OMIC_FIELDS,
    "prison",
    "responsible_local_authority",
    "probation_area",
    "care_leaver_status",
)
_IDENT = ("identified_on", "method", "identified_by_name", "identified_by_role")


def omic_fields() -> list[Field]:
    """The release dates and overrides OMiC counts the handover from, as Manage POM Cases
    shows them."""
    return [
        Field("parole_eligibility_date", "Parole eligibility", "date"),
        Field("automatic_release_date", "Automatic release", "date"),
        Field("tariff_expiry_date", "Tariff expiry", "date"),
        Field("target_hearing_date", "Target hearing", "date"),
        Field("early_allocation", "Early allocation", "yesno"),
        Field("open_conditions_since", "Open conditions on", "date"),
        Field(
            "mappa_level",
            "MAPPA level",
            "select",
            None,
            [("Not managed under MAPPA (0)", "0"), ("1", "1"), ("2", "2"), ("3", "3")],
        ),
        Field(
            "parole_outcome",
            "Last parole outcome",
            "select",
            None,
            [(o.label(), o.value) for o in ParoleOutcome],
        ),
        Field("immigration_case", "Immigration case", "yesno"),
    ]


def person_fields(today_iso: str) -> list[Field]:
    def opts(enum: Any) -> list[tuple[str, str]]:
        return [(e.label(), e.value) for e in enum]

    return [
        Field("given_name", "Given name", required=True),
        Field("family_name", "Family name", required=True),
        Field("preferred_name", "Preferred name"),
        Field("crn", "CRN", placeholder="X123456"),
        Field("nomis_number", "NOMIS number", placeholder="A1234BC"),
        Field("date_of_birth", "Date of birth", "date"),
        Field("pathway", "Pathway", "select", None, opts(Pathway), required=True),
        Field("sentence_type", "Sentence type", "select", None, opts(SentenceType)),
        Field("sentence_date", "Sentence date", "date"),
        Field("sentence_length_months", "Sentence (months)", placeholder="whole months"),
        Field("remand_date", "Remand date", "date"),
        Field("conditional_release_date", "Cond. release date", "date"),
        Field("release_date", "Release date", "date"),
        Field("licence_end_date", "Licence end date", "date"),
        *omic_fields(),
        Field("prison", "Prison"),
        Field("responsible_local_authority", "Local authority"),
        Field("probation_area", "Probation area"),
        Field("care_leaver_status", "Care leaver status", "select", None, opts(CareLeaverStatus)),
        Field("identified_on", "Identified on", "date", today_iso, required=True),
        Field(
            "method", "How identified", "select", None, opts(IdentificationMethod), required=True
        ),
        Field("identified_by_name", "Identified by"),
        Field("identified_by_role", "Their role", "select", None, opts(Role)),
        Field("ident_notes", "Notes", "area"),
    ]


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    person = {k: values[k] for k in _PERSON if values.get(k) is not None}
    ident = {k: values[k] for k in _IDENT if values.get(k) is not None}
    if values.get("ident_notes"):
        ident["notes"] = values["ident_notes"]
    return person, ident


def person_problems(values: dict[str, Any]) -> dict[str, str]:
    """Every problem with the form's values, by field, found without writing anything."""
    problems: dict[str, str] = {}
    # Both halves are checked, so all messages show at once.
    for model, data in zip((PersonIn, IdentificationIn), _split(values), strict=True):
        try:
            parse(model, data)
        except ValidationFailed as exc:
            problems.update(
                {("ident_notes" if k == "notes" else k): v for k, v in exc.problems.items()}
            )
    return problems


def create_from_form(site: Any, values: dict[str, Any]) -> str:
    """Split the form into person and identification and create the person; returns the id."""
    if problems := person_problems(values):
        raise ValidationFailed(problems)
    return people.create_person(site, *_split(values))


def new_person_form(screen: SiteScreen | Any) -> None:
    """Open the form; on save, open the new person's record."""
    today = getattr(screen.app, "today", None)
    today_iso = (today or date.today()).isoformat()

    def opened(person_id: Any) -> None:
        screen.notify("Person recorded.", markup=False)
        navigation.open_person(screen.app, str(person_id))

    screen.app.push_screen(
        FormScreen(
            "New person",
            person_fields(today_iso),
            lambda v: create_from_form(screen.app.site, v),
            intro="Who they are, their dates and pathway, then who identified them and how.",
            check=person_problems,
        ),
        lambda result: opened(result) if result is not None else None,
    )
