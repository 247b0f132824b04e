"""The documents that can be exported, the formats each can be written in, and their names in
words; refusing a kind, format or meeting that do not go together, before any work is done.

Light on purpose: the CLI's parser takes its choices from here without loading the writers.
"""

from __future__ import annotations

from ..errors import BadInput

# kind -> the formats it can be written in; the first is the default.
KINDS: dict[str, tuple[str, ...]] = {
    "myplan": ("md", "html"),
    "assessment": ("md", "html"),
    "meetings": ("ics",),
    "minutes": ("md",),
    "actions": ("csv",),
}
KIND_WORDS = {
    "myplan": "My Plan",
    "assessment": "the Combined Assessment",
    "meetings": "the meetings calendar",
    "minutes": "meeting minutes",
    "actions": "the Team Actions Log",
}
FORMAT_WORDS = {
    "md": "Markdown",
    "html": "printable HTML",
    "ics": "calendar (.ics)",
    "csv": "CSV",
}
NOT_ENCRYPTED = "The file is not encrypted: keep it where your agency's rules allow."


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


def check_meeting(kind: str, meeting_id: str | None) -> None:
    """BadInput unless a single meeting is asked for only where it means something."""
    if meeting_id and kind not in ("meetings", "minutes"):
        raise BadInput("--meeting is for meetings and minutes only.")
