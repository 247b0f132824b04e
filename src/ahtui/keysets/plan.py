"""Keys for My Plan: About Me, the Wheel of Life, goals, support and progress."""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = ()
