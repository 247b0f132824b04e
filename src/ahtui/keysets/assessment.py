"""Keys for The Combined Assessment: the nine areas, their questions and OASys items."""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = ()
