"""`ahtui serve` and `ahtui supervisor`: the supervisors' read-only web view, and their logins.

`ahtui serve` unlocks each site file the way every command does (a service user's passphrase
unwraps the data key), keeps the keys in this process only, and starts Datasette with the ahtui
plugin (plugins/ahtui_datasette) on 127.0.0.1 unless told otherwise. Supervisors sign in with
a name and password from the supervisors' file (`--auth FILE`, default `supervisors.toml` in
the config folder), which holds scrypt hashes only and is managed by `ahtui supervisor`.

Datasette is imported here only inside the functions that serve, never at module level, so the
app and the other commands start without it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import os
import re
import secrets
import socket
import stat
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import config_dir
from .errors import EXIT_OK, AhtuiError, BadInput

AUTH_FILE_NAME = "supervisors.toml"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
_LOOPBACK = ("127.", "::1", "localhost")


# -- supervisors' logins ----------------------------------------------------------------------

_HASH = re.compile(r"^scrypt\$(\d{2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")


def default_auth_path() -> Path:
    return config_dir() / AUTH_FILE_NAME


def auth_path(given: str | None) -> Path:
    return Path(given).expanduser() if given else default_auth_path()


def _scrypt(password: str, salt: bytes, log2n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=2**log2n, r=r, p=p).derive(password.encode("utf-8"))


def hash_password(password: str) -> str:
    """A self-describing scrypt hash: `scrypt$log2n$r$p$salt$hash` (base64)."""
    from .store.keyring import _log2n

    log2n, r, p = _log2n(), 8, 1
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, log2n, r, p)
    b64 = base64.b64encode
    return f"scrypt${log2n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    """True if `password` matches `stored`; with no stored hash, the same work, then False."""
    from .store.keyring import _log2n

    m = _HASH.match(stored or "")
    if m is None:
        _scrypt(password, secrets.token_bytes(16), _log2n(), 8, 1)
        return False
    log2n, r, p = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (10 <= log2n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
        return False
    salt, expected = base64.b64decode(m.group(4)), base64.b64decode(m.group(5))
    return hmac.compare_digest(_scrypt(password, salt, log2n, r, p), expected)


def load_supervisors(path: Path) -> dict[str, str]:
    """Name -> hash from the supervisors' file. A missing file is an empty list."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BadInput(f"Cannot read the supervisors' file {path}: {exc.strerror}.") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"The supervisors' file {path} is not valid TOML: {exc}.") from exc
    table = data.get("supervisors", {})
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _HASH.match(v) for k, v in table.items()
    ):
        raise BadInput(
            f"The supervisors' file {path} is not in the expected form: a [supervisors] table "
            "of name = scrypt hash, as `ahtui supervisor add` writes it."
        )
    return dict(table)


def save_supervisors(path: Path, supervisors: dict[str, str]) -> None:
    """Write the file atomically, readable by its owner only."""
    lines = [
        "# Supervisors' logins for `ahtui serve --auth FILE`.",
        "# Managed with `ahtui supervisor add|remove|list`; each value is a scrypt hash.",
        "[supervisors]",
    ]
    # Names are validated user names and hashes are base64, so neither needs TOML escaping.
    lines += [f'"{name}" = "{value}"' for name, value in sorted(supervisors.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def add_supervisor(path: Path, name: str, password: str) -> bool:
    """Add or replace a login; True if it was new."""
    from .store.credentials import validate_passphrase, validate_username

    validate_username(name)
    validate_passphrase(password)
    supervisors = load_supervisors(path)
    is_new = name not in supervisors
    supervisors[name] = hash_password(password)
    save_supervisors(path, supervisors)
    return is_new


def remove_supervisor(path: Path, name: str) -> None:
    supervisors = load_supervisors(path)
    if name not in supervisors:
        raise BadInput(f"There is no supervisor {name!r} in {path}.")
    del supervisors[name]
    save_supervisors(path, supervisors)


# -- what to serve ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ServeOptions:
    sites: tuple[Path, ...]
    host: str
    port: int
    auth: Path


@dataclass(frozen=True)
class UnlockedSite:
    """A site ready to serve: its database name in URLs, its own name, file and data key."""

    name: str
    title: str
    agency: str
    path: Path
    key: bytes


def options_from_args(args: Any, default_site: Path | None) -> ServeOptions:
    """Check the command line before anything is unlocked (exit code 2 for each problem)."""
    given = getattr(args, "site", None)
    if isinstance(given, str):
        given = [given]
    paths = [Path(p).expanduser() for p in (given or ([default_site] if default_site else []))]
    if not paths:
        raise BadInput("No site chosen. Give --site PATH (once for each site to serve).")
    for p in paths:
        if any(c in str(p) for c in "?#%"):
            raise BadInput(f"{p}: a site served to supervisors cannot have ?, # or % in its path.")
    if len({p.resolve() for p in paths}) != len(paths):
        raise BadInput("The same site file was given twice.")
    port = args.port
    if not 0 <= port <= 65535:
        raise BadInput(f"--port must be between 0 and 65535 (got {port}).")
    auth = auth_path(args.auth)
    supervisors = load_supervisors(auth)
    if not supervisors:
        raise BadInput(
            f"No supervisors can sign in: {auth} has no logins. Create one with "
            f"`ahtui supervisor add NAME --auth {auth}`."
        )
    return ServeOptions(sites=tuple(paths), host=args.host, port=port, auth=auth)


def read_passphrase_file(path_text: str) -> str:
    path = Path(path_text).expanduser()
    try:
        info = path.stat()
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise BadInput(
                f"The passphrase file {path} can be read by other users; "
                "make it owner-only (chmod 600)."
            )
        text = path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise BadInput(f"Cannot read the passphrase file {path}: {exc.strerror}.") from exc
    if not text:
        raise BadInput(f"The passphrase file {path} is empty.")
    return text


def _slug(path: Path, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-_") or "site"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def unlock_sites(
    paths: tuple[Path, ...], user: str, passphrase: str, *, busy_timeout_ms: int = 10_000
) -> list[UnlockedSite]:
    """Unlock each site as `user` (wrong passphrase etc.: SiteOpenError, exit code 2)."""
    from .store import summaries
    from .store.site import open_site

    taken: set[str] = set()
    unlocked = []
    for path in paths:
        site = open_site(path, user, passphrase, busy_timeout_ms=busy_timeout_ms)
        try:
            # A served site keeps the supervisors' summaries: built the first time (a few
            # seconds for 10,000 people), brought up to date otherwise.
            with site.write() as conn:
                summaries.keep(conn)
            unlocked.append(
                UnlockedSite(
                    name=_slug(path, taken),
                    title=site.name,
                    agency=site.agency,
                    path=path.resolve(),
                    key=site.data_key,
                )
            )
        finally:
            site.close()
    return unlocked


def datasette_settings() -> dict[str, Any]:
    return {
        "default_allow_sql": False,
        "allow_download": False,
        "allow_facet": False,
        "suggest_facets": False,
        "allow_csv_stream": False,
        "max_returned_rows": 2000,
        "sql_time_limit_ms": 5000,
    }


def datasette_metadata(sites: list[UnlockedSite], auth: Path) -> dict[str, Any]:
    """The configuration: who may see what. Keys are never in it."""
    from html import escape

    supervisor = {"ahtui": "supervisor"}
    links = "".join(
        f'<li><a href="/{s.name}">{escape(s.title)}</a> ({escape(s.agency)}): its queries</li>'
        for s in sites
    )
    return {
        "title": "Supervisors' view",
        "description_html": (
            "<p>Read-only figures for joined-up work: overdue actions, meeting timescales, "
            "caseloads, consent, release plans, the monthly scorecard and equality monitoring. "
            "No names of people, no notes.</p>"
            f'<ul><li><a href="/-/ahtui/scorecard">Monthly scorecard chart</a></li>{links}</ul>'
        ),
        "allow": supervisor,
        "allow_sql": False,
        "databases": {
            s.name: {
                "title": s.title,
                "description": f"Queries for {s.title}. Each reports per site.",
                "allow": supervisor,
                "allow_sql": False,
            }
            for s in sites
        },
        "plugins": {"ahtui": {"auth_file": str(auth), "sites": {s.name: {} for s in sites}}},
    }


def make_datasette(sites: list[UnlockedSite], auth: Path) -> Any:
    """A Datasette over the unlocked sites, keys handed to the plugin in memory."""
    import ahtui_datasette  # first: it points Datasette at SQLCipher before Datasette loads
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    # Without its plugin Datasette would serve every table to anyone: never start like that
    # (a checkout run without `pip install -e .` has no entry point).
    if not pm.is_registered(ahtui_datasette):
        pm.register(ahtui_datasette, name="ahtui")
    ds = Datasette(
        files=[], metadata=datasette_metadata(sites, auth), settings=datasette_settings()
    )
    ds.remove_database("_memory")
    for s in sites:
        ahtui_datasette.register_key(ds, s.name, s.key)
        ds.add_database(Database(ds, path=str(s.path), is_mutable=True), name=s.name)
    return ds


async def check_datasette(ds: Any, sites: list[UnlockedSite]) -> None:
    """Start the plugin and read each site through Datasette, so problems show before serving."""
    await ds.invoke_startup()
    for s in sites:
        await ds.get_database(s.name).execute("SELECT count(*) FROM sites")


def is_loopback(host: str) -> bool:
    return host.startswith(_LOOPBACK)


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BadInput(f"Cannot listen on {host}:{port}: {exc.strerror}.") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(options: ServeOptions, user: str, passphrase: str, *, busy_timeout_ms: int) -> int:
    """Unlock, check, then serve until stopped (Ctrl+C)."""
    sites = unlock_sites(options.sites, user, passphrase, busy_timeout_ms=busy_timeout_ms)
    ds = make_datasette(sites, options.auth)
    try:
        asyncio.run(check_datasette(ds, sites))
    except AhtuiError:
        raise
    except Exception as exc:
        raise AhtuiError(f"The supervisors' view could not start: {exc}") from exc
    sock = listen(options.host, options.port)
    import uvicorn

    port = sock.getsockname()[1]
    host = f"[{options.host}]" if ":" in options.host else options.host
    print(
        f"Supervisors' view of {len(sites)} site{'s' if len(sites) != 1 else ''} at "
        f"http://{host}:{port}/ (Ctrl+C to stop)",
        flush=True,
    )
    if not is_loopback(options.host):
        print(
            "Warning: listening beyond this machine over plain HTTP; put it behind HTTPS so "
            "passwords and figures are not sent in the clear.",
            file=sys.stderr,
            flush=True,
        )
    config = uvicorn.Config(ds.app(), log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
    return EXIT_OK
