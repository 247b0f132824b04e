"""The pages a manager reads, through Datasette's own test client, on real encrypted sites.

Two demo sites are served together as `ahtui serve` serves them: a prison large enough that its
lists run to several pages, and a small probation office; a person of a rare ethnicity makes
equality monitoring publish "<5". Every page is reached by following links from the home page,
and every page's HTML is read for codes, raw column names, SQL and Datasette's SQL furniture.
"""

from __future__ import annotations

import asyncio
import enum
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import ahtui_datasette
import pytest
from ahtui_datasette import charts, present
from ahtui_datasette.disclosure import COUNT, RULE
from ahtui_datasette.pages import PAGE_SIZE
from ahtui_datasette.queries import BY_NAME, MEETING1_QUARTER, MEETING1_RULES, QUERIES

from ahtui import serve
from ahtui.demo import build_demo
from ahtui.domain import enums
from ahtui.domain.enums import Pathway
from ahtui.domain.schedule import compute_schedule
from ahtui.serve.server import make_datasette
from ahtui.serve.unlock import unlock_sites
from ahtui.store import people, team
from ahtui.store.facts_loader import load_facts
from ahtui.store.site import init_site, open_site

ADMIN = "admin"
PASSPHRASE = "correct horse battery staple"
SUPERVISOR = "pat.manager"
SITES = {"north": ("HMP North", "prison", 400, 5), "south": ("South Probation", "probation", 30, 6)}
FORBIDDEN = ("Custom SQL", "Run SQL", "0 rows in 0 tables", "SELECT ", "summary_", "ahtui_count")
RULE_TEXT = "Counts under 5 are shown as &lt;5; all other counts are rounded to the nearest 5"  # as HTML escapes it
ENUM_CODES = {
    m.value
    for e in vars(enums).values()
    if isinstance(e, type) and issubclass(e, enum.StrEnum) and e.__module__ == enums.__name__
    for m in e
}
COLUMN_NAMES = {c for q in QUERIES for c in q.columns}
# The codes that are no English word: never a word of a page ("long" may be, in "long sentence").
SHORT_CODES = {"ces", "pa", "pp", "pom", "ipp"}
assert SHORT_CODES <= ENUM_CODES


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("pages")
    today = date.today()
    paths = {}
    for name, (title, agency, count, seed) in SITES.items():
        path = base / f"{name}.ahtui"
        site = init_site(path, name=title, agency=agency, admin=ADMIN, passphrase=PASSPHRASE)
        build_demo(site, people=count, seed=seed, actions_per_person=6, today=today)
        if name == "north":
            lead = team.list_practitioners(site, "pom")[0]["id"]
            with site.write():
                people.create_person(
                    site,
                    {
                        "given_name": "Rare",
                        "family_name": "Group",
                        "pathway": Pathway.LONG,
                        "sentence_date": today - timedelta(days=100),
                        "sentence_length_months": 48,
                        "ethnicity": "Roma",
                    },
                    lead_practitioner_id=lead,
                    lead_role="pom",
                    on=today - timedelta(days=100),
                )
        site.close()
        paths[name] = path
    auth = base / "supervisors.toml"
    serve.add_supervisor(auth, SUPERVISOR, "a manager's password")
    unlocked = unlock_sites(tuple(paths.values()), ADMIN, PASSPHRASE)
    ds = make_datasette(unlocked, auth)
    yield {"ds": ds, "paths": paths}
    for db in ds.databases.values():
        db.close()


def _cookie(ds) -> dict:
    return {"ds_actor": ahtui_datasette.logins.start_session(ds, SUPERVISOR)}


async def _get(ds, path: str):
    response = await ds.client.get(path, cookies=_cookie(ds))
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response


async def _rows(ds, site: str, query: str) -> list[dict]:
    return (await _get(ds, f"/{site}/{query}.json?_shape=array")).json()


class Page(HTMLParser):
    """What a reader sees of a page: its visible text, its table cells, headings and links."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.cells: list[tuple[str, str]] = []  # (tag, text)
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.body_rows = 0
        self._skip = 0
        self._cell: list[str] | None = None
        self._tag = ""
        self._link: list[str] | None = None
        self._href = ""
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._skip += 1
        if tag in ("td", "th"):
            self._cell, self._tag = [], tag
        if tag == "tbody":
            self._in_body = True
        if tag == "tr" and self._in_body:
            self.body_rows += 1
        if tag == "a":
            self._link, self._href = [], dict(attrs).get("href") or ""

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append((self._tag, " ".join("".join(self._cell).split())))
            self._cell = None
        if tag == "tbody":
            self._in_body = False
        if tag == "a" and self._link is not None:
            self.links.append((self._href, " ".join("".join(self._link).split())))
            self._link = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._link is not None:
            self._link.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def read(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


async def crawl(ds) -> dict[str, object]:
    """Every address reached by following links from the home page: HTML pages by their text,
    other answers (CSV, JSON) by their response."""
    seen: dict[str, object] = {}
    queue = ["/"]
    cookie = _cookie(ds)
    while queue and len(seen) < 400:
        path = queue.pop(0)
        if path in seen:
            continue
        response = await ds.client.get(path, cookies=cookie)
        assert response.status_code == 200, (path, response.status_code)
        seen[path] = response
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)', response.text):
            url = urlsplit(urljoin("http://localhost" + path, href.replace("&amp;", "&")))
            if url.netloc not in ("", "localhost") or url.path.startswith("/-/static"):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append(target)
    return seen


@pytest.fixture(scope="module")
def pages(served):
    reached = asyncio.run(crawl(served["ds"]))
    return {
        p: r.text for p, r in reached.items() if "text/html" in r.headers.get("content-type", "")
    }, reached


# -- the home pages ---------------------------------------------------------------------------


AS_OF = re.compile(r"Figures as of (\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2})")


def test_the_time_of_the_figures_reads_as_a_manager_writes_it() -> None:
    assert present.as_of(datetime(2026, 12, 3, 9, 0).timestamp()) == "3 Dec 2026, 09:00"
    assert present.day("2026-01-05") == "5 Jan 2026"
    assert present.month("2026-11", date(2026, 12, 3)) == "Nov 2026"
    assert present.month("2026-12", date(2026, 12, 3)) == "Dec 2026 (partial: to 3 Dec)"


async def test_the_home_page_names_each_site_with_its_tiles_and_the_time_of_its_figures(
    served,
) -> None:
    ds = served["ds"]
    await ds.invoke_startup()
    for site in SITES:
        ds.get_database(site)._ahtui_cache.clear()
    before = datetime.now().replace(second=0, microsecond=0)
    html = (await _get(ds, "/")).text
    after = datetime.now()
    page = read(html)
    assert "HMP North" in page.visible and "South Probation" in page.visible
    assert "north.ahtui" not in html and ">north<" not in html
    times = AS_OF.findall(page.visible)
    assert len(times) == 2  # one per site
    for shown in times:
        assert before <= datetime.strptime(shown, "%d %b %Y, %H:%M") <= after
    # Asked again while the files are unchanged: the same figures, so the same time.
    assert AS_OF.findall(read((await _get(ds, "/")).text).visible) == times
    assert RULE_TEXT in html
    for site in SITES:
        labels = {text for href, text in page.links if href.startswith(f"/{site}/")}
        for tile in ("Overdue actions", "Meeting 1 on time this quarter", "Consent re-offers due",
                     "Near release with no gate plan"):  # fmt: skip
            assert any(text.startswith(tile) for text in labels), (site, tile, labels)


TILES = {
    "overdue_actions": "Overdue actions",
    "meeting_timescales": "Meeting 1 on time this quarter",
    "consent_reoffers_due": "Consent re-offers due",
    "near_release_no_gate_plan": "Near release with no gate plan",
}


def _tile(page: Page, site: str, query: str) -> str:
    label = TILES[query] + " "
    (text,) = [t for h, t in page.links if h == f"/{site}/{query}" and t.startswith(label)
               and t != BY_NAME[query].title]  # fmt: skip
    return text


async def test_each_tile_gives_the_figure_of_its_list(served) -> None:
    ds = served["ds"]
    page = read((await _get(ds, "/north")).text)
    overdue = await _rows(ds, "north", "overdue_actions")
    reoffers = await _rows(ds, "north", "consent_reoffers_due")
    near = await _rows(ds, "north", "near_release_no_gate_plan")
    assert _tile(page, "north", "overdue_actions").startswith(f"Overdue actions {len(overdue):,} ")
    oldest = max(r["days_overdue"] for r in overdue)
    assert f"the oldest is {oldest:,} days overdue" in _tile(page, "north", "overdue_actions")
    assert _tile(page, "north", "consent_reoffers_due").startswith(
        f"Consent re-offers due {len(reoffers):,} "
    )
    assert _tile(page, "north", "near_release_no_gate_plan").startswith(
        f"Near release with no gate plan {len(near):,} "
    )


async def test_meeting_1_this_quarter_is_counted_from_the_rules(served) -> None:
    """Worked out here from the schedule rules, then published by the rule."""
    today = date.today()
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    site = open_site(served["paths"]["north"], ADMIN, PASSPHRASE, audit_unlock=False)
    try:
        due = on_time = 0
        for facts in load_facts(site).values():
            for item in compute_schedule(facts, today):
                if item.rule in MEETING1_RULES and item.due_on and quarter <= item.due_on < today:
                    due += 1
                    on_time += item.done_on is not None and item.done_on <= item.due_on
    finally:
        site.close()
    from ahtui_datasette.disclosure import published_count, published_share

    ds = served["ds"]
    (row,) = [dict(r) for r in (await ds.get_database("north").execute(MEETING1_QUARTER.sql)).rows]
    assert row["meeting1_due"] == published_count(due)
    assert row["meeting1_on_time"] == published_count(on_time)
    share = published_share(published_count(on_time), published_count(due))
    assert row["meeting1_on_time_pct"] == share
    tile = _tile(read((await _get(ds, "/")).text), "north", "meeting_timescales")
    if share is not None:
        assert f"{share}%" in tile and f"since {present.day(quarter)}" in tile
    else:
        assert present.NO_SHARE in tile or "None due" in tile


# -- every page, as a manager reads it --------------------------------------------------------


async def test_every_page_is_reached_from_the_home_page(pages) -> None:
    html, reached = pages
    for site in SITES:
        assert f"/{site}" in html
        for q in QUERIES:
            assert f"/{site}/{q.name}" in html
            assert f"/{site}/{q.name}.csv" in reached and f"/{site}/{q.name}.json" in reached
    assert "/-/ahtui/scorecard" in html
    # Paged lists: every page of them, by the links on the pages.
    assert "/north/caseload_by_pathway_and_lead?page=2" in html


async def test_no_page_shows_sql_or_datasettes_sql_furniture(served, pages) -> None:
    html, _ = pages
    ds = served["ds"]
    # And the pages no link leads to: signing in and out, a page that is not there.
    for path in ("/-/ahtui/login", "/-/ahtui/logout", "/north/overdue_actions?page=99"):
        response = await ds.client.get(path, cookies=_cookie(ds))
        assert response.status_code in (200, 404), path
        html = {**html, path: response.text}
    assert len(html) > 20
    for path, text in html.items():
        for needle in FORBIDDEN:
            assert needle not in text, (needle, path)


async def test_headings_and_values_are_words_not_codes(pages) -> None:
    html, _ = pages
    checked = 0
    for path, text in html.items():
        page = read(text)
        for tag, cell in page.cells:
            checked += 1
            assert cell not in ENUM_CODES, (path, tag, cell)
            assert cell not in COLUMN_NAMES, (path, tag, cell)
        # No raw name (held_on_time, local_authority) anywhere a reader sees, and no short code
        # (ces, pa, pp, pom) as a word of its own.
        assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", page.visible), path
        words = set(re.findall(r"\b[a-z]+\b", page.visible))
        assert not words & SHORT_CODES, (path, words & SHORT_CODES)
    assert checked > 1000


async def test_every_column_has_a_heading_or_is_shown_in_words_elsewhere() -> None:
    for q in QUERIES:
        for column in q.columns:
            if column in present.HIDDEN:
                continue
            heading = present.heading(q.name, column)
            assert heading[0].isupper() and "_" not in heading, (q.name, column)


async def test_a_page_for_one_site_names_it_once(served) -> None:
    ds = served["ds"]
    for q in QUERIES:
        page = read((await _get(ds, f"/north/{q.name}")).text)
        assert "Site" not in [c for t, c in page.cells if t == "th"], q.name
        assert "HMP North" not in [c for t, c in page.cells if t == "td"], q.name
        assert f"{q.title}: HMP North" in page.visible


def test_a_page_for_several_sites_keeps_the_site_column() -> None:
    columns = BY_NAME["overdue_actions"].columns
    rows = [{"site": "HMP North"}, {"site": "South Probation"}]
    assert "site" in present.shown_columns(columns, rows)
    assert "site" not in present.shown_columns(columns, rows[:1])
    assert present.label("team", "local_authority") == "Local authority"
    assert present.label("lead_role", "ces") == "Care Experience Specialist"
    assert present.label("pathway", "long") == "Long sentence"
    assert present.label("agency", "ces") == "Care Experience Specialist"


async def test_every_page_says_the_rule_where_it_shows_counts(pages) -> None:
    html, _ = pages
    for path, text in html.items():
        query = path.split("?")[0].rsplit("/", 1)[-1]
        if path in ("/", "/north", "/south", "/-/ahtui/scorecard") or (
            query in BY_NAME and COUNT in BY_NAME[query].columns.values()
        ):
            assert RULE_TEXT in text, path
    assert RULE.startswith("Counts under 5 are shown as <5; all other counts are rounded")


async def test_every_page_can_be_used_with_the_keyboard(pages) -> None:
    html, _ = pages
    for path, text in html.items():
        assert 'href="#ahtui-main"' in text and 'id="ahtui-main"' in text, path
        assert ":focus-visible" in text, path


# -- paging -----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["caseload_by_pathway_and_lead", "overdue_actions"])
async def test_long_lists_are_paged_with_the_total_at_the_top(served, query) -> None:
    ds = served["ds"]
    rows = await _rows(ds, "north", query)
    assert len(rows) > 2 * PAGE_SIZE  # the site is big enough to test this
    pages = -(-len(rows) // PAGE_SIZE)
    name = "lead" if query.startswith("caseload") else "practitioner"
    seen: list[str] = []
    path: str | None = f"/north/{query}"
    for number in range(1, pages + 1):
        assert path is not None
        html = (await _get(ds, path)).text
        page = read(html)
        first = (number - 1) * PAGE_SIZE + 1
        last = min(number * PAGE_SIZE, len(rows))
        assert f"{len(rows):,} " in page.visible
        assert f"showing {first} to {last} (page {number} of {pages})" in page.visible
        assert page.body_rows == last - first + 1
        headings = [c for t, c in page.cells if t == "th"]
        column = headings.index(present.heading(query, name))
        cells = [c for t, c in page.cells if t == "td"]
        seen += cells[column :: len(headings)]
        nexts = [h for h, t in page.links if t == "Next page"]
        path = nexts[0].replace("&amp;", "&") if nexts else None
    assert path is None  # the last page has no next
    assert seen == [r[name] for r in rows]


@pytest.mark.parametrize(
    ("page", "status"),
    [
        ("0", 404),
        ("99", 404),
        ("abc", 400),
        ("-1", 400),
        ("1.5", 400),
        ("²", 400),
        ("9" * 5000, 400),
        ("1%0a2", 400),
        ("%00", 400),
    ],  # fmt: skip
)
async def test_a_page_that_is_not_there_says_so(served, page, status) -> None:
    ds = served["ds"]
    response = await ds.client.get(f"/north/overdue_actions?page={page}", cookies=_cookie(ds))
    assert response.status_code == status
    assert "This list has " in response.text and "Back to the home page" in response.text
    assert len(response.text) < 20_000  # the page asked for is not echoed at length


async def test_an_unknown_site_or_list_is_not_found(served) -> None:
    ds = served["ds"]
    cookie = _cookie(ds)
    assert (await ds.client.get("/east", cookies=cookie)).status_code in (403, 404)
    assert (await ds.client.get("/north/people", cookies=cookie)).status_code == 403


# -- the scorecard, the charts ----------------------------------------------------------------


async def test_the_current_month_is_marked_as_partial(served) -> None:
    ds = served["ds"]
    today = date.today()
    mark = f"(partial: to {today.day} {present.MONTH_NAMES[today.month]})"
    page = read((await _get(ds, "/north/monthly_scorecard")).text)
    months = [c for t, c in page.cells if t == "td" and re.match(r"[A-Z][a-z]{2} \d{4}", c)]
    assert len(months) == 12
    assert months[-1] == f"{present.MONTH_NAMES[today.month]} {today.year} {mark}"
    assert all("partial" not in m for m in months[:-1])
    charts = (await _get(ds, "/-/ahtui/scorecard")).text
    assert charts.count("(partial)") == len(SITES)


async def test_the_charts_show_timescales_as_stacked_bars_and_equality_with_small_marked(
    served,
) -> None:
    ds = served["ds"]
    html = (await _get(ds, "/-/ahtui/scorecard")).text
    for title in ("HMP North", "South Probation"):
        for chart in ("Monthly scorecard", "Meetings against their timescales",
                      "Equality monitoring by ethnicity"):  # fmt: skip
            assert f'aria-label="{chart}: {title}"' in html, (chart, title)
    equality = await _rows(ds, "north", "equality_monitoring")
    (roma,) = [r for r in equality if r["ethnicity"] == "Roma"]
    assert roma["people"] == "<5"
    svg = html[html.index('aria-label="Equality monitoring by ethnicity: HMP North"') :]
    svg = svg[: svg.index("</svg>")]
    assert "Roma" in svg and "&lt;5 people" in svg
    # Stacked: each timescale's pieces sit end to end on one line.
    timescales = await _rows(ds, "north", "meeting_timescales")
    svg = html[html.index('aria-label="Meetings against their timescales: HMP North"') :]
    svg = svg[: svg.index("</svg>")]
    for row in timescales:
        assert row["timescale"] in svg
    for label in ("Held on time", "Held late", "Overdue (not held)", "Not yet due"):
        assert label in svg
    # The list pages carry their own charts, beside the figures.
    for query in ("meeting_timescales", "equality_monitoring", "monthly_scorecard"):
        assert "<svg" in (await _get(ds, f"/north/{query}")).text.replace(
            '<svg aria-labelledby="nav-menu-svg-title"', ""
        )
    page = read((await _get(ds, "/north/equality_monitoring")).text)
    assert "<5" in [c for t, c in page.cells if t == "td"]


# -- CSV and JSON stay ------------------------------------------------------------------------


async def test_every_list_keeps_its_csv_and_json(served) -> None:
    ds = served["ds"]
    for site in SITES:
        for q in QUERIES:
            html = (await _get(ds, f"/{site}/{q.name}")).text
            page = read(html)
            links = dict((t, h) for h, t in page.links)
            assert links["CSV"] == f"/{site}/{q.name}.csv"
            assert links["JSON"] == f"/{site}/{q.name}.json"
            rows = (await _get(ds, links["JSON"] + "?_shape=array")).json()
            csv = await _get(ds, links["CSV"])
            assert (
                csv.headers["content-type"].startswith("text/plain")
                or "csv" in (csv.headers["content-type"])
            )
            assert len(csv.text.strip().splitlines()) == len(rows) + 1
            total = re.search(r'class="ahtui-total">([\d,]+) ', html)
            assert total and int(total.group(1).replace(",", "")) == len(rows), q.name


def test_chart_labels_are_text_never_markup() -> None:
    hostile = "<script>alert(1)</script>&"
    row = {"ethnicity": hostile, "people": "<5", "meetings_due": 10, "meetings_on_time": "<5",
           "meetings_on_time_pct": None, "actions_due": 0, "actions_on_time": 0,
           "actions_on_time_pct": None}  # fmt: skip
    timescale = {"timescale": hostile, "held_on_time": 5, "held_late": "<5", "overdue": 0,
                 "not_yet_due": 10}  # fmt: skip
    for svg in (charts.equality_svg(hostile, [row]), charts.timescales_svg(hostile, [timescale]),
                charts.scorecard_svg(hostile, [], None)):  # fmt: skip
        assert "<script>" not in svg and "&lt;script&gt;" in svg


async def test_a_file_with_several_sites_shows_each_on_the_home_page_and_in_its_lists(
    tmp_path,
) -> None:
    from ahtui.store import rows as store_rows

    path = tmp_path / "hub.ahtui"
    site = init_site(path, name="Hub North", agency="hub", admin=ADMIN, passphrase=PASSPHRASE)
    build_demo(site, people=40, seed=21, actions_per_person=6, today=date.today())
    with site.write():
        other = store_rows.insert(site, "sites", {"name": "Other Prison", "agency": "prison"})
        for n, p in enumerate(team.list_practitioners(site)):
            if n % 2:
                store_rows.update(site, "practitioners", p["id"], {"site_id": other})
    site.close()
    auth = tmp_path / "supervisors.toml"
    serve.add_supervisor(auth, SUPERVISOR, "a manager's password")
    ds = make_datasette(unlock_sites((path,), ADMIN, PASSPHRASE), auth)
    try:
        home = read((await _get(ds, "/hub")).text)
        assert "Hub North" in home.visible and "Other Prison" in home.visible
        assert sum(bool(re.match(r"Overdue actions \d", t)) for _h, t in home.links) == 2
        page = read((await _get(ds, "/hub/overdue_actions")).text)
        assert "Site" in [c for t, c in page.cells if t == "th"]
        sites = {c for t, c in page.cells if t == "td"} & {"Hub North", "Other Prison"}
        assert sites == {"Hub North", "Other Prison"}
        assert "Overdue actions by site, team and practitioner: " not in page.visible
    finally:
        for db in ds.databases.values():
            db.close()


async def test_a_list_longer_than_datasette_answers_in_csv_says_so(served, monkeypatch) -> None:
    ds = served["ds"]
    await ds.invoke_startup()
    ds.get_database("north")._ahtui_cache.clear()
    monkeypatch.setattr(ds, "max_returned_rows", 150)
    try:
        rows = await _rows(ds, "north", "caseload_by_pathway_and_lead")
        assert len(rows) == 150
        page = read((await _get(ds, "/north/caseload_by_pathway_and_lead")).text)
        assert "(the first 150 rows, with the stored column names and codes)" in page.visible
        assert "showing 1 to 50" in page.visible  # the page itself still has every row
    finally:
        ds.get_database("north")._ahtui_cache.clear()
