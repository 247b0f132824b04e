"""The ASGI gate in front of Datasette: 403 for anyone not signed in, and for any path or
method outside the supervisors' list (the queries, the scorecard, static files), before
Datasette sees the request.

It also refuses (400) a request whose Host header names no host the server was started for
(a page of another site that rebinds its own name to this address reaches nothing), adds the
headers that keep every page out of frames and keep its address out of other sites' logs, marks
cookies Secure behind HTTPS, and takes the queries' SQL out of every JSON answer and every
page (Datasette prints it in a query page's title and form even when told to hide it).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, quote

from .instance import plugin_config, sign_in, site_names
from .logins import actor_from_cookie, is_supervisor
from .queries import BY_NAME, QUERIES
from .routes import LOGIN_PATH, LOGOUT_PATH, SCORECARD_PATH, page

# On every response: no framing (clickjacking), no address sent to other sites, no sniffing.
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
)
HTTPS_HEADERS = ((b"strict-transport-security", b"max-age=31536000"),)


def host_of(headers: dict[str, str]) -> str:
    """The host named in a Host header, without its port, lower case."""
    value = headers.get("host", "").strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else ""
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def without_sql(value: Any) -> Any:
    """A JSON answer with every `sql` entry taken out (Datasette lists the queries' SQL)."""
    if isinstance(value, dict):
        return {k: without_sql(v) for k, v in value.items() if k != "sql"}
    if isinstance(value, list):
        return [without_sql(v) for v in value]
    return value


def _as_jinja_escapes(text: str) -> str:
    # Jinja's autoescape (markupsafe): these five, with these entities.
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;"),
                         ("'", "&#39;")):  # fmt: skip
        text = text.replace(char, entity)
    return text


# A query page prints its SQL in the title and in a hidden form field, escaped as Jinja does.
_SQL_IN_HTML = tuple(_as_jinja_escapes(q.sql).encode("utf-8") for q in QUERIES)


def _scrubbed(kind: bytes, body: bytes) -> bytes:
    if kind.startswith(b"application/json"):
        try:
            return json.dumps(without_sql(json.loads(body)), default=str).encode("utf-8")
        except ValueError:
            return body
    for sql in _SQL_IN_HTML:
        body = body.replace(sql, b"")
    return body


def _send_through(send: Any, behind_https: bool) -> Any:
    """`send` with the headers added, cookies marked Secure behind HTTPS, and JSON and HTML
    bodies held back until whole, then sent without the queries' SQL."""
    held: dict[str, Any] = {}

    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            headers = [
                (k, v)
                for k, v in message.get("headers", [])
                if k.lower() not in {name for name, _ in SECURITY_HEADERS}
            ]
            headers += SECURITY_HEADERS
            if behind_https:
                headers += HTTPS_HEADERS
                headers = [
                    (k, v + b"; Secure")
                    if k.lower() == b"set-cookie" and b"secure" not in v.lower()
                    else (k, v)
                    for k, v in headers
                ]
            message = {**message, "headers": headers}
            types = [v for k, v in headers if k.lower() == b"content-type"]
            if types and types[0].startswith((b"application/json", b"text/html")):
                held["start"], held["body"], held["kind"] = message, [], types[0]
                return
            await send(message)
            return
        if message["type"] == "http.response.body" and "start" in held:
            held["body"].append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = _scrubbed(held["kind"], b"".join(held["body"]))
            start = held.pop("start")
            start["headers"] = [
                (k, v) for k, v in start["headers"] if k.lower() != b"content-length"
            ] + [(b"content-length", str(len(body)).encode())]
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        await send(message)

    return wrapped


def wrap_app(datasette: Any) -> Any:
    """The `asgi_wrapper` for one Datasette: its app behind the gate (open for one not ahtui's)."""

    def wrap(app):
        async def gate(scope, receive, send):
            if scope.get("type") != "http" or plugin_config(datasette) is None:
                return await app(scope, receive, send)
            settings = sign_in(datasette)
            send = _send_through(send, settings.behind_https)
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
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if host_of(headers) not in sign_in(datasette).hosts:
        return 400, page(
            "Unknown address",
            "<p>This server does not answer to that address. Use the address the "
            "administrator gave you.</p>",
        )
    if _PUBLIC.match(path):
        if method in _READ or path == LOGIN_PATH:
            return None
        return 403, page("Not allowed", "<p>This page cannot be changed.</p>")
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
    # `_show_sql` would print a query's SQL on its page.
    if not _allowed_path(datasette, path) or "sql" in query or "_show_sql" in query:
        home = datasette.urls.path("/")
        return 403, page(
            "Not available",
            "<p>Supervisors see the queries listed for each site and the scorecard, not tables, "
            f'SQL or downloads. <a href="{home}">Back to the list</a>.</p>',
        )
    return None
