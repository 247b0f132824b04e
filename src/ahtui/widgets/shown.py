"""Stored text drawn by the app's widgets, made safe: never markup, never a raw control.

Textual and Rich pass most control characters straight to the terminal: their text classes
drop only BEL, BS, VT, FF and CR, so ESC (an unfinished title-setting sequence then swallows
the screen), NUL, DEL, the C1 controls and the bidi overrides reach it raw, each counted as
zero cells wide. They also read markup in plain strings: a DataTable cell, a Rich table cell,
a Select option, a border title or a notification given "[bold red]x" draws it red, and
"[/]" raises an error that closes the screen. So stored text reaches a widget only through here:

- `Shown` (a Static) and `ShownTable` (a DataTable) are what screens draw with: neither reads
  markup, and every string, Rich `Text` and Rich table cell they are given has its control and
  bidi characters shown as visible escapes (`domain.terminal_text.for_terminal`).
- `one_line` is for a stored value inside a line a screen builds (a name in a heading), so a
  line break in it cannot forge a line; `plain` for a title or a choice's label.
- `ControlFilter` is the net under all of it: the app draws every line through it, and it
  drops any control character a widget still holds (an input being edited, Textual's own
  widgets), so none reaches the terminal whatever a screen forgets.

Scrollbars are drawn here too (`WholeCellScrollBar`, which the app sets for every
scrollbar it draws), in whole cells of █ a reader sees without colour.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.console import Group, RenderableType
from rich.segment import Segment, Segments
from rich.style import Style
from rich.table import Table
from rich.text import Span, Text, TextType
from textual.color import Color
from textual.content import Content
from textual.events import Resize
from textual.filter import LineFilter
from textual.geometry import Size
from textual.scrollbar import ScrollBarRender
from textual.widgets import DataTable, Static
from textual.widgets.data_table import RowKey

from ..domain.terminal_text import for_terminal

# What for_terminal escapes (C0 with tab and line feed, DEL, C1, the bidi marks), to find it
# fast; tests/test_hostile_text.py checks the two agree on every character.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
# In text of several lines, line breaks and tabs stay: Textual lays them out itself.
_UNSAFE_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
# What a cell shows as one space: the breaks and tabs of a long text (a note, a goal).
_BREAKS = re.compile(r"[\t\n]+")


def one_line(value: object) -> str:
    """A stored value for one line: every control, line breaks too, as a visible escape."""
    text = "" if value is None else str(value)
    # Most text holds none: the caseload list asks for every cell of every line it draws.
    return for_terminal(text) if _UNSAFE.search(text) else text


def lines(value: object) -> str:
    """Stored text of several lines (a note): breaks and tabs kept, other controls escaped."""
    text = "" if value is None else str(value)
    if not _UNSAFE_IN_LINES.search(text):
        return text
    text = text.replace("\r\n", "\n")
    return "\t".join(for_terminal(part, lines=True) for part in text.split("\t"))


def cell(value: object) -> str:
    """A stored value for a table cell: breaks and tabs as a space, other controls escaped."""
    text = str(value)
    if not _UNSAFE.search(text):
        return text
    return for_terminal(_BREAKS.sub(" ", text.replace("\r\n", "\n")))


def clip(value: object, width: int) -> str:
    """A stored value on one line at most `width` cells, a cut marked with "…" (a choice's label)."""
    text = one_line(value)
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"


def plain(value: object) -> Text:
    """One line a widget would otherwise read as markup (a border title, a choice's label)."""
    return Text(one_line(value))


def _escape_text(text: Text, *, multiline: bool) -> Text:
    """A copy of `text` with its control characters escaped, each piece keeping its styles."""
    pattern = _UNSAFE_IN_LINES if multiline else _UNSAFE
    found = list(pattern.finditer(text.plain))
    if not found:
        return text
    out = text.blank_copy()
    start = 0
    for match in found:
        out.append_text(text[start : match.start()])
        bad = text[match.start() : match.end()]
        shown = for_terminal(bad.plain)
        out.append_text(
            Text(shown, spans=[Span(0, len(shown), s.style) for s in bad.spans], style=bad.style)
        )
        start = match.end()
    out.append_text(text[start:])
    return out


def _safe_cell(renderable: Any) -> Any:
    # A Rich table reads markup in a plain string cell; a Text does not.
    if isinstance(renderable, str):
        return Text(lines(renderable))
    return safe(renderable)


def safe(renderable: Any) -> Any:
    """`renderable` made safe to draw: strings and Rich text escaped, tables and groups walked.

    A string is taken as plain text of several lines (a widget drawing it reads no markup).
    Anything else is drawn as it is, under the app's `ControlFilter`.
    """
    if isinstance(renderable, str):
        return lines(renderable)
    if isinstance(renderable, Text):
        return _escape_text(renderable, multiline=True)
    if isinstance(renderable, Content):
        return Content(lines(renderable.plain)) if _UNSAFE.search(renderable.plain) else renderable
    if isinstance(renderable, Group):
        return Group(*map(safe, renderable.renderables), fit=renderable.fit)
    if isinstance(renderable, Table):
        table = copy.copy(renderable)
        # The cells live in the columns; a copy of each keeps the table given unchanged.
        table.columns = [
            dataclasses.replace(
                column,
                header=_safe_cell(column.header),
                footer=_safe_cell(column.footer),
                _cells=[_safe_cell(c) for c in column.cells],
            )
            for column in renderable.columns
        ]
        table.title = _safe_cell(renderable.title) if renderable.title else renderable.title
        table.caption = _safe_cell(renderable.caption) if renderable.caption else None
        return table
    return renderable


class Shown(Static):
    """A Static for text that may hold stored values: no markup, controls escaped."""

    def __init__(self, content: RenderableType | Content = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(safe(content), **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(safe(content), layout=layout)


# The narrowest a shrinking column is cut to (its title never cut): "Fo…" says little less.
_LEAST_WIDTH = 6


def fit_widths(natural: list[int], least: list[int], room: int) -> list[int] | None:
    """Widths for columns whose text is `natural` wide, together at most `room` wide.

    The widest are cut first, to one common width (no column cut below its `least`, nor
    below that width while another is wider): what each column keeps is as much as the room
    allows. None when even every column at its least does not fit.
    """
    if sum(natural) <= room:
        return list(natural)
    if sum(min(n, lo) for n, lo in zip(natural, least, strict=True)) > room:
        return None
    cap = max(natural)
    while (
        cap > 0 and sum(min(n, max(cap, lo)) for n, lo in zip(natural, least, strict=True)) > room
    ):
        cap -= 1
    return [min(n, max(cap, lo)) for n, lo in zip(natural, least, strict=True)]


class ShownTable(DataTable[Any]):
    """A DataTable whose cells are stored values: one line each, no markup, controls escaped.

    It fits the width it is given: when its columns are wider than that, the columns it was
    told may shrink (`shrink`, titles; every column not given a width when none is named)
    are cut, the widest first, and a cut cell ends in "…". The screen shows each row in full
    elsewhere (its detail panel), so nothing is lost by the cut.
    """

    def __init__(self, *args: Any, shrink: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shrink = shrink
        # Columns given a width by the screen: drawn at that width, never shrunk.
        self._given: set[Any] = set()

    def add_column(
        self,
        label: TextType,
        *,
        width: int | None = None,
        key: str | None = None,
        default: Any = None,
    ) -> Any:
        column_key = super().add_column(label, width=width, key=key, default=default)
        if width is not None:
            self._given.add(column_key)
        return column_key

    def _room(self) -> int:
        # The vertical scrollbar's cells are kept free whether it shows yet or not: rows arrive
        # after the first fit, and a bar appearing later would push the last column off.
        bar = 0 if self.styles.overflow_y == "hidden" else self.styles.scrollbar_size_vertical
        return self.content_region.width - bar

    def fit_columns(self) -> None:
        """Choose each column's width for the room there is (see the class docstring)."""
        room = self._room()
        if room <= 0 or not self.columns:
            return
        pad = 2 * self.cell_padding
        columns = self.ordered_columns
        flexible = [
            c
            for c in columns
            if c.key not in self._given and (not self._shrink or c.label.plain in self._shrink)
        ]
        rigid = sum(
            (c.width if c.key in self._given else c.content_width) + pad
            for c in columns
            if c not in flexible
        )
        room -= rigid + pad * len(flexible) + self._row_label_column_width
        natural = [c.content_width for c in flexible]
        least = [
            min(n, max(_LEAST_WIDTH, cell_len(c.label.plain)))
            for n, c in zip(natural, flexible, strict=True)
        ]
        widths = fit_widths(natural, least, room) or least
        changed = False
        for column, natural_width, width in zip(flexible, natural, widths, strict=True):
            auto = width >= natural_width
            if column.auto_width != auto or (not auto and column.width != width):
                column.auto_width = auto
                column.width = width
                changed = True
        if changed:
            total = sum(c.get_render_width(self) for c in columns) + self._row_label_column_width
            self.virtual_size = Size(total, self.virtual_size.height)
            self._update_count += 1
            self._clear_caches()

    def _update_dimensions(self, new_rows: Any) -> None:
        super()._update_dimensions(new_rows)
        self.fit_columns()

    def _update_column_widths(self, updated_cells: Any) -> None:
        super()._update_column_widths(updated_cells)
        self.fit_columns()

    def _on_resize(self, event: Resize) -> None:
        super()._on_resize(event)
        self.fit_columns()

    def add_row(
        self,
        *cells: Any,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        # As Textual draws a string cell, but from Text (no markup, no emoji codes): a row one
        # line high cuts a long cell rather than wrapping it.
        shown = [self._cell(c, no_wrap=height == 1) for c in cells]
        row_label = None if label is None else self._cell(label, no_wrap=True)
        return super().add_row(*shown, height=height, key=key, label=row_label)

    @staticmethod
    def _cell(value: Any, *, no_wrap: bool) -> Any:
        if isinstance(value, str):
            return Text(cell(value), no_wrap=no_wrap, end="", overflow="ellipsis")
        if isinstance(value, Text):
            shown = _escape_text(value, multiline=True)
            if "\n" in shown.plain or "\t" in shown.plain:
                # As for a string: a space each, one for one, so the styles stay in place.
                shown = shown.copy()
                shown.plain = shown.plain.replace("\n", " ").replace("\t", " ")
            if shown.overflow is None:
                # A cut cell ends in "…", so it is never taken for the whole value.
                shown = shown.copy() if shown is value else shown
                shown.overflow = "ellipsis"
            return shown
        return safe(value)


class ControlFilter(LineFilter):
    """Drops control characters from every line drawn, whatever widget drew it (the net).

    They take no cells, so dropping them keeps each line's width; anything a screen shows is
    escaped before it gets here, so what this catches is text that never should have held one.
    """

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        # One search of the line's text: it runs for every line of every redraw.
        if not _UNSAFE.search("".join([s.text for s in segments])):
            return segments
        return [
            s if s.control else Segment(_UNSAFE.sub("", s.text), s.style, s.control)
            for s in segments
        ]


class WholeCellScrollBar(ScrollBarRender):
    """A scrollbar whose thumb is whole cells of █ over a blank track.

    Textual draws the thumb as reversed blanks (colour alone) with a part-cell block (▂, ▆) at
    each end for finer steps. Without colour (NO_COLOR, a monochrome terminal, tmux's text)
    only those end blocks show, the lower one while at the top and the upper one at the end,
    so the one mark in sight seemed to move against the scrolling. Whole cells of █ move with
    the text, in colour or not.
    """

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8

    @classmethod
    def render_bar(cls, *args: Any, **kwargs: Any) -> Segments:
        drawn = super().render_bar(*args, **kwargs)
        vertical = kwargs.get("vertical", args[5] if len(args) > 5 else True)
        segments = [
            Segment(
                "█" * len(s.text),
                Style(color=s.style.color, bgcolor=s.style.bgcolor, meta=s.style.meta),
            )
            if s.style is not None and s.style.reverse and s.text.strip() == ""
            else s
            for s in drawn.segments
        ]
        return Segments(segments, new_lines=vertical)
