"""The entry `ahtui serve` calls: the web stack is loaded only here, and only once it is known
to be installed, so this package and every other command work without the extra `ahtui[serve]`.
"""

from __future__ import annotations

from .options import ServeOptions, require_web_stack


def serve(options: ServeOptions, user: str, passphrase: str, *, busy_timeout_ms: int) -> int:
    """Unlock, check, then serve until stopped (Ctrl+C); without Datasette installed, a plain
    WebStackMissing saying how to install it."""
    require_web_stack()
    # Here, not at the top: Datasette and uvicorn are an optional extra.
    from . import server

    return server.run(options, user, passphrase, busy_timeout_ms=busy_timeout_ms)
