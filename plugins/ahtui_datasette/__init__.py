"""The supervisors' view: a Datasette plugin serving ahtui site files read-only.

It does nothing unless the Datasette instance is configured for ahtui (`plugins.ahtui` in its
metadata, as `ahtui serve` writes it), so installing ahtui never changes another Datasette.

- SQLCipher: Datasette is pointed at sqlcipher3 in a process serving ahtui's sites only, when
  `ahtui serve` makes its Datasette or one configured for ahtui starts, never on import
  (`sqlcipher.py`); `prepare_connection` keys each connection to a site (`sites.py`: keys come
  in memory from `ahtui serve`, or from a variable or key file the configuration names).
- Read-only: Datasette opens mutable files with `?mode=ro` (which, unlike `immutable=1`, sees
  a WAL that the app is still writing); `PRAGMA query_only` is set on every connection as well.
- Access: a login form (`routes.py`) checks the supervisors' file (`logins.py`, scrypt hashes)
  and starts a session kept by the server (`sessions.py`), named in Datasette's signed
  `ds_actor` cookie; logging out, a changed password or a removed login ends it. Permissions come from the configuration
  (`allow` blocks, `allow_sql`, settings); `permission_allowed` backs it with a default deny, so
  table pages, SQL, downloads and every write action are refused whatever the configuration
  forgets, and only the queries in `queries.py` are served. An ASGI gate (`gate.py`) answers
  403 to anyone not signed in and to any path or method outside that list, before Datasette
  sees the request.
- Disclosure: every count a query or chart publishes is rounded to the nearest 5, 1-4 shown as
  <5 (`disclosure.py`), and every page publishing counts says so.
- Pages: the home pages, the lists (50 rows a page, in words) and the charts are the plugin's
  own routes in Datasette's templates (`pages.py`, `present.py`, `charts.py`); Datasette still
  answers each list's CSV and JSON.
- Summaries: the queries read what a served site keeps at write time (ahtui.store.summaries);
  `ahtui serve` makes a file keep them, and startup refuses a file that does not.
- Speed: the queries' results are kept a short while per site file and checked against its
  `PRAGMA data_version` on every request (see `cache.py`), so a page reloaded, or the scorecard
  chart and its query read together, cost one run, and a changed file is never served an old
  result. `"cache": false` in the plugin's configuration turns this off.

This module holds the hooks; `instance.py` the per-Datasette configuration and state.
"""

from __future__ import annotations

from datasette import hookimpl

from . import cache, gate, sqlcipher
from .disclosure import with_rule
from .instance import ConfigError, plugin_config, sign_in, site_names
from .logins import is_supervisor, supervisors
from .queries import BY_NAME, MEETING1_QUARTER, QUERIES
from .routes import ROUTES, SCORECARD_PATH
from .sites import key_for, monitor, prepare, register_key, require_summaries

# The only Datasette permissions a signed-in supervisor is ever given.
ALLOWED_ACTIONS = frozenset({"view-instance", "view-database", "view-query"})
# The configured queries' SQL: only these results are ever cached.
CACHEABLE = frozenset(q.sql for q in (*QUERIES, MEETING1_QUARTER))


@hookimpl
def startup(datasette):
    if plugin_config(datasette) is None:
        return
    # A Datasette configured for ahtui, however started, reads its sites through SQLCipher;
    # `ahtui serve` has done this already, before its Datasette opened anything.
    sqlcipher.use_sqlcipher()
    for name in site_names(datasette):
        key_for(datasette, name)
        require_summaries(datasette, name)
        if (plugin_config(datasette) or {}).get("cache", True):
            db = datasette.get_database(name)
            cache.install(db, cache.ResultCache(monitor(datasette, db, name), CACHEABLE))
    supervisors(datasette)
    # A sign-in setting that cannot be used stops the start, not the first request.
    sign_in(datasette)


@hookimpl
def prepare_connection(conn, database, datasette):
    if plugin_config(datasette) is None:
        return
    key = key_for(datasette, database)
    if key is not None:
        prepare(conn, key)


@hookimpl(trylast=True)
def permission_allowed(datasette, actor, action, resource):
    # trylast: Datasette keeps the last answer that is not None, so this one has the final say.
    if plugin_config(datasette) is None:
        return None
    if action not in ALLOWED_ACTIONS or not is_supervisor(datasette, actor):
        return False
    sites = site_names(datasette)
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
    if plugin_config(datasette) is None or database not in site_names(datasette):
        return None
    return {
        q.name: {
            "sql": q.sql,
            "title": q.title,
            "description": with_rule(q.description, q.columns),
            "hide_sql": True,
        }
        for q in QUERIES
    }


@hookimpl
def menu_links(datasette, actor):
    if plugin_config(datasette) is None or not is_supervisor(datasette, actor):
        return None
    return [
        {"href": datasette.urls.instance(), "label": "All sites"},
        {"href": datasette.urls.path(SCORECARD_PATH), "label": "Charts"},
    ]


@hookimpl
def register_routes(datasette):
    if plugin_config(datasette) is None:
        return []
    return list(ROUTES)


@hookimpl
def asgi_wrapper(datasette):
    return gate.wrap_app(datasette)


__all__ = ["ConfigError", "prepare", "register_key"]
