"""The record-table screen: a heading, a table of records, and the highlighted one in full.

Case notes, consent, emails, meetings, the meeting runner, the actions log, the assessment's
areas and My Plan's agreed versions are all this shape. A screen says what it lists through
hooks: `columns`, `load_rows`, `heading`, `cells`, `row_key` and `detail`; this base composes
the screen, reloads it on mount and after each write, and shows the detail of the highlighted
row. Widget ids stay each screen's own, so the app's CSS and the tests find them as before.
The heading, the table and the panel are `widgets.shown`'s, so stored text in them reads no
markup and shows its control characters as escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Static

from ..widgets.shown import Shown, ShownTable
from .base import SiteScreen

Row = TypeVar("Row")

# A column's title, or its title and a fixed width.
Column = str | tuple[str, int]


class RecordTableScreen(SiteScreen, Generic[Row]):
    """A heading, a table with one record a row, a detail panel; `reload()` redraws all."""

    HEAD_ID: ClassVar[str]
    TABLE_ID: ClassVar[str]
    DETAIL_ID: ClassVar[str | None] = None
    """The Static the detail of the highlighted row is written to (None: no detail panel)."""
    DETAIL_BY_KEY: ClassVar[bool] = False
    """Show the row the highlight event names, rather than the row under the cursor now."""
    SHRINK: ClassVar[tuple[str, ...]] = ()
    """The titles of the columns cut (with "…") when the table is too wide for the screen;
    none named: any column the screen did not give a width (see `ShownTable`)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []

    # -- hooks -----------------------------------------------------------------------------
    def columns(self) -> Sequence[Column]:
        raise NotImplementedError

    def load_rows(self) -> list[Row]:
        raise NotImplementedError

    def heading(self) -> str:
        raise NotImplementedError

    def cells(self, row: Row) -> Sequence[Any]:
        raise NotImplementedError

    def row_key(self, row: Row) -> str:
        return str(row["id"])  # type: ignore[index]

    def detail(self, row: Row) -> RenderableType | None:
        """What the panel shows for the highlighted row (None leaves it as it is)."""
        return None

    def empty_detail(self) -> str:
        """What the panel says when there are no rows."""
        return ""

    def compose_above_table(self) -> ComposeResult:
        yield from ()

    def compose_detail(self) -> ComposeResult:
        if self.DETAIL_ID:
            yield Shown("", id=self.DETAIL_ID, classes="detail")

    def after_fill(self) -> None:
        """Called after the table is filled: place the cursor, say the table is empty."""
        if not self.rows and self.DETAIL_ID and (empty := self.empty_detail()):
            self.detail_panel.update(empty)

    # -- the skeleton ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Shown("", id=self.HEAD_ID, classes="screen-head")
        yield from self.compose_above_table()
        table: DataTable[Any] = ShownTable(id=self.TABLE_ID, cursor_type="row", shrink=self.SHRINK)
        for column in self.columns():
            if isinstance(column, tuple):
                table.add_column(column[0], width=column[1])
            else:
                table.add_column(column)
        yield table
        yield from self.compose_detail()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.table.focus()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    @property
    def detail_panel(self) -> Static:
        return self.query_one(f"#{self.DETAIL_ID}", Static)

    def reload(self) -> None:
        self.rows = self.load_rows()
        self.query_one(f"#{self.HEAD_ID}", Static).update(self.heading())
        self.fill_table()
        self.after_fill()

    def fill_table(self) -> None:
        table = self.table
        table.clear()
        for row in self.rows:
            table.add_row(*self.cells(row), key=self.row_key(row))

    @property
    def current(self) -> Row | None:
        """The row under the cursor, if any."""
        tables = self.query(DataTable)
        if not tables or not self.rows:
            return None
        index = tables.first().cursor_row
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def row_for_key(self, key: str | None) -> Row | None:
        return next((r for r in self.rows if self.row_key(r) == key), None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self.row_for_key(event.row_key.value) if self.DETAIL_BY_KEY else self.current
        if row is not None:
            self.show_detail(row)

    def show_detail(self, row: Row) -> None:
        shown = self.detail(row)
        if shown is not None and self.DETAIL_ID:
            self.detail_panel.update(shown)
