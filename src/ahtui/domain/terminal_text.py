"""Text made safe to show on a terminal, and the characters a name may not hold.

Stored text comes from practitioners and, by sync, from other sites. A terminal obeys control
characters: ESC starts sequences that set the title, clear the screen or hide text; CR and a
line break let a value forge a row of output; the bidirectional overrides reorder what is shown
(a fingerprint, a file name). So every stored value shown on a terminal goes through
`for_terminal`, which shows each such character as a visible escape (`\\x1b`, `\\u202e`)
instead of sending it, and single-line inputs refuse them (`control_characters`).
"""

from __future__ import annotations

import re

# C0 controls (NUL to US, so tab, line feed and carriage return too), DEL, the C1 controls
# (which some terminals obey like ESC sequences), and the bidirectional marks, embeddings,
# overrides and isolates of Unicode (UAX #9).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_BUT_LINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: object, *, lines: bool = False) -> str:
    """`text` with every control and bidi character shown as a visible escape.

    With `lines`, line breaks are kept (for a message of several lines built by the program);
    without, they are escaped too, so one stored value always stays on one line.
    """
    pattern = _UNSAFE_BUT_LINES if lines else _UNSAFE
    return pattern.sub(_escape, str(text))


def control_characters(text: str, *, lines: bool = False) -> list[str]:
    """The control and bidi characters in `text`, as visible escapes (empty if none).

    With `lines`, line breaks and tabs are allowed (a note of several paragraphs).
    """
    pattern = _UNSAFE_BUT_LINES if lines else _UNSAFE
    found = [_escape(m) for m in pattern.finditer(text)]
    if lines:
        found = [f for f in found if f != "\\x09"]
    return sorted(set(found))
