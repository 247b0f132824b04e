"""Keys for the Combined Assessment: the nine areas, their questions and OASys items.

Scope "assessment" is the list of areas with their completion; "assessment.area" one area's
questions. Home and End go to the first and last row (a table's own Home and End only scroll
sideways). Answers are saved one at a time as they are entered, so a sitting can stop at any
key press and the next sitting carries on from the first unanswered question.
"""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    back("assessment", "Back to the person.", show=False),
    KeyAction(
        id="assessment.open",
        command="open an area",
        row=True,
        action="open_area",
        description="Open area",
        keys="enter",
        help="Open the highlighted area.",
    ),
    KeyAction(
        id="assessment.fill",
        command="fill an area in turn",
        row=True,
        action="fill_area",
        description="Fill in turn",
        keys="f",
        help="Open the highlighted area and answer its unanswered questions one after another.",
    ),
    KeyAction(
        id="assessment.first",
        action="first_row",
        description="First area",
        keys="home",
        help="Move to the first area.",
        show=False,
        priority=True,
        palette=False,
    ),
    KeyAction(
        id="assessment.last",
        action="last_row",
        description="Last area",
        keys="end",
        help="Move to the last area.",
        show=False,
        priority=True,
        palette=False,
    ),
    back("assessment.area", "Back to the list of areas."),
    KeyAction(
        id="assessment.area.answer",
        command="answer a question",
        row=True,
        action="answer",
        description="Answer",
        keys="enter,e",
        help="Answer the highlighted question; it is saved when the form is saved.",
    ),
    KeyAction(
        id="assessment.area.fill",
        command="answer this area in turn",
        action="fill",
        description="Fill in turn",
        keys="f",
        help="Answer the unanswered questions one after another; Esc stops, answers so far are kept.",
    ),
    KeyAction(
        id="assessment.area.next",
        command="next unanswered question",
        action="next_unanswered",
        description="Next unanswered",
        keys="u",
        help="Move to the next question not yet answered.",
    ),
    KeyAction(
        id="assessment.area.clear",
        command="clear an answer",
        row=True,
        action="clear",
        description="Clear answer",
        keys="x",
        help="Remove the answer to the highlighted question.",
        show=False,
    ),
    KeyAction(
        id="assessment.area.first",
        action="first_row",
        description="First question",
        keys="home",
        help="Move to the first question.",
        show=False,
        priority=True,
        palette=False,
    ),
    KeyAction(
        id="assessment.area.last",
        action="last_row",
        description="Last question",
        keys="end",
        help="Move to the last question.",
        show=False,
        priority=True,
        palette=False,
    ),
)
