"""Keys for My Plan: About Me, the Wheel of Life, goals, support and progress, agreed versions.

Scope "plan" is the My Plan screen; "plan.versions" the list of agreed versions, read-only.
Goal and step keys (edit, done) act on the goals list; from the whole-plan view they switch to
it first, so a key is never silently ignored.
"""

from __future__ import annotations

from ..keyspec import KeyAction, back

ACTIONS: tuple[KeyAction, ...] = (
    back("plan", "Back to the person.", show=False),
    KeyAction(
        id="plan.plan_view",
        command="whole plan",
        action="show_view('plan')",
        description="Whole plan",
        keys="o",
        help="Show the whole plan as the person sees it: About Me, wheel, goals, support.",
        show=False,
    ),
    KeyAction(
        id="plan.goals_view",
        command="goals list",
        action="show_view('goals')",
        description="Goals list",
        keys="l",
        help="List goals and their steps to edit them or mark them done.",
        show=False,
    ),
    KeyAction(
        id="plan.about",
        command="About Me",
        action="about_me",
        description="About Me",
        keys="a",
        help="Write About Me and what helps, in their words.",
    ),
    KeyAction(
        id="plan.wheel",
        command="score the Wheel of Life",
        action="score_wheel",
        description="Wheel",
        keys="w",
        help="Score the Wheel of Life areas 1 to 10 on a date; earlier scores are kept.",
    ),
    KeyAction(
        id="plan.goal",
        command="add a goal",
        action="add_goal",
        description="Goal",
        keys="g",
        help="Add a goal in the person's own words.",
    ),
    KeyAction(
        id="plan.step",
        command="add a step to a goal",
        action="add_step",
        description="Step",
        keys="t",
        help="Add a step to a goal: who helps and by when.",
        show=False,
    ),
    KeyAction(
        id="plan.edit",
        command="edit a goal or step",
        row=True,
        action="edit",
        description="Edit",
        keys="e",
        help="Edit the highlighted goal or step.",
        show=False,
    ),
    KeyAction(
        id="plan.done",
        command="mark a step done or a goal achieved",
        row=True,
        action="done",
        description="Done",
        keys="d",
        help="Mark the highlighted step done, or the goal achieved, today.",
        show=False,
    ),
    KeyAction(
        id="plan.support",
        command="record support",
        action="add_support",
        description="Support",
        keys="s",
        help="Record what support comes from whom.",
    ),
    KeyAction(
        id="plan.progress",
        command="write a progress note",
        action="add_progress",
        description="Progress",
        keys="n",
        help="Write a progress note, dated.",
    ),
    KeyAction(
        id="plan.agree",
        command="mark the plan agreed",
        action="agree",
        description="Agree",
        keys="m",
        help="Mark the plan agreed with the person on a date; that version stays readable.",
    ),
    KeyAction(
        id="plan.versions",
        command="agreed versions",
        action="versions",
        description="Versions",
        keys="v",
        help="Read earlier agreed versions of the plan.",
        show=False,
    ),
    back("plan.versions", "Back to My Plan."),
)
