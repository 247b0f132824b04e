"""The `ahtui export ...` command, and what every document export shares.

`export_document` is the one way a document is written, from the CLI and from the app's export
screen alike: find the person, check the kind and format go together, build the text with the
writer for that kind (myplan.py, assessment.py, ics.py, minutes.py), and write it safely: to a
temporary file in the same folder, then renamed into place, so a reader never sees half a file;
an existing file is kept unless the caller says to replace it. Files are created readable by
their owner only: they hold a person's records outside the encrypted site.

Also here: the small document basics the writers share (dates in words, Markdown and HTML
escaping, the printable page). Nothing here imports Textual.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..domain.dates import fmt_date as fmt_date
from ..errors import EXIT_OK, AhtuiError, BadInput

# kind -> the formats it can be written in; the first is the default.
KINDS: dict[str, tuple[str, ...]] = {
    "myplan": ("md", "html"),
    "assessment": ("md", "html"),
    "meetings": ("ics",),
    "minutes": ("md",),
}
KIND_WORDS = {
    "myplan": "My Plan",
    "assessment": "the Combined Assessment",
    "meetings": "the meetings calendar",
    "minutes": "meeting minutes",
}
FORMAT_WORDS = {"md": "Markdown", "html": "printable HTML", "ics": "calendar (.ics)"}
NOT_ENCRYPTED = "The file is not encrypted: keep it where your agency's rules allow."


# -- document basics -------------------------------------------------------------------------


def fmt_when(value: str | None) -> str:
    """A stored date-time ("2025-03-03T10:00") as "03 Mar 2025 10:00"."""
    if not value:
        return ""
    day = fmt_date(value)
    return f"{day} {value[11:16]}" if len(value) >= 16 else day


def person_name(person: Any) -> str:
    """The name to head a document with: the name the person goes by, then the family name."""
    return f"{person['preferred_name'] or person['given_name']} {person['family_name']}"


def person_refs(person: Any) -> str:
    """CRN, NOMIS number and date of birth, as available."""
    parts = []
    if person["crn"]:
        parts.append(f"CRN {person['crn']}")
    if person["nomis_number"]:
        parts.append(f"NOMIS {person['nomis_number']}")
    if person["date_of_birth"]:
        parts.append(f"born {fmt_date(person['date_of_birth'])}")
    return " · ".join(parts)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+)([.)]?)(\s|$)", re.MULTILINE)


def md(text: Any) -> str:
    """User text made literal in Markdown: no accidental emphasis, links, tables or HTML."""
    if text is None:
        return ""
    out = _MD_SPECIAL.sub(r"\\\1", str(text).replace("\r\n", "\n").strip())
    # A line that starts like a list or a quote stays plain text.
    return _MD_LINE_START.sub(_escape_marker, out)


def _escape_marker(m: re.Match[str]) -> str:
    lead, mark, dot, space = m.groups()
    if mark.isdigit():
        # "1." starts a numbered list; "1\." does not. A bare number is plain text.
        return f"{lead}{mark}\\{dot}{space}" if dot else m.group(0)
    return f"{lead}\\{mark}{dot}{space}"


def md_block(text: Any, indent: str = "") -> str:
    """Several lines of user text as one Markdown paragraph block, line breaks kept."""
    lines = md(text).split("\n")
    return "\n".join(
        f"{indent}{line}" + ("  " if i < len(lines) - 1 else "") for i, line in enumerate(lines)
    )


def md_cell(text: Any) -> str:
    """User text for one Markdown table cell: on one line."""
    return " ".join(md(text).split()) or " "


def h(text: Any) -> str:
    """User text made literal in HTML (quotes too, so it is safe in attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def h_block(text: Any) -> str:
    """Several lines of user text as HTML, line breaks kept."""
    return "<br>\n".join(h(line) for line in str(text or "").strip().splitlines())


PRINT_CSS = """
:root { color: #111; background: #fff; }
body { font-family: Georgia, "Times New Roman", serif; line-height: 1.45; max-width: 48em;
  margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.3em; border-bottom: 1px solid #444; margin-top: 1.6em; }
h3 { font-size: 1.1em; margin-top: 1.2em; }
.refs, .meta { margin: .2em 0; }
table { border-collapse: collapse; width: 100%; margin: .6em 0; }
th, td { border: 1px solid #666; padding: .25em .45em; text-align: left; vertical-align: top; }
th { background: #eee; }
.note { font-style: italic; }
.status { font-weight: bold; text-transform: uppercase; letter-spacing: .03em; }
svg text { font-family: Arial, Helvetica, sans-serif; font-size: 13px; }
footer { margin-top: 2em; border-top: 1px solid #999; font-size: .9em; }
@page { size: A4; margin: 18mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 11pt; }
  h2, h3 { break-after: avoid; }
  tr, .goal, svg, li { break-inside: avoid; }
  th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def html_page(title: str, body: str) -> str:
    """A complete, self-contained HTML document: no scripts, no outside files."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="ahtui">\n'
        f"<title>{h(title)}</title>\n<style>{PRINT_CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


# -- writing files ---------------------------------------------------------------------------


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "person"


def default_filename(kind: str, fmt: str, person: Any, today: date, suffix: str = "") -> str:
    """e.g. myplan-x100022-2025-03-03.html: the person's reference, never their name."""
    ref = slug(person["crn"] or person["nomis_number"] or person["id"][:8])
    extra = f"-{slug(suffix)}" if suffix else ""
    return f"{kind}-{ref}{extra}-{today.isoformat()}.{fmt}"


def _exists(path: Path) -> BadInput:
    return BadInput(f"{path} already exists: choose another name, or replace it (--force).")


def write_file(path: Path, data: str | bytes, *, force: bool = False) -> Path:
    """Write all of `data` to `path` or nothing: a temporary file renamed into place.

    Refuses (BadInput) when `path` exists and `force` is false; other failures are AhtuiError
    (exit 1) with the system's reason. The temporary file never outlives a failure.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise BadInput(f"{path} is a folder: give a file name to write to.")
    if path.exists() and not force:
        raise _exists(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp makes the file readable by its owner only.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
        elif not _place_new(tmp, path):
            raise _exists(path)
        tmp = None
    except OSError as exc:
        raise AhtuiError(f"Could not write {path}: {exc.strerror or exc}.") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return path


def _place_new(tmp: str, path: Path) -> bool:
    """Move `tmp` to `path` unless something is there already; False if it was."""
    # A hard link never replaces an existing file, even one made a moment ago by someone else.
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError:
        # Some file systems have no hard links: check, then rename.
        if path.exists():
            return False
        os.replace(tmp, path)
        return True
    os.unlink(tmp)
    return True


# -- one export ------------------------------------------------------------------------------


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


def check_format(kind: str, fmt: str | None) -> str:
    """The format to use; BadInput in plain words when the kind cannot be written that way."""
    if kind not in KINDS:
        raise BadInput(f"Export what? Choose one of {', '.join(KINDS)} (got {kind!r}).")
    allowed = KINDS[kind]
    if fmt is None:
        return allowed[0]
    if fmt not in allowed:
        words = " or ".join(allowed)
        what = KIND_WORDS[kind]
        raise BadInput(f"{what[0].upper()}{what[1:]} can be written as {words}, not {fmt}.")
    return fmt


def render(
    site: Any, kind: str, fmt: str, person_id: str, today: date, meeting_id: str | None = None
) -> tuple[str, int | None]:
    """The document's text, and how many meetings it covers (for meetings and minutes)."""
    if kind == "myplan":
        from . import myplan

        doc = myplan.gather(site, person_id)
        return (
            myplan.to_html(doc, today) if fmt == "html" else myplan.to_markdown(doc, today)
        ), None
    if kind == "assessment":
        from . import assessment

        doc = assessment.gather(site, person_id)
        if fmt == "html":
            return assessment.to_html(doc, today), None
        return assessment.to_markdown(doc, today), None
    if kind == "meetings":
        from . import ics

        events = ics.gather(site, person_id, meeting_id)
        return ics.to_ics(events, site_name=site.name), len(events)
    from . import minutes

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
    from ..store.people import find_person

    fmt = check_format(kind, fmt)
    if meeting_id and kind not in ("meetings", "minutes"):
        raise BadInput("--meeting is for meetings and minutes only.")
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
    return Exported(written, kind, fmt, person_name(person), count)


# -- the command -----------------------------------------------------------------------------


def register(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add `export` to the CLI's subcommands."""
    p = sub.add_parser(
        "export",
        help="write My Plan, the assessment, meetings (.ics) or minutes to a file",
        description="Write a person's My Plan (md, html), Combined Assessment grouped for OASys "
        "and for the Pathway Plan (md, html), meetings as a calendar (ics) or the minutes of "
        "held meetings with their actions (md). The file is written whole or not at all, and "
        "an existing file is kept unless --force is given.",
    )
    common(p)
    p.add_argument("kind", choices=tuple(KINDS), help="what to write")
    p.add_argument(
        "--person", required=True, metavar="ID_OR_CRN", help="the person: id, CRN or NOMIS number"
    )
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("md", "html", "ics"),
        help="md or html for myplan and assessment; ics for meetings; md for minutes "
        "(default: the first of these)",
    )
    p.add_argument(
        "--out",
        metavar="PATH",
        help="the file to write, or a folder for the default name (default: the current folder)",
    )
    p.add_argument(
        "--meeting", metavar="ID", help="one meeting only (meetings and minutes; default: all)"
    )
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from ..cli import _open

    # Bad combinations are refused before the passphrase is asked for.
    check_format(args.kind, args.fmt)
    if args.meeting and args.kind not in ("meetings", "minutes"):
        raise BadInput("--meeting is for meetings and minutes only.")
    site = _open(args)
    try:
        done = export_document(
            site,
            args.kind,
            args.person,
            fmt=args.fmt,
            out=args.out,
            force=args.force,
            meeting_id=args.meeting,
        )
    finally:
        site.close()
    print(done.message, flush=True)
    print(NOT_ENCRYPTED, file=sys.stderr, flush=True)
    return EXIT_OK
