"""Keys for the sync screen (peers, export, import, history) and the conflicts screen."""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    # -- sync --------------------------------------------------------------------------------
    back("sync", "Back to the caseload."),
    KeyAction(
        id="sync.export",
        command="export a bundle",
        action="export",
        description="Export",
        keys="e",
        help="Write a bundle of what a site lacks to a folder (the highlighted site first).",
    ),
    KeyAction(
        id="sync.import",
        command="import bundles",
        action="import_bundles",
        description="Import",
        keys="i",
        help="Import one bundle file, or every bundle in a folder (the inbox), with progress.",
    ),
    KeyAction(
        id="sync.conflicts",
        command="open conflicts",
        action="open_conflicts",
        description="Conflicts",
        keys="f",
        help="Open the conflicts waiting to be resolved.",
    ),
    KeyAction(
        id="sync.refresh",
        command="read peers and history again",
        action="refresh",
        description="Refresh",
        keys="r",
        help="Read peers and history again.",
        show=False,
    ),
    # -- conflicts ---------------------------------------------------------------------------
    back("conflicts", "Back to where you came from."),
    KeyAction(
        id="conflicts.mine",
        command="keep this site's value",
        row=True,
        action="choose('mine')",
        description="Mine",
        keys="m",
        help="Resolve the highlighted conflict with this site's value.",
    ),
    KeyAction(
        id="conflicts.theirs",
        command="take the other site's value",
        row=True,
        action="choose('theirs')",
        description="Theirs",
        keys="t",
        help="Resolve the highlighted conflict with the other site's value.",
    ),
    KeyAction(
        id="conflicts.combine",
        command="combine both values",
        row=True,
        action="combine",
        description="Combine",
        keys="c",
        help="Write a value made from both (starts with both joined), and resolve with it.",
    ),
    KeyAction(
        id="conflicts.restore",
        command="restore a deleted record with its edit",
        row=True,
        action="choose('restore')",
        description="Keep edit",
        keys="k",
        help="A deleted record that was edited elsewhere: restore it with the edit.",
    ),
    KeyAction(
        id="conflicts.accept_delete",
        command="leave a deleted record deleted",
        row=True,
        action="choose('delete')",
        description="Accept delete",
        keys="d",
        help="A deleted record that was edited elsewhere: leave it deleted.",
    ),
)
