"""Make Datasette use SQLCipher (through sqlcipher3) instead of the standard library's sqlite3.

Datasette 0.65.5 picks its sqlite3 module once, in `datasette/utils/sqlite.py`, preferring a
module named `pysqlite3`. Pointing that name at `sqlcipher3.dbapi2` before Datasette is
imported makes every connection, `Row` and error class Datasette uses come from SQLCipher, so
`PRAGMA key` in a `prepare_connection` hook is all an encrypted site needs.

If Datasette was imported first (the `datasette` command loads plugins after itself), the
modules that already bound the standard library's sqlite3 are re-pointed instead; Python looks
module globals up at call time, so later calls use SQLCipher.

This module must not import Datasette.
"""

from __future__ import annotations

import sqlite3 as _stdlib_sqlite3
import sys

from sqlcipher3 import dbapi2 as sqlcipher

__all__ = ["sqlcipher", "use_sqlcipher", "datasette_uses_sqlcipher"]


def use_sqlcipher() -> None:
    """Route Datasette's sqlite3 to sqlcipher3 (idempotent)."""
    sys.modules.setdefault("pysqlite3", sqlcipher)
    sys.modules.setdefault("pysqlite3.dbapi2", sqlcipher)
    for name, module in list(sys.modules.items()):
        if name == "datasette" or name.startswith("datasette."):
            if getattr(module, "sqlite3", None) is _stdlib_sqlite3:
                module.sqlite3 = sqlcipher


def datasette_uses_sqlcipher() -> bool:
    """True when Datasette's own module binding is SQLCipher (checked at startup)."""
    module = sys.modules.get("datasette.utils.sqlite")
    return module is not None and module.sqlite3 is sqlcipher
