"""The Combined Assessment: nine areas, each with its Pathway Plan questions and OASys items.

`AssessmentScreen` lists the areas with their completion in words ("7 of 12 answered",
COMPLETE, STARTED, NOT STARTED). `AssessmentAreaScreen` lists one area's questions as the form
prints them: Pathway Plan questions by number, OASys items by their official code with their
exact answer scale and the "Disclosed" mark, the linked-to-harm and linked-to-offending
questions, the 1-10 "cared for" scales. Each answer is saved when its form is saved, so a
sitting can stop at any moment; "Fill in turn" walks the unanswered questions one after
another until Esc. Questions the form asks only after a certain answer show "(not asked)"
until then and do not count; "(optional)" ones do not count either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from .. import keymap
from ..domain.forms import ItemType
from ..forms_loader import load_assessment
from ..store import assessment, people
from ..widgets.form import Field, FormScreen
from ..widgets.shown import Shown, ShownTable
from ..widgets.wheel import bar
from . import navigation
from .base import SiteScreen, fmt_date, person_refs
from .record_table import Column, RecordTableScreen

if TYPE_CHECKING:
    from ..domain.forms import Assessment, Item


def _form() -> Assessment:
    return load_assessment()


def item_ref(item: Item) -> str:
    """How the form names a question: "PP 3" (Pathway Plan), "3.3" (OASys), "3 harm"."""
    if item.number is not None:
        return f"PP {item.number}"
    if item.oasys_code and item.code.endswith(item.oasys_code):
        return item.oasys_code
    short = {"linked_harm": "harm", "linked_offending": "offending", "issues": "issues"}
    if item.kind.value in short:
        return f"{item.oasys_section} {short[item.kind.value]}"
    # Unnumbered sub-questions keep the tail of their code, e.g. "6.7.victim".
    return item.code.split(".oasys.", 1)[-1]


def scale_words(form: Assessment, item: Item) -> str:
    """The answer scale as printed, e.g. "No - Some - Sig - Missing"; "" for free text."""

    if item.type is ItemType.CHOICE and item.scale:
        return form.scales[item.scale].printed
    if item.type is ItemType.SCALE_1_10:
        return "1 (not at all) to 10"
    if item.type is ItemType.MULTI_CHOICE:
        return "tick any"
    if item.type is ItemType.GRID:
        return "grid: " + " | ".join(c.label for c in item.columns)
    return "free text"


def _sources(area: Any) -> str:
    """Which documents an area's questions come from, in a few words."""
    sections = area.oasys_sections
    if not sections:
        return "Pathway Plan only"
    if len(sections) == 1:
        return f"PP + OASys {sections[0]}"
    return f"PP + {len(sections)} OASys sections"


def _cell(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class _HomeEnd(SiteScreen):
    """Home and End to the first and last row of the screen's table (its own only scroll)."""

    def action_first_row(self) -> None:
        self.query_one(DataTable).move_cursor(row=0)

    def action_last_row(self) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.row_count - 1)


@navigation.screen("assessment")
class AssessmentScreen(_HomeEnd, RecordTableScreen[Any]):
    """The nine areas and how far each is filled in."""

    KEY_SCOPES = ("assessment",)
    BINDINGS = keymap.bindings("assessment")
    HELP_TITLE = "Combined Assessment"
    HEAD_ID = "assessment-head"
    TABLE_ID = "assessment-areas"
    DETAIL_ID = "assessment-detail"
    DETAIL_BY_KEY = True

    DEFAULT_CSS = """
    AssessmentScreen #assessment-areas { height: 1fr; }
    AssessmentScreen #assessment-detail { height: 6; padding: 0 1; background: $panel; }
    """

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self._keep = 0

    @property
    def progress(self) -> list[Any]:
        """Each area's progress, in the order listed."""
        return self.rows

    def columns(self) -> list[Column]:
        return ["Area", "From", "Answered", "Status"]

    def compose_detail(self) -> ComposeResult:
        yield Shown("", id="assessment-detail")

    def reload(self) -> None:
        self._keep = self.table.cursor_row
        super().reload()

    def load_rows(self) -> list[Any]:
        return assessment.area_progress(self.site, self.person_id)

    def heading(self) -> str:
        person = people.get_person(self.site, self.person_id)
        done = sum(1 for p in self.rows if p.complete)
        return (
            f"{person_refs(person)}\nCombined Assessment · {done} of {len(self.rows)} "
            "areas COMPLETE · each answer is saved as entered"
        )

    def row_key(self, p: Any) -> str:
        return str(p.code)

    def cells(self, p: Any) -> list[str]:
        area = _form().area(p.code)
        return [_cell(p.title, 26), _sources(area), f"{p.answered} of {p.total}", p.status]

    def after_fill(self) -> None:
        self.table.move_cursor(row=min(self._keep, self.table.row_count - 1))

    def detail(self, p: Any) -> str:
        area = _form().area(p.code)
        sections = ", ".join(str(n) for n in area.oasys_sections)
        lines = [f"{area.title}: {p.summary}, {p.status}"]
        if p.last_answered_on:
            lines[0] += f" · last answer {fmt_date(p.last_answered_on)}"
        if area.intro:
            lines.append(area.intro)
        if area.pathway_plan_only:
            lines.append("Pathway Plan only: no OASys section corresponds.")
        else:
            lines.append(f"Pathway Plan questions and OASys sections {sections}.")
        lines.append("Enter opens the area · f answers its unanswered questions in turn")
        return "\n".join(lines)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_area()

    def _area_code(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_open_area(self) -> None:
        code = self._area_code()
        if code:
            self.app.push_screen(AssessmentAreaScreen(self.person_id, code))

    def action_fill_area(self) -> None:
        code = self._area_code()
        if code:
            self.app.push_screen(AssessmentAreaScreen(self.person_id, code, fill=True))


class AssessmentAreaScreen(_HomeEnd, SiteScreen):
    """One area's questions, with the answers so far; each answer saved as it is entered."""

    KEY_SCOPES = ("assessment.area",)
    BINDINGS = keymap.bindings("assessment.area")
    HELP_TITLE = "Combined Assessment: one area"

    DEFAULT_CSS = """
    AssessmentAreaScreen #area-items { height: 1fr; }
    AssessmentAreaScreen #area-detail-box { height: 7; padding: 0 1; background: $panel; }
    """

    def __init__(self, person_id: str, area_code: str, *, fill: bool = False) -> None:
        super().__init__()
        self.person_id = person_id
        self.area_code = area_code
        self.area = _form().area(area_code)
        self.answers: dict[str, dict[str, Any]] = {}
        self.filling = fill

    def compose(self) -> ComposeResult:
        yield Shown("", id="area-head", classes="screen-head")
        table: DataTable[str] = ShownTable(id="area-items", cursor_type="row")
        table.add_columns("Ref", "Question", "Answer", "Discl.")
        yield table
        with VerticalScroll(id="area-detail-box"):
            yield Shown("", id="area-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()
        if self.filling:
            self.call_after_refresh(self._fill_next, True)

    # -- drawing -------------------------------------------------------------------------
    def reload(self) -> None:
        person = people.get_person(self.site, self.person_id)
        self.answers = assessment.answers_for(self.site, self.person_id)
        progress = next(
            p
            for p in assessment.area_progress(self.site, self.person_id, self.answers)
            if p.code == self.area_code
        )
        sitting = " · FILLING IN TURN (Esc stops)" if self.filling else ""
        # Completion first: a long area title may be cut at 80 columns, the status never.
        self.query_one("#area-head", Static).update(
            f"{person_refs(person)}\n"
            + _cell(f"{progress.summary} · {progress.status}{sitting} · {self.area.title}", 78)
        )
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for item in self.area.items:
            table.add_row(
                _cell(item_ref(item), 10),
                _cell(item.text, 34),
                _cell(self._answer_cell(item), 18),
                self._disclosed_cell(item),
                key=item.code,
            )
        table.move_cursor(row=min(keep, table.row_count - 1))
        self._show_detail()

    def _answer_cell(self, item: Item) -> str:
        row = self.answers.get(item.code)
        if not assessment.item_shown(item, self.answers):
            return "(not asked)"
        if row and row["value"] not in (None, ""):
            if item.type.value == "scale_1_10" and row["value"].isdigit():
                # The "cared for" scales read at a glance as a bar, with the number beside it.
                return f"{row['value']:>2} {bar(int(row['value']))}"
            return assessment.answer_text(_form(), item, assessment.parse_value(item, row["value"]))
        return "(optional)" if item.optional else "—"

    def _disclosed_cell(self, item: Item) -> str:
        if not item.disclosable:
            return ""
        row = self.answers.get(item.code)
        if row is None or row["disclosed"] is None:
            return "?"
        return "Yes" if row["disclosed"] else "No"

    def _current(self) -> Item | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        code = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((i for i in self.area.items if i.code == code), None)

    def _show_detail(self) -> None:
        item = self._current()
        if item is None:
            return
        form = _form()
        lines = [f"{item_ref(item)}  {item.text}"]
        if item.prompt:
            lines.append(item.prompt)
        if item.condition:
            lines.append(f"Asked: {item.condition}")
        kind = "Pathway Plan" if item.number is not None else f"OASys section {item.oasys_section}"
        mark = " · has a Disclosed mark" if item.disclosable else ""
        lines.append(f"{kind} · answer: {scale_words(form, item)}{mark}")
        row = self.answers.get(item.code)
        if row and row["value"] not in (None, ""):
            answer = assessment.answer_text(form, item, assessment.parse_value(item, row["value"]))
            when = f" ({fmt_date(row['answered_on'])})" if row["answered_on"] else ""
            lines.append(f"Answer{when}: {answer}")
            if item.disclosable and row["disclosed"] is not None:
                lines.append(f"Disclosed: {'Yes' if row['disclosed'] else 'No'}")
        else:
            lines.append(f"Answer: {self._answer_cell(item)} · Enter answers it")
        if row and row["notes"]:
            lines.append(f"Notes: {row['notes']}")
        self.query_one("#area-detail", Static).update("\n".join(lines))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_answer()

    # -- answering -----------------------------------------------------------------------
    def _unanswered_after(self, start: int) -> int | None:
        """The row of the next question that counts and has no answer, from `start` on."""

        items = list(self.area.items)
        for offset in range(len(items)):
            n = (start + offset) % len(items)
            item = items[n]
            row = self.answers.get(item.code)
            answered = row is not None and row["value"] not in (None, "")
            if assessment.item_counts(item, self.answers) and not answered:
                return n
        return None

    def action_next_unanswered(self) -> None:
        table = self.query_one(DataTable)
        n = self._unanswered_after(table.cursor_row + 1)
        if n is None:
            self.notify("Every question in this area is answered: COMPLETE.", markup=False)
            return
        table.move_cursor(row=n)

    def action_fill(self) -> None:
        self._fill_next(True)

    def _fill_next(self, from_here: bool = False) -> None:
        table = self.query_one(DataTable)
        n = self._unanswered_after(table.cursor_row if from_here else table.cursor_row + 1)
        if n is None:
            self.filling = False
            self.reload()
            self.notify("Every question in this area is answered: COMPLETE.", markup=False)
            return
        self.filling = True
        table.move_cursor(row=n)
        self.reload()
        self.action_answer()

    def action_answer(self) -> None:
        item = self._current()
        if item is None:
            return
        if not assessment.item_shown(item, self.answers):
            self.filling = False
            self.notify(f"Not asked: {item.condition or 'depends on an earlier answer'}.")
            return
        fields, to_answer = self._fields(item)
        row = self.answers.get(item.code) or {}

        def submit(v: dict[str, Any]) -> Any:
            disclosed = v.get("disclosed") if item.disclosable else None
            return assessment.answer_item(
                self.site,
                self.person_id,
                item.code,
                value=to_answer(v),
                disclosed=disclosed,
                notes=v.get("notes"),
                answered_on=self.today,
            )

        def after(result: Any) -> None:
            if result is None:
                # Esc: the sitting stops here; every answer saved so far stays.
                if self.filling:
                    self.filling = False
                    self.reload()
                return
            if self.filling:
                self.call_after_refresh(self._fill_next)

        form = _form()
        intro = [f"{item_ref(item)}  {item.text}"]
        if item.prompt:
            intro.append(item.prompt)
        intro.append(f"Answer: {scale_words(form, item)}")
        if row.get("answered_on"):
            intro.append(f"Last answered {fmt_date(row['answered_on'])}.")

        self.app.push_screen(
            FormScreen(self.area.title, fields, submit, intro="\n".join(intro)),
            after,
        )

    def _fields(self, item: Item) -> tuple[list[Any], Any]:
        """The form fields for one item, and how to turn the form's values into its answer."""

        form = _form()
        row = self.answers.get(item.code) or {}
        current = assessment.parse_value(item, row.get("value"))
        fields: list[Any] = []
        if item.type is ItemType.MULTI_CHOICE:
            ticked = set(current or [])
            for n, option in enumerate(item.options):
                fields.append(
                    Field(f"tick_{n}", _cell(option.label, 20), "yesno", option.code in ticked)
                )

            def to_answer(v: dict[str, Any]) -> Any:
                return [o.code for n, o in enumerate(item.options) if v.get(f"tick_{n}")]

        elif item.type is ItemType.GRID:
            cells = current if isinstance(current, dict) else {}
            names: dict[str, tuple[str, str]] = {}
            for r, grid_row in enumerate(item.rows):
                for c, column in enumerate(item.columns):
                    name = f"cell_{r}_{c}"
                    names[name] = (grid_row.code, column.code)
                    have = (cells.get(grid_row.code) or {}).get(column.code)
                    label = _cell(f"{grid_row.label}: {column.label}", 20)
                    if column.scale:
                        options = [(o.label, o.code) for o in form.scales[column.scale].options]
                        fields.append(Field(name, label, "select", have, options, "(blank)"))
                    else:
                        fields.append(Field(name, label, "yesno", bool(have)))

            def to_answer(v: dict[str, Any]) -> Any:
                out: dict[str, dict[str, Any]] = {}
                for name, (r_code, c_code) in names.items():
                    if v.get(name):
                        out.setdefault(r_code, {})[c_code] = v[name]
                return out

        elif item.type in (ItemType.CHOICE, ItemType.SCALE_1_10):
            options = [(o.label, o.code) for o in form.options_for(item)]
            fields.append(Field("value", "Answer", "select", current, options, "(not answered)"))

            def to_answer(v: dict[str, Any]) -> Any:
                return v.get("value")

        else:
            fields.append(Field("value", "Answer", "area", current))
            if item.no_answer_option:
                fields.append(Field("no_answer", "No Answer", "yesno", current == "No Answer"))

            def to_answer(v: dict[str, Any]) -> Any:
                if v.get("no_answer"):
                    return "No Answer"
                return v.get("value")

        if item.disclosable:
            fields.append(Field("disclosed", "Disclosed", "yesno", bool(row.get("disclosed"))))
        fields.append(Field("notes", "Notes", value=row.get("notes")))
        return fields, to_answer

    def action_clear(self) -> None:
        item = self._current()
        if item is None:
            return
        row = self.answers.get(item.code)
        if not row or row["value"] in (None, ""):
            self.notify("No answer to clear.", markup=False)
            return
        self.call_service(
            lambda: assessment.answer_item(
                self.site,
                self.person_id,
                item.code,
                value=None,
                # Clearing the answer keeps what else was recorded against the item.
                notes=row["notes"],
                disclosed=None if row["disclosed"] is None else bool(row["disclosed"]),
                answered_on=self.today,
            ),
            f"Answer to {item_ref(item)} cleared.",
        )
