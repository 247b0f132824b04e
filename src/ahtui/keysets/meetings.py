"""Keys for Meetings: the person's meetings list, scheduling and the meeting runner."""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = ()
