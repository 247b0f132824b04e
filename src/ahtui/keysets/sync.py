"""Keys for the sync screen (peers, export, import, history) and the conflicts screen."""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = (
    # -- sync ----------------------------------------------------------------------------
    KeyAction("sync.back", "back", "Back", "escape", "Back to the caseload."),
    KeyAction(
        "sync.export",
        "export",
        "Export",
        "e",
        "Write a bundle of what a site lacks to a folder (the highlighted site first).",
    ),
    KeyAction(
        "sync.import",
        "import_bundles",
        "Import",
        "i",
        "Import one bundle file, or every bundle in a folder (the inbox), with progress.",
    ),
    KeyAction(
        "sync.conflicts",
        "open_conflicts",
        "Conflicts",
        "f",
        "Open the conflicts waiting to be resolved.",
    ),
    KeyAction(
        "sync.refresh",
        "refresh",
        "Refresh",
        "r",
        "Read peers and history again.",
        show=False,
    ),
    # -- conflicts -----------------------------------------------------------------------
    KeyAction("conflicts.back", "back", "Back", "escape", "Back to where you came from."),
    KeyAction(
        "conflicts.mine",
        "choose('mine')",
        "Mine",
        "m",
        "Resolve the highlighted conflict with this site's value.",
    ),
    KeyAction(
        "conflicts.theirs",
        "choose('theirs')",
        "Theirs",
        "t",
        "Resolve the highlighted conflict with the other site's value.",
    ),
    KeyAction(
        "conflicts.combine",
        "combine",
        "Combine",
        "c",
        "Write a value made from both (starts with both joined), and resolve with it.",
    ),
    KeyAction(
        "conflicts.restore",
        "choose('restore')",
        "Keep edit",
        "k",
        "A deleted record that was edited elsewhere: restore it with the edit.",
    ),
    KeyAction(
        "conflicts.accept_delete",
        "choose('delete')",
        "Accept delete",
        "d",
        "A deleted record that was edited elsewhere: leave it deleted.",
    ),
)
