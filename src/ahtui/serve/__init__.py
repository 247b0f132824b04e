"""`ahtui serve` and `ahtui supervisor`: the supervisors' read-only web view, and their logins.

`ahtui serve` unlocks each site file the way every command does (a service user's passphrase
unwraps the data key), keeps the keys in this process only, and starts Datasette with the ahtui
plugin (plugins/ahtui_datasette) on 127.0.0.1 unless told otherwise. Supervisors sign in with
a name and password from the supervisors' file (`--auth FILE`, default `supervisors.toml` in
the config folder), which holds scrypt hashes only and is managed by `ahtui supervisor`.

Datasette, uvicorn and itsdangerous are the optional extra `ahtui[serve]`; importing this
package needs none of them. The modules, by concept:

- `options`: the command line checked before anything is unlocked, and whether the extra is
  installed (`WebStackMissing`, exit code 1, says `pip install 'ahtui[serve]'`);
- `unlock`: the sites unlocked, their keys in memory;
- `configuration`: Datasette's settings and metadata (plain data);
- `server`: Datasette and uvicorn started (the only module importing them);
- `launch`: `serve`, the entry that loads `server` once the extra is found;
- the supervisors' logins and their file are `ahtui.supervisors`, which the plugin reads too.

This module is the surface the CLI uses.
"""

from __future__ import annotations

from ..supervisors import add_supervisor, auth_path, load_supervisors, remove_supervisor
from .launch import serve
from .options import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ServeOptions,
    WebStackMissing,
    is_loopback,
    options_from_args,
    read_passphrase_file,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ServeOptions",
    "WebStackMissing",
    "add_supervisor",
    "auth_path",
    "is_loopback",
    "load_supervisors",
    "options_from_args",
    "read_passphrase_file",
    "remove_supervisor",
    "serve",
]
