"""Keys for Meetings: the person's meetings list, scheduling and the meeting runner.

Scopes: "meetings" (screens/meetings.py) and "meetings.runner" (screens/meeting_runner.py).
Enter is a priority key on both so it acts on the highlighted row rather than being taken by
the list itself; the footer keeps to the keys used in every meeting so it fits 80 columns.
"""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = (
    # -- the person's meetings -------------------------------------------------------------
    KeyAction("meetings.back", "back", "Back", "escape", "Back to the person."),
    KeyAction(
        "meetings.schedule",
        "schedule",
        "Schedule",
        "n",
        "Schedule a meeting: type, date and time, mode, place, chair and who attends.",
    ),
    KeyAction(
        "meetings.run",
        "run",
        "Run",
        "enter,r",
        "Open the highlighted meeting's agenda to run it, or carry on where it stopped.",
        priority=True,
    ),
    KeyAction(
        "meetings.cancel",
        "cancel_meeting",
        "Cancel meeting",
        "x",
        "Cancel the highlighted scheduled meeting, giving a reason.",
    ),
    # -- the meeting runner ----------------------------------------------------------------
    KeyAction("meetings.runner.back", "back", "Back", "escape", "Back to the meetings list."),
    KeyAction(
        "meetings.runner.notes",
        "edit_item",
        "Notes",
        "enter,e",
        "Write notes and the outcome against the highlighted item (saved at once).",
        priority=True,
    ),
    KeyAction(
        "meetings.runner.tick",
        "tick",
        "Tick",
        "space",
        "Tick the highlighted item covered (or an outcome achieved) and go on; again to untick.",
    ),
    KeyAction(
        "meetings.runner.attendance",
        "attendance",
        "Attendance",
        "t",
        "Who attended and who sent apologies; add someone who came.",
    ),
    KeyAction(
        "meetings.runner.action",
        "new_action",
        "Action",
        "n",
        "Add a step to the Team Actions Log from this meeting: step, who, by when.",
    ),
    KeyAction(
        "meetings.runner.finish",
        "finish",
        "Finish",
        "f",
        "Record the meeting as held (the schedule updates) and say when the team meets next.",
    ),
    KeyAction(
        "meetings.runner.next_open",
        "next_open",
        "Next open item",
        "j",
        "Jump to the next item not yet ticked.",
        show=False,
    ),
    KeyAction(
        "meetings.runner.outcomes",
        "outcomes",
        "Outcomes",
        "o",
        "Jump to the outcomes the meeting should reach, to tick them.",
        show=False,
    ),
)
