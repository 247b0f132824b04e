"""Edit a person's details: names, identifiers, places and dates, pre-filled from the record.

The same fields as the New person form (minus pathway and identification), plus the recall.
Only the values changed are sent to `people.update_person`, which re-checks the whole record,
so the New person messages ("The release date is before the sentence date.") appear beside the
fields here too. Pathway and lead are not on this form: each has its own action with a reason.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationFailed
from ..widgets.form import Field
from .base import SiteScreen
from .new_person import person_fields

# Kept out: they change through their own actions (pathway, lead) or are identification facts.
_NOT_HERE = {
    "pathway",
    "identified_on",
    "method",
    "identified_by_name",
    "identified_by_role",
    "ident_notes",
}


def detail_fields(person: Any, today_iso: str) -> list[Field]:
    """The person's editable fields, each holding its current value."""
    from ..domain.enums import RecallType

    fields: list[Field] = []
    for f in person_fields(today_iso):
        if f.name in _NOT_HERE:
            continue
        fields.append(f)
        if f.name == "conditional_release_date":
            fields.append(Field("recall_date", "Recall date", "date"))
            fields.append(
                Field(
                    "recall_type",
                    "Recall type",
                    "select",
                    None,
                    [(r.label(), r.value) for r in RecallType],
                )
            )
    for f in fields:
        f.value = person[f.name]
    return fields


def _as_typed(value: Any) -> Any:
    """A stored value as the form holds it, so an untouched field compares equal."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def changed_values(fields: list[Field], values: dict[str, Any]) -> dict[str, Any]:
    """Only what was changed; a cleared field becomes None (the value is removed)."""
    out: dict[str, Any] = {}
    for f in fields:
        before, after = _as_typed(f.value), values.get(f.name)
        if f.kind != "select":
            after = _as_typed(after)
        if after != before:
            out[f.name] = after
    return out


def edit_details_form(screen: SiteScreen | Any, person_id: str) -> None:
    """Open the form; on save, the changes are written and the person screen redraws."""
    from ..store import people

    person = people.get_person(screen.site, person_id)
    fields = detail_fields(person, screen.today.isoformat())

    def submit(values: dict[str, Any]) -> bool:
        changes = changed_values(fields, values)
        if not changes:
            return False
        problems = people.refs_used_by_others(screen.site, person_id, changes)
        if problems:
            raise ValidationFailed(problems)
        people.update_person(screen.site, person_id, changes)
        return True

    def done(saved: bool) -> None:
        screen.notify("Details saved." if saved else "Nothing was changed.", markup=False)

    screen.open_form(
        "Edit details",
        fields,
        submit,
        intro="Correct what is wrong; only the fields you change are saved. "
        "Pathway (p) and lead (l) have their own actions.",
        done=done,
    )
