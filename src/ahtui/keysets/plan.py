"""Keys for My Plan: About Me, the Wheel of Life, goals, support and progress, agreed versions.

Scope "plan" is the My Plan screen; "plan.versions" the list of agreed versions, read-only.
Goal and step keys (edit, done) act on the goals list; from the whole-plan view they switch to
it first, so a key is never silently ignored.
"""

from __future__ import annotations

from ..keyspec import KeyAction

_HIDDEN = {"back", "plan_view", "goals_view", "step", "edit", "done", "versions"}

ACTIONS: tuple[KeyAction, ...] = (
    *(
        KeyAction(f"plan.{name}", action, words, keys, help_text, show=name not in _HIDDEN)
        for name, action, words, keys, help_text in (
            ("back", "back", "Back", "escape", "Back to the person."),
            (
                "plan_view",
                "show_view('plan')",
                "Whole plan",
                "o",
                "Show the whole plan as the person sees it: About Me, wheel, goals, support.",
            ),
            (
                "goals_view",
                "show_view('goals')",
                "Goals list",
                "l",
                "List goals and their steps to edit them or mark them done.",
            ),
            (
                "about",
                "about_me",
                "About Me",
                "a",
                "Write About Me and what helps, in their words.",
            ),
            (
                "wheel",
                "score_wheel",
                "Wheel",
                "w",
                "Score the Wheel of Life areas 1 to 10 on a date; earlier scores are kept.",
            ),
            ("goal", "add_goal", "Goal", "g", "Add a goal in the person's own words."),
            ("step", "add_step", "Step", "t", "Add a step to a goal: who helps and by when."),
            ("edit", "edit", "Edit", "e", "Edit the highlighted goal or step."),
            (
                "done",
                "done",
                "Done",
                "d",
                "Mark the highlighted step done, or the goal achieved, today.",
            ),
            ("support", "add_support", "Support", "s", "Record what support comes from whom."),
            ("progress", "add_progress", "Progress", "n", "Write a progress note, dated."),
            (
                "agree",
                "agree",
                "Agree",
                "m",
                "Mark the plan agreed with the person on a date; that version stays readable.",
            ),
            ("versions", "versions", "Versions", "v", "Read earlier agreed versions of the plan."),
        )
    ),
    KeyAction("plan.versions.back", "back", "Back", "escape", "Back to My Plan."),
)
