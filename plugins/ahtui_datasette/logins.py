"""Supervisors signed in: the supervisors' file as the plugin reads it, password checks, and
the session a signed `ds_actor` cookie names (kept on the server: `sessions.py`).
"""

from __future__ import annotations

import asyncio
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from datasette.utils import baseconv
from itsdangerous import BadSignature

from ahtui.errors import AhtuiError
from ahtui.supervisors import load_supervisors, verify_password

from .instance import PLUGIN, plugin_config, sign_in, state_of
from .sessions import STRETCHING

SUPERVISOR = "supervisor"
# Spent on every failed login, so guessing passwords over the network is slow.
FAILED_LOGIN_DELAY = 1.0


def supervisors(datasette: Any) -> dict[str, str]:
    """The supervisors' file, re-read when it changes (a removed login stops working)."""
    state = state_of(datasette)
    config = plugin_config(datasette) or {}
    auth_file = config.get("auth_file")
    if not auth_file:
        return {}
    path = Path(str(auth_file)).expanduser()
    try:
        info = path.stat()
    except OSError:
        state.supervisors, state.auth_stamp = {}, None
        return {}
    # `ahtui supervisor` replaces the file whole, so a new inode marks every change, even two
    # within the same clock tick.
    stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
    if stamp != state.auth_stamp:
        try:
            state.supervisors = load_supervisors(path)
        except AhtuiError:
            # A file broken while serving locks everyone out rather than guessing.
            state.supervisors = {}
        state.auth_stamp = stamp
    return state.supervisors


def is_supervisor(datasette: Any, actor: Any) -> bool:
    """A signed-in supervisor: an actor naming a live session of that login."""
    if not isinstance(actor, dict) or actor.get(PLUGIN) != SUPERVISOR:
        return False
    name = actor.get("id")
    login = state_of(datasette).sessions.login_of(actor.get("sid"), supervisors(datasette))
    return isinstance(name, str) and login == name


def start_session(datasette: Any, name: str) -> str:
    """Sign `name` in: a new session, and the signed cookie value that names it."""
    settings = sign_in(datasette)
    stored = supervisors(datasette)[name]
    sid = state_of(datasette).sessions.start(name, stored, settings.session_seconds)
    expires = baseconv.base62.encode(int(time.time() + settings.session_seconds))
    actor = {"id": name, PLUGIN: SUPERVISOR, "sid": sid}
    return datasette.sign({"a": actor, "e": expires}, "actor")


def end_sessions(datasette: Any, actor: Any) -> None:
    """Sign out: every session of the actor's login ends, on every browser."""
    if isinstance(actor, dict) and isinstance(actor.get("id"), str):
        state_of(datasette).sessions.end_all(actor["id"])


def actor_from_cookie(datasette: Any, cookie_header: str) -> Any:
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


def _verify(password: str, stored: str | None) -> bool:
    # Runs in a worker thread; the semaphore bounds the memory of checks running at once.
    with STRETCHING:
        return verify_password(password, stored)


async def check_password(datasette: Any, name: str, password: str) -> bool:
    stored = supervisors(datasette).get(name)
    if stored is None or not password:
        # Same work as a real check, so the time taken does not reveal who has a login.
        await asyncio.to_thread(_verify, password or "x", None)
        return False
    return await asyncio.to_thread(_verify, password, stored)
