"""Keys for Meetings: the person's meetings list, scheduling and the meeting runner.

Scopes: "meetings" (screens/meetings.py) and "meetings.runner" (screens/meeting_runner.py).
Enter is a priority key on both so it acts on the highlighted row rather than being taken by
the list itself; the footer keeps to the keys used in every meeting so it fits 80 columns.
"""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    # -- the person's meetings ---------------------------------------------------------------
    back("meetings", "Back to the person."),
    KeyAction(
        id="meetings.schedule",
        command="schedule a meeting",
        action="schedule",
        description="Schedule",
        keys="n",
        help="Schedule a meeting: type, date and time, mode, place, chair and who attends.",
    ),
    KeyAction(
        id="meetings.run",
        command="run a meeting",
        row=True,
        action="run",
        description="Run",
        keys="enter,r",
        help="Open the highlighted meeting's agenda to run it, or carry on where it stopped.",
        priority=True,
    ),
    KeyAction(
        id="meetings.cancel",
        command="cancel a meeting",
        row=True,
        action="cancel_meeting",
        description="Cancel meeting",
        keys="x",
        help="Cancel the highlighted scheduled meeting, giving a reason.",
    ),
    # -- the meeting runner ------------------------------------------------------------------
    back("meetings.runner", "Back to the meetings list."),
    KeyAction(
        id="meetings.runner.notes",
        command="notes on an agenda item",
        row=True,
        action="edit_item",
        description="Notes",
        keys="enter,e",
        help="Write notes and the outcome against the highlighted item (saved at once).",
        priority=True,
    ),
    KeyAction(
        id="meetings.runner.tick",
        command="tick an agenda item",
        row=True,
        action="tick",
        description="Tick",
        keys="space",
        help="Tick the highlighted item covered (or an outcome achieved); again to untick.",
    ),
    KeyAction(
        id="meetings.runner.attendance",
        command="attendance",
        action="attendance",
        description="Attendance",
        keys="t",
        help="Who attended and who sent apologies; add someone who came.",
    ),
    KeyAction(
        id="meetings.runner.action",
        command="add an action from the meeting",
        action="new_action",
        description="Action",
        keys="n",
        help="Add a step to the Team Actions Log from this meeting: step, who, by when.",
    ),
    KeyAction(
        id="meetings.runner.finish",
        command="finish the meeting",
        action="finish",
        description="Finish",
        keys="f",
        help="Record the meeting as held (the schedule updates) and say when the team meets next.",
    ),
    KeyAction(
        id="meetings.runner.next_open",
        command="next open agenda item",
        action="next_open",
        description="Next open item",
        keys="j",
        help="Jump to the next item not yet ticked.",
        show=False,
    ),
    KeyAction(
        id="meetings.runner.outcomes",
        command="outcomes",
        action="outcomes",
        description="Outcomes",
        keys="o",
        help="Jump to the outcomes the meeting should reach, to tick them.",
        show=False,
    ),
)
