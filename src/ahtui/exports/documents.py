"""`export_document`: the one way a document is written, from `ahtui export` and from the
app's export screen alike.

Find the person, check the kind and format go together, build the text with the writer for
that kind (myplan.py, assessment.py, ics.py, minutes.py), and write it with files.write_file
(whole or not at all, owner-only, an existing file kept unless the caller says to replace it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..domain.names import document_name
from ..store.people import find_person
from . import assessment, ics, minutes, myplan
from .files import default_filename, write_file
from .kinds import FORMAT_WORDS, KIND_WORDS, check_format, check_meeting


@dataclass(frozen=True)
class Exported:
    path: Path
    kind: str
    fmt: str
    person: str
    count: int | None = None  # meetings written, where that means something

    @property
    def message(self) -> str:
        what = KIND_WORDS[self.kind]
        many = f" ({self.count} meeting{'s' if self.count != 1 else ''})" if self.count else ""
        return f"Wrote {what} for {self.person}{many} as {FORMAT_WORDS[self.fmt]} to {self.path}"


def render(
    site: Any, kind: str, fmt: str, person_id: str, today: date, meeting_id: str | None = None
) -> tuple[str, int | None]:
    """The document's text, and how many meetings it covers (for meetings and minutes)."""
    if kind == "myplan":
        doc = myplan.gather(site, person_id)
        return (
            myplan.to_html(doc, today) if fmt == "html" else myplan.to_markdown(doc, today)
        ), None
    if kind == "assessment":
        doc = assessment.gather(site, person_id)
        if fmt == "html":
            return assessment.to_html(doc, today), None
        return assessment.to_markdown(doc, today), None
    if kind == "meetings":
        events = ics.gather(site, person_id, meeting_id)
        return ics.to_ics(events, site_name=site.name), len(events)
    records = minutes.gather(site, person_id, meeting_id)
    return minutes.to_markdown(records, today), len(records)


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
    person = find_person(site, person_ref)
    text, count = render(site, kind, fmt, person["id"], today, meeting_id)
    suffix = ""
    if meeting_id:
        suffix = "meeting-" + meeting_id[:8]
    name = default_filename(kind, fmt, person, today, suffix)
    if out is None:
        path = Path.cwd() / name
    else:
        path = Path(out).expanduser()
        if path.is_dir():
            path = path / name
    written = write_file(path, text, force=force)
    return Exported(written, kind, fmt, document_name(person), count)
