"""The Combined Assessment: answers checked against the form, progress per area, the snapshot.

Each answer is checked against its item on the form (schema/forms: the choices, scales, ticks
and grids printed there) and stored as text or JSON. `assessment_snapshot` gives the exports
every question of the form with its answer as plain dicts, grouped by area, by OASys section
and by Pathway Plan area; its shape is documented on it and only ever grows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain.forms import Assessment, Item, ItemType
from ..domain.models import AnswerIn, AreaRecordIn, parse
from ..errors import BadInput
from ..forms_loader import load_assessment
from . import rows
from .people import get_person
from .site import Site


def _form() -> Assessment:

    return load_assessment()


def answer_item(
    site: Site,
    person_id: str,
    item_code: str,
    *,
    value: str | list[str] | dict[str, Any] | None = None,
    disclosed: bool | None = None,
    notes: str | None = None,
    answered_on: date | None = None,
) -> str:
    """Record (or replace) the answer to one assessment item, checked against the form.

    `value` by item type: text and 1-10 scales a string; a choice the option's code (e.g.
    "some"); multi_choice a list of option codes (ticked); a grid a dict of row code to a dict of
    column code to the answer (a scale column's option code, or True for a tick column). Lists
    and dicts are kept as JSON. An empty list or dict is an answer ("none of these").
    """
    get_person(site, person_id)
    stored = _check_answer(item_code, value, disclosed)
    answer = parse(
        AnswerIn,
        {
            "value": stored,
            "disclosed": disclosed,
            "notes": notes,
            "answered_on": answered_on or date.today(),
        },
    )
    return rows.save_keyed(
        site,
        "assessment_answers",
        {"person_id": person_id, "item_code": item_code},
        answer.model_dump(),
    )


def _check_answer(item_code: str, value: Any, disclosed: bool | None) -> str | None:
    form = _form()
    try:
        item = form.item(item_code)
    except KeyError:
        raise BadInput(f"{item_code} is not an item of the Combined Assessment.") from None
    name = item.oasys_code or item.code
    if disclosed is not None and not item.disclosable:
        raise BadInput(f"{name} has no disclosed mark on the form.")
    if value is None or value == "":
        return None
    if item.type is ItemType.MULTI_CHOICE:
        return _check_ticks(form, item, value)
    if item.type is ItemType.GRID:
        return _check_grid(form, item, value)
    if not isinstance(value, str):
        raise BadInput(f"{name}: the answer is text.")
    if item.type is ItemType.SCALE_1_10:
        if not (value.isdigit() and 1 <= int(value) <= 10):
            raise BadInput(f"{item.text}: give a whole number from 1 to 10.")
        return str(int(value))
    if item.type is ItemType.CHOICE:
        codes = [o.code for o in form.options_for(item)]
        if value not in codes:
            labels = ", ".join(o.label for o in form.options_for(item))
            raise BadInput(f"{name}: answer one of {labels}.")
    return value


def _json(item: Item, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise BadInput(f"{item.oasys_code or item.code}: the answer is not readable.") from None


def _check_ticks(form: Assessment, item: Item, value: Any) -> str:
    if isinstance(value, str):
        value = _json(item, value) if value.startswith("[") else [value]
    if not isinstance(value, list | tuple | set):
        raise BadInput(f"{item.oasys_code or item.code}: tick from the list.")
    codes = [o.code for o in item.options]
    unknown = [v for v in value if v not in codes]
    if unknown:
        raise BadInput(
            f"{item.oasys_code or item.code}: {', '.join(map(str, unknown))} is not on the list."
        )
    return json.dumps([c for c in codes if c in set(value)])


def _check_grid(form: Assessment, item: Item, value: Any) -> str:
    name = item.oasys_code or item.code
    if isinstance(value, str):
        value = _json(item, value)
    if not isinstance(value, Mapping):
        raise BadInput(f"{name}: a grid answer gives each row's columns.")
    rows_ = {r.code: r for r in item.rows}
    columns = {c.code: c for c in item.columns}
    clean: dict[str, dict[str, Any]] = {}
    for row_code in rows_:
        cells = value.get(row_code) or {}
        if not isinstance(cells, Mapping):
            raise BadInput(f"{name}: {rows_[row_code].label}: give each column's answer.")
        kept: dict[str, Any] = {}
        for col_code, cell in cells.items():
            column = columns.get(col_code)
            if column is None:
                raise BadInput(f"{name}: there is no column {col_code}.")
            if cell in (None, "", False):
                continue
            if column.scale:
                if cell not in form.scales[column.scale].codes():
                    labels = ", ".join(form.scales[column.scale].labels)
                    raise BadInput(
                        f"{name}: {rows_[row_code].label}, {column.label}: answer one of {labels}."
                    )
                kept[col_code] = cell
            else:
                kept[col_code] = True
        if kept:
            clean[row_code] = kept
    if unknown := set(value) - set(rows_):
        raise BadInput(f"{name}: there is no row {', '.join(sorted(map(str, unknown)))}.")
    return json.dumps(clean, sort_keys=True)


def parse_value(item: Item, stored: str | None) -> Any:
    """A stored answer as Python: str, list of codes (multi_choice) or dict (grid); None if none."""
    if stored is None:
        return None
    if item.type in (ItemType.MULTI_CHOICE, ItemType.GRID):
        try:
            return json.loads(stored)
        except ValueError:
            return stored
    return stored


def answer_text(form: Assessment, item: Item, value: Any) -> str:
    """An answer in the form's own words: option labels, "7 of 10", ticked boxes, grid rows."""
    if value is None:
        return ""
    if item.type is ItemType.CHOICE:
        labels = {o.code: o.label for o in form.options_for(item)}
        return labels.get(value, str(value))
    if item.type is ItemType.SCALE_1_10:
        return f"{value} of 10"
    if item.type is ItemType.MULTI_CHOICE:
        labels = {o.code: o.label for o in item.options}
        ticked = [labels.get(c, str(c)) for c in value] if isinstance(value, list) else [str(value)]
        return "; ".join(ticked) if ticked else "None ticked"
    if item.type is ItemType.GRID:
        if not isinstance(value, dict):
            return str(value)
        lines = []
        for row in item.rows:
            cells = value.get(row.code) or {}
            parts = []
            for column in item.columns:
                cell = cells.get(column.code)
                if cell in (None, False):
                    continue
                if column.scale:
                    scale = {o.code: o.label for o in form.scales[column.scale].options}
                    parts.append(f"{column.label}: {scale.get(cell, cell)}")
                else:
                    parts.append(column.label)
            if parts:
                lines.append(f"{row.label}: {', '.join(parts)}")
        return "; ".join(lines) if lines else "None ticked"
    return str(value)


def answers_for(site: Site, person_id: str) -> dict[str, dict[str, Any]]:
    """The live answers of a person, keyed by item code."""
    return {
        r["item_code"]: r
        for r in rows.dicts(
            site,
            "SELECT id, item_code, value, disclosed, notes, answered_on, updated_at "
            # The latest written last: it is the one kept for its item code.
            "FROM assessment_answers WHERE person_id = ? AND deleted_at IS NULL "
            "ORDER BY updated_at, id",
            person_id,
        )
    }


def item_shown(item: Item, answers: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the form asks this item, given the answers so far (its `shown_if`)."""
    if item.shown_if is None:
        return True
    return any(
        (answers.get(code) or {}).get("value") in item.shown_if.values
        for code in item.shown_if.items
    )


def item_counts(item: Item, answers: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the item counts towards its area's completion: asked, and not "(optional)"."""
    return item_shown(item, answers) and not item.optional


@dataclass(frozen=True)
class AreaProgress:
    """How far one area of the assessment has been filled in."""

    code: str
    title: str
    answered: int
    total: int
    last_answered_on: str | None

    @property
    def complete(self) -> bool:
        return self.answered >= self.total

    @property
    def status(self) -> str:
        """COMPLETE, STARTED or NOT STARTED: the words shown, never colour alone."""
        if self.complete:
            return "COMPLETE"
        return "STARTED" if self.answered else "NOT STARTED"

    @property
    def summary(self) -> str:
        return f"{self.answered} of {self.total} answered"


def _is_answered(row: Mapping[str, Any] | None) -> bool:
    return row is not None and row.get("value") not in (None, "")


def area_progress(
    site: Site, person_id: str, answers: Mapping[str, Mapping[str, Any]] | None = None
) -> list[AreaProgress]:
    """Completion per area, in form order: items asked and not optional, and how many answered."""
    answers = answers_for(site, person_id) if answers is None else answers
    out = []
    for area in _form().areas:
        counted = [i for i in area.items if item_counts(i, answers)]
        done = [i for i in counted if _is_answered(answers.get(i.code))]
        dates = [
            answers[i.code]["answered_on"]
            for i in area.items
            if _is_answered(answers.get(i.code)) and answers[i.code]["answered_on"]
        ]
        out.append(
            AreaProgress(area.code, area.title, len(done), len(counted), max(dates, default=None))
        )
    return out


def _item_dict(
    form: Assessment, item: Item, answers: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    row = answers.get(item.code)
    value = parse_value(item, row["value"]) if row else None
    scale = None
    if item.scale:
        scale = form.scales[item.scale].printed
    elif item.type.value == "scale_1_10":
        scale = "1 to 10"
    return {
        "code": item.code,
        "area": item.code.split(".", 1)[0],
        "source": item.source.value,
        "number": item.number,
        "oasys_code": item.oasys_code,
        "oasys_section": item.oasys_section,
        "kind": item.kind.value,
        "type": item.type.value,
        "text": item.text,
        "prompt": item.prompt,
        "condition": item.condition,
        "optional": item.optional,
        "disclosable": item.disclosable,
        "scale": scale,
        "shown": item_shown(item, answers),
        "counted": item_counts(item, answers),
        "value": value,
        "answer": answer_text(form, item, value),
        "answered": _is_answered(row),
        "disclosed": None if not row or row["disclosed"] is None else bool(row["disclosed"]),
        "notes": row["notes"] if row else None,
        "answered_on": row["answered_on"] if row else None,
    }


def assessment_snapshot(site: Site, person_id: str) -> dict[str, Any]:
    """Every question of the Combined Assessment with the person's answer, as plain data.

    Keys:

    - `title`: the form's title; `answered`, `total`: items counted towards completion, summed
      over the areas; `complete_areas`: how many of the nine areas are COMPLETE
    - `areas`: in form order, `{code, title, intro, pathway_plan_only, oasys_sections (list of
      section numbers), answered, total, complete, status ("COMPLETE", "STARTED", "NOT STARTED"),
      last_answered_on, record, items}`. `record` is the area's own row (`{issues, positives,
      linked_to_harm, linked_to_offending, completed_on}`) or None.
    - `oasys`: the OASys sections in number order, `{number, title, note, areas (codes), items}`
    - `pathway_plan`: the Pathway Plan questions per area in form order, `{area, title, intro,
      items}`

    Each item is `{code, area, source ("pathway_plan"/"oasys"), number (Pathway Plan number),
    oasys_code (official number or None), oasys_section, kind ("question", "issues",
    "linked_harm", "linked_offending"), type, text (exactly as printed), prompt, condition,
    optional, disclosable, scale (printed scale, e.g. "No - Some - Sig - Missing", or None),
    shown (the form asks it, given earlier answers), counted (towards completion), value (code,
    text, list or dict as stored, see `answer_item`), answer (in words, "" if none), answered,
    disclosed (True/False/None), notes, answered_on}`. The same item dicts appear in `areas` and
    in the groupings.
    """
    form = _form()
    answers = answers_for(site, person_id)
    progress = {p.code: p for p in area_progress(site, person_id, answers)}
    records = {
        r["area_code"]: r
        for r in rows.dicts(
            site,
            "SELECT area_code, issues, positives, linked_to_harm, linked_to_offending, "
            "completed_on FROM assessment_areas WHERE person_id = ? AND deleted_at IS NULL "
            "ORDER BY updated_at, id",
            person_id,
        )
    }
    items = {i.code: _item_dict(form, i, answers) for i in form.items()}
    areas = []
    for area in form.areas:
        p = progress[area.code]
        record = records.get(area.code)
        if record is not None:
            record = {k: v for k, v in record.items() if k != "area_code"}
            for flag in ("linked_to_harm", "linked_to_offending"):
                if record[flag] is not None:
                    record[flag] = bool(record[flag])
        areas.append(
            {
                "code": area.code,
                "title": area.title,
                "intro": area.intro,
                "pathway_plan_only": area.pathway_plan_only,
                "oasys_sections": area.oasys_sections,
                "answered": p.answered,
                "total": p.total,
                "complete": p.complete,
                "status": p.status,
                "last_answered_on": p.last_answered_on,
                "record": record,
                "items": [items[i.code] for i in area.items],
            }
        )
    oasys = [
        {
            "number": section.number,
            "title": section.title,
            "note": section.note,
            "areas": list(dict.fromkeys(i.code.split(".", 1)[0] for i in section_items)),
            "items": [items[i.code] for i in section_items],
        }
        for section, section_items in form.by_oasys_section()
    ]
    pathway = [
        {
            "area": area.code,
            "title": area.title,
            "intro": area.intro,
            "items": [items[i.code] for i in pp_items],
        }
        for area, pp_items in form.by_pathway_plan_area()
    ]
    return {
        "title": form.title,
        "answered": sum(a["answered"] for a in areas),
        "total": sum(a["total"] for a in areas),
        "complete_areas": sum(1 for a in areas if a["complete"]),
        "areas": areas,
        "oasys": oasys,
        "pathway_plan": pathway,
    }


def save_area(
    site: Site,
    person_id: str,
    area_code: str,
    *,
    issues: str | None = None,
    positives: str | None = None,
    linked_to_harm: bool | None = None,
    linked_to_offending: bool | None = None,
    completed_on: date | None = None,
) -> str:
    try:
        _form().area(area_code)
    except KeyError:
        raise BadInput(f"{area_code} is not an area of the Combined Assessment.") from None
    record = parse(
        AreaRecordIn,
        {
            "issues": issues,
            "positives": positives,
            "linked_to_harm": linked_to_harm,
            "linked_to_offending": linked_to_offending,
            "completed_on": completed_on,
        },
    )
    get_person(site, person_id)
    return rows.save_keyed(
        site,
        "assessment_areas",
        {"person_id": person_id, "area_code": area_code},
        record.model_dump(),
    )
