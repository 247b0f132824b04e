"""The served site files: their keys, keyed read-only connections, and the start-up checks.

Keys are handed over in memory by `ahtui serve` (`register_key`), or read from an environment
variable or an owner-only key file named in the configuration (`key_env`, `key_file`); never
from a URL, a page or a log.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from . import disclosure
from .instance import ConfigError, plugin_config, state_of


def register_key(datasette: Any, database: str, key: bytes) -> None:
    """Hand a site's data key to the plugin, in memory (what `ahtui serve` does)."""
    if len(key) != 32:
        raise ConfigError("A site key must be 32 bytes.")
    state_of(datasette).keys[database] = bytes(key)


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


def key_for(datasette: Any, database: str) -> bytes | None:
    state = state_of(datasette)
    if database in state.keys:
        return state.keys[database]
    config = plugin_config(datasette) or {}
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
    # The queries publish their counts through these (rounded; see `disclosure`).
    disclosure.register(conn)


def require_summaries(datasette: Any, name: str) -> None:
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


def monitor(datasette: Any, db: Any, name: str) -> Any:
    """A maker of the cache's monitoring connection: read-only and keyed like the others
    (Datasette's `connect` also closes it with the database)."""

    def connect() -> Any:
        conn = db.connect()
        datasette._prepare_connection(conn, name)
        return conn

    return connect
