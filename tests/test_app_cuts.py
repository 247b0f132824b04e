"""Nothing is cut unmarked at 80x24: every table of every screen reachable from the caseload.

The real app on a copy of the demo site, driven by its keys. On each screen every table (the
caseload's list and each `ShownTable`) is read as drawn, cell by cell, from the screen's own
lines, and each cell is compared with its whole value: a cell drawn shorter than its value
must end in "…" and be the value's beginning. A column pushed past the right edge, a cell cut
clean, a title cut: each fails here, naming the screen, the column and the value.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from test_app_shell import TODAY, caseload_ready, wait_for
from textual.widgets import DataTable

from ahtui.app import AhtuiApp
from ahtui.screens.caseload import CaseloadList, layout, row_cells
from ahtui.screens.person import PersonScreen
from ahtui.store import consent, myplan, notes
from ahtui.widgets.form import FormScreen
from ahtui.widgets.shown import ShownTable, fit_widths


def screen_lines(app: AhtuiApp) -> list[str]:
    return [s.text for s in app.screen._compositor.render_strips()]


def whole(value: Any) -> str:
    return (value.plain if isinstance(value, Text) else str(value)).rstrip()


def judge(where: str, full: str, drawn: str) -> str | None:
    """None when `drawn` is `full`, or its beginning marked with "…"; else what is wrong."""
    drawn = drawn.rstrip()
    if drawn == full:
        return None
    if drawn.endswith("…") and full.startswith(drawn[:-1]) and len(drawn) <= len(full):
        return None
    return f"{where}: {full!r} drawn as {drawn!r}"


def datatable_cuts(app: AhtuiApp, table: DataTable[Any], name: str) -> list[str]:
    """Each visible cell of `table` (rows one line high) as drawn against its whole value."""
    lines = screen_lines(app)
    box = table.scrollable_content_region
    pad = table.cell_padding
    header = table.header_height if table.show_header else 0
    problems = []
    x = box.x + table._row_label_column_width - round(table.scroll_x)
    spans = []
    for column in table.ordered_columns:
        width = column.get_render_width(table)
        spans.append((column, x + pad, x + width - pad))
        x += width
    top = round(table.scroll_y)
    rows: list[tuple[int, list[Any]]] = []
    if header:
        rows.append((box.y, [c.label for c in table.ordered_columns]))
    for index in range(top, min(table.row_count, top + box.height - header)):
        if table.rows[table._row_locations.get_key(index)].height != 1:
            return problems  # wrapped rows are not cut
        rows.append((box.y + header + index - top, table.get_row_at(index)))
    for y, cells in rows:
        for (column, start, end), value in zip(spans, cells, strict=True):
            drawn = lines[y][max(start, box.x) : min(end, box.right)] if start < box.right else ""
            where = f"{name} [{column.label.plain}]"
            if problem := judge(where, whole(value), drawn):
                problems.append(problem)
    return problems


def caseload_cuts(app: AhtuiApp, listing: CaseloadList) -> list[str]:
    lines = screen_lines(app)
    box = listing.scrollable_content_region
    columns = layout(box.width, listing._overdue_width)
    problems = []
    top = round(listing.scroll_y)
    for offset in range(box.height):
        index = top + offset - 1
        if offset and index >= len(listing.shown):
            break
        cells = (
            {c.key: c.title for c, _ in columns} if not offset else row_cells(listing.shown[index])
        )
        x = box.x
        for i, (column, width) in enumerate(columns):
            if column.key != "gutter":
                drawn = lines[box.y + offset][x : x + width]
                if problem := judge(f"caseload [{column.title}]", cells[column.key], drawn):
                    problems.append(problem)
            x += width + (1 if 0 < i < len(columns) - 1 else 0)
    return problems


async def cuts_on_screen(pilot, name: str) -> list[str]:
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    problems = []
    for listing in app.screen.query(CaseloadList):
        problems += caseload_cuts(app, listing)
    for table in app.screen.query(ShownTable):
        if table.display and table.region.width:
            problems += datatable_cuts(app, table, f"{name} {table.id}")
    return problems


async def through_the_rows(pilot, name: str) -> list[str]:
    """The screen as it opens, then with its tables scrolled to their last rows."""
    problems = await cuts_on_screen(pilot, name)
    tables = [t for t in pilot.app.screen.query(ShownTable) if t.row_count > 1]
    for table in tables:
        table.move_cursor(row=table.row_count - 1)
        problems += await cuts_on_screen(pilot, f"{name} (end)")
        table.move_cursor(row=0)
    return problems


async def back_to(pilot, screen: Any) -> None:
    while pilot.app.screen is not screen:
        if isinstance(pilot.app.screen, FormScreen):
            pilot.app.screen.dismiss(None)
        else:
            await pilot.press("escape")
        await pilot.pause()


def long_records(site: Any, person_id: str) -> None:
    """What the demo lacks: My Plan goals and steps, long consent notes, a long place."""
    goal = myplan.add_goal(
        site,
        person_id,
        "Find a place of my own near my sister and keep it for a year",
        target_on=TODAY,
    )
    step = myplan.add_goal_step(
        site,
        goal,
        "Fill in the housing register form with the PA",
        who_helps="Personal Advisor and the leaving-care team",
    )
    myplan.update_goal_step(site, step, done_on=TODAY)
    myplan.add_goal_step(site, goal, "Visit the flat", target_on=TODAY)
    consent.record_consent(
        site,
        person_id,
        {
            "agency": "ces",
            "event": "given",
            "on_date": TODAY,
            "method": "verbal",
            "notes": "Asked in the visits hall with the PA present; happy for the CES worker to see everything",
        },
    )
    notes.add_note(
        site,
        person_id,
        {
            "contact_type": "pa_visit",
            "contact_at": TODAY.isoformat(),
            "location": "Visits hall, the far end by the children's play area",
            "kind": "fact",
            "body": "Talked about the flat.",
        },
    )


PERSON_KEYS = ["t", "c", "m", "a", "n", "e", "g", "y", "s", "w", "r", "x", "f"]
DEEPER = {
    "m": ["tab"],  # the personal contacts
    "g": ["enter"],  # the meeting runner
    "y": ["l", "v"],  # My Plan's goals, its versions
    "s": ["enter"],  # an assessment area
}


async def test_no_table_cell_is_cut_without_an_ellipsis_on_any_screen_at_80x24(unlocked) -> None:
    app, pilot = unlocked
    caseload = app.screen
    listing = caseload.query_one(CaseloadList)
    problems = await cuts_on_screen(pilot, "caseload")
    await pilot.press("end")
    problems += await cuts_on_screen(pilot, "caseload (end)")
    await pilot.press("home")

    # The caseload's own screens: actions across everyone (each view), sync, conflicts.
    await pilot.press("a")
    for view in range(5):
        problems += await through_the_rows(pilot, f"actions view {view}")
        await pilot.press("v")
    await back_to(pilot, caseload)
    for key in ("s", "f"):
        await pilot.press(key)
        problems += await through_the_rows(pilot, f"caseload {key}")
        await back_to(pilot, caseload)

    # People of each pathway, and those whose lead's name or next item is longest.
    shown = list(listing.shown)
    chosen = {r.pathway: r for r in reversed(shown)}
    chosen["first"] = shown[0]
    chosen["lead"] = max(shown, key=lambda r: len(r.lead_name or ""))
    chosen["next"] = max(shown, key=lambda r: len(r.next_due_title or ""))
    long_records(app.site, shown[0].person_id)
    for row in {r.person_id: r for r in chosen.values()}.values():
        listing.move_to(shown.index(row))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        person = app.screen
        for key in PERSON_KEYS:
            await pilot.press(key)
            name = f"{row.name} {key}"
            problems += await through_the_rows(pilot, name)
            for deeper in DEEPER.get(key, []):
                here = app.screen
                await pilot.press(deeper)
                problems += await through_the_rows(pilot, f"{name} {deeper}")
                if app.screen is not here and not isinstance(app.screen, FormScreen):
                    await pilot.press("escape")
                    await pilot.pause()
            await back_to(pilot, person)
        await back_to(pilot, caseload)
        await wait_for(pilot, lambda: caseload_ready(app))
    assert not problems, "\n".join(problems)


async def test_caseload_shows_the_crn_so_people_of_one_name_are_told_apart(unlocked) -> None:
    app, pilot = unlocked
    listing = app.screen.query_one(CaseloadList)
    by_name: dict[str, list[Any]] = {}
    for row in listing.shown:
        by_name.setdefault(row.name, []).append(row)
    twins = next(rows for rows in by_name.values() if len(rows) > 1)
    lines = screen_lines(app)
    assert "CRN" in lines[2]
    crns = []
    for row in twins:
        listing.move_to(listing.shown.index(row))
        await pilot.pause()
        # The name may be cut ("Bailey, Moham…"); the CRN beside it never is.
        line = screen_lines(app)[listing.region.y + 1 + listing.cursor - round(listing.scroll_y)]
        assert line.startswith("▶ " + row.name[:12]) and f" {row.crn} " in line, line
        crns.append(row.crn)
    assert len(set(crns)) == len(crns)


async def test_a_cut_lead_or_next_item_is_whole_in_the_detail_lines(unlocked) -> None:
    app, pilot = unlocked
    listing = app.screen.query_one(CaseloadList)
    row = max(listing.shown, key=lambda r: len(r.next_due_title or "") + len(r.lead_name or ""))
    listing.move_to(listing.shown.index(row))
    await pilot.pause()
    detail = screen_lines(app)[-4:-1]
    assert row.next_due_title in " ".join(detail)
    assert (row.lead_name or "NO LEAD") in detail[0]
    assert all(not line.rstrip().endswith("…") for line in detail), detail


def test_the_widest_columns_are_cut_first_to_one_width() -> None:
    assert fit_widths([10, 40, 30], [6, 6, 6], 80) == [10, 40, 30]
    assert fit_widths([10, 40, 30], [6, 6, 6], 50) == [10, 20, 20]
    assert fit_widths([10, 40, 30], [8, 8, 8], 20) is None
    widths = fit_widths([3, 50, 12, 9], [3, 6, 6, 6], 41)
    assert widths is not None and sum(widths) <= 41 and widths[0] == 3 and widths[3] == 9
