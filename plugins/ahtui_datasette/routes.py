"""The plugin's own addresses: signing in and out, the charts, and the pages of `pages`.

Signing in: the form's CSRF token must match its cookie on every post (Datasette's own check
lets a post with no cookies through, which would let another site sign a browser in); the
name and the address are counted against the sign-in limit before the password is checked;
`next` is followed only when it is a path on this server.
"""

from __future__ import annotations

import asyncio
import html
import math
import secrets
import string
import time
from urllib.parse import quote

from datasette.utils.asgi import Response
from itsdangerous import BadSignature, URLSafeSerializer

from . import logins
from .instance import throttle
from .pages import CHARTS_PATH, charts_page
from .pages import ROUTES as PAGE_ROUTES

# The salt Datasette's CSRF layer (asgi-csrf) signs its token cookie with.
CSRF_NAMESPACE = "csrftoken"
LOGIN_PATH = "/-/ahtui/login"
LOGOUT_PATH = "/-/ahtui/logout"
SCORECARD_PATH = CHARTS_PATH
# Printable ASCII but the backslash: what a local path may hold (the rest is percent-encoded).
_SAFE_IN_PATH = "".join(c for c in string.punctuation if c != "\\")


def page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def safe_next(value: str | None) -> str:
    """`value` if it is a path on this server, else "/": never another site (`//host`,
    `/\\host`, a scheme), and never a control character, which browsers drop (so that
    `/<tab>/host` becomes `//host`) and which cannot go in a header at all."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c.isspace() for c in value):
        return "/"
    # Anything else outside printable ASCII is percent-encoded, so the header can carry it.
    return quote(value, safe=_SAFE_IN_PATH)


def csrf_ok(datasette, request, form: dict) -> bool:
    """The form's token is the one in its cookie, and that cookie was set by this server."""
    cookie = request.cookies.get("ds_csrftoken") or ""
    sent = form.get("csrftoken") or ""
    if not cookie or not secrets.compare_digest(str(sent), cookie):
        return False
    try:
        URLSafeSerializer(datasette._secret).loads(cookie, CSRF_NAMESPACE)
    except BadSignature:
        return False
    return True


async def _form(datasette, request, status: int, **values) -> Response:
    context = {"error": None, "next": "/", "username": "", **values}
    return Response.html(
        await datasette.render_template("ahtui_login.html", context, request=request),
        status=status,
    )


def _locked_message(until: float) -> str:
    minutes = max(1, math.ceil((until - time.time()) / 60))
    at = time.strftime("%H:%M", time.localtime(until))
    return (
        "Too many failed sign-ins with this name or from this address. Try again after "
        f"{at} (in {minutes} minute{'s' if minutes != 1 else ''})."
    )


async def login(request, datasette):
    next_url = safe_next(request.args.get("next"))
    if request.method != "POST":
        return await _form(datasette, request, 200, next=next_url)
    post = await request.post_vars()
    name = (post.get("username") or "").strip()
    password = post.get("password") or ""
    next_url = safe_next(post.get("next"))
    if not csrf_ok(datasette, request, post):
        return await _form(
            datasette, request, 403, next=next_url, username=name,
            error="This sign-in form has expired or did not come from this server. "
            "Sign in again below.",
        )  # fmt: skip
    client = request.scope.get("client") or ("unknown", 0)
    keys = (f"login:{name.lower()}", f"address:{client[0]}")
    now = time.time()
    locked_until = throttle(datasette).attempt(keys, now)
    if locked_until is not None:
        return await _form(
            datasette, request, 429, next=next_url, username=name,
            error=_locked_message(locked_until),
        )  # fmt: skip
    if await logins.check_password(datasette, name, password):
        throttle(datasette).succeeded(keys, now)
        response = Response.redirect(next_url)
        response.set_cookie(
            "ds_actor", logins.start_session(datasette, name), httponly=True, samesite="lax"
        )
        return response
    await asyncio.sleep(logins.FAILED_LOGIN_DELAY)
    return await _form(
        datasette, request, 403, next=next_url, username=name, error="Wrong name or password."
    )


async def logout(request, datasette):
    """Signing out ends every session of the login; it takes a post with the form's token."""
    if request.method == "POST":
        post = await request.post_vars()
        if csrf_ok(datasette, request, post):
            logins.end_sessions(datasette, request.actor)
            response = Response.redirect(datasette.urls.path(LOGIN_PATH))
            response.set_cookie("ds_actor", "", expires=0, max_age=0, httponly=True, samesite="lax")
            return response
    return Response.html(await datasette.render_template("ahtui_logout.html", {}, request=request))


ROUTES = [
    (r"^/-/ahtui/login$", login),
    (r"^/-/ahtui/logout$", logout),
    # Datasette's own sign-out button posts here: it ends the session too.
    (r"^/-/logout$", logout),
    # The charts: the scorecard's, the timescales' and equality monitoring's.
    (r"^/-/ahtui/scorecard$", charts_page),
    *PAGE_ROUTES,
]
