"""The Wheel of Life drawn in the terminal: each life area's earlier and latest score as bars.

Every scoring is dated, so the chart shows change: per area the score before the latest, the
latest, the change in words (up 3, down 1, same, first score) and the two dates. Bars are ten
cells of █ (scored) and ░ (not), with the number beside them, so nothing depends on colour and
NO_COLOR or a monochrome terminal loses nothing. It fits 78 columns (an 80-column screen with
its padding).

`wheel_rows` and `wheel_lines` are plain Python (no Rich, no Textual), so an export can reuse
them; `wheel_chart` wraps the lines as a Rich renderable for the screens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.text import Text

FULL = "█"
EMPTY = "░"
AREA_WIDTH = 18
CHART_WIDTH = 78
HEADING = "Wheel of Life: scores from 1 (low) to 10 (high); bars show █ scored, ░ not."


@dataclass(frozen=True)
class WheelRow:
    """One life area: its scores oldest first, as (day, score)."""

    area: str
    history: tuple[tuple[str, int], ...]

    @property
    def latest(self) -> tuple[str, int]:
        return self.history[-1]

    @property
    def earlier(self) -> tuple[str, int] | None:
        return self.history[-2] if len(self.history) > 1 else None

    @property
    def change(self) -> str:
        """The change from the earlier score to the latest, in words."""
        if self.earlier is None:
            return "first score"
        diff = self.latest[1] - self.earlier[1]
        if diff > 0:
            return f"up {diff}"
        if diff < 0:
            return f"down {-diff}"
        return "same"


def wheel_rows(scores: Iterable[Mapping[str, Any]], order: Sequence[str] = ()) -> list[WheelRow]:
    """Group dated scores (`{area, score, scored_on}`, as in `plan_snapshot()["wheel"]`) by area.

    Areas named in `order` come first in that order, then the others in the order first scored.
    Scores of one area on one day: the last given stands.
    """
    by_area: dict[str, dict[str, int]] = {}
    for s in scores:
        days = by_area.setdefault(str(s["area"]), {})
        days[str(s["scored_on"])[:10]] = int(s["score"])
    rank = {name: n for n, name in enumerate(order)}
    names = sorted(by_area, key=lambda a: (rank.get(a, len(rank)), list(by_area).index(a)))
    return [WheelRow(a, tuple(sorted(by_area[a].items()))) for a in names]


def bar(score: int | None, cells: int = 10) -> str:
    """A score of 1 to 10 as ten cells, e.g. 3 -> ███░░░░░░░; no score -> blanks."""
    if score is None:
        return " " * cells
    filled = max(0, min(cells, round(score * cells / 10)))
    return FULL * filled + EMPTY * (cells - filled)


def _day(iso: str) -> str:
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso[:10]
    return f"{day.day} {day:%b %y}"


def _cell(entry: tuple[str, int] | None) -> str:
    if entry is None:
        return f"{'no earlier':<13}"
    return f"{bar(entry[1])} {entry[1]:>2}"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def wheel_lines(rows: Sequence[WheelRow]) -> list[str]:
    """The chart as plain lines, at most 78 characters wide."""
    if not rows:
        return [HEADING, "No scores yet."]
    lines = [
        HEADING,
        f"{'Area':<{AREA_WIDTH}} {'Earlier':<13} {'Latest':<13} {'Change':<11} Scored on",
    ]
    for r in rows:
        when = _day(r.latest[0])
        if r.earlier is not None:
            when = f"{_day(r.earlier[0])}→{when}"
        line = (
            f"{_fit(r.area, AREA_WIDTH):<{AREA_WIDTH}} {_cell(r.earlier)} {_cell(r.latest)} "
            f"{r.change:<11} {when}"
        )
        lines.append(line.rstrip()[:CHART_WIDTH])
    return lines


def wheel_text(scores: Iterable[Mapping[str, Any]], order: Sequence[str] = ()) -> str:
    """The chart for dated scores as one plain string (for documents and logs of tests)."""
    return "\n".join(wheel_lines(wheel_rows(scores, order)))


def wheel_chart(scores: Iterable[Mapping[str, Any]], order: Sequence[str] = ()) -> Any:
    """The chart as a Rich `Text`: the heading and column names bold, the rest plain."""

    lines = wheel_lines(wheel_rows(scores, order))
    text = Text(no_wrap=True, overflow="ellipsis")
    for n, line in enumerate(lines):
        if n:
            text.append("\n")
        text.append(line, style="bold" if n < 2 else "")
    return text
