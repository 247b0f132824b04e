"""Keys for Personal support networks: offer, referral, members, conference and review."""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = ()
