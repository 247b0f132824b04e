"""The supervisors' view in a real browser: Debian's headless Chromium driven through
chromedriver by Selenium, against the real `ahtui serve` on a free loopback port.

- `require_chromium` fails the test (never skips it) with what to install when Chromium or its
  driver is missing; Selenium Manager is never asked to download a driver.
- `serving` builds synthetic sites and a supervisor login and runs `ahtui serve` over them.
- `crawl` signs in with the keyboard alone and follows every link of the view from the home
  page; `page_report` measures one page (overflow at 1280 px, headings, words a manager must
  never see, tracebacks) and `tab_walk` Tabs through it, recording where focus goes and
  whether it shows.
- Screenshots go to the folder `AHTUI_BROWSER_ARTEFACTS` names (default test-artefacts/browser
  under the repo), one PNG per page in crawl order, with `pages.txt` listing them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit

import pytest
from conftest import ADMIN, PASSPHRASE

REPO = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 900
SUPERVISOR = "sam.supervisor"
SUPERVISOR_PASSWORD = "supervisor password one"
SITES = {
    "north": ("HMP North", "prison", 30, 21),
    "south": ("South Probation", "probation", 20, 22),
}
# Chromium reaches for Google's services at start; this machine's closed network refuses them,
# and without these flags the refusals break the page loads too.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--hide-scrollbars",
    f"--window-size={WIDTH},{HEIGHT}",
)
# What a manager must never read on a page (issue 16): Datasette's SQL machinery and its
# empty-database line.
FORBIDDEN_WORDS = ("Custom SQL", "Run SQL", "0 rows in 0 tables")
# A field's name where a heading or value should be: a word joined by underscores.
FIELD_NAME = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")
# Links the crawl does not open in the browser: downloads, and signing out (done last).
DOWNLOAD = re.compile(r"(\.(csv|json)(\?|$))|([?&]_format=)")
LOGOUT_PATHS = ("/-/ahtui/logout", "/-/logout")
# A list's other pages and orders: the first two of each are opened, enough to see a second
# page of every list without opening every page of every list. Any other query string is a
# page of its own.
PAGING_OR_SORTING = frozenset(
    {"_next", "_size", "_sort", "_sort_desc", "page", "p", "offset", "start", "size", "sort",
     "order"}
)  # fmt: skip
VARIANTS_PER_LIST = 2
# A crawl that finds more pages than this has found a loop of links.
MOST_PAGES = 300
TALLEST_SCREENSHOT = 12000


def artefacts_folder() -> Path:
    folder = Path(os.environ.get("AHTUI_BROWSER_ARTEFACTS") or REPO / "test-artefacts" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    # Only what an earlier run left here, never anything else in a folder someone named.
    for old in [*folder.glob("*.png"), folder / "pages.txt"]:
        old.unlink(missing_ok=True)
    return folder


def _tool(variable: str, name: str) -> str | None:
    chosen = os.environ.get(variable)
    if chosen:
        return chosen if Path(chosen).is_file() else None
    found = shutil.which(name) or (
        f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").is_file() else None
    )
    return found


def require_chromium() -> tuple[str, str]:
    """(chromium, chromedriver), or the test fails saying what to install."""
    chromium = _tool("AHTUI_CHROMIUM", "chromium")
    driver = _tool("AHTUI_CHROMEDRIVER", "chromedriver")
    missing = [p for p, found in (("chromium", chromium), ("chromium-driver", driver)) if not found]
    if missing:
        pytest.fail(
            f"The browser test needs Debian's {' and '.join(missing)}: install "
            f"{'them' if len(missing) > 1 else 'it'} with `apt-get install {' '.join(missing)}` "
            "(./dev test does this when run as root), or name the programs in AHTUI_CHROMIUM "
            "and AHTUI_CHROMEDRIVER.",
            pytrace=False,
        )
    assert chromium and driver
    return chromium, driver


@contextlib.contextmanager
def chromium_browser() -> Iterator:
    """Headless Chromium with a fresh profile, 1280 px wide."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = require_chromium()
    profile = tempfile.mkdtemp(prefix="ahtui-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    # A driver path given: Selenium Manager is not run, so nothing is downloaded.
    browser = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        browser.set_page_load_timeout(30)
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


# -- the view served -----------------------------------------------------------------------------


@dataclass
class Served:
    url: str
    log: Path
    seconds: float

    def server_log(self) -> str:
        return self.log.read_text(errors="replace")


def build_sites(folder: Path) -> tuple[list[Path], Path]:
    """Synthetic demo sites (a prison and a probation office) and one supervisor login."""
    from ahtui import serve
    from ahtui.demo import build_demo
    from ahtui.store.site import init_site

    paths = []
    for name, (title, agency, people, seed) in SITES.items():
        path = folder / f"{name}.ahtui"
        site = init_site(path, name=title, agency=agency, admin=ADMIN, passphrase=PASSPHRASE)
        try:
            build_demo(site, people=people, seed=seed, actions_per_person=6, today=date.today())
        finally:
            site.close()
        paths.append(path)
    auth = folder / "supervisors.toml"
    serve.add_supervisor(auth, SUPERVISOR, SUPERVISOR_PASSWORD)
    return paths, auth


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[Served]:
    """The real `ahtui serve` over fresh sites, on a free loopback port."""
    started = time.monotonic()
    paths, auth = build_sites(folder)
    env = dict(os.environ, AHTUI_PASSPHRASE=PASSPHRASE, AHTUI_USER=ADMIN)
    command = [sys.executable, "-m", "ahtui", "serve", "--port", "0", "--auth", str(auth)]
    for path in paths:
        command += ["--site", str(path)]
    log = folder / "serve.log"
    with open(log, "w") as errors:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            match = re.search(r"http://127\.0\.0\.1:\d+/", line)
            assert match, f"ahtui serve did not start: {line}{log.read_text()}"
            url = match.group(0)
            _wait_until_answering(url)
            yield Served(url=url, log=log, seconds=time.monotonic() - started)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _wait_until_answering(url: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(url + "-/ahtui/login", timeout=2)
            return
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def status_of(url: str, cookie: str) -> int:
    """The status a signed-in request for `url` gets (the browser cannot tell)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# -- the keyboard --------------------------------------------------------------------------------


def active(browser) -> dict:
    return browser.execute_script(
        "const e = document.activeElement; if (!e || e === document.body) return {tag: 'body'};"
        "return {tag: e.tagName.toLowerCase(), "
        "id: e.id, name: e.getAttribute('name'), type: e.getAttribute('type'), "
        "probe: e.getAttribute('data-probe'), text: (e.innerText || e.value || '').trim()}"
    )


def press(browser, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys(*keys).perform()


# Focus is on the summary of a closed <details> (Datasette's menu, "the figures behind the chart").
_CLOSED_SUMMARY_JS = (
    "const e = document.activeElement; return e.tagName === 'SUMMARY' && "
    "e.parentElement.tagName === 'DETAILS' && !e.parentElement.open"
)


def tab_to(browser, wanted, limit: int = 80, *, open_menus: bool = False) -> dict:
    """Tab until the focused element satisfies `wanted`, opening each closed disclosure met
    on the way with Enter when `open_menus`; fails if it never does."""
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        now = active(browser)
        if wanted(now):
            return now
        if open_menus and browser.execute_script(_CLOSED_SUMMARY_JS):
            press(browser, Keys.ENTER)
        press(browser, Keys.TAB)
    raise AssertionError(f"Tab never reached the element wanted; focus ended on {active(browser)}")


def keyboard_sign_in(browser, url: str, name: str, password: str) -> None:
    """Open the sign-in form and use it with the keyboard only: Tab, type, Enter."""
    from selenium.webdriver.common.keys import Keys

    browser.get(url + "-/ahtui/login")
    tab_to(browser, lambda e: e.get("id") == "username")
    press(browser, name, Keys.TAB)
    assert active(browser).get("id") == "password", "Tab from the name does not go to the password"
    press(browser, password)
    enter_and_wait(browser)


def enter_and_wait(browser, timeout: float = 15) -> None:
    """Press Enter on what has focus and wait for the page it leads to (the old page is
    still "complete" for a moment after the key, so its readiness says nothing)."""
    from selenium.webdriver.common.keys import Keys

    browser.execute_script("window.__ahtuiLeaving = true")
    press(browser, Keys.ENTER)
    deadline = time.monotonic() + timeout
    while browser.execute_script("return window.__ahtuiLeaving === true"):
        if time.monotonic() > deadline:
            raise AssertionError(f"Enter on {browser.current_url} led to no new page")
        time.sleep(0.05)
    wait_for_page(browser, timeout)


def wait_for_page(browser, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while browser.execute_script("return document.readyState") != "complete":
        if time.monotonic() > deadline:
            raise AssertionError(f"{browser.current_url} did not finish loading")
        time.sleep(0.05)


# Computed style that shows focus: what changes between an element at rest and focused.
_FOCUS_STYLE = (
    "outlineStyle outlineWidth outlineColor boxShadow backgroundColor color borderTopColor "
    "borderBottomColor borderTopWidth borderBottomWidth textDecorationLine"
).split()
_STYLE_JS = (
    "const s = getComputedStyle(arguments[0]); return ["
    + ", ".join(f"s.{p}" for p in _FOCUS_STYLE)
    + "]"
)
_FOCUSABLE_JS = """
// Links and controls even when tabindex=-1 takes them out of the Tab order (that is the
// fault looked for); anything else only when it asks to be in that order.
const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, ' +
            '[tabindex]:not([tabindex="-1"])';
const all = [...document.querySelectorAll(sel)].filter(e =>
    !e.disabled && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden');
return all.map(e => {
    if (!e.hasAttribute('data-probe')) e.setAttribute('data-probe', 'p' + (window.__probe = (window.__probe || 0) + 1));
    return [e.getAttribute('data-probe'), e.tagName.toLowerCase(),
            (e.innerText || e.value || e.getAttribute('aria-label') || e.textContent || e.getAttribute('href') || '').trim().slice(0, 60)];
});
"""
_AT_REST_JS = (
    "const out = {}; for (const e of document.querySelectorAll('[data-probe]')) {"
    " const s = getComputedStyle(e); out[e.getAttribute('data-probe')] = ["
    + ", ".join(f"s.{p}" for p in _FOCUS_STYLE)
    + "]; } return out;"
)


def _shows_focus(at_rest: list[str], focused: list[str]) -> bool:
    """An outline drawn only when focused, or any other of the styles changed."""
    style, width = focused[0], float(focused[1].removesuffix("px") or 0)
    if style != "none" and width > 0 and at_rest[:3] != focused[:3]:
        return True
    return at_rest[3:] != focused[3:]


@dataclass
class TabWalk:
    reached: list[str] = field(default_factory=list)
    unreached: list[str] = field(default_factory=list)
    no_visible_focus: list[str] = field(default_factory=list)


def tab_walk(browser) -> TabWalk:
    """Tab from the top of the page through every control, opening each closed disclosure
    (a `<summary>`) with Enter as a keyboard user would, until focus comes round again.
    Every visible link and control must be reached, and look different when focused."""
    from selenium.webdriver.common.keys import Keys

    # Start from the top of the page, as on arriving: focus on an element out of the Tab order
    # put first (a blur would leave Chrome's starting point on a field that had autofocus).
    browser.execute_script(
        "const s = document.createElement('span'); s.tabIndex = -1; s.id = 'ahtui-tab-start';"
        "document.body.prepend(s); s.focus(); window.scrollTo(0, 0)"
    )
    listed = {p: (tag, label) for p, tag, label in browser.execute_script(_FOCUSABLE_JS)}
    at_rest = browser.execute_script(_AT_REST_JS)
    walk = TabWalk()
    seen: set[str] = set()
    steps = 0
    # Bounded, in case focus is trapped; disclosures opened on the way add to the bound.
    while steps < 3 * len(listed) + 20:
        steps += 1
        press(browser, Keys.TAB)
        probe = browser.execute_script(
            "const e = document.activeElement; if (!e || e === document.body) return null;"
            "if (!e.hasAttribute('data-probe')) e.setAttribute('data-probe', 'late' + Math.random());"
            "return e.getAttribute('data-probe')"
        )
        if probe is None:
            if walk.reached:
                break
            continue
        if probe in seen:
            break
        seen.add(probe)
        walk.reached.append(probe)
        focused = browser.execute_script(_STYLE_JS, browser.switch_to.active_element)
        rest = at_rest.get(probe)
        if rest is not None and not _shows_focus(rest, focused):
            tag, label = listed.get(probe, ("?", "?"))
            walk.no_visible_focus.append(f"{tag} {label!r}")
        if browser.execute_script(_CLOSED_SUMMARY_JS):
            press(browser, Keys.ENTER)
            listed.update({p: (t, label) for p, t, label in browser.execute_script(_FOCUSABLE_JS)})
            at_rest.update(
                {k: v for k, v in browser.execute_script(_AT_REST_JS).items() if k not in at_rest}
            )
    browser.execute_script("document.getElementById('ahtui-tab-start')?.remove()")
    # What is visible now (disclosures opened) and was never reached.
    now_visible = {p for p, _t, _l in browser.execute_script(_FOCUSABLE_JS)}
    walk.unreached = [
        f"{listed[p][0]} {listed[p][1]!r}" for p in listed if p in now_visible and p not in seen
    ]
    return walk


# -- one page --------------------------------------------------------------------------------

_OVERFLOW_JS = """
const width = document.documentElement.clientWidth;
const out = [];
if (document.documentElement.scrollWidth > width)
    out.push('the page is ' + document.documentElement.scrollWidth + ' px wide');
for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > width + 0.5 || r.left < -0.5) {
        const parentOut = e.parentElement && e.parentElement.__out;
        e.__out = true;
        if (parentOut) continue;  // the outermost one only
        out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                 (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
                 ' spans ' + Math.round(r.left + scrollX) + '-' + Math.round(r.right + scrollX) + ' px');
    }
}
return out.slice(0, 8);
"""
_TEXT_JS = """
const values = [...document.querySelectorAll('input[type=submit], input[type=button], button')]
    .map(e => e.value || e.innerText || '');
return [document.title, document.body.innerText, values.join('\\n'),
        [...document.querySelectorAll('h1')].map(h => h.innerText.trim()).filter(t => t)];
"""


@dataclass
class PageReport:
    url: str
    title: str
    screenshot: str
    seconds: float
    status: int = 0
    overflow: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    traceback: bool = False
    field_names: list[str] = field(default_factory=list)
    walk: TabWalk = field(default_factory=TabWalk)
    links: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)


def screenshot(browser, path: Path) -> None:
    """The whole page, not just the window (up to a very tall page's first 12,000 px)."""
    import base64

    height = browser.execute_script("return document.documentElement.scrollHeight")
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {
                "x": 0,
                "y": 0,
                "width": WIDTH,
                "height": min(height, TALLEST_SCREENSHOT),
                "scale": 1,
            },
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def page_report(browser, url: str, shot: Path, started: float) -> PageReport:
    title, text, buttons, headings = browser.execute_script(_TEXT_JS)
    screenshot(browser, shot)
    everything = "\n".join((title, text, buttons))
    report = PageReport(
        url=url,
        title=title,
        screenshot=shot.name,
        seconds=0.0,
        overflow=list(browser.execute_script(_OVERFLOW_JS)),
        headings=headings,
        forbidden=[w for w in FORBIDDEN_WORDS if w.lower() in everything.lower()],
        traceback=bool(TRACEBACK.search(everything)),
        field_names=sorted(set(FIELD_NAME.findall(f"{title}\n{text}"))),
    )
    # Links, and forms' targets (Datasette's sign-out is a button in a form).
    hrefs = browser.execute_script(
        # (An SVG chart's link has no string `href`: resolved from its attribute.)
        "return [...document.querySelectorAll('a[href]')]"
        ".map(a => new URL(a.getAttribute('href'), document.baseURI).href).concat("
        "[...document.querySelectorAll('form[action]')].map(f => f.action))"
    )
    for href in hrefs:
        href = urldefrag(href)[0]
        (
            report.downloads
            if DOWNLOAD.search(urlsplit(href).path + "?" + urlsplit(href).query)
            else report.links
        ).append(href)
    report.walk = tab_walk(browser)
    # Disclosures the walk opened can make a page wider: measured again, open.
    report.overflow += [o for o in browser.execute_script(_OVERFLOW_JS) if o not in report.overflow]
    report.seconds = time.monotonic() - started
    return report


def _slug(url: str, base: str) -> str:
    rest = url[len(base) :] or "home"
    return re.sub(r"[^A-Za-z0-9]+", "-", rest).strip("-")[:80] or "home"


def same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


@dataclass
class Crawl:
    pages: list[PageReport]
    folder: Path
    logout_links: set[str]
    cookie: str
    seconds: float
    statuses: dict[str, int]
    stopped_early: bool


def _variant_key(url: str) -> tuple[str, str, bool]:
    """(path, the query without paging or sorting, whether it pages or sorts)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = sorted((k, v) for k, v in pairs if k not in PAGING_OR_SORTING)
    return parts.path, urlencode(kept), len(kept) != len(pairs)


def crawl(browser, base: str, folder: Path) -> Crawl:
    """Every page reachable by links from the home page, each opened once, measured and
    photographed; downloads are only asked for their status, and the sign-out pages are
    opened last (opening one does not sign out: that takes its button)."""
    started = time.monotonic()
    queue, queued = [base], {base}
    paged: dict[tuple[str, str], int] = {}
    pages: list[PageReport] = []
    logout: set[str] = set()
    cookie_value = browser.get_cookie("ds_actor")
    assert cookie_value, "Signing in set no session cookie"
    cookie = f"ds_actor={cookie_value['value']}"
    statuses: dict[str, int] = {}
    stopped_early = False

    def visit(url: str) -> PageReport:
        t = time.monotonic()
        browser.get(url)
        wait_for_page(browser)
        shot = folder / f"{len(pages) + 1:02d}-{_slug(url, base)}.png"
        report = page_report(browser, url, shot, t)
        report.status = statuses.setdefault(url, status_of(url, cookie))
        pages.append(report)
        # Where a redirect led is not opened again.
        queued.add(urldefrag(browser.current_url)[0])
        return report

    while queue:
        if len(pages) >= MOST_PAGES:
            stopped_early = True
            break
        report = visit(queue.pop(0))
        for link in report.links:
            if not same_origin(link, base) or link in queued:
                continue
            if urlsplit(link).path in LOGOUT_PATHS:
                logout.add(link)
                continue
            path, rest, pages_or_sorts = _variant_key(link)
            if pages_or_sorts:
                if paged.get((path, rest), 0) >= VARIANTS_PER_LIST:
                    continue
                paged[(path, rest)] = paged.get((path, rest), 0) + 1
            queued.add(link)
            queue.append(link)
        for link in report.downloads:
            if same_origin(link, base) and link not in statuses:
                statuses[link] = status_of(link, cookie)
    for url in sorted({urldefrag(u)[0].split("?")[0] for u in logout}):
        visit(url)
    write_index(folder, pages, base)
    return Crawl(pages, folder, logout, cookie, time.monotonic() - started, statuses, stopped_early)


def write_index(folder: Path, pages: list[PageReport], base: str) -> None:
    lines = [f"Screenshots of the supervisors' view at {WIDTH} px, in crawl order from {base}", ""]
    for p in pages:
        lines.append(f"{p.screenshot}  {p.url[len(base) - 1 :]}  {p.title!r}  {p.seconds:.2f} s")
    (folder / "pages.txt").write_text("\n".join(lines) + "\n")
