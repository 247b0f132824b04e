"""The caseload screen: everyone at the site, most urgent first, with a search as you type.

Rows come from the `caseload` service already sorted by urgency; this screen never sorts or
queries. A site can hold 10,000 people, so the list is a virtual one (`CaseloadList`, Textual's
line API): it draws only the lines on screen, and the search filters the loaded rows in memory,
so both the first draw and every keystroke cost the same whatever the caseload size. Overdue
work is written out ("OVERDUE 3") and the highlighted row carries a marker, so nothing depends
on colour (NO_COLOR, monochrome terminals).
"""

from __future__ import annotations

import contextlib
from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.geometry import Region, Size
from textual.message import Message
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from .. import keymap
from ..domain.enums import Agency, Pathway
from ..store.caseload import FirstPage, brought_up_to_date, caseload
from ..store.team import people_with_practitioner
from ..widgets.shown import Shown, cell, one_line
from . import navigation
from .caseload_text import _matching as _matching  # for the tests: what a search finds
from .caseload_text import (
    date_text,
    detail_text,
    lead_text,
    narrowed,
    overdue_text,
    pathway_text,
    search_key,
)
from .new_person import new_person_form

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ..store.caseload import CaseloadRow
    from ..store.site import Site

# From this width the CRN column is titled "CRN/NOMIS" (the room for it is there).
_WIDE = 100


# Rows, their search keys and their places in the whole list.
_Found = tuple[list["CaseloadRow"], list[str], Sequence[int]]


class Column(NamedTuple):
    key: str
    title: str
    width: int
    """Fixed width, or the least width of a flexible column."""
    flex: int = 0
    """Share of the spare width (0 = fixed)."""


_GUTTER = Column("gutter", "", 2)
# At 80 columns the list is 79 cells wide (a 1-cell scrollbar): the fixed columns take what
# they need never cut (a CRN, a pathway, a date, "OVERDUE 13"), the name gets most of what is
# left, and the lead and the next item are cut with "…" (whole in the detail lines below).
_COLUMNS = (
    _GUTTER,
    Column("name", "Name", 14, 6),
    Column("ids", "CRN", 7),
    Column("pathway", "Pathway", 9),
    Column("lead", "Lead", 12, 2),
    Column("next", "Next due", 8, 3),
    Column("date", "Date", 11),
    Column("overdue", "Overdue", 7),
)


@lru_cache(maxsize=16)
def _layout(width: int, overdue_width: int) -> tuple[tuple[Column, int], ...]:
    return tuple(layout(width, overdue_width))


def layout(width: int, overdue_width: int = 7) -> list[tuple[Column, int]]:
    """Columns and their widths for a list `width` cells wide (one space between columns).

    `overdue_width` is the longest overdue text in the rows, so "OVERDUE 13" is never cut.
    From `_WIDE` cells on, the CRN column also names the NOMIS number of anyone without a CRN.
    """
    columns = [
        c._replace(width=max(c.width, overdue_width)) if c.key == "overdue" else c for c in _COLUMNS
    ]
    if width >= _WIDE:
        columns = [c._replace(title="CRN/NOMIS", width=9) if c.key == "ids" else c for c in columns]
    # The gutter carries its own spacing.
    gaps = len(columns) - 2
    spare = width - gaps - sum(c.width for c in columns)
    flex_total = sum(c.flex for c in columns)
    widths = []
    given = 0
    flexible = [c for c in columns if c.flex]
    for column in columns:
        extra = 0
        if column.flex and spare > 0:
            if column is flexible[-1]:
                extra = spare - given
            else:
                extra = spare * column.flex // flex_total
                given += extra
        widths.append(column.width + extra)
    return list(zip(columns, widths, strict=True))


def row_cells(row: CaseloadRow) -> dict[str, str]:
    """What each column says for `row`, uncut (the list cuts it to the column's width)."""
    return {
        "name": row.name,
        # A person with no CRN yet is told apart by their NOMIS number (A1234BC, another form).
        "ids": row.crn or row.nomis_number or "",
        "pathway": pathway_text(row.pathway),
        "lead": lead_text(row),
        "next": row.next_due_title or "nothing due",
        "date": date_text(row.next_due_on),
        "overdue": overdue_text(row.overdue_count),
    }


def _fit(text: str, width: int) -> str:
    """Pad or cut `text` to exactly `width` cells, marking a cut with an ellipsis.

    Controls are escaped first (they take no cells, so the widths would be wrong too).
    """
    if width <= 0:
        return ""
    text = cell(text)
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


class CaseloadList(ScrollView, can_focus=True):
    """A virtual list of caseload rows with a fixed header line and a row cursor."""

    BINDINGS = keymap.bindings("caseload.list")

    class Highlighted(Message):
        """The row under the cursor changed (None when the list is empty)."""

        def __init__(self, row: CaseloadRow | None) -> None:
            super().__init__()
            self.row = row

    COMPONENT_CLASSES = {
        "caseload-list--header",
        "caseload-list--cursor",
        "caseload-list--alert",
        "caseload-list--message",
    }

    DEFAULT_CSS = """
    CaseloadList {
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[CaseloadRow] = []
        self._keys: list[str] = []
        # What is shown: the rows, their search keys and their places in `_rows` (in order, so
        # the highlighted person is found again by bisection, not by a walk of 50,000 rows).
        self._shown: list[CaseloadRow] = []
        self._shown_keys: list[str] = []
        self._shown_places: Sequence[int] = ()
        self._shown_predicate: Callable[[CaseloadRow], bool] | None = None
        # The rows each search (its words) found, under the same filters and rows.
        self._searched: dict[tuple[str, ...], _Found] = {}
        # Everyone the filters (my cases, overdue...) keep, before the search narrows them.
        self._kept: _Found = ([], [], ())
        self.query_text = ""
        self._overdue_width = 0
        self.cursor = 0
        self.loaded = False
        self.message = "Loading the caseload… (slower at the first open of a day)"
        self.predicate: Callable[[CaseloadRow], bool] | None = None
        self._pass: tuple[Any, ...] | None = None

    # -- data ----------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return len(self._rows)

    @property
    def shown(self) -> list[CaseloadRow]:
        return self._shown

    @property
    def current(self) -> CaseloadRow | None:
        if 0 <= self.cursor < len(self._shown):
            return self._shown[self.cursor]
        return None

    def set_rows(self, rows: list[CaseloadRow]) -> None:
        self._rows = list(rows)
        # Case-folded once here, so each keystroke is a plain substring scan.
        self._keys = [search_key(r) for r in self._rows]
        most = max((r.overdue_count for r in self._rows), default=0)
        self._overdue_width = len(overdue_text(most))
        self.loaded = True
        self.message = ""
        self._shown, self._shown_keys = self._rows, self._keys
        self._shown_places = range(len(self._rows))
        self._shown_predicate = None
        self._searched.clear()
        text, self.query_text = self.query_text, ""
        self.filter(text)

    def on_unmount(self) -> None:
        # A screen is freed by the cycle collector (a widget and its parent refer to each
        # other), so maybe long after it closed: the rows, their keys and the searches are let
        # go now, freed at once by reference counting (at 50,000 people, tens of megabytes
        # that another site or user opened meanwhile would be held beside).
        self._rows, self._keys, self._shown, self._shown_keys = [], [], [], []
        self._shown_places = ()
        self._searched.clear()
        self._kept = ([], [], ())

    def show_message(self, message: str) -> None:
        self.message = message
        self.refresh()

    def filter(self, text: str) -> None:
        """Keep the rows whose name, CRN or NOMIS number contain every word of `text`."""
        previous = self.cursor
        place = self._shown_places[previous] if 0 <= previous < len(self._shown_places) else None
        before = self.query_text
        self.query_text = text
        folded = text.casefold()
        terms = folded.split()
        keep = self.predicate
        rows, keys, places = self._rows, self._keys, range(len(self._rows))
        same_filters = keep is self._shown_predicate
        if keep is not None:
            if not same_filters:
                # Filters changed: applied to everyone once, then only searched within.
                picked = [i for i, r in enumerate(rows) if keep(r)]
                self._kept = [rows[i] for i in picked], [keys[i] for i in picked], picked
            rows, keys, places = self._kept
        if not same_filters:
            self._searched.clear()
        if same_filters and terms and before.strip() and folded.startswith(before.casefold()):
            # Typing on narrows what is shown already: scan only that (most keystrokes).
            rows, keys, places = self._shown, self._shown_keys, self._shown_places
        found = self._searched.get(tuple(terms))
        if found is None:
            found = narrowed(rows, keys, places, terms)
            if terms:
                # Kept for a deletion back to them: on 50,000 people a scan is a frame's time.
                if len(self._searched) >= 32:
                    self._searched.clear()
                self._searched[tuple(terms)] = found
        self._shown, self._shown_keys, self._shown_places = found
        self._shown_predicate = keep
        # Stay on the same person when they are still listed.
        self.cursor = 0
        if place is not None:
            at = bisect_left(self._shown_places, place)
            if at < len(self._shown_places) and self._shown_places[at] == place:
                self.cursor = at
        self._set_height(len(self._shown) + 1)
        self.scroll_to(y=0, animate=False, immediate=True)
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def _set_height(self, height: int) -> None:
        # Set as a virtual size is, but without a layout of the whole screen: the list keeps
        # its place and size, so only its scrollbar needs to know (a layout takes most of a
        # keystroke's time). Showing or hiding the scrollbar still asks for one.
        size = Size(1, height)
        if size == self.virtual_size:
            return
        if not self.container_size:
            self.virtual_size = size
            return
        self.set_reactive(CaseloadList.virtual_size, size)
        self._scroll_update(size)

    # -- cursor --------------------------------------------------------------------------
    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def move_to(self, index: int) -> None:
        if not self._shown:
            return
        before = self.cursor
        self.cursor = max(0, min(index, len(self._shown) - 1))
        self._scroll_to_cursor()
        self.refresh()
        if self.cursor != before:
            self.post_message(self.Highlighted(self.current))

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + self._page:
            self.scroll_to(y=self.cursor - self._page + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - self._page)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + self._page)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self._shown) - 1)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing -------------------------------------------------------------------------
    def _prepare(self) -> tuple[Any, ...]:
        # Worked out once per redraw rather than once per line: the styles walk the DOM.
        width = self.scrollable_content_region.width
        base = self.rich_style
        cursor = base + self.get_component_rich_style("caseload-list--cursor")
        alert = self.get_component_rich_style("caseload-list--alert")
        return (
            width,
            base,
            cursor,
            base + alert,
            cursor + alert,
            _layout(width, self._overdue_width),
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass = self._prepare()
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def render_line(self, y: int) -> Strip:
        width, base, cursor_style, alert, cursor_alert, columns = self._pass or self._prepare()
        if y == 0:
            style = base + self.get_component_rich_style("caseload-list--header")
            return self._strip([c.title for c, _ in columns], columns, style, style, width)
        if not self._shown:
            if y != 2:
                return Strip.blank(width, base)
            style = base + self.get_component_rich_style("caseload-list--message")
            text = self.message or self._empty_text()
            return Strip([Segment(_fit("  " + text, width), style)], width)
        index = round(self.scroll_y) + y - 1
        if index >= len(self._shown):
            return Strip.blank(width, base)
        row = self._shown[index]
        selected = index == self.cursor
        style, alert_style = (cursor_style, cursor_alert) if selected else (base, alert)
        # The marker shows the cursor without colour; hollow when the list is not focused.
        marker = ("▶ " if self.has_focus else "▷ ") if selected else ""
        cells = {"gutter": marker, **row_cells(row)}
        texts = [cells[c.key] for c, _ in columns]
        alerts = {"overdue"} if row.overdue_count else set()
        if not row.lead_name:
            alerts.add("lead")
        return self._strip(texts, columns, style, alert_style, width, alerts)

    def _strip(
        self,
        texts: list[str],
        columns: tuple[tuple[Column, int], ...],
        style: Style,
        alert: Style,
        width: int,
        alerts: set[str] | frozenset[str] = frozenset(),
    ) -> Strip:
        segments: list[Segment] = []
        for i, ((column, w), text) in enumerate(zip(columns, texts, strict=True)):
            segments.append(Segment(_fit(text, w), alert if column.key in alerts else style))
            if 0 < i < len(columns) - 1:
                segments.append(Segment(" ", style))
        return Strip(segments).adjust_cell_length(width, style)

    def _empty_text(self) -> str:
        if self.predicate is not None and self._rows:
            return "No one matches the filters (m, o, w, p switch them)."
        if self.query_text.strip():
            return f"No one matches “{self.query_text.strip()}”."
        return "No people on this caseload yet."


class SearchInput(Input):
    """The search box: an Input whose typing costs one redraw, and no layout, per key.

    Textual's Input sets its virtual size (the text's width, for scrolling along it) on every
    change, and a virtual size asks for a layout of the screen; the box is one line of a fixed
    width whatever it holds, so the size is stored without one (scrolling reads it as before).
    And the list is filtered as the value changes (`changed`), not when `Input.Changed` comes
    round: the box and the list are then drawn in one refresh rather than one after the other.
    """

    def __init__(self, *, changed: Callable[[str], None], **kwargs: Any) -> None:
        self._changed = changed
        super().__init__(**kwargs)

    def _watch_value(self, value: str) -> None:
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)
        self._changed(value)


class CaseloadScreen(Screen[None]):
    """The list of people at the site, with the site, agency and user on the top line."""

    KEY_SCOPES = ("caseload", "caseload.list")
    BINDINGS = keymap.bindings("caseload")
    AUTO_FOCUS = "CaseloadList"

    def __init__(
        self,
        site: Site,
        *,
        today: date | None = None,
        first_rows: Future[list[CaseloadRow]] | None = None,
    ) -> None:
        super().__init__()
        self._site = site
        self._today = today
        # The first load, when the app started it as the site opened (see AhtuiApp.unlock).
        self._first_rows = first_rows
        self.filters: set[str] = set()
        self.pathway_filter: str | None = None
        self._mine: set[str] = set()
        self._loads = 0
        self._updating = False
        self.stale_draws = 0  # how often yesterday's figures were drawn first (for tests)
        self._page_total: int | None = None  # while only the first page is drawn
        self._count_text = ""
        self._detail_text = ""

    def compose(self) -> ComposeResult:
        try:
            agency = Agency(self._site.agency).label()
        except ValueError:
            agency = self._site.agency
        with Horizontal(id="caseload-top"):
            yield Shown(
                f"{one_line(self._site.name)} · {one_line(agency)} · "
                f"signed in as {one_line(self._site.user.display_name)}",
                id="site-line",
            )
            yield Shown("", id="caseload-count")
        with Horizontal(id="search-row"):
            yield Label("Search", id="search-label")
            yield SearchInput(
                id="search",
                placeholder="name, CRN or NOMIS number  ( / )",
                changed=self._search_for,
            )
        yield CaseloadList(id="caseload-list")
        # The highlighted person in full: at 80 columns the list has to cut long text.
        yield Shown("", id="caseload-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # Right-aligned, so the count ends at the edge when it has more room than it needs.
        self.query_one("#caseload-count").styles.text_align = "right"
        # Captured here: the worker thread should not reach through the DOM.
        self._site_lock = getattr(self.app, "site_lock", None) or contextlib.nullcontext()
        self._start_load()

    def on_screen_resume(self) -> None:
        # Back from a person or a form: pick up what changed (the due cache makes this cheap).
        site = getattr(self.app, "site", None)
        # Not on the first showing: on_mount's load is still running, and starting another
        # would throw its work away.
        if site is not None and self._loads and self.query_one(CaseloadList).loaded:
            self._site = site
            self._start_load()

    def _start_load(self, *, stale_ok: bool = True, stale: list[CaseloadRow] | None = None) -> None:
        """Load the caseload; with `stale`, a whole caseload drawn with stale rows, work out
        only those (see `brought_up_to_date`)."""
        self._loads += 1
        self.run_worker(
            partial(self._load, stale_ok, stale),
            thread=True,
            group="caseload",
            description="load caseload",
            exclusive=True,
            exit_on_error=False,
        )

    def _load(self, stale_ok: bool, stale: list[CaseloadRow] | None = None) -> list[CaseloadRow]:
        first, self._first_rows = self._first_rows, None
        if first is not None and stale_ok:
            return first.result()

        # Held while reading so a lock (ctrl+l) closes the site only after the read.
        with self._site_lock:
            if stale is not None:
                return brought_up_to_date(self._site, stale, today=self._today)
            return caseload(self._site, today=self._today, stale_ok=stale_ok)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "caseload":
            return
        table = self.query_one(CaseloadList)
        if event.state == WorkerState.SUCCESS:
            rows = event.worker.result or []
            self.app.mark("caseload_loaded")  # type: ignore[attr-defined]
            table.set_rows(rows)
            # A big site draws its most urgent rows first, then reads the rest. The first open
            # of a day draws yesterday's due items at once when many moved, then works out
            # today's in the background and redraws (the count line says so meanwhile).
            page = isinstance(rows, FirstPage)
            self._page_total = rows.total if page else None
            self._updating = page or any(r.stale for r in rows)
            self.stale_draws += self._updating and not page
            self._update_count()
            self.call_after_refresh(self.app.mark, "caseload_drawn")  # type: ignore[attr-defined]
            if page:
                # Once the page is on the screen: a thread reading the rest meanwhile would
                # hold the interpreter for half of the first draw.
                self.call_after_refresh(self._start_load, stale_ok=True)
            elif self._updating:
                # Only the stale rows are worked out; the rest are not read again.
                self._start_load(stale_ok=False, stale=rows)
            else:
                self.call_after_refresh(self.app.mark, "caseload_current")  # type: ignore[attr-defined]
        elif event.state == WorkerState.ERROR:
            error: Any = event.worker.error
            message = getattr(error, "message", None) or "an unexpected error (see the log)"
            table.show_message(f"Could not load the caseload: {message}")

    def _update_count(self) -> None:
        table = self.query_one(CaseloadList)
        if not table.loaded:
            text = ""
        elif self._page_total is not None:
            text = f"reading all {self._page_total:,} people…"
        elif table.query_text.strip() or table.predicate is not None:
            text = f"{len(table.shown):,} of {table.total:,}"
        else:
            text = f"{table.total:,} {'person' if table.total == 1 else 'people'}"
        names = []
        if "mine" in self.filters:
            names.append("my cases")
        if self.pathway_filter:
            names.append(pathway_text(self.pathway_filter).lower())
        if "overdue" in self.filters:
            names.append("overdue")
        if "awaiting" in self.filters:
            names.append("awaiting reply")
        if names and table.loaded:
            text = f"{len(table.shown):,} of {table.total:,} · {', '.join(names)}"
        if self._updating and self._page_total is None:
            text = f"updating due dates… · {text}"
        if text != self._count_text:
            # Only a text wider than the room it has moves the site line over (a layout of the
            # screen, half a keystroke's time at 50,000 people): a narrower one is drawn in the
            # same room, to its right, as "1,234 of 50,000" and "12 of 50,000" alternate.
            self._count_text = text
            count = self.query_one("#caseload-count", Static)
            fits = cell_len(text) <= count.content_size.width
            count.update(text, layout=not fits)

    def on_caseload_list_highlighted(self, event: CaseloadList.Highlighted) -> None:
        text = detail_text(event.row)
        if text != self._detail_text:
            self._detail_text = text
            # Three lines high whatever it says: no layout of the screen needed.
            self.query_one("#caseload-detail", Static).update(text, layout=False)

    # -- search --------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self._search_for(event.value)

    def _search_for(self, text: str) -> None:
        # Called twice for each change (see `SearchInput`); the second time finds it done.
        tables = self.query(CaseloadList) if self.is_mounted else ()
        table = tables[0] if tables else None
        if table is None or text == table.query_text:
            return
        table.filter(text)
        self._update_count()

    def action_focus_search(self) -> None:
        # set_focus, not focus(): it takes effect before the next key is routed.
        self.set_focus(self.query_one("#search", Input))

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""  # fires Input.Changed, which refilters
        self.set_focus(self.query_one(CaseloadList))

    # -- filters -------------------------------------------------------------------------
    def action_toggle_filter(self, name: str) -> None:
        if name == "mine" and name not in self.filters:
            me = self._site.user.practitioner_id
            if not me:
                self.notify(
                    "Your user is not linked to a practitioner, so there are no cases of yours.",
                    title="My cases",
                    markup=False,
                )
                return
            self._mine = people_with_practitioner(self._site, me)
        self.filters ^= {name}
        self._apply_filters()

    def action_cycle_pathway(self) -> None:
        codes = [p.value for p in Pathway]
        if self.pathway_filter is None:
            self.pathway_filter = codes[0]
        else:
            i = codes.index(self.pathway_filter) + 1
            self.pathway_filter = codes[i] if i < len(codes) else None
        self._apply_filters()

    def _apply_filters(self) -> None:
        tests: list[Callable[[CaseloadRow], bool]] = []
        if "mine" in self.filters:
            mine = self._mine
            tests.append(lambda r: r.person_id in mine)
        if "overdue" in self.filters:
            tests.append(lambda r: r.overdue_count > 0)
        if "awaiting" in self.filters:
            tests.append(lambda r: r.awaiting_reply > 0)
        if self.pathway_filter:
            code = self.pathway_filter
            tests.append(lambda r: r.pathway == code)
        table = self.query_one(CaseloadList)
        table.predicate = (lambda r: all(t(r) for t in tests)) if tests else None
        table.filter(table.query_text)
        self._update_count()

    # -- other screens -------------------------------------------------------------------
    def action_new_person(self) -> None:
        new_person_form(self)

    def action_actions_log(self) -> None:
        navigation.open_actions(self.app)

    def action_open_sync(self) -> None:
        navigation.open_sync(self.app)

    def action_open_conflicts(self) -> None:
        navigation.open_conflicts(self.app)

    # -- rows ----------------------------------------------------------------------------
    def action_open_person(self) -> None:
        table = self.query_one(CaseloadList)
        if self.focused is not table:
            # Enter in the search box: done typing, go to the list.
            self.set_focus(table)
            return
        row = table.current
        if row is None:
            return
        navigation.open_person(self.app, row.person_id)
