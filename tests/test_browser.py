"""The supervisors' view in a real browser (headless Chromium through chromedriver), served by
the real `ahtui serve` over two synthetic sites.

A supervisor signs in with the keyboard alone; from the home page the crawl follows every link
of the view (downloads and signing out aside), so pages added later are covered without editing
this file. Every page is photographed (see `browser_support.artefacts_folder`) and must: fit
1280 px with nothing past the right edge, let Tab reach every link and control with a focus
that shows, have its main heading, never say "Custom SQL", "Run SQL" or "0 rows in 0 tables",
and never show a traceback. Signing out ends the session in the browser, and a wrong password
gets the plain message.

Without Chromium and its driver these tests fail, saying what to install; they never skip.
"""

from __future__ import annotations

import time
from urllib.parse import quote, urlsplit

import pytest
from ahtui_datasette.queries import QUERIES
from browser_support import (
    MOST_PAGES,
    SITES,
    SUPERVISOR,
    SUPERVISOR_PASSWORD,
    WIDTH,
    Crawl,
    artefacts_folder,
    chromium_browser,
    crawl,
    enter_and_wait,
    keyboard_sign_in,
    page_report,
    press,
    require_chromium,
    screenshot,
    serving,
    status_of,
    tab_to,
    wait_for_page,
)


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    require_chromium()
    with serving(tmp_path_factory.mktemp("browser")) as served:
        print(f"Sites built and served in {served.seconds:.1f} s")
        yield served
    log = served.server_log()
    assert "Traceback" not in log, f"The server logged a traceback:\n{log}"


@pytest.fixture(scope="module")
def browser(view):
    with chromium_browser() as b:
        yield b


@pytest.fixture
def fresh(browser, view):
    """The browser with no cookies of the view: signed out, as a new visitor."""
    browser.get(view.url + "-/ahtui/login")
    browser.delete_all_cookies()
    return browser


@pytest.fixture(scope="module")
def artefacts():
    return artefacts_folder()


@pytest.fixture(scope="module")
def crawled(browser, view, artefacts, request) -> Crawl:
    """The sign-in page measured, a keyboard sign-in, then every page the links lead to."""
    started = time.monotonic()
    browser.get(view.url + "-/ahtui/login")
    browser.delete_all_cookies()
    browser.get(view.url + "-/ahtui/login")
    wait_for_page(browser)
    sign_in_page = page_report(browser, browser.current_url, artefacts / "00-sign-in.png", started)
    keyboard_sign_in(browser, view.url, SUPERVISOR, SUPERVISOR_PASSWORD)
    assert urlsplit(browser.current_url).path != "/-/ahtui/login", (
        "Signing in did not leave the form"
    )
    result = crawl(browser, view.url, artefacts)
    result.pages.insert(0, sign_in_page)
    # Said on the terminal even with -q and output captured: where to look.
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(
                f"Browser screenshots of {len(result.pages)} pages "
                f"(crawled in {result.seconds:.1f} s): {artefacts}"
            )
    return result


def _problems(crawled: Crawl, check) -> list[str]:
    out = []
    for page in crawled.pages:
        found = check(page)
        if found:
            out.append(f"{page.url} ({page.screenshot}): {found}")
    return out


def _fail_on(problems: list[str], what: str) -> None:
    assert not problems, f"{what} on {len(problems)} page(s):\n" + "\n".join(problems)


def test_the_crawl_reaches_every_site_every_list_and_the_scorecard(crawled, view) -> None:
    """From the home page, links lead to each site, each site's every list, and the chart."""
    paths = {urlsplit(p.url).path for p in crawled.pages}
    assert "/" in paths
    headings = " ".join(h for p in crawled.pages for h in p.headings)
    for name, (title, *_rest) in SITES.items():
        assert title in headings, f"No page is headed with {title}; the crawl reached {paths}"
        for query in QUERIES:
            assert f"/{name}/{query.name}" in paths, f"No link leads to {title}: {query.title}"
    assert "scorecard" in headings.lower()
    assert crawled.logout_links, "No page offers a way to sign out"
    assert not crawled.stopped_early, f"The crawl found more than {MOST_PAGES} pages: a loop?"


def test_every_link_answers(crawled) -> None:
    broken = [f"{url}: {status}" for url, status in crawled.statuses.items() if status != 200]
    assert not broken, f"{len(broken)} link(s) on the pages do not answer 200:\n" + "\n".join(
        broken
    )


def test_nothing_overflows_at_1280_px(crawled, browser) -> None:
    assert browser.execute_script("return document.documentElement.clientWidth") == WIDTH
    _fail_on(_problems(crawled, lambda p: "; ".join(p.overflow)), "Wider than the window")


def test_every_page_has_its_main_heading(crawled) -> None:
    _fail_on(
        _problems(crawled, lambda p: "" if len(p.headings) == 1 else f"headings {p.headings}"),
        "Not exactly one main heading (h1)",
    )


def test_no_page_shows_sql_or_an_empty_database(crawled) -> None:
    _fail_on(_problems(crawled, lambda p: ", ".join(p.forbidden)), "Words a manager must not see")


def test_no_page_shows_field_names(crawled) -> None:
    _fail_on(
        _problems(crawled, lambda p: ", ".join(p.field_names[:8])),
        "Field names where a manager should read words",
    )


def test_no_page_shows_a_traceback(crawled) -> None:
    _fail_on(_problems(crawled, lambda p: "traceback" if p.traceback else ""), "A traceback")


def test_every_link_and_control_is_reached_by_tab(crawled) -> None:
    _fail_on(_problems(crawled, lambda p: "; ".join(p.walk.unreached[:6])), "Not reached by Tab")


def test_every_focused_link_and_control_shows_it(crawled) -> None:
    _fail_on(
        _problems(crawled, lambda p: "; ".join(p.walk.no_visible_focus[:6])),
        "No visible focus",
    )


def test_a_wrong_password_gets_the_plain_message(fresh, view, artefacts) -> None:
    keyboard_sign_in(fresh, view.url, SUPERVISOR, "not the password at all")
    screenshot(fresh, artefacts / "sign-in-wrong-password.png")
    assert urlsplit(fresh.current_url).path == "/-/ahtui/login"
    alert = fresh.find_element("css selector", "[role=alert]").text
    assert alert == "Wrong name or password."
    body = fresh.find_element("tag name", "body").text
    assert "Traceback" not in body and "not the password at all" not in fresh.page_source
    assert fresh.get_cookie("ds_actor") is None
    # Still usable with the keyboard: the right password from here signs in.
    keyboard_sign_in(fresh, view.url, SUPERVISOR, SUPERVISOR_PASSWORD)
    assert fresh.get_cookie("ds_actor") is not None


def _says(name: str):
    return lambda e: name in (e.get("text") or "").lower()


def test_signing_out_with_the_keyboard_ends_the_session(fresh, view, artefacts) -> None:
    """Sign in, open a site's page, sign out from the menu by keyboard; then Back to the
    site's page, and opening it afresh, both ask to sign in again, and the old cookie opens
    nothing. From that page, the keyboard signs in again and comes back to it."""
    from selenium.webdriver.common.keys import Keys

    keyboard_sign_in(fresh, view.url, SUPERVISOR, SUPERVISOR_PASSWORD)
    fresh.get(view.url + "north")
    wait_for_page(fresh)
    heading = fresh.find_element("tag name", "h1").text
    assert "Sign in" not in heading
    old_cookie = f"ds_actor={fresh.get_cookie('ds_actor')['value']}"
    assert status_of(view.url + "north", old_cookie) == 200
    # Datasette's own "Log out" button, in the menu; the plugin's sign-out answers it.
    tab_to(fresh, lambda e: _says("log out")(e) or _says("sign out")(e), open_menus=True)
    enter_and_wait(fresh)
    assert not (fresh.get_cookie("ds_actor") or {}).get("value")
    fresh.back()
    wait_for_page(fresh)
    screenshot(fresh, artefacts / "signed-out-back.png")
    assert "Sign in" in fresh.find_element("tag name", "h1").text, (
        f"Back after signing out still shows {heading!r}: {fresh.current_url}"
    )
    fresh.get(view.url + "north")
    wait_for_page(fresh)
    assert "Sign in" in fresh.find_element("tag name", "h1").text
    assert status_of(view.url + "north", old_cookie) == 403
    # The page that asks is held to the same checks as every other.
    asks = page_report(fresh, fresh.current_url, artefacts / "signed-out.png", time.monotonic())
    assert not asks.overflow and len(asks.headings) == 1 and not asks.traceback
    assert not asks.walk.unreached and not asks.walk.no_visible_focus
    tab_to(fresh, _says("sign in"))
    enter_and_wait(fresh)
    tab_to(fresh, lambda e: e.get("id") == "username")
    press(fresh, SUPERVISOR, Keys.TAB, SUPERVISOR_PASSWORD)
    enter_and_wait(fresh)
    assert urlsplit(fresh.current_url).path == "/north"
    assert fresh.find_element("tag name", "h1").text == heading


# -- the checks themselves, on pages made to break them --------------------------------------

BAD_PAGE = """<!DOCTYPE html><html><head><title>Bad</title><style>
  body { margin: 0 } .quiet:focus { outline: none } .wide { width: 1500px; height: 10px }
</style></head><body>
<h2>No main heading here</h2>
<p><a href="#one">A link with the usual focus ring</a></p>
<p><button class="quiet">A button whose focus does not show</button></p>
<p><a href="#two" tabindex="-1">A link Tab never reaches</a></p>
<div class="wide"></div>
<form><input type="submit" value="Run SQL"></form>
<p>held_on_time</p>
<pre>Traceback (most recent call last):
  File "x.py", line 1, in f</pre>
</body></html>"""

GOOD_PAGE = """<!DOCTYPE html><html><head><title>Good</title></head><body>
<h1>A heading</h1><p><input aria-label="Name" autofocus> <a href="#a">One</a> <button>Two</button></p>
<details><summary>More</summary><p><a href="#b">Three, inside</a></p></details>
<svg width="200" height="40"><a href="#c"><text x="5" y="20">Four, in a chart</text></a></svg>
</body></html>"""


def _load(browser, text: str) -> None:
    browser.get("data:text/html;charset=utf-8," + quote(text))
    wait_for_page(browser)


def test_the_checks_catch_a_page_made_to_fail_them(browser, tmp_path) -> None:
    _load(browser, BAD_PAGE)
    report = page_report(browser, "bad", tmp_path / "bad.png", time.monotonic())
    assert (tmp_path / "bad.png").stat().st_size > 0
    assert report.overflow and "1500 px wide" in report.overflow[0]
    assert any("div.wide" in o for o in report.overflow)
    assert report.headings == []
    assert report.forbidden == ["Run SQL"] and report.traceback
    assert report.field_names == ["held_on_time"]
    assert report.walk.no_visible_focus == ["button 'A button whose focus does not show'"]
    assert report.walk.unreached == ["a 'A link Tab never reaches'"]


def test_the_checks_pass_a_plain_page_and_open_its_disclosures(browser, tmp_path) -> None:
    _load(browser, GOOD_PAGE)
    report = page_report(browser, "good", tmp_path / "good.png", time.monotonic())
    assert report.overflow == [] and report.headings == ["A heading"]
    assert report.forbidden == [] and not report.traceback and report.field_names == []
    assert report.walk.unreached == [] and report.walk.no_visible_focus == []
    # The field that had autofocus, One, Two, the summary, the link its Enter revealed, Four.
    assert len(report.walk.reached) == 6
    assert len(report.links) == 3 and all(isinstance(link, str) for link in report.links)


def test_without_chromium_the_test_fails_saying_what_to_install(monkeypatch) -> None:
    monkeypatch.setenv("AHTUI_CHROMIUM", "/nowhere/chromium")
    monkeypatch.setenv("AHTUI_CHROMEDRIVER", "/nowhere/chromedriver")
    with pytest.raises(pytest.fail.Exception) as failed:
        require_chromium()
    assert "apt-get install chromium chromium-driver" in str(failed.value)
