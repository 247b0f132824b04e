"""The plugin's own pages: the login form, logging out, and the scorecard chart."""

from __future__ import annotations

import asyncio
import html
import time

from datasette.utils import baseconv
from datasette.utils.asgi import Response

from . import charts, logins
from .instance import PLUGIN, site_names
from .queries import MONTHLY_SCORECARD

LOGIN_PATH = "/-/ahtui/login"
LOGOUT_PATH = "/-/ahtui/logout"
SCORECARD_PATH = "/-/ahtui/scorecard"


def page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _safe_next(value: str | None) -> str:
    # Only a path on this server: never another site, never a scheme-relative URL.
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


async def login(request, datasette):
    next_url = _safe_next(request.args.get("next"))
    if request.method == "POST":
        post = await request.post_vars()
        name = (post.get("username") or "").strip()
        password = post.get("password") or ""
        next_url = _safe_next(post.get("next"))
        if await logins.check_password(datasette, name, password):
            expires = baseconv.base62.encode(int(time.time()) + logins.SESSION_SECONDS)
            actor = {"id": name, PLUGIN: logins.SUPERVISOR}
            response = Response.redirect(next_url)
            response.set_cookie(
                "ds_actor",
                datasette.sign({"a": actor, "e": expires}, "actor"),
                httponly=True,
                samesite="lax",
            )
            return response
        await asyncio.sleep(logins.FAILED_LOGIN_DELAY)
        return Response.html(
            await datasette.render_template(
                "ahtui_login.html",
                {"error": "Wrong name or password.", "next": next_url, "username": name},
                request=request,
            ),
            status=403,
        )
    return Response.html(
        await datasette.render_template(
            "ahtui_login.html", {"error": None, "next": next_url, "username": ""}, request=request
        )
    )


async def logout(request, datasette):
    response = Response.redirect(datasette.urls.path(LOGIN_PATH))
    response.set_cookie("ds_actor", "", expires=0, max_age=0, httponly=True, samesite="lax")
    return response


async def scorecard(request, datasette):
    if not logins.is_supervisor(datasette, request.actor):
        return Response.html(page("Sign in to continue", ""), status=403)
    sections = []
    for name in sorted(site_names(datasette)):
        db = datasette.get_database(name)
        result = await db.execute(MONTHLY_SCORECARD.sql)
        by_site: dict[str, list[dict]] = {}
        for row in result.rows:
            by_site.setdefault(row["site"], []).append(dict(row))
        query_url = datasette.urls.path(f"/{db.route}/{MONTHLY_SCORECARD.name}")
        for site, months in by_site.items():
            sections.append(
                {
                    "site": site,
                    "svg": charts.scorecard_svg(site, months),
                    "rows": months,
                    "query_url": query_url,
                }
            )
    return Response.html(
        await datasette.render_template(
            "ahtui_scorecard.html", {"sections": sections}, request=request
        )
    )


ROUTES = [
    (r"^/-/ahtui/login$", login),
    (r"^/-/ahtui/logout$", logout),
    (r"^/-/ahtui/scorecard$", scorecard),
]
