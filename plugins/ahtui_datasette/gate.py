"""The ASGI gate in front of Datasette: 403 for anyone not signed in, and for any path or
method outside the supervisors' list (the queries, the scorecard, static files), before
Datasette sees the request.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, quote

from .instance import plugin_config, site_names
from .logins import actor_from_cookie, is_supervisor
from .queries import BY_NAME
from .routes import LOGIN_PATH, LOGOUT_PATH, SCORECARD_PATH, page


def wrap_app(datasette: Any) -> Any:
    """The `asgi_wrapper` for one Datasette: its app behind the gate (open for one not ahtui's)."""

    def wrap(app):
        async def gate(scope, receive, send):
            if scope.get("type") != "http" or plugin_config(datasette) is None:
                return await app(scope, receive, send)
            refusal = refusal_for(datasette, scope)
            if refusal is None:
                return await app(scope, receive, send)
            status, body = refusal
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"text/html; charset=utf-8"),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body.encode("utf-8")})

        return gate

    return wrap


_PUBLIC = re.compile(r"^(/-/ahtui/login|/-/static/[^?]*|/favicon\.ico)$")
_READ = ("GET", "HEAD")


def _allowed_path(datasette: Any, path: str) -> bool:
    if path in ("/", "/.json", SCORECARD_PATH, LOGOUT_PATH, "/-/logout"):
        return True
    if path.startswith("/-/static/"):
        return True
    parts = path.strip("/").split("/")
    sites = {datasette.databases[name].route for name in site_names(datasette)}
    if len(parts) == 1:
        name = parts[0].removesuffix(".json")
        return name in sites
    if len(parts) == 2 and parts[0] in sites:
        query = re.sub(r"\.(json|csv)$", "", parts[1])
        return query in BY_NAME
    return False


def refusal_for(datasette: Any, scope: dict) -> tuple[int, str] | None:
    path = scope.get("path", "/")
    method = scope.get("method", "GET")
    if _PUBLIC.match(path):
        if method in _READ or path == LOGIN_PATH:
            return None
        return 403, page("Not allowed", "<p>This page cannot be changed.</p>")
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    actor = actor_from_cookie(datasette, headers.get("cookie", ""))
    if not is_supervisor(datasette, actor):
        target = quote(
            path + ("?" + scope["query_string"].decode() if scope["query_string"] else "")
        )
        login = datasette.urls.path(LOGIN_PATH)
        return 403, page(
            "Sign in to continue",
            f'<p>The supervisors\' view needs a login. <a href="{login}?next={target}">Sign in</a>.'
            "</p>",
        )
    if method not in _READ and path not in (LOGOUT_PATH, "/-/logout"):
        return 403, page("Read only", "<p>The supervisors' view never changes a record.</p>")
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if not _allowed_path(datasette, path) or "sql" in query:
        home = datasette.urls.path("/")
        return 403, page(
            "Not available",
            "<p>Supervisors see the queries listed for each site and the scorecard, not tables, "
            f'SQL or downloads. <a href="{home}">Back to the list</a>.</p>',
        )
    return None
