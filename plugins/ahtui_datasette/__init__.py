"""The supervisors' view: a Datasette plugin serving ahtui site files read-only.

It does nothing unless the Datasette instance is configured for ahtui (`plugins.ahtui` in its
metadata, as `ahtui serve` writes it), so installing ahtui never changes another Datasette.

- SQLCipher: Datasette is pointed at sqlcipher3 in a process serving ahtui's sites only, when
  `ahtui serve` makes its Datasette or one configured for ahtui starts, never on import (see
  `sqlcipher.py`); `prepare_connection` keys each connection to a site. Keys are handed over in memory by
  `ahtui serve` (`register_key`), or read from an environment variable or a key file named in
  the configuration (`key_env`, `key_file`); never from a URL, a page or a log.
- Read-only: Datasette opens mutable files with `?mode=ro` (which, unlike `immutable=1`, sees
  a WAL that the app is still writing); `PRAGMA query_only` is set on every connection as well.
- Access: a login form (`/-/ahtui/login`) checks the supervisors' file (scrypt hashes) and sets
  Datasette's signed `ds_actor` cookie. Permissions come from the configuration (`allow` blocks,
  `allow_sql`, settings); `permission_allowed` backs it with a default deny, so table pages,
  SQL, downloads and every write action are refused whatever the configuration forgets, and
  only the queries in `queries.py` are served. An ASGI gate answers 403 to anyone not signed
  in and to any path or method outside that list, before Datasette sees the request.
- Summaries: the queries read what a served site keeps at write time (ahtui.store.summaries);
  `ahtui serve` makes a file keep them, and startup refuses a file that does not.
- Speed: the queries' results are kept a short while per site file and checked against its
  `PRAGMA data_version` on every request (see `cache.py`), so a page reloaded, or the scorecard
  chart and its query read together, cost one run, and a changed file is never served an old
  result. `"cache": false` in the plugin's configuration turns this off.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import stat
import time
import weakref
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from datasette import hookimpl
from datasette.utils import baseconv
from datasette.utils.asgi import Response
from itsdangerous import BadSignature

from ahtui.errors import AhtuiError
from ahtui.supervisors import load_supervisors, verify_password

from . import cache, charts, sqlcipher
from .queries import BY_NAME, MONTHLY_SCORECARD, QUERIES

PLUGIN = "ahtui"
SUPERVISOR = "supervisor"
LOGIN_PATH = "/-/ahtui/login"
LOGOUT_PATH = "/-/ahtui/logout"
SCORECARD_PATH = "/-/ahtui/scorecard"
SESSION_SECONDS = 8 * 60 * 60
# Spent on every failed login, so guessing passwords over the network is slow.
FAILED_LOGIN_DELAY = 1.0
# The only Datasette permissions a signed-in supervisor is ever given.
ALLOWED_ACTIONS = frozenset({"view-instance", "view-database", "view-query"})


class ConfigError(Exception):
    """The plugin's configuration cannot be used; the message says why, plainly."""


@dataclass
class _State:
    keys: dict[str, bytes] = field(default_factory=dict)
    auth_mtime: float | None = None
    supervisors: dict[str, str] = field(default_factory=dict)


_STATES: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()


def _state(datasette: Any) -> _State:
    state = _STATES.get(datasette)
    if state is None:
        state = _STATES[datasette] = _State()
    return state


def _config(datasette: Any) -> dict[str, Any] | None:
    config = datasette.plugin_config(PLUGIN)
    return config if isinstance(config, dict) else None


def _site_names(datasette: Any) -> set[str]:
    config = _config(datasette) or {}
    sites = config.get("sites") or {}
    return {name for name in sites if name in datasette.databases}


def register_key(datasette: Any, database: str, key: bytes) -> None:
    """Hand a site's data key to the plugin, in memory (what `ahtui serve` does)."""
    if len(key) != 32:
        raise ConfigError("A site key must be 32 bytes.")
    _state(datasette).keys[database] = bytes(key)


# -- keys -------------------------------------------------------------------------------------


def _read_key_file(path: Path) -> str:
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigError(f"Cannot read the key file {path}: {exc.strerror}.") from exc
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"The key file {path} can be read by other users; make it owner-only (chmod 600)."
        )
    return path.read_text(encoding="utf-8").strip()


def _parse_key(text: str, where: str) -> bytes:
    raw = text.strip()
    if raw.lower().startswith("x'") and raw.endswith("'"):
        raw = raw[2:-1]
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigError(f"{where} does not hold a site key (64 hexadecimal characters).")
    return key


def _key_for(datasette: Any, database: str) -> bytes | None:
    state = _state(datasette)
    if database in state.keys:
        return state.keys[database]
    config = _config(datasette) or {}
    site = (config.get("sites") or {}).get(database)
    if site is None:
        return None
    if site.get("key_env"):
        name = str(site["key_env"])
        value = os.environ.get(name)
        if not value:
            raise ConfigError(f"The key for {database} should be in ${name}, which is not set.")
        key = _parse_key(value, f"${name}")
    elif site.get("key_file"):
        path = Path(str(site["key_file"])).expanduser()
        key = _parse_key(_read_key_file(path), f"The key file {path}")
    else:
        raise ConfigError(
            f"No key for the site {database}: start it with `ahtui serve`, or name a key_env or "
            "key_file for it in the configuration."
        )
    state.keys[database] = key
    return key


# -- supervisors' logins ----------------------------------------------------------------------


def _supervisors(datasette: Any) -> dict[str, str]:
    """The supervisors' file, re-read when it changes (a removed login stops working)."""
    state = _state(datasette)
    config = _config(datasette) or {}
    auth_file = config.get("auth_file")
    if not auth_file:
        return {}
    path = Path(str(auth_file)).expanduser()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        state.supervisors, state.auth_mtime = {}, None
        return {}
    if mtime != state.auth_mtime:
        try:
            state.supervisors = load_supervisors(path)
        except AhtuiError:
            # A file broken while serving locks everyone out rather than guessing.
            state.supervisors = {}
        state.auth_mtime = mtime
    return state.supervisors


def _is_supervisor(datasette: Any, actor: Any) -> bool:
    return (
        isinstance(actor, dict)
        and actor.get(PLUGIN) == SUPERVISOR
        and isinstance(actor.get("id"), str)
        and actor["id"] in _supervisors(datasette)
    )


def _actor_from_cookie(datasette: Any, cookie_header: str) -> Any:
    """Datasette's own `ds_actor` cookie, read the way its default plugin reads it."""
    cookie = SimpleCookie()
    try:
        cookie.load(cookie_header)
    except Exception:
        return None
    morsel = cookie.get("ds_actor")
    if morsel is None:
        return None
    try:
        decoded = datasette.unsign(morsel.value, "actor")
    except BadSignature:
        return None
    if not isinstance(decoded, dict) or "a" not in decoded:
        return None
    expires = decoded.get("e")
    if expires and time.time() > int(baseconv.base62.decode(expires)):
        return None
    return decoded["a"]


# -- hooks ------------------------------------------------------------------------------------


@hookimpl
def startup(datasette):
    if _config(datasette) is None:
        return
    # A Datasette configured for ahtui, however started, reads its sites through SQLCipher;
    # `ahtui serve` has done this already, before its Datasette opened anything.
    sqlcipher.use_sqlcipher()
    for name in _site_names(datasette):
        _key_for(datasette, name)
        _require_summaries(datasette, name)
        if (_config(datasette) or {}).get("cache", True):
            db = datasette.get_database(name)
            cache.install(db, cache.ResultCache(_monitor(datasette, db, name), CACHEABLE))
    _supervisors(datasette)


def _require_summaries(datasette: Any, name: str) -> None:
    """The queries read the summaries a served site keeps (ahtui.store.summaries); a file never
    opened by `ahtui serve` has none, and would show empty or missing numbers, not an error."""
    db = datasette.get_database(name)
    conn = db.connect()
    try:
        datasette._prepare_connection(conn, name)
        kept = conn.execute("SELECT 1 FROM site_meta WHERE key = 'summaries_kept'").fetchone()
    except Exception as exc:
        # "No such table" is a file too old to keep summaries; a wrong key reads as "not a
        # database"; anything else (a damaged file) surfaces as itself.
        if "not a database" in str(exc):
            raise ConfigError(
                f"The key given for the site file '{name}' does not open it. Check the key "
                "file or environment variable named in the configuration."
            ) from None
        if "no such table" not in str(exc):
            raise
        kept = None
    finally:
        conn.close()
    if kept is None:
        raise ConfigError(
            f"The site file '{name}' does not keep the supervisors' summaries yet. Serve it "
            "once with `ahtui serve --site FILE`, which builds them; from then on every write "
            "to the file keeps them up to date."
        )


# The configured queries' SQL: only these results are ever cached.
CACHEABLE = frozenset(q.sql for q in QUERIES)


def _monitor(datasette: Any, db: Any, name: str) -> Any:
    """A maker of the cache's monitoring connection: read-only and keyed like the others
    (Datasette's `connect` also closes it with the database)."""

    def connect() -> Any:
        conn = db.connect()
        datasette._prepare_connection(conn, name)
        return conn

    return connect


def prepare(conn: Any, key: bytes | None) -> None:
    """Key a connection to a site file and make it read-only (also used by the benchmark)."""
    if key is not None:
        # SQLCipher would print its own errors on stderr; Datasette shows plain ones.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    # Belt and braces over `mode=ro`: even Datasette's write connection cannot write.
    conn.execute("PRAGMA query_only = ON")
    # Nothing decrypted may reach a temporary file on disk.
    conn.execute("PRAGMA temp_store = MEMORY")
    # Every page read is decrypted and authenticated: keep the caseload's pages in memory.
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA busy_timeout = 5000")


@hookimpl
def prepare_connection(conn, database, datasette):
    if _config(datasette) is None:
        return
    key = _key_for(datasette, database)
    if key is not None:
        prepare(conn, key)


@hookimpl(trylast=True)
def permission_allowed(datasette, actor, action, resource):
    # trylast: Datasette keeps the last answer that is not None, so this one has the final say.
    if _config(datasette) is None:
        return None
    if action not in ALLOWED_ACTIONS or not _is_supervisor(datasette, actor):
        return False
    sites = _site_names(datasette)
    if action == "view-database" and resource not in sites:
        return False
    if action == "view-query":
        database, query = resource
        if database not in sites or query not in BY_NAME:
            return False
    # Within those, the configuration (`allow` blocks) decides.
    return None


@hookimpl
def canned_queries(datasette, database):
    if _config(datasette) is None or database not in _site_names(datasette):
        return None
    return {
        q.name: {"sql": q.sql, "title": q.title, "description": q.description, "hide_sql": True}
        for q in QUERIES
    }


@hookimpl
def menu_links(datasette, actor):
    if _config(datasette) is None or not _is_supervisor(datasette, actor):
        return None
    return [{"href": datasette.urls.path(SCORECARD_PATH), "label": "Monthly scorecard chart"}]


@hookimpl
def register_routes(datasette):
    if _config(datasette) is None:
        return []
    return [
        (r"^/-/ahtui/login$", login),
        (r"^/-/ahtui/logout$", logout),
        (r"^/-/ahtui/scorecard$", scorecard),
    ]


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def gate(scope, receive, send):
            if scope.get("type") != "http" or _config(datasette) is None:
                return await app(scope, receive, send)
            refusal = _refusal(datasette, scope)
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


# -- the gate ---------------------------------------------------------------------------------

_PUBLIC = re.compile(r"^(/-/ahtui/login|/-/static/[^?]*|/favicon\.ico)$")
_READ = ("GET", "HEAD")


def _allowed_path(datasette: Any, path: str) -> bool:
    if path in ("/", "/.json", SCORECARD_PATH, LOGOUT_PATH, "/-/logout"):
        return True
    if path.startswith("/-/static/"):
        return True
    parts = path.strip("/").split("/")
    sites = {datasette.databases[name].route for name in _site_names(datasette)}
    if len(parts) == 1:
        name = parts[0].removesuffix(".json")
        return name in sites
    if len(parts) == 2 and parts[0] in sites:
        query = re.sub(r"\.(json|csv)$", "", parts[1])
        return query in BY_NAME
    return False


def _refusal(datasette: Any, scope: dict) -> tuple[int, str] | None:
    path = scope.get("path", "/")
    method = scope.get("method", "GET")
    if _PUBLIC.match(path):
        if method in _READ or path == LOGIN_PATH:
            return None
        return 403, _page("Not allowed", "<p>This page cannot be changed.</p>")
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    actor = _actor_from_cookie(datasette, headers.get("cookie", ""))
    if not _is_supervisor(datasette, actor):
        target = quote(
            path + ("?" + scope["query_string"].decode() if scope["query_string"] else "")
        )
        login = datasette.urls.path(LOGIN_PATH)
        return 403, _page(
            "Sign in to continue",
            f'<p>The supervisors\' view needs a login. <a href="{login}?next={target}">Sign in</a>.'
            "</p>",
        )
    if method not in _READ and path not in (LOGOUT_PATH, "/-/logout"):
        return 403, _page("Read only", "<p>The supervisors' view never changes a record.</p>")
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if not _allowed_path(datasette, path) or "sql" in query:
        home = datasette.urls.path("/")
        return 403, _page(
            "Not available",
            "<p>Supervisors see the queries listed for each site and the scorecard, not tables, "
            f'SQL or downloads. <a href="{home}">Back to the list</a>.</p>',
        )
    return None


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


# -- routes -----------------------------------------------------------------------------------


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
        if await _check_password(datasette, name, password):
            expires = baseconv.base62.encode(int(time.time()) + SESSION_SECONDS)
            actor = {"id": name, PLUGIN: SUPERVISOR}
            response = Response.redirect(next_url)
            response.set_cookie(
                "ds_actor",
                datasette.sign({"a": actor, "e": expires}, "actor"),
                httponly=True,
                samesite="lax",
            )
            return response
        await asyncio.sleep(FAILED_LOGIN_DELAY)
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


async def _check_password(datasette: Any, name: str, password: str) -> bool:
    stored = _supervisors(datasette).get(name)
    if stored is None or not password:
        # Same work as a real check, so the time taken does not reveal who has a login.
        await asyncio.to_thread(verify_password, password or "x", None)
        return False
    return await asyncio.to_thread(verify_password, password, stored)


async def logout(request, datasette):
    response = Response.redirect(datasette.urls.path(LOGIN_PATH))
    response.set_cookie("ds_actor", "", expires=0, max_age=0, httponly=True, samesite="lax")
    return response


async def scorecard(request, datasette):
    if not _is_supervisor(datasette, request.actor):
        return Response.html(_page("Sign in to continue", ""), status=403)
    sections = []
    for name in sorted(_site_names(datasette)):
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


__all__ = ["ConfigError", "prepare", "register_key"]
