"""`export_document`: the one way a document is written, from `ahtui export` and from the
app's export screen alike.

Find the person, check the kind and format go together, build the text with the writer for
that kind (myplan.py, assessment.py, ics.py, minutes.py), and write it with files.write_file
(whole or not at all, owner-only, an existing file kept unless the caller says to replace it).
`export_actions` writes the Team Actions Log as CSV (actions_csv.py) the same way, for one
person or for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..config import load_settings
from ..domain.names import document_name, listed_name
from ..store import actions
from ..store.people import find_person
from . import assessment, ics, minutes, myplan
from .actions_csv import actions_csv, actions_filename
from .files import default_filename, write_file
from .kinds import FORMAT_WORDS, KIND_WORDS, check_format, check_meeting


@dataclass(frozen=True)
class Exported:
    path: Path
    kind: str
    fmt: str
    person: str
    count: int | None = None  # meetings (or actions) written, where that means something

    @property
    def message(self) -> str:
        what = KIND_WORDS[self.kind]
        unit = "action" if self.kind == "actions" else "meeting"
        many = f" ({self.count} {unit}{'s' if self.count != 1 else ''})" if self.count else ""
        return f"Wrote {what} for {self.person}{many} as {FORMAT_WORDS[self.fmt]} to {self.path}"


def render(
    site: Any, kind: str, fmt: str, person_id: str, today: date, meeting_id: str | None = None
) -> tuple[str, int | None]:
    """The document's text, and how many meetings it covers (for meetings and minutes).

    The protective marking and whether calendars carry full names come from the settings."""
    settings = load_settings()
    marking = settings.protective_marking
    if kind == "myplan":
        doc = myplan.gather(site, person_id)
        if fmt == "html":
            return myplan.to_html(doc, today, marking=marking), None
        return myplan.to_markdown(doc, today, marking=marking), None
    if kind == "assessment":
        doc = assessment.gather(site, person_id)
        if fmt == "html":
            return assessment.to_html(doc, today, marking=marking), None
        return assessment.to_markdown(doc, today, marking=marking), None
    if kind == "meetings":
        events = ics.gather(site, person_id, meeting_id)
        text = ics.to_ics(events, site_name=site.name, full_names=settings.calendar_full_names)
        return text, len(events)
    records = minutes.gather(site, person_id, meeting_id)
    return minutes.to_markdown(records, today, marking=marking), len(records)


def export_document(
    site: Any,
    kind: str,
    person_ref: str,
    *,
    fmt: str | None = None,
    out: Path | str | None = None,
    force: bool = False,
    meeting_id: str | None = None,
    today: date | None = None,
) -> Exported:
    """Write one export for a person (by id, CRN or NOMIS number); returns where it went.

    `out` may be a file, a folder (the default file name goes in it) or None (the current
    folder).
    """
    fmt = check_format(kind, fmt)
    check_meeting(kind, meeting_id)
    today = today or date.today()
    if kind == "actions":
        return export_actions(site, person_ref, out=out, force=force, today=today)
    person = find_person(site, person_ref)
    text, count = render(site, kind, fmt, person["id"], today, meeting_id)
    suffix = ""
    if meeting_id:
        suffix = "meeting-" + meeting_id[:8]
    name = default_filename(kind, fmt, person, today, suffix)
    written = write_file(_target(out, name), text, force=force)
    return Exported(written, kind, fmt, document_name(person), count)


def export_actions(
    site: Any,
    person_ref: str | None,
    *,
    out: Path | str | None = None,
    force: bool = False,
    today: date | None = None,
) -> Exported:
    """Write the Team Actions Log as CSV: one person's (by id, CRN or NOMIS number), or
    everyone's when `person_ref` is None. `out` as for `export_document`."""
    today = today or date.today()
    if person_ref is None:
        text, count = actions_csv(actions.every_action(site), today)
        name, who = actions_filename(None, "all", today), "everyone"
    else:
        person = find_person(site, person_ref)
        ref = {
            "name": listed_name(person),
            "crn": person["crn"],
            "nomis_number": person["nomis_number"],
        }
        text, count = actions_csv(actions.actions_for(site, person["id"]), today, person=ref)
        name, who = actions_filename(person, "", today), document_name(person)
    written = write_file(_target(out, name), text, force=force)
    return Exported(written, "actions", "csv", who, count)


def _target(out: Path | str | None, name: str) -> Path:
    """`out` as a file, or `name` in the folder `out` is (the current folder when None)."""
    if out is None:
        return Path.cwd() / name
    path = Path(out).expanduser()
    return path / name if path.is_dir() else path
