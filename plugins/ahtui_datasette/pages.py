"""The pages a manager reads: the home pages, each list, and the charts.

Datasette's own index, database and query pages are made for people who write SQL ("Custom
SQL query returning 836 rows", a "Run SQL" button, column names, every row at once); these
take their place at the same addresses, in Datasette's own templates (they extend its
`base.html`, so its menu, sign-out and styles stay). Datasette still answers each list's CSV
and JSON (`/<site>/<query>.csv`, `.json`), which every list page links to.

- `/`: every served site, under its name, with its headline tiles and the time its figures
  were worked out; `/<site>`: one site's tiles, its lists and its charts.
- `/<site>/<query>`: one list, 50 rows a page (`?page=2`), the number of rows at the top,
  headings and values in words (`present`), the site named once when every row is its own;
  the timescales, the scorecard and equality monitoring carry their charts.
- `/-/ahtui/scorecard`: the charts of every site together.

Every figure comes from a query as `disclosure` publishes it. A tile's number is the length of a
list (practitioners by name, people by CRN) that the list shows in full, so it is given exactly:
it says nothing the list does not; Meeting 1's tile is a share of rounded counts.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from datasette.utils.asgi import Response

from . import charts, logins, present
from .disclosure import RULE
from .instance import site_names
from .queries import (
    BY_NAME,
    CONSENT_REOFFERS,
    EQUALITY,
    MEETING1_QUARTER,
    MEETING_TIMESCALES,
    MONTHLY_SCORECARD,
    NEAR_RELEASE,
    NEAR_RELEASE_DAYS,
    OVERDUE_ACTIONS,
    QUERIES,
    Query,
)

PAGE_SIZE = 50
CHARTS_PATH = "/-/ahtui/scorecard"
# What one row of each list is, for the count at its top.
ROW_NOUNS: dict[str, tuple[str, str]] = {
    "overdue_actions": ("practitioner", "practitioners"),
    "meeting_timescales": ("timescale", "timescales"),
    "caseload_by_pathway_and_lead": ("line", "lines"),
    "consent_status": ("agency", "agencies"),
    "consent_reoffers_due": ("re-offer", "re-offers"),
    "near_release_no_gate_plan": ("person", "people"),
    "monthly_scorecard": ("month", "months"),
    "equality_monitoring": ("group", "groups"),
}


@dataclass(frozen=True)
class Figures:
    rows: list[dict]
    made_at: float


async def figures(datasette: Any, database: str, query: Query) -> Figures:
    """A query's published rows, and when they were worked out (the cache keeps that time)."""
    asked = time.time()
    result = await datasette.get_database(database).execute(query.sql)
    # A cached result is shared and never changed: its rows as dicts are kept with it.
    rows = getattr(result, "ahtui_dicts", None)
    if rows is None:
        rows = result.ahtui_dicts = [dict(r) for r in result.rows]
    return Figures(rows, getattr(result, "ahtui_made_at", asked))


def title_of(datasette: Any, database: str) -> str:
    return datasette.metadata("title", database=database, fallback=False) or database


def _sites(datasette: Any) -> list[str]:
    return sorted(site_names(datasette), key=lambda n: title_of(datasette, n).lower())


def _by_site(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["site"], []).append(row)
    return out


def _shown(value: Any) -> str:
    return present.number(value)


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _tiles(url: Any, overdue: list, quarter: list, reoffers: list, near: list) -> list[dict]:
    """The four headline tiles of one site, from its rows of the four queries."""
    oldest = max((r["days_overdue"] or 0 for r in overdue), default=0)
    q = quarter[0] if quarter else None
    if q is None or not q["meeting1_due"]:
        m1, m1_detail = "None due", "No Meeting 1 has fallen due yet this quarter."
    elif q["meeting1_on_time_pct"] is None:
        m1 = present.NO_SHARE
        m1_detail = (
            f"Of {_shown(q['meeting1_due'])} due since {present.day(q['quarter_from'])}, "
            f"{_shown(q['meeting1_on_time'])} held on time: too few to give a share."
        )
    else:
        m1 = f"{q['meeting1_on_time_pct']}%"
        m1_detail = (
            f"{_shown(q['meeting1_on_time'])} of {_shown(q['meeting1_due'])} held on time "
            f"since {present.day(q['quarter_from'])}."
        )
    late = sum(r["status"] == "overdue" for r in reoffers)
    soonest = min((r["days_to_release"] for r in near), default=None)
    return [
        {
            "label": "Overdue actions",
            "figure": _shown(len(overdue)),
            "detail": _plural(len(overdue), "practitioner", "practitioners")
            + " with overdue actions"
            + (
                f"; the oldest is {oldest:,} {_plural(oldest, 'day', 'days')} overdue."
                if overdue
                else "."
            ),
            "href": url(OVERDUE_ACTIONS),
        },
        {
            "label": "Meeting 1 on time this quarter",
            "figure": m1,
            "detail": m1_detail,
            "href": url(MEETING_TIMESCALES),
        },
        {
            "label": "Consent re-offers due",
            "figure": _shown(len(reoffers)),
            "detail": f"overdue or due within 14 days ({late:,} overdue).",
            "href": url(CONSENT_REOFFERS),
        },
        {
            "label": "Near release with no gate plan",
            "figure": _shown(len(near)),
            "detail": f"{_plural(len(near), 'person', 'people')} due for release in the next "
            f"{NEAR_RELEASE_DAYS} days with no one named to meet them"
            + (
                f"; the soonest in {soonest} {_plural(soonest, 'day', 'days')}."
                if soonest is not None
                else "."
            ),
            "href": url(NEAR_RELEASE),
        },
    ]


async def site_summary(datasette: Any, database: str) -> dict:
    """One served file: its name, links, and the tiles of each site its rows report."""
    # At once: Datasette runs each on a connection of its own, in its own thread.
    got = await asyncio.gather(
        *(
            figures(datasette, database, q)
            for q in (OVERDUE_ACTIONS, MEETING1_QUARTER, CONSENT_REOFFERS, NEAR_RELEASE)
        )
    )
    title = title_of(datasette, database)
    parts = [_by_site(f.rows) for f in got]
    names = sorted(set().union(*parts)) or [title]

    def url(query: Query) -> str:
        return datasette.urls.path(f"/{database}/{query.name}")

    return {
        "title": title,
        "href": datasette.urls.path(f"/{database}"),
        "as_of": present.as_of(min(f.made_at for f in got)),
        "groups": [
            {
                "site": name,
                "tiles": _tiles(url, *(p.get(name, []) for p in parts)),
            }
            for name in names
        ],
        "lists": [
            {
                "title": q.title,
                "description": q.description,
                "href": url(q),
                "csv": datasette.urls.path(f"/{database}/{q.name}.csv"),
                "json": datasette.urls.path(f"/{database}/{q.name}.json"),
            }
            for q in QUERIES
        ],
    }


async def _render(datasette, request, template: str, context: dict, status: int = 200):
    context = {"rule": RULE, "charts_url": datasette.urls.path(CHARTS_PATH), **context}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, status=status)


async def not_found(datasette, request, message: str, status: int = 404):
    return await _render(
        datasette, request, "ahtui_message.html", {"heading": "Not found", "message": message},
        status=status,
    )  # fmt: skip


def supervisors_only(view):
    """The gate has refused anyone else already; a page that forgot it still would."""

    async def checked(request, datasette):
        if not logins.is_supervisor(datasette, request.actor):
            return Response.html("<!DOCTYPE html><title>Sign in</title><p>Sign in.</p>", 403)
        return await view(request, datasette)

    checked.__name__ = view.__name__
    return checked


@supervisors_only
async def home(request, datasette):
    summaries = await asyncio.gather(*(site_summary(datasette, n) for n in _sites(datasette)))
    return await _render(datasette, request, "ahtui_home.html", {"summaries": summaries})


@supervisors_only
async def site_home(request, datasette):
    database = request.url_vars["site"]
    if database not in site_names(datasette):
        return await not_found(datasette, request, "No site is served under that address.")
    summary = await site_summary(datasette, database)
    crumbs = [("All sites", datasette.urls.instance()), (summary["title"], summary["href"])]
    return await _render(
        datasette, request, "ahtui_site.html", {"summary": summary, "ahtui_crumbs": crumbs}
    )


_DIGITS = re.compile(r"[0-9]{1,9}")


def _page_number(raw: str | None, pages: int) -> int | None:
    """The page asked for, or None for one that is not there. Only ASCII digits, and few of
    them: `str.isdigit` takes "²", which `int` refuses, and `int` refuses thousands of digits."""
    if raw is None or raw == "":
        return 1
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= pages:
        return None
    return int(raw)


def _chart_sections(query: Query, rows: list[dict], today: date) -> list[dict]:
    if query.name not in (MEETING_TIMESCALES.name, EQUALITY.name, MONTHLY_SCORECARD.name):
        return []
    partial = f"{today:%Y-%m}"
    out = []
    for site, group in _by_site(rows).items():
        if query is MEETING_TIMESCALES:
            svg = charts.timescales_svg(site, group)
        elif query is EQUALITY:
            svg = charts.equality_svg(site, group)
        elif query is MONTHLY_SCORECARD:
            svg = charts.scorecard_svg(site, group, partial)
        else:
            continue
        out.append({"site": site, "svg": svg})
    return out


@supervisors_only
async def list_page(request, datasette):
    database, name = request.url_vars["site"], request.url_vars["query"]
    if database not in site_names(datasette) or name not in BY_NAME:
        return await not_found(datasette, request, "There is no such list for a served site.")
    query = BY_NAME[name]
    got = await figures(datasette, database, query)
    total = len(got.rows)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    number = _page_number(request.args.get("page"), pages)
    base = datasette.urls.path(f"/{database}/{name}")
    if number is None:
        return await not_found(
            datasette, request,
            f"This list has {pages} page{'s' if pages != 1 else ''}; there is no page "
            f"{request.args.get('page')!r}.",
            status=404 if _DIGITS.fullmatch(request.args.get("page") or "") else 400,
        )  # fmt: skip
    today = date.today()
    shown = present.shown_columns(query.columns, got.rows)
    first = (number - 1) * PAGE_SIZE
    rows = got.rows[first : first + PAGE_SIZE]
    sites = sorted({r["site"] for r in got.rows})
    one, many = ROW_NOUNS[name]

    def page_url(n: int) -> str:
        return base if n == 1 else f"{base}?page={n}"

    context = {
        "ahtui_crumbs": [
            ("All sites", datasette.urls.instance()),
            (title_of(datasette, database), datasette.urls.path(f"/{database}")),
            (query.title, base),
        ],
        "query": query,
        "site_title": title_of(datasette, database),
        "site_url": datasette.urls.path(f"/{database}"),
        # The site, named once in the heading, when every row is its own (or there are none).
        "for_site": None if "site" in shown else (sites or [title_of(datasette, database)])[0],
        "as_of": present.as_of(got.made_at),
        "table": present.table(name, query.columns, shown, rows, today),
        "total": f"{total:,} {one if total == 1 else many}",
        "first": first + 1 if rows else 0,
        "last": first + len(rows),
        "page": number,
        "pages": pages,
        "nav": {
            "first": page_url(1) if number > 1 else None,
            "previous": page_url(number - 1) if number > 1 else None,
            "next": page_url(number + 1) if number < pages else None,
            "last": page_url(pages) if number < pages else None,
        },
        # Datasette answers CSV and JSON up to its max_returned_rows; say so when it cuts.
        "download_limit": (
            f"{limit:,}" if (limit := datasette.max_returned_rows) < total else None
        ),
        "csv_url": f"{base}.csv",
        "json_url": f"{base}.json",
        "charts": _chart_sections(query, got.rows, today),
        "has_counts": any(k == "count" for k in query.columns.values()),
        "has_shares": any(isinstance(k, tuple) for k in query.columns.values()),
        "no_share_note": present.NO_SHARE_NOTE,
    }
    return await _render(datasette, request, "ahtui_list.html", context)


@supervisors_only
async def charts_page(request, datasette):
    today = date.today()
    sections = []
    made = []
    for database in _sites(datasette):
        for query in (MONTHLY_SCORECARD, MEETING_TIMESCALES, EQUALITY):
            got = await figures(datasette, database, query)
            made.append(got.made_at)
            for chart in _chart_sections(query, got.rows, today):
                sections.append(
                    {
                        **chart,
                        "title": query.title,
                        "href": datasette.urls.path(f"/{database}/{query.name}"),
                    }
                )
    as_of = present.as_of(min(made)) if made else present.as_of(time.time())
    crumbs = [
        ("All sites", datasette.urls.instance()),
        ("Charts", datasette.urls.path(CHARTS_PATH)),
    ]
    return await _render(
        datasette, request, "ahtui_charts.html",
        {"sections": sections, "as_of": as_of, "ahtui_crumbs": crumbs},
    )  # fmt: skip


# The list route names the queries, so Datasette still answers `.csv` and `.json` (and any
# other address) itself.
_QUERY_NAMES = "|".join(q.name for q in QUERIES)
ROUTES = [
    (r"^/$", home),
    (r"^/(?P<site>[^/.]+)$", site_home),
    (rf"^/(?P<site>[^/.]+)/(?P<query>{_QUERY_NAMES})$", list_page),
]
