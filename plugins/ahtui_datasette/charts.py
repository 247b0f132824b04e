"""Plain SVG charts for the supervisors' view, drawn on the server (no JavaScript, no CDN).

The monthly scorecard is a line chart per site: the share of meetings held on time and the
share of actions completed on time, month by month, 0-100 %. The two lines differ in colour,
dash and marker shape, so they read in greyscale and for colour-blind readers too; each point
has a tooltip with the counts behind it, and the page shows the same numbers as a table.

The chart draws only what the scorecard query publishes: counts rounded to 5 (1-4 as <5) and
shares worked out from them (`disclosure`), so it shows nothing the table does not.
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


def scorecard_svg(site: str, months: list[dict]) -> str:
    """A line chart of one site's monthly scorecard rows (from the monthly_scorecard query)."""
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
