"""The supervisors' view running: Datasette with the ahtui plugin over the unlocked sites,
checked, then served by uvicorn on a socket of our own.

This is the one module of ahtui that imports Datasette and uvicorn (the extra `ahtui[serve]`);
`launch.serve` imports it only once `options.require_web_stack` has found them. Importing it
points Datasette at SQLCipher for this process only when a Datasette is made here
(`make_datasette`): another Datasette in the same environment keeps the standard sqlite3.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
import textwrap
from pathlib import Path
from typing import Any

import ahtui_datasette
import uvicorn
from ahtui_datasette import sqlcipher
from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm

from ..domain.terminal_text import for_terminal
from ..errors import EXIT_OK, AhtuiError, BadInput
from .configuration import datasette_metadata, datasette_settings
from .options import ServeOptions, is_loopback
from .unlock import UnlockedSite, unlock_sites


def make_datasette(
    sites: list[UnlockedSite], auth: Path, sign_in: dict[str, Any] | None = None
) -> Datasette:
    """A Datasette over the unlocked sites, keys handed to the plugin in memory."""
    # Before the instance opens any file: its connections, rows and errors come from SQLCipher.
    sqlcipher.use_sqlcipher()
    # Without its plugin Datasette would serve every table to anyone: never start like that
    # (a checkout run without `pip install -e .` has no entry point).
    if not pm.is_registered(ahtui_datasette):
        pm.register(ahtui_datasette, name="ahtui")
    ds = Datasette(
        files=[], metadata=datasette_metadata(sites, auth, sign_in), settings=datasette_settings()
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


def _say_waiting(message: str) -> None:
    # Beside the server's own warnings: the line on stdout is the address, for scripts. The
    # message names the site as its file does, so no control character in that reaches the
    # terminal; on a terminal it is broken between words, not wherever the width falls.
    text = for_terminal(message)
    if sys.stderr.isatty():
        text = textwrap.fill(text, width=max(40, shutil.get_terminal_size().columns - 1))
    print(text, file=sys.stderr, flush=True)


def run(options: ServeOptions, user: str, passphrase: str, *, busy_timeout_ms: int) -> int:
    """Unlock, check, then serve until stopped (Ctrl+C)."""
    sites = unlock_sites(
        options.sites, user, passphrase, busy_timeout_ms=busy_timeout_ms, tell=_say_waiting
    )
    ds = make_datasette(sites, options.auth, options.sign_in())
    try:
        asyncio.run(check_datasette(ds, sites))
    except AhtuiError:
        raise
    except Exception as exc:
        raise AhtuiError(f"The supervisors' view could not start: {exc}") from exc
    sock = listen(options.host, options.port)
    port = sock.getsockname()[1]
    host = f"[{options.host}]" if ":" in options.host else options.host
    print(
        f"Supervisors' view of {len(sites)} site{'s' if len(sites) != 1 else ''} at "
        f"http://{host}:{port}/ (Ctrl+C to stop)",
        flush=True,
    )
    if not is_loopback(options.host) and not options.behind_https:
        print(
            "Warning: listening beyond this machine over plain HTTP; put it behind HTTPS so "
            "passwords and figures are not sent in the clear.",
            file=sys.stderr,
            flush=True,
        )
    # Behind HTTPS, a proxy on this machine says who the client is (X-Forwarded-For, used by
    # the sign-in limit per address); otherwise no such header is believed.
    config = uvicorn.Config(
        ds.app(),
        log_level="warning",
        access_log=False,
        lifespan="on",
        proxy_headers=options.behind_https,
        forwarded_allow_ips="127.0.0.1,::1",
    )
    uvicorn.Server(config).run(sockets=[sock])
    return EXIT_OK
