"""Every screen over an open site, imported so each registers with `navigation`.

The app imports this before the first screen over a site opens (in the background while the
passphrase is typed); no screen imports it, so screens can open each other without cycles.
"""

from __future__ import annotations

from . import (  # noqa: F401 - imported to register their screens
    actions,
    assessment,
    caseload,
    conflicts,
    consent,
    emails,
    exports,
    meeting_runner,
    meetings,
    myplan,
    network,
    notes,
    person,
    release,
    sync,
    team,
)
