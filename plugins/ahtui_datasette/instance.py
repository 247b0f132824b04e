"""What the plugin holds for one Datasette: its `plugins.ahtui` configuration and its state.

The plugin does nothing for a Datasette without that configuration (`plugin_config` is None),
so another Datasette in the same environment is left as it is. The state (keys handed over in
memory, the supervisors' file as last read) is kept per instance and dies with it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

PLUGIN = "ahtui"


class ConfigError(Exception):
    """The plugin's configuration cannot be used; the message says why, plainly."""


@dataclass
class State:
    keys: dict[str, bytes] = field(default_factory=dict)
    auth_mtime: float | None = None
    supervisors: dict[str, str] = field(default_factory=dict)


_STATES: weakref.WeakKeyDictionary[Any, State] = weakref.WeakKeyDictionary()


def state_of(datasette: Any) -> State:
    state = _STATES.get(datasette)
    if state is None:
        state = _STATES[datasette] = State()
    return state


def plugin_config(datasette: Any) -> dict[str, Any] | None:
    """The plugin's configuration, or None for a Datasette that is not ahtui's."""
    config = datasette.plugin_config(PLUGIN)
    return config if isinstance(config, dict) else None


def site_names(datasette: Any) -> set[str]:
    config = plugin_config(datasette) or {}
    sites = config.get("sites") or {}
    return {name for name in sites if name in datasette.databases}
