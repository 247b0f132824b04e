"""What the plugin holds for one Datasette: its `plugins.ahtui` configuration and its state.

The plugin does nothing for a Datasette without that configuration (`plugin_config` is None),
so another Datasette in the same environment is left as it is. The state (keys handed over in
memory, the supervisors' file as last read, the sessions and failed sign-ins) is kept per
instance and dies with it.

Sign-in settings in the configuration, with their defaults (`ahtui serve` writes them from its
options): `session_hours` (8), `login_attempts` per name (10) and `address_attempts` per
address (5 times as many) within `lockout_minutes` (15), the lockout's length too; `hosts`, the names the
server answers to in the Host header (the loopback names if not given); `behind_https` (false),
which marks every cookie Secure and asks browsers to keep to HTTPS.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from .sessions import Sessions, Throttle

PLUGIN = "ahtui"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class ConfigError(Exception):
    """The plugin's configuration cannot be used; the message says why, plainly."""


@dataclass(frozen=True)
class SignIn:
    session_seconds: float
    login_attempts: int
    address_attempts: int
    lockout_seconds: float
    hosts: frozenset[str]
    behind_https: bool


def _number(config: dict[str, Any], key: str, default: float) -> float:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"The setting {key} must be a positive number (got {value!r}).")
    return float(value)


def sign_in_settings(config: dict[str, Any]) -> SignIn:
    hosts = config.get("hosts") or list(LOOPBACK_NAMES)
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise ConfigError("The setting hosts must be a list of host names.")
    per_login = int(_number(config, "login_attempts", 10))
    return SignIn(
        session_seconds=_number(config, "session_hours", 8) * 3600,
        login_attempts=per_login,
        # An office behind one address has several supervisors: more room, still a limit.
        address_attempts=int(_number(config, "address_attempts", 5 * per_login)),
        lockout_seconds=_number(config, "lockout_minutes", 15) * 60,
        hosts=frozenset(h.lower().strip("[]") for h in hosts),
        behind_https=bool(config.get("behind_https", False)),
    )


@dataclass
class State:
    keys: dict[str, bytes] = field(default_factory=dict)
    auth_stamp: tuple | None = None
    supervisors: dict[str, str] = field(default_factory=dict)
    sessions: Sessions = field(default_factory=Sessions)
    sign_in: SignIn | None = None
    throttle: Throttle | None = None


_STATES: weakref.WeakKeyDictionary[Any, State] = weakref.WeakKeyDictionary()


def state_of(datasette: Any) -> State:
    state = _STATES.get(datasette)
    if state is None:
        state = _STATES[datasette] = State()
    return state


def sign_in(datasette: Any) -> SignIn:
    """The sign-in settings, read from the configuration once."""
    state = state_of(datasette)
    if state.sign_in is None:
        settings = sign_in_settings(plugin_config(datasette) or {})
        state.throttle = Throttle(
            settings.login_attempts, settings.address_attempts, settings.lockout_seconds
        )
        state.sign_in = settings
    return state.sign_in


def throttle(datasette: Any) -> Throttle:
    sign_in(datasette)
    throttle = state_of(datasette).throttle
    assert throttle is not None
    return throttle


def plugin_config(datasette: Any) -> dict[str, Any] | None:
    """The plugin's configuration, or None for a Datasette that is not ahtui's."""
    config = datasette.plugin_config(PLUGIN)
    return config if isinstance(config, dict) else None


def site_names(datasette: Any) -> set[str]:
    config = plugin_config(datasette) or {}
    sites = config.get("sites") or {}
    return {name for name in sites if name in datasette.databases}
