"""Point Datasette at SQLCipher (through sqlcipher3) instead of the standard library's sqlite3,
in this process, when an ahtui server asks for it: never on import.

Datasette 0.65.5 binds its sqlite3 module once, in `datasette/utils/sqlite.py`, and its other
modules import that binding (`from .utils.sqlite import sqlite3`). Re-pointing each of those
module globals at `sqlcipher3.dbapi2` makes every later connection, `Row` and error class
Datasette uses come from SQLCipher (Python looks globals up at call time), so `PRAGMA key` in a
`prepare_connection` hook is all an encrypted site needs. Without a key SQLCipher still opens
plain SQLite files.

`ahtui serve` calls `use_sqlcipher` before it makes its Datasette, and the plugin's startup hook
calls it for a Datasette configured for ahtui (the `datasette` command given ahtui's metadata).
Any other Datasette, in any process that has not started an ahtui server, keeps the standard
sqlite3: installing ahtui changes nothing for it.
"""

from __future__ import annotations

import sqlite3 as _stdlib_sqlite3
import sys

from sqlcipher3 import dbapi2 as sqlcipher

__all__ = ["sqlcipher", "use_sqlcipher", "datasette_uses_sqlcipher"]


def use_sqlcipher() -> None:
    """Route the Datasette modules loaded in this process to sqlcipher3 (idempotent)."""
    if datasette_uses_sqlcipher():
        return
    # As Datasette does for the module it picks: errors in SQL functions show their traceback.
    sqlcipher.enable_callback_tracebacks(True)
    for name, module in list(sys.modules.items()):
        if name == "datasette" or name.startswith("datasette."):
            if getattr(module, "sqlite3", None) is _stdlib_sqlite3:
                module.sqlite3 = sqlcipher


def datasette_uses_sqlcipher() -> bool:
    """True when Datasette's own module binding is SQLCipher."""
    module = sys.modules.get("datasette.utils.sqlite")
    return module is not None and module.sqlite3 is sqlcipher
