"""How a document says things: dates and references in words, user text made literal in
Markdown and in HTML, and the printable HTML page the writers wrap their body in.

Shared by every document writer (myplan.py, assessment.py, ics.py, minutes.py).
"""

from __future__ import annotations

import html
import re
from typing import Any

from ..domain.dates import fmt_date


def fmt_when(value: str | None) -> str:
    """A stored date-time ("2025-03-03T10:00") as "03 Mar 2025 10:00"."""
    if not value:
        return ""
    day = fmt_date(value)
    return f"{day} {value[11:16]}" if len(value) >= 16 else day


_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def dates_in_words(text: Any) -> str:
    """Free text with any ISO date in it ("2027-01-10") written as people write dates
    ("10 Jan 2027"); what only looks like a date stays as it is."""
    return _ISO_DAY.sub(lambda m: fmt_date(m.group(1)), "" if text is None else str(text))


def marking_html(marking: str) -> str:
    """The protective marking as a block for the top or bottom of a printed document."""
    return f'<p class="marking">{escape_html(marking)}</p>'


def css_string(text: Any) -> str:
    """User text as a quoted CSS string, safe inside a <style> element."""
    out = []
    for ch in "" if text is None else str(text):
        if ch in '\\"<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def running_header_css(marking: str, name: str, refs: str) -> str:
    """CSS `@page` margin boxes: marking, name and references at the top of every printed
    page, the marking again at the bottom with the page number."""
    top = " · ".join(w for w in (marking, name, refs) if w)
    return (
        f"@page {{ @top-center {{ content: {css_string(top)}; font-size: 9pt; }}\n"
        f"  @bottom-center {{ content: {css_string(marking + ' · page ')} counter(page); "
        "font-size: 9pt; } }\n"
    )


def legal_name(person: Any) -> str:
    """The name on the person's legal record: given and family name, never a preferred name."""
    return f"{person['given_name']} {person['family_name']}"


def person_refs(person: Any, *, born: bool = True) -> str:
    """CRN, NOMIS number and (unless `born` is false) date of birth, as available."""
    parts = []
    if person["crn"]:
        parts.append(f"CRN {person['crn']}")
    if person["nomis_number"]:
        parts.append(f"NOMIS {person['nomis_number']}")
    if born and person["date_of_birth"]:
        parts.append(f"born {fmt_date(person['date_of_birth'])}")
    return " · ".join(parts)


# -- Markdown --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+)([.)]?)(\s|$)", re.MULTILINE)


def escape_markdown(text: Any) -> str:
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


def markdown_block(text: Any, indent: str = "") -> str:
    """Several lines of user text as one Markdown paragraph block, line breaks kept."""
    lines = escape_markdown(text).split("\n")
    return "\n".join(
        f"{indent}{line}" + ("  " if i < len(lines) - 1 else "") for i, line in enumerate(lines)
    )


def markdown_cell(text: Any) -> str:
    """User text for one Markdown table cell: on one line."""
    return " ".join(escape_markdown(text).split()) or " "


# -- HTML ------------------------------------------------------------------------------------


def escape_html(text: Any) -> str:
    """User text made literal in HTML (quotes too, so it is safe in attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def html_lines(text: Any) -> str:
    """Several lines of user text as HTML, line breaks kept."""
    return "<br>\n".join(escape_html(line) for line in str(text or "").strip().splitlines())


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
.marking { font-family: Arial, Helvetica, sans-serif; font-weight: bold; text-align: center;
  letter-spacing: .08em; margin: .3em 0; }
@page { size: A4; margin: 18mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 11pt; }
  h2, h3 { break-after: avoid; }
  tr, .goal, svg, li { break-inside: avoid; }
  th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def html_page(title: str, body: str, extra_css: str = "") -> str:
    """A complete, self-contained HTML document: no scripts, no outside files."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="ahtui">\n'
        f"<title>{escape_html(title)}</title>\n<style>{PRINT_CSS}{extra_css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
