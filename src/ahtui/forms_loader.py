"""Reads the form definitions in `schema/forms/` and validates them, once per process.

`load_*` are cached, so every screen shares one copy; `read_*` take a path and are uncached,
for tests and tools. Any missing or invalid file raises `FormsError` naming the file.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from .domain.enums import EmailTemplate, MeetingType, Pathway
from .domain.forms import (
    Agenda,
    Agendas,
    AgendaSection,
    Assessment,
    EmailTemplates,
    FormsError,
    TemplateEmail,
    build_agendas,
    build_assessment,
    build_email_templates,
)
from .resources import schema_dir

__all__ = [
    "FormsError",
    "agenda",
    "agenda_for",
    "email_template",
    "forms_dir",
    "load_agendas",
    "load_assessment",
    "load_email_templates",
    "read_agendas",
    "read_assessment",
    "read_email_templates",
]

T = TypeVar("T")


def forms_dir() -> Path:
    try:
        return schema_dir() / "forms"
    except FileNotFoundError as exc:
        raise FormsError(str(exc)) from exc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise FormsError(f"{path}: the form definition file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise FormsError(f"{path}: not valid TOML: {exc}") from None


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  - {where}: {err['msg']}")
    return "\n".join(lines)


def _validated(where: Path, build: Callable[[], T]) -> T:
    try:
        return build()
    except ValidationError as exc:
        count = exc.error_count()
        raise FormsError(
            f"{where}: {count} problem{'s' if count != 1 else ''} in the form definition:\n"
            + _explain(exc)
        ) from None
    except FormsError as exc:
        raise FormsError(f"{where}: {exc}") from None


def read_assessment(path: Path) -> Assessment:
    data = _read_toml(path)
    return _validated(path, lambda: build_assessment(data))


def read_agendas(directory: Path) -> Agendas:
    """Read one `<meeting_type>.toml` per meeting type from `directory`."""
    if not directory.is_dir():
        raise FormsError(f"{directory}: the agendas directory is missing")
    docs: dict[str, dict[str, Any]] = {}
    for meeting_type in MeetingType:
        path = directory / f"{meeting_type.value}.toml"
        doc = _read_toml(path)
        if doc.get("meeting_type") != meeting_type.value:
            raise FormsError(
                f"{path}: meeting_type is {doc.get('meeting_type')!r}, "
                f"expected {meeting_type.value!r} to match the file name"
            )
        docs[path.name] = doc
    return _validated(directory, lambda: build_agendas(docs))


def read_email_templates(path: Path) -> EmailTemplates:
    data = _read_toml(path)
    return _validated(path, lambda: build_email_templates(data))


@functools.cache
def load_assessment() -> Assessment:
    return read_assessment(forms_dir() / "combined_assessment.toml")


@functools.cache
def load_agendas() -> Agendas:
    return read_agendas(forms_dir() / "agendas")


@functools.cache
def load_email_templates() -> EmailTemplates:
    return read_email_templates(forms_dir() / "emails.toml")


def agenda(meeting_type: MeetingType) -> Agenda:
    return load_agendas().agenda(MeetingType(meeting_type))


def agenda_for(
    meeting_type: MeetingType, pathway: Pathway, *, resettlement: bool = False
) -> list[AgendaSection]:
    """The agenda sections and items that apply to this meeting, pathway and phase."""
    return agenda(meeting_type).sections_for(Pathway(pathway), resettlement)


def email_template(code: EmailTemplate) -> TemplateEmail:
    return load_email_templates().get(EmailTemplate(code))
