"""Plain refusals for sync: each names what is wrong and what to do (exit code 2)."""

from __future__ import annotations

from ..errors import BadInput


class BundleRefused(BadInput):
    """A bundle was refused before anything was applied."""


class TrustError(BadInput):
    """A site card or trust operation could not be done as asked."""
