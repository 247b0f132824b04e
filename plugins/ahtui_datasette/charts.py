"""Plain SVG charts for the supervisors' view, drawn on the server (no JavaScript, no CDN).

The monthly scorecard is a line chart per site: the share of meetings held on time and the
share of actions completed on time, month by month, 0-100 %. The two lines differ in colour,
dash and marker shape, so they read in greyscale and for colour-blind readers too; each point
has a tooltip with the counts behind it, and the page shows the same numbers as a table.

Meetings against their timescales are stacked bars, one per timescale (held on time, held
late, overdue, not yet due); equality monitoring is bars by ethnicity of the two on-time shares,
with the people on the caseload beside each. A "<5" has no length: it is drawn as a short
hatched piece (or, for a share not given, a hatched stub) labelled "<5".

Why SVG made here rather than a chart library (Vega-Lite through datasette-vega, say): the
pages then need no JavaScript and nothing fetched from elsewhere, so the gate's strict policy
and a machine with no internet both hold; the charts print; they cost a millisecond or two;
and they are drawn only from what the queries publish, counts rounded to 5 (1-4 as <5) and
shares worked out from them (`disclosure`), so they show nothing the tables do not.
"""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 40, 44, 48
MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

SERIES = (
    # key prefix, label, colour, dash, marker
    ("meetings", "Meetings held on time", "#1d5fa6", "", "circle"),
    ("actions", "Actions completed on time", "#b5520b", "6 4", "square"),
)


def month_label(month: str) -> str:
    """'2026-03' -> 'Mar 26'."""
    year, number = month.split("-")
    return f"{MONTHS[int(number)]} {year[2:]}"


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return (
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"'
            ' stroke="white" stroke-width="1"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}" stroke="white"/>'


def scorecard_svg(site: str, months: list[dict], partial: str | None = None) -> str:
    """A line chart of one site's monthly scorecard rows (from the monthly_scorecard query);
    the month `partial` ('2026-12', the current one) is labelled as partial."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    n = max(len(months), 1)
    step = plot_w / max(n - 1, 1)

    def x_at(i: int) -> float:
        return LEFT + i * step

    def y_at(pct: float) -> float:
        return TOP + plot_h * (1 - pct / 100)

    title = f"Monthly scorecard: {site}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
    ]
    for pct in (0, 25, 50, 75, 100):
        y = y_at(pct)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{"#888" if pct == 0 else "#ddd"}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#333">{pct}%</text>'
        )
    for i, row in enumerate(months):
        parts.append(
            f'<text x="{x_at(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
            f'fill="#333">{escape(month_label(row["month"]))}</text>'
        )
        if row["month"] == partial:
            parts.append(
                f'<text x="{x_at(i):.1f}" y="{HEIGHT - BOTTOM + 32}" text-anchor="middle" '
                'fill="#333">(partial)</text>'
            )
    for key, label, colour, dash, marker in SERIES:
        points = []
        segments: list[list[tuple[float, float]]] = [[]]
        for i, row in enumerate(months):
            pct = row.get(f"{key}_on_time_pct")
            if pct is None:
                # Nothing fell due that month, or too few to publish a share: a gap, not a zero.
                if segments[-1]:
                    segments.append([])
                continue
            xy = (x_at(i), y_at(float(pct)))
            segments[-1].append(xy)
            tip = (
                f"{label}, {month_label(row['month'])}: {pct}% "
                f"({row[f'{key}_on_time']} of {row[f'{key}_due']})"
            )
            points.append(f"<g>{_marker(marker, *xy, colour)}<title>{escape(tip)}</title></g>")
        for seg in segments:
            if len(seg) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
                dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dash_attr}/>'
                )
        parts.extend(points)
    # Legend along the top.
    lx = LEFT
    for _key, label, colour, dash, marker in SERIES:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{lx}" y1="20" x2="{lx + 30}" y2="20" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attr}/>'
        )
        parts.append(_marker(marker, lx + 15, 20, colour))
        parts.append(f'<text x="{lx + 38}" y="24" fill="#222">{escape(label)}</text>')
        lx += 60 + 7 * len(label)
    parts.append("</svg>")
    return "\n".join(parts)


# -- bar charts: meetings against their timescales, equality monitoring -----------------------

# A "<5" has no length of its own: drawn this long (hatched, so it reads as not a measure).
SMALL_LENGTH = 2.5
BAR_WIDTH, LABEL_W, BAR_H, GAP = 940, 390, 18, 8
TIMESCALE_SERIES = (
    # column, label, colour (an order from good to bad that also reads in greyscale)
    ("held_on_time", "Held on time", "#1d5fa6"),
    ("held_late", "Held late", "#7fa7d4"),
    ("overdue", "Overdue (not held)", "#b5520b"),
    ("not_yet_due", "Not yet due", "#c8c8c8"),
)
SHARE_SERIES = (
    ("meetings_on_time_pct", "meetings_on_time", "meetings_due", "Meetings held on time",
     "#1d5fa6"),
    ("actions_on_time_pct", "actions_on_time", "actions_due", "Actions completed on time",
     "#b5520b"),
)  # fmt: skip
_HATCH = (
    '<defs><pattern id="ahtui-small" width="4" height="4" patternUnits="userSpaceOnUse">'
    '<path d="M0,4 L4,0" stroke="#444" stroke-width="1"/></pattern></defs>'
)


def _length(value) -> float:
    if value == "<5":
        return SMALL_LENGTH
    return float(value or 0)


def _open(title: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        _HATCH,
    ]


def _legend(parts: list[str], series: list[tuple[str, str]], y: float) -> None:
    x = float(LABEL_W)
    for label, colour in series:
        parts.append(f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{y}" fill="#222">{escape(label)}</text>')
        x += 40 + 7 * len(label)


def _value_text(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def timescales_svg(site: str, rows: list[dict]) -> str:
    """Stacked bars, one per timescale: held on time, held late, overdue, not yet due (counts
    as the meeting_timescales query publishes them; a "<5" is a short hatched piece)."""
    top = 34
    height = top + len(rows) * (BAR_H + GAP) + 10
    title = f"Meetings against their timescales: {site}"
    parts = _open(title, BAR_WIDTH, height)
    _legend(parts, [(label, colour) for _c, label, colour in TIMESCALE_SERIES], 18)
    biggest = max((sum(_length(r[c]) for c, _l, _k in TIMESCALE_SERIES) for r in rows), default=0)
    scale = (BAR_WIDTH - LABEL_W - 20) / max(biggest, 1)
    for i, row in enumerate(rows):
        y = top + i * (BAR_H + GAP)
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + BAR_H - 5}" text-anchor="end" fill="#222">'
            f"{escape(str(row['timescale']))}</text>"
        )
        x = float(LABEL_W)
        for column, label, colour in TIMESCALE_SERIES:
            value = row[column]
            if not value:
                continue
            w = max(_length(value) * scale, 3.0)
            tip = f"{row['timescale']}: {label.lower()} {_value_text(value)}"
            # A "<5" keeps its colour, hatched over, so it reads as a piece without a length.
            hatch = (
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" '
                'fill="url(#ahtui-small)"/>'
                if value == "<5"
                else ""
            )
            parts.append(
                f'<g><rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{colour}" '
                f'stroke="white" stroke-width="1"/>{hatch}<title>{escape(tip)}</title></g>'
            )
            if w >= 34 and value != "<5":
                ink = "#222" if colour in ("#c8c8c8", "#7fa7d4") else "white"
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + BAR_H - 5}" text-anchor="middle" '
                    f'fill="{ink}">{escape(_value_text(value))}</text>'
                )
            x += w
        if any(row[c] == "<5" for c, _l, _k in TIMESCALE_SERIES):
            parts.append(f'<text x="{x + 6:.1f}" y="{y + BAR_H - 5}" fill="#222">&lt;5</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def equality_svg(site: str, rows: list[dict]) -> str:
    """Bars by ethnicity: the share of meetings held on time and of actions completed on time
    (0-100 %), with the people on the caseload in the label. Where a share is not published (a
    count under 5) the bar says "<5"; where nothing fell due, "none due"."""
    top = 34
    group_h = 2 * BAR_H + GAP + 4
    height = top + len(rows) * group_h + 24
    title = f"Equality monitoring by ethnicity: {site}"
    parts = _open(title, BAR_WIDTH, height)
    _legend(parts, [(s[3], s[4]) for s in SHARE_SERIES], 18)
    plot_w = BAR_WIDTH - LABEL_W - 60
    for pct in (0, 50, 100):
        x = LABEL_W + plot_w * pct / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#333">{pct}%</text>'
        )
    for i, row in enumerate(rows):
        y = top + i * group_h
        people = _value_text(row["people"])
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + BAR_H - 4}" text-anchor="end" fill="#222">'
            f"{escape(str(row['ethnicity']))}</text>"
            f'<text x="{LABEL_W - 8}" y="{y + 2 * BAR_H}" text-anchor="end" fill="#555">'
            f"{escape(people)} people</text>"
        )
        for j, (pct_col, num, den, label, colour) in enumerate(SHARE_SERIES):
            by = y + j * (BAR_H + 2)
            pct = row[pct_col]
            if pct is None:
                why = "<5" if "<5" in (row[num], row[den]) else "none due"
                parts.append(
                    f'<g><rect x="{LABEL_W}" y="{by}" width="26" height="{BAR_H}" '
                    f'fill="url(#ahtui-small)"/><text x="{LABEL_W + 32}" y="{by + BAR_H - 5}" '
                    f'fill="#222">{escape(why)}</text>'
                    f"<title>{escape(f'{label}: {why}')}</title></g>"
                )
                continue
            w = plot_w * float(pct) / 100
            tip = f"{label}: {pct}% ({_value_text(row[num])} of {_value_text(row[den])})"
            parts.append(
                f'<g><rect x="{LABEL_W}" y="{by}" width="{max(w, 1):.1f}" height="{BAR_H}" '
                f'fill="{colour}"/><text x="{LABEL_W + w + 6:.1f}" y="{by + BAR_H - 5}" '
                f'fill="#222">{pct}%</text><title>{escape(tip)}</title></g>'
            )
    parts.append("</svg>")
    return "\n".join(parts)
