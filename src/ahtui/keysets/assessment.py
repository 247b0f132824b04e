"""Keys for the Combined Assessment: the nine areas, their questions and OASys items.

Scope "assessment" is the list of areas with their completion; "assessment.area" one area's
questions. Answers are saved one at a time as they are entered, so a sitting can stop at any
key press and the next sitting carries on from the first unanswered question.
"""

from __future__ import annotations

from ..keyspec import KeyAction

ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("assessment.back", "back", "Back", "escape", "Back to the person.", show=False),
    KeyAction("assessment.open", "open_area", "Open area", "enter", "Open the highlighted area."),
    KeyAction(
        "assessment.fill",
        "fill_area",
        "Fill in turn",
        "f",
        "Open the highlighted area and answer its unanswered questions one after another.",
    ),
    KeyAction("assessment.area.back", "back", "Back", "escape", "Back to the list of areas."),
    KeyAction(
        "assessment.area.answer",
        "answer",
        "Answer",
        "enter,e",
        "Answer the highlighted question; it is saved when the form is saved.",
    ),
    KeyAction(
        "assessment.area.fill",
        "fill",
        "Fill in turn",
        "f",
        "Answer the unanswered questions one after another; Esc stops, answers so far are kept.",
    ),
    KeyAction(
        "assessment.area.next",
        "next_unanswered",
        "Next unanswered",
        "u",
        "Move to the next question not yet answered.",
    ),
    KeyAction(
        "assessment.area.clear",
        "clear",
        "Clear answer",
        "x",
        "Remove the answer to the highlighted question.",
        show=False,
    ),
)
