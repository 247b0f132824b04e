"""Signing in to the supervisors' view, attacked through Datasette's own test client on a real
encrypted site: redirects that try to leave, sessions that should have ended, guessing,
cross-site posts, another host's name, framing, and the queries' SQL in JSON.

(The same points that need a real server, the Host header and a connection that must not
drop, are in tests/test_serve_cli.py.)
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from datetime import date
from urllib.parse import urlsplit

import ahtui_datasette
import pytest
from ahtui_datasette import logins, sessions

from ahtui import serve
from ahtui.demo import build_demo
from ahtui.serve.server import make_datasette
from ahtui.serve.unlock import unlock_sites
from ahtui.store.site import init_site

ADMIN = "admin"
PASSPHRASE = "correct horse battery staple"
NAME = "sam.supervisor"
PASSWORD = "supervisor password one"
HEADERS = {
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}


@pytest.fixture(scope="module")
def unlocked(tmp_path_factory):
    base = tmp_path_factory.mktemp("signin")
    path = base / "north.ahtui"
    site = init_site(path, name="HMP North", agency="prison", admin=ADMIN, passphrase=PASSPHRASE)
    build_demo(site, people=12, seed=3, actions_per_person=3, today=date.today())
    site.close()
    return base, unlock_sites((path,), ADMIN, PASSPHRASE)


@pytest.fixture
def view(unlocked, tmp_path, monkeypatch):
    """A fresh Datasette per test (its own sessions and sign-in counts) and its login file."""
    monkeypatch.setattr(logins, "FAILED_LOGIN_DELAY", 0)
    made = []

    def make(**sign_in):
        auth = tmp_path / f"supervisors{len(made)}.toml"
        serve.add_supervisor(auth, NAME, PASSWORD)
        ds = make_datasette(unlocked[1], auth, sign_in or None)
        made.append(ds)
        return ds, auth

    yield make
    for ds in made:
        for db in ds.databases.values():
            db.close()


async def _form(ds, path="/-/ahtui/login", headers=None, cookies=None) -> tuple[str, dict]:
    page = await ds.client.get(path, headers=headers, cookies=cookies)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    return token, {"ds_csrftoken": page.cookies["ds_csrftoken"]}


async def _sign_in(ds, password=PASSWORD, name=NAME, next_url="/north", headers=None):
    token, cookies = await _form(ds, headers=headers)
    return await ds.client.post(
        "/-/ahtui/login",
        data={"csrftoken": token, "username": name, "password": password, "next": next_url},
        cookies=cookies,
        headers=headers,
    )


async def _signed_in(ds) -> dict:
    response = await _sign_in(ds)
    assert response.status_code == 302, response.text
    return {"ds_actor": response.cookies["ds_actor"]}


async def _status(ds, cookies, path="/north") -> int:
    return (await ds.client.get(path, cookies=cookies)).status_code


# -- where a sign-in may send the browser ------------------------------------------------------

ESCAPES = [
    "/%09/evil.example/",
    "/\t/evil.example/",
    "/\r\n/evil.example/",
    "/\rLocation: http://evil.example/",
    "/\nSet-Cookie: x=1",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "HTTP://evil.example",
    " //evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/\u2028/evil.example",
    "/%E2%80%A8",
    "/évil",
    "/€/north",
    "",
]


@pytest.mark.parametrize("next_url", ESCAPES)
async def test_a_redirect_after_signing_in_stays_on_this_server(view, next_url) -> None:
    ds, _ = view()
    response = await _sign_in(ds, next_url=next_url)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert all(0x21 <= ord(c) <= 0x7E for c in location), repr(location)
    parts = urlsplit(location)
    assert parts.scheme == "" and parts.netloc == ""
    # The form itself, given the same `next`, is a plain page too.
    page = await ds.client.get("/-/ahtui/login", params={"next": next_url})
    assert page.status_code == 200


async def test_a_local_next_is_followed() -> None:
    from ahtui_datasette.routes import safe_next

    assert safe_next("/north/overdue_actions?_sort=site") == "/north/overdue_actions?_sort=site"
    assert safe_next("/north/caseload_by_pathway_and_lead.csv") == (
        "/north/caseload_by_pathway_and_lead.csv"
    )
    assert safe_next("/%2F%2Fevil") == "/%2F%2Fevil"  # encoded: a path here, not a host


# -- sessions that end ------------------------------------------------------------------------


async def test_signing_out_ends_every_session_of_the_login(view) -> None:
    ds, _ = view()
    first, second = await _signed_in(ds), await _signed_in(ds)
    assert await _status(ds, first) == 200 and await _status(ds, second) == 200
    # Looking at the sign-out page ends nothing; a post without the form's token neither.
    assert (await ds.client.get("/-/ahtui/logout", cookies=first)).status_code == 200
    await ds.client.post("/-/ahtui/logout", cookies=first, data={})
    assert await _status(ds, first) == 200
    token, csrf = await _form(ds, "/-/ahtui/logout", cookies=first)
    out = await ds.client.post(
        "/-/ahtui/logout", cookies={**first, **csrf}, data={"csrftoken": token}
    )
    assert out.status_code == 302
    assert await _status(ds, first) == 403 and await _status(ds, second) == 403


async def test_datasettes_own_sign_out_ends_the_session_too(view) -> None:
    ds, _ = view()
    cookie = await _signed_in(ds)
    token, csrf = await _form(ds, "/-/ahtui/logout", cookies=cookie)
    await ds.client.post("/-/logout", cookies={**cookie, **csrf}, data={"csrftoken": token})
    assert await _status(ds, cookie) == 403


async def test_a_changed_password_ends_every_session(view) -> None:
    ds, auth = view()
    cookie = await _signed_in(ds)
    serve.add_supervisor(auth, NAME, "a new supervisor password")
    assert await _status(ds, cookie) == 403
    assert (await _sign_in(ds)).status_code == 403
    assert (await _sign_in(ds, password="a new supervisor password")).status_code == 302


async def test_a_removed_login_stays_signed_out_even_when_added_back(view) -> None:
    ds, auth = view()
    cookie, kept = await _signed_in(ds), await _signed_in(ds)
    serve.remove_supervisor(auth, NAME)
    assert await _status(ds, cookie) == 403
    # Removed and added back, with the same password, between two requests.
    serve.add_supervisor(auth, NAME, PASSWORD)
    assert await _status(ds, kept) == 403
    assert (await _sign_in(ds)).status_code == 302


async def test_a_session_ends_after_its_lifetime(view) -> None:
    ds, _ = view(session_hours=1.5 / 3600)
    cookie = await _signed_in(ds)
    assert await _status(ds, cookie) == 200
    await asyncio.sleep(1.7)
    assert await _status(ds, cookie) == 403


async def test_a_cookie_signed_by_this_server_but_naming_no_session_is_refused(view) -> None:
    ds, _ = view()
    for actor in (
        {"id": NAME, "ahtui": "supervisor"},
        {"id": NAME, "ahtui": "supervisor", "sid": "made-up"},
        {"id": NAME, "ahtui": "supervisor", "sid": ["a"]},
    ):
        assert await _status(ds, {"ds_actor": ds.sign({"a": actor}, "actor")}) == 403
    # A real session's id under another login's name.
    real = ds.unsign((await _signed_in(ds))["ds_actor"], "actor")
    other = {**real["a"], "id": "someone.else"}
    assert await _status(ds, {"ds_actor": ds.sign({"a": other}, "actor")}) == 403


# -- guessing ---------------------------------------------------------------------------------


async def test_25_wrong_passwords_in_a_row_are_locked_out_then_it_lifts(view) -> None:
    ds, _ = view(login_attempts=10, lockout_minutes=2.5 / 60)
    statuses = [(await _sign_in(ds, password=f"guess {n}")).status_code for n in range(25)]
    assert statuses[:10] == [403] * 10 and set(statuses[10:]) == {429}
    locked = await _sign_in(ds)
    assert locked.status_code == 429 and "ds_actor" not in locked.cookies
    assert "Too many failed sign-ins" in locked.text and "Try again after" in locked.text
    await asyncio.sleep(2.7)
    assert (await _sign_in(ds)).status_code == 302


async def test_parallel_guesses_count_before_they_are_checked(view) -> None:
    ds, _ = view(login_attempts=5)
    forms = [await _form(ds) for _ in range(25)]

    async def guess(n: int) -> int:
        token, cookies = forms[n]
        data = {"csrftoken": token, "username": NAME, "password": f"guess {n}", "next": "/"}
        return (await ds.client.post("/-/ahtui/login", data=data, cookies=cookies)).status_code

    statuses = await asyncio.gather(*(guess(n) for n in range(25)))
    assert statuses.count(403) == 5 and statuses.count(429) == 20


async def test_one_address_trying_many_names_is_locked_out(view) -> None:
    ds, _ = view(login_attempts=2, address_attempts=6)
    statuses = [
        (await _sign_in(ds, name=f"name{n}", password="guess")).status_code for n in range(8)
    ]
    assert statuses == [403] * 6 + [429] * 2
    # The lockout is the address's: the real login from there waits too.
    assert (await _sign_in(ds)).status_code == 429


async def test_a_right_password_does_not_count_against_the_limit(view) -> None:
    ds, _ = view(login_attempts=3)
    for _ in range(6):
        assert (await _sign_in(ds)).status_code == 302
    assert (await _sign_in(ds, password="wrong")).status_code == 403


def test_password_checks_running_at_once_are_bounded(monkeypatch) -> None:
    """However many sign-ins arrive together, at most MAX_STRETCHING scrypt runs at once."""
    running, peak, lock = 0, 0, threading.Lock()
    real = logins.verify_password

    def counted(password, stored):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.02)
            return real(password, stored)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(logins, "verify_password", counted)
    threads = [threading.Thread(target=logins._verify, args=("x", None)) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 <= peak <= sessions.MAX_STRETCHING


# -- posts from other sites -------------------------------------------------------------------


async def test_a_sign_in_post_without_its_token_is_refused(view) -> None:
    ds, _ = view()
    data = {"username": NAME, "password": PASSWORD, "next": "/north"}
    # From another site's form: no cookies at all (Datasette's own check lets this through).
    bare = await ds.client.post("/-/ahtui/login", data=data)
    assert bare.status_code == 403 and "ds_actor" not in bare.cookies
    assert "Sign in again" in bare.text
    token, cookies = await _form(ds)
    # A token but no cookie; a cookie but no token; a token and cookie not made here.
    for sent, jar in (
        ({**data, "csrftoken": token}, {}),
        (data, cookies),
        ({**data, "csrftoken": "forged"}, {"ds_csrftoken": "forged"}),
    ):
        response = await ds.client.post("/-/ahtui/login", data=sent, cookies=jar)
        assert response.status_code == 403 and "ds_actor" not in response.cookies
    as_json = await ds.client.post("/-/ahtui/login", json=data)
    assert as_json.status_code == 403 and "ds_actor" not in as_json.cookies


# -- the address, the headers, the SQL --------------------------------------------------------


async def test_another_hosts_name_is_refused(view) -> None:
    ds, _ = view()
    for host in ("evil.example", "localhost.evil.example", "127.0.0.1.evil.example", ""):
        response = await ds.client.get("/-/ahtui/login", headers={"host": host})
        assert response.status_code == 400, host
        assert "does not answer to that address" in response.text
    for host in ("localhost", "localhost:8001", "127.0.0.1:1234", "[::1]:8001"):
        assert (await ds.client.get("/-/ahtui/login", headers={"host": host})).status_code == 200
    named, _ = view(hosts=["figures.example.org"])
    ok = await named.client.get("/-/ahtui/login", headers={"host": "figures.example.org"})
    assert ok.status_code == 200
    assert (await named.client.get("/-/ahtui/login")).status_code == 400


async def test_every_response_carries_the_security_headers(view) -> None:
    ds, _ = view()
    cookie = await _signed_in(ds)
    responses = [
        await ds.client.get("/-/ahtui/login"),
        await ds.client.get("/north"),  # refused: not signed in
        await ds.client.get("/", headers={"host": "evil.example"}),
        await _sign_in(ds),
        await ds.client.get("/north", cookies=cookie),
        await ds.client.get("/north/overdue_actions.json", cookies=cookie),
        await ds.client.get("/north/overdue_actions.csv", cookies=cookie),
        await ds.client.get("/-/ahtui/scorecard", cookies=cookie),
        await ds.client.get("/-/static/app.css"),
    ]
    for response in responses:
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (response.url, name)
        assert "strict-transport-security" not in response.headers


async def test_behind_https_every_cookie_is_secure(view) -> None:
    ds, _ = view(behind_https=True)
    page = await ds.client.get("/-/ahtui/login")
    assert "Secure" in page.headers["set-cookie"]  # the form's token
    signed_in = await _sign_in(ds)
    assert signed_in.status_code == 302
    cookies = signed_in.headers.get_list("set-cookie")
    assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies)
    assert signed_in.headers["strict-transport-security"].startswith("max-age=")


async def test_the_queries_sql_is_in_no_json_and_no_page(view) -> None:
    ds, _ = view()
    cookie = await _signed_in(ds)
    for path in (
        "/.json",
        "/north.json",
        "/north/overdue_actions.json",
        "/north/monthly_scorecard.json?_shape=objects",
        "/north/equality_monitoring.json?_shape=arrays",
    ):
        response = await ds.client.get(path, cookies=cookie)
        assert response.status_code == 200, path
        text = response.text
        assert '"sql"' not in text and "summary_" not in text and "SELECT" not in text, path
        json.loads(text)
        assert int(response.headers["content-length"]) == len(response.content)
    listed = (await ds.client.get("/north.json", cookies=cookie)).json()
    assert {q["name"] for q in listed["queries"]} == set(ahtui_datasette.queries.BY_NAME)
    page = await ds.client.get("/north/overdue_actions", cookies=cookie)
    assert page.status_code == 200 and "summary_" not in page.text
    shown = await ds.client.get("/north/overdue_actions?_show_sql=1", cookies=cookie)
    assert shown.status_code == 403 and "summary_" not in shown.text


async def test_a_sign_in_setting_that_cannot_be_used_stops_the_start(view) -> None:
    for bad in ({"session_hours": 0}, {"login_attempts": "ten"}, {"hosts": "localhost"}):
        ds, _ = view(**bad)
        with pytest.raises(ahtui_datasette.ConfigError):
            await ds.invoke_startup()


def test_what_an_attacker_can_make_the_server_remember_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(sessions, "MAX_TRACKED", 50)
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 20)
    throttle = sessions.Throttle(per_login=3, per_address=100, lockout=60)
    now = time.time()
    for n in range(500):
        throttle.attempt((f"login:name{n}", f"address:10.0.{n // 250}.{n % 250}"), now + n)
    assert len(throttle._failures) + len(throttle._locked) <= 2 * 50 + 2
    live = sessions.Sessions()
    for _ in range(100):
        live.start(NAME, "scrypt$hash", 3600)
    assert len(live._by_id) <= 20
