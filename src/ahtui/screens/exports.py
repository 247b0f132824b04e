"""Exports for one person: My Plan, the Combined Assessment, meetings (.ics) and minutes.

A list of what can be written, each in its format: My Plan and the assessment as Markdown or
printable HTML, the meetings as a calendar file, the minutes of every held meeting or of one.
Enter asks where to save it (a suggested name in the exports folder, under the ahtui data
folder) and whether to replace a file already there; the file is written whole by
`exports.documents.export_document`, the same code as `ahtui export`, and the screen says where
it went. Nothing here writes SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Static

from .. import keymap
from ..config import data_dir
from ..errors import AhtuiError, ValidationFailed
from ..exports.documents import export_document
from ..exports.files import default_filename
from ..exports.ics import meeting_title
from ..exports.kinds import FORMAT_WORDS, NOT_ENCRYPTED
from ..store import meetings, people
from ..widgets.form import Field
from ..widgets.shown import Shown, ShownTable
from . import navigation
from .base import SiteScreen, fmt_date, person_refs


@dataclass(frozen=True)
class Choice:
    kind: str
    fmt: str
    meeting_id: str | None
    label: str

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.fmt, self.meeting_id)


def export_folder() -> Path:
    return data_dir() / "exports"


@navigation.screen("exports")
class ExportScreen(SiteScreen):
    KEY_SCOPES = ("exports",)
    BINDINGS = keymap.bindings("exports")
    HELP_TITLE = "Exports"
    DEFAULT_CSS = """
    #exports-table { height: 1fr; }
    #exports-status { height: auto; padding: 0 1; text-style: bold; }
    """

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.choices: list[Choice] = []
        self.person: Any = None

    def compose(self) -> ComposeResult:
        yield Shown("", id="exports-head", classes="screen-head")
        table: DataTable[str] = ShownTable(id="exports-table", cursor_type="row")
        table.add_columns("Document", "Format")
        yield table
        yield Shown("", id="exports-detail", classes="detail")
        yield Shown("", id="exports-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        self.person = people.get_person(self.site, self.person_id)
        rows = meetings.meetings_for(self.site, self.person_id)
        live = [r for r in rows if r["status"] != "cancelled"]
        held = [r for r in rows if r["status"] == "held"]
        choices = [
            Choice("myplan", "html", None, "My Plan"),
            Choice("myplan", "md", None, "My Plan"),
            Choice("assessment", "html", None, "Assessment, for OASys and Pathway Plan"),
            Choice("assessment", "md", None, "Assessment, for OASys and Pathway Plan"),
        ]
        if live:
            choices.append(Choice("meetings", "ics", None, f"Meetings ({len(live)})"))
        if held:
            choices.append(Choice("minutes", "md", None, f"Minutes of all held ({len(held)})"))
        for r in reversed(held):
            title = meeting_title(r["meeting_type"]).replace("Joined-up ", "")
            when = fmt_date(r["held_on"] or r["scheduled_at"])
            choices.append(Choice("minutes", "md", r["id"], f"Minutes: {title}, {when}"))
        self.choices = choices
        head = f"{person_refs(self.person)}\nExport: Enter writes the highlighted document"
        self.query_one("#exports-head", Static).update(head)
        table = self.query_one(DataTable)
        current = table.cursor_row
        table.clear()
        for c in choices:
            table.add_row(c.label, FORMAT_WORDS[c.fmt], key="|".join(map(str, c.key)))
        if choices:
            table.move_cursor(row=min(max(current, 0), len(choices) - 1))
        self._describe()

    def suggested(self, choice: Choice) -> Path:
        suffix = f"meeting-{choice.meeting_id[:8]}" if choice.meeting_id else ""
        name = default_filename(choice.kind, choice.fmt, self.person, self.today, suffix)
        return export_folder() / name

    @property
    def current(self) -> Choice | None:
        table = self.query_one(DataTable)
        if not self.choices or not 0 <= table.cursor_row < len(self.choices):
            return None
        return self.choices[table.cursor_row]

    def select(self, key: tuple[str, str, str | None]) -> None:
        """Highlight the choice with this (kind, format, meeting id)."""
        for n, c in enumerate(self.choices):
            if c.key == key:
                self.query_one(DataTable).move_cursor(row=n)
                return
        raise KeyError(key)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe()

    def _describe(self) -> None:
        c = self.current
        what = {
            "myplan": "About Me, the Wheel of Life with dated scores, goals with steps, who "
            "helps and target dates, support, progress and when it was agreed.",
            "assessment": "Part 1 by OASys section (for the POM or PP), part 2 by Pathway Plan "
            "area (for the PA); unanswered questions say so.",
            "meetings": "Every scheduled and held meeting as a calendar event; importing it "
            "again updates the same events.",
            "minutes": "Attendance, the agenda with notes and outcomes, and the actions agreed "
            "with who is responsible and when.",
        }
        if c is None:
            return
        fmt = FORMAT_WORDS[c.fmt]
        text = f"{fmt[0].upper()}{fmt[1:]}. {what[c.kind]}\nSuggested: {self.suggested(c)}"
        self.query_one("#exports-detail", Static).update(text)

    # -- keys ----------------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter on the list arrives here (the table keeps Enter for itself).
        event.stop()
        self.action_export()

    def action_quick(self, kind: str, fmt: str) -> None:
        try:
            self.select((kind, fmt, None))
        except KeyError:
            self.notify("There is nothing of that kind to export for this person.", markup=False)
            return
        self.action_export()

    def action_export(self) -> None:
        choice = self.current
        if choice is None:
            return
        person_id = self.person_id
        today = self.today

        def submit(v: dict[str, Any]) -> str:
            path = Path(v["path"]).expanduser()
            try:
                done = export_document(
                    self.site,
                    choice.kind,
                    person_id,
                    fmt=choice.fmt,
                    out=path,
                    force=bool(v["replace"]),
                    meeting_id=choice.meeting_id,
                    today=today,
                )
            except AhtuiError as exc:
                if str(path) in exc.message:
                    raise ValidationFailed({"path": exc.message}) from None
                raise
            return done.message

        self.open_form(
            f"Export {choice.label} as {FORMAT_WORDS[choice.fmt]}",
            [
                Field("path", "Save to", value=str(self.suggested(choice)), required=True),
                Field("replace", "Replace if there", "yesno", False),
            ],
            submit,
            intro=NOT_ENCRYPTED,
            done=self._written,
        )

    def _written(self, message: Any) -> None:
        self.query_one("#exports-status", Static).update(str(message))
        self.notify(str(message), title="Exported", markup=False)
