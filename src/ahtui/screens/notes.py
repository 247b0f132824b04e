"""Case notes (contacts): what kind of contact, when (day and time), who wrote it, where,
fact or opinion, sensitive.

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
from textual.widgets import DataTable

from .. import keymap
from ..domain.enums import ContactType, NoteKind
from ..domain.schedule import note_is_late
from ..errors import AhtuiError
from ..store import notes, people
from ..widgets.form import Field
from ..widgets.shown import Shown
from . import navigation
from .base import fmt_date, label, person_refs
from .record_table import Column, RecordTableScreen


def note_flags(row: Any) -> list[str]:
    flags = []
    if row["sensitive"]:
        flags.append("SENSITIVE")
    contact_on = date.fromisoformat(row["contact_at"][:10])
    recorded_on = date.fromisoformat(row["created_at"][:10])
    if note_is_late(contact_on, recorded_on):
        flags.append("LATE")
    return flags


def when_text(contact_at: str) -> str:
    """The contact's day, and its time when the note has one ("03 Mar 2025 14:30")."""
    return fmt_date(contact_at) + (f" {contact_at[11:16]}" if len(contact_at) > 10 else "")


@navigation.screen("notes")
class NotesScreen(RecordTableScreen[Any]):
    KEY_SCOPES = ("notes",)
    BINDINGS = keymap.bindings("notes")
    HELP_TITLE = "Case notes"
    SHRINK = ("Contact", "By", "Where")
    HEAD_ID = "notes-head"
    TABLE_ID = "notes-table"
    DETAIL_ID = "note-body"
    DETAIL_BY_KEY = True

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id

    def columns(self) -> list[Column]:
        return ["When", "Contact", "By", "Kind", "Flags", "Where"]

    def compose_detail(self) -> ComposeResult:
        with VerticalScroll(id="note-body-box"):
            yield Shown("", id="note-body")

    def load_rows(self) -> list[Any]:
        # Newest contact first; the id settles notes of the same minute.
        return sorted(
            notes.notes_for(self.site, self.person_id),
            key=lambda r: (r["contact_at"], r["id"]),
            reverse=True,
        )

    def heading(self) -> str:
        person = people.get_person(self.site, self.person_id)
        late = sum(1 for r in self.rows if "LATE" in note_flags(r))
        return f"{person_refs(person)}\nCase notes: {len(self.rows)}, {late} recorded LATE"

    def cells(self, r: Any) -> list[str]:
        return [
            when_text(r["contact_at"]),
            label(ContactType, r["contact_type"]),
            r["author_name"] or "",
            r["kind"],
            " ".join(note_flags(r)),
            r["location"] or "",
        ]

    def empty_detail(self) -> str:
        return "No case notes yet: n writes one."

    def detail(self, r: Any) -> str:
        head = [label(ContactType, r["contact_type"]), when_text(r["contact_at"])]
        head.append(f"by {r['author_name']}" if r["author_name"] else "writer not known")
        head.append(r["kind"].upper())
        if r["location"]:
            head.append(r["location"])
        # The recording date stays out: LATE already says what matters about it.
        head += note_flags(r)
        return " · ".join(head) + "\n" + r["body"]

    def action_toggle_sensitive(self) -> None:
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
        def opts(enum: Any) -> list[tuple[str, str]]:
            return [(e.label(), e.value) for e in enum]

        def submit(v: dict[str, Any]) -> str:
            v = dict(v)
            v["contact_at"] = notes.contact_at(v["contact_at"], v.pop("contact_time", None))
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
                    "Day",
                    "date",
                    self.today.isoformat(),
                    placeholder="YYYY-MM-DD",
                    required=True,
                ),
                Field(
                    "contact_time",
                    "Time",
                    "time",
                    self.time_now(),
                    placeholder="HH:MM, e.g. 14:30",
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
