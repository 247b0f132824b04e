"""Keys for the Team Actions Log: one person's log, or the log across everyone."""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    back("actions", "Back to the previous screen."),
    KeyAction(
        id="actions.add",
        command="add a step",
        reach="person",
        action="add",
        description="Add",
        keys="n",
        help="Add a step to the log (for one person's log).",
    ),
    KeyAction(
        id="actions.edit",
        command="edit a step",
        row=True,
        action="edit",
        description="Edit",
        keys="e",
        help="Change the highlighted step, who does it or when by.",
    ),
    KeyAction(
        id="actions.complete",
        command="mark done",
        row=True,
        action="complete",
        description="Done",
        keys="d",
        help="Mark the highlighted step complete today (asks first); on a done step, mark it "
        "not done.",
    ),
    KeyAction(
        id="actions.undo",
        action="undo_done",
        description="Undo done",
        keys="u",
        help="Mark the step you last marked done not done again.",
        show=False,
    ),
    KeyAction(
        id="actions.follow_up",
        command="add a follow-up step",
        row=True,
        action="follow_up",
        description="Follow-up",
        keys="f",
        help="Add a follow-up step linked to the highlighted one.",
    ),
    KeyAction(
        id="actions.view",
        command="next view (mine, overdue, this week…)",
        reach="site",
        action="next_view",
        description="View",
        keys="v",
        help="Across everyone: mine, overdue, due this week, by practitioner, all open.",
    ),
    KeyAction(
        id="actions.practitioner",
        command="one practitioner's actions",
        reach="site",
        action="by_practitioner",
        description="By practitioner",
        keys="b",
        help="Across everyone: pick a practitioner to list their open actions.",
        show=False,
    ),
    KeyAction(
        id="actions.open_person",
        command="open the person an action is for",
        row=True,
        action="open_person",
        description="Open person",
        keys="o",
        help="Open the person the highlighted action is for.",
        show=False,
    ),
    KeyAction(
        id="actions.export",
        command="export as CSV",
        action="export",
        description="Export CSV",
        keys="x",
        help="Save the actions listed here as a CSV file.",
    ),
)
