"""Supervisors signed in: the supervisors' file as the plugin reads it, password checks, and
the actor in Datasette's signed `ds_actor` cookie.
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

from .instance import PLUGIN, plugin_config, state_of

SUPERVISOR = "supervisor"
SESSION_SECONDS = 8 * 60 * 60
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


def is_supervisor(datasette: Any, actor: Any) -> bool:
    return (
        isinstance(actor, dict)
        and actor.get(PLUGIN) == SUPERVISOR
        and isinstance(actor.get("id"), str)
        and actor["id"] in supervisors(datasette)
    )


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


async def check_password(datasette: Any, name: str, password: str) -> bool:
    stored = supervisors(datasette).get(name)
    if stored is None or not password:
        # Same work as a real check, so the time taken does not reveal who has a login.
        await asyncio.to_thread(verify_password, password or "x", None)
        return False
    return await asyncio.to_thread(verify_password, password, stored)
