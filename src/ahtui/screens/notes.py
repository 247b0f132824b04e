"""Case notes (contacts): what kind of contact, when, where, fact or opinion, sensitive.

A note written down more than one working day after the contact is flagged LATE (National
Standard 1.1, `schedule.note_is_late`); sensitive notes are flagged SENSITIVE. Both are words
in the Flags column and in the full note below the list, never colour alone. `s` marks the
highlighted note sensitive or clears the mark (only the agency that wrote it may).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from .. import keymap
from .base import SiteScreen, fmt_date, label, person_refs


def note_flags(row: Any) -> list[str]:
    from ..domain.schedule import note_is_late

    flags = []
    if row["sensitive"]:
        flags.append("SENSITIVE")
    contact_on = date.fromisoformat(row["contact_at"][:10])
    recorded_on = date.fromisoformat(row["created_at"][:10])
    if note_is_late(contact_on, recorded_on):
        flags.append("LATE")
    return flags


class NotesScreen(SiteScreen):
    KEY_SCOPES = ("notes",)
    BINDINGS = keymap.bindings("notes")
    HELP_TITLE = "Case notes"

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="notes-head", classes="screen-head", markup=False)
        table: DataTable[str] = DataTable(id="notes-table", cursor_type="row")
        table.add_columns("When", "Contact", "Kind", "Flags", "Where")
        yield table
        with VerticalScroll(id="note-body-box"):
            yield Static("", id="note-body", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        from ..domain.enums import ContactType
        from ..store import notes, people

        person = people.get_person(self.site, self.person_id)
        # Newest contact first; the id settles notes of the same minute.
        self.rows = sorted(
            notes.notes_for(self.site, self.person_id),
            key=lambda r: (r["contact_at"], r["id"]),
            reverse=True,
        )
        late = sum(1 for r in self.rows if "LATE" in note_flags(r))
        self.query_one("#notes-head", Static).update(
            f"{person_refs(person)}\nCase notes: {len(self.rows)}, {late} recorded LATE"
        )
        table = self.query_one(DataTable)
        table.clear()
        for r in self.rows:
            when = fmt_date(r["contact_at"]) + (
                f" {r['contact_at'][11:16]}" if len(r["contact_at"]) > 10 else ""
            )
            table.add_row(
                when,
                label(ContactType, r["contact_type"]),
                r["kind"],
                " ".join(note_flags(r)),
                (r["location"] or "")[:20],
                key=r["id"],
            )
        if not self.rows:
            self.query_one("#note-body", Static).update("No case notes yet: n writes one.")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        from ..domain.enums import ContactType

        r = next((r for r in self.rows if r["id"] == event.row_key.value), None)
        if r is None:
            return
        head = [label(ContactType, r["contact_type"]), fmt_date(r["contact_at"]), r["kind"].upper()]
        if r["location"]:
            head.append(r["location"])
        # The recording date stays out: LATE already says what matters about it.
        head += note_flags(r)
        self.query_one("#note-body", Static).update(" · ".join(head) + "\n" + r["body"])

    def action_toggle_sensitive(self) -> None:
        from ..errors import AhtuiError
        from ..store import notes

        table = self.query_one(DataTable)
        if not self.rows:
            self.notify("No note to mark: n writes one.", markup=False)
            return
        r = self.rows[table.cursor_row]
        try:
            notes.set_sensitive(self.site, r["id"], not r["sensitive"])
        except AhtuiError as exc:
            self.notify(exc.message, severity="warning", markup=False)
            return
        row = table.cursor_row
        self.reload()
        table.move_cursor(row=row)
        self.notify(
            "Marked SENSITIVE: other agencies' sites no longer receive this note, and give up "
            "their copies."
            if not r["sensitive"]
            else "Mark cleared: the note is shared again with the team's sites.",
            markup=False,
        )

    def action_add(self) -> None:
        from ..domain.enums import ContactType, NoteKind
        from ..store import notes
        from ..widgets.form import Field

        def opts(enum: Any) -> list[tuple[str, str]]:
            return [(e.label(), e.value) for e in enum]

        def submit(v: dict[str, Any]) -> str:
            return notes.add_note(
                self.site, self.person_id, {k: x for k, x in v.items() if x is not None}
            )

        self.open_form(
            "New case note",
            [
                Field(
                    "contact_type", "Contact type", "select", None, opts(ContactType), required=True
                ),
                Field(
                    "contact_at",
                    "When",
                    "date",
                    self.today.isoformat(),
                    placeholder="YYYY-MM-DD or YYYY-MM-DDTHH:MM",
                    required=True,
                ),
                Field("location", "Where"),
                Field("kind", "Fact or opinion", "select", "fact", opts(NoteKind), required=True),
                Field("sensitive", "Sensitive", "yesno", False),
                Field("body", "Note", "area", required=True),
            ],
            submit,
            intro="Record within one working day of the contact; later notes are flagged LATE.",
            done=lambda _r: self.notify("Note saved.", markup=False),
        )
