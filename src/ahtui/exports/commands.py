"""The `ahtui export ...` command; cli.py calls `register`.

Nothing here imports Textual: exports are written from the services, like the screens do.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def register(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add `export` to the CLI's subcommands (filled in by the exports work)."""
