"""How long each stored text may be: the input models' limits, by table and column.

A value typed into a form is held to its model's limits (ahtui.domain.models). A value that
arrives in a sync bundle is held to the same ones here, so a note written around the services
(a 10 MB paste, say) cannot reach other sites that way either. Columns no model describes
(frozen plans, lost values of conflicts) get one generous ceiling.
"""

from __future__ import annotations

import typing
from functools import cache
from typing import Any

from pydantic import BaseModel, StringConstraints

from . import models

# The table each input model writes.
MODEL_TABLES: dict[str, type[BaseModel]] = {
    "people": models.PersonIn,
    "identifications": models.IdentificationIn,
    "practitioners": models.PractitionerIn,
    "consents": models.ConsentIn,
    "personal_contacts": models.ContactIn,
    "meetings": models.MeetingIn,
    "actions": models.ActionIn,
    "case_notes": models.NoteIn,
    "milestones": models.MilestoneIn,
    "support_networks": models.NetworkIn,
}
# Any other text: a frozen copy of a whole plan fits easily; a runaway paste does not.
CEILING = 1_000_000


def _max_length(annotation: Any) -> int | None:
    found = [
        m.max_length
        for m in getattr(annotation, "__metadata__", ())
        if isinstance(m, StringConstraints) and m.max_length is not None
    ]
    for arg in typing.get_args(annotation):
        inner = _max_length(arg)
        if inner is not None:
            found.append(inner)
    return min(found) if found else None


@cache
def column_limits(table: str) -> dict[str, int]:
    """The longest text each column of `table` may hold, where a model says."""
    model = MODEL_TABLES.get(table)
    if model is None:
        return {}
    out = {}
    for name, info in model.model_fields.items():
        limit = _max_length(info.annotation)
        for m in info.metadata:
            if getattr(m, "max_length", None) is not None:
                limit = m.max_length if limit is None else min(limit, m.max_length)
        if limit is not None:
            out[name] = limit
    return out


def limit(table: str, column: str) -> int:
    return column_limits(table).get(column, CEILING)
