"""Keys for Exports of My Plan, the assessment, meetings and minutes."""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = ()
