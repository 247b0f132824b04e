"""My Plan: the person's own plan, written with them, and its agreed versions.

Two views of one plan: the whole plan as the person sees it (About Me, what helps, the Wheel of
Life chart of earlier and latest scores, goals with their steps, support from whom, progress), and
the goals list for editing goals and steps. Marking the plan agreed on a date freezes a version
that stays readable (`PlanVersionsScreen`); the heading says in words whether the plan is agreed
and whether it has changed since. States are written (DONE, TO DO, OVERDUE, ACHIEVED, AGREED),
never shown by colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, DataTable, Footer, Static

from .. import keymap
from ..errors import ValidationFailed
from ..store import myplan, people
from ..widgets.form import Field
from ..widgets.shown import Shown, ShownTable, clip
from ..widgets.wheel import wheel_chart, wheel_rows
from . import navigation
from .base import SiteScreen, fmt_date, parse_day, person_refs
from .record_table import Column, RecordTableScreen

_STEP_PREFIX = "step:"


def _section(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def _goal_status(goal: Mapping[str, Any]) -> str:
    status = (goal.get("status") or "open").upper()
    if status == "ACHIEVED" and goal.get("achieved_on"):
        return f"ACHIEVED {fmt_date(goal['achieved_on'])}"
    return status


def _step_status(step: Mapping[str, Any], today: Any = None) -> str:
    if step.get("done_on"):
        return f"DONE {fmt_date(step['done_on'])}"
    if today is not None and step.get("target_on") and step["target_on"] < today.isoformat():
        return "OVERDUE"
    return "TO DO"


def plan_renderable(plan: Mapping[str, Any], *, today: Any = None, hints: bool = True) -> Group:
    """A plan snapshot (`store.myplan.plan_snapshot` or an agreed version) as text to read."""

    def hint(words: str) -> Text:
        return Text(words if hints else "Not written.", style="italic")

    parts: list[Any] = [Text("About Me", style="bold underline")]
    parts.append(
        Text(plan.get("about_me") or "")
        if plan.get("about_me")
        else hint("Not written yet: a writes it.")
    )
    parts.append(_section("What helps"))
    parts.append(
        Text(plan["what_helps"])
        if plan.get("what_helps")
        else hint("Not written yet: a writes it.")
    )
    parts.append(Text(""))
    if plan.get("wheel"):
        parts.append(wheel_chart(plan["wheel"], myplan.WHEEL_AREAS))
    else:
        parts.append(Text("Wheel of Life", style="bold underline"))
        parts.append(hint("No scores yet: w scores the life areas from 1 to 10."))

    heading = _section(f"Goals ({len(plan.get('goals') or [])})")
    if hints and plan.get("goals"):
        heading.append("  l lists them to edit or mark done", style="italic")
    parts.append(heading)
    if not plan.get("goals"):
        parts.append(hint("No goals yet: g adds one in the person's own words."))
    for n, goal in enumerate(plan.get("goals") or [], 1):
        line = Text(f"{n}. ", style="bold")
        line.append(goal["goal"], style="bold")
        facts = [_goal_status(goal)]
        if goal.get("target_on"):
            facts.append(f"target {fmt_date(goal['target_on'])}")
        line.append(f"  ({', '.join(facts)})")
        parts.append(line)
        if goal.get("why"):
            parts.append(Text(f"   Why: {goal['why']}"))
        steps = Table.grid(padding=(0, 1))
        steps.add_column(width=3)
        steps.add_column(width=16, no_wrap=True)
        steps.add_column(ratio=1)
        for step in goal.get("steps") or []:
            words = Text(step["step"])
            extra = []
            if step.get("who_helps"):
                extra.append(f"who helps: {step['who_helps']}")
            if step.get("target_on"):
                extra.append(f"by {fmt_date(step['target_on'])}")
            if extra:
                words.append(f" ({'; '.join(extra)})", style="dim")
            steps.add_row("", _step_status(step, today), words)
        if goal.get("steps"):
            parts.append(steps)

    parts.append(_section("Support and who gives it"))
    if not plan.get("support"):
        parts.append(hint("None recorded yet: s records support and who gives it."))
    for s in plan.get("support") or []:
        who = f" (from {s['from_whom']})" if s.get("from_whom") else ""
        parts.append(Text(f"- {s['support']}{who}"))

    progress = plan.get("progress")
    if progress is not None:
        parts.append(_section("Progress"))
        if not progress:
            parts.append(hint("No progress notes yet: n writes one."))
        notes = Table.grid(padding=(0, 1))
        notes.add_column(width=11, no_wrap=True)
        notes.add_column(ratio=1)
        for p in progress:
            body = Text(p["note"])
            if p.get("goal"):
                body.append(f" (goal: {p['goal']})", style="dim")
            notes.add_row(fmt_date(p["noted_on"]), body)
        if progress:
            parts.append(notes)
    return Group(*parts)


def agreed_words(status: Mapping[str, Any]) -> str:
    """The plan's agreement in words, for the heading."""
    latest = status.get("latest")
    if not latest:
        return "NOT YET AGREED"
    words = f"AGREED {fmt_date(latest['agreed_on'])} (version {latest['number']})"
    if status.get("changed"):
        words += " · CHANGED SINCE AGREED"
    return words


@navigation.screen("plan")
class MyPlanScreen(SiteScreen):
    KEY_SCOPES = ("plan",)
    BINDINGS = keymap.bindings("plan")
    HELP_TITLE = "My Plan"

    DEFAULT_CSS = """
    /* 78 columns inside: the wheel chart's full width beside a one-cell scrollbar. */
    MyPlanScreen #plan-body { height: 1fr; padding: 0 0 0 1; scrollbar-size-vertical: 1; }
    MyPlanScreen #plan-switcher { height: 1fr; }
    MyPlanScreen #plan-goals-view { height: 1fr; }
    MyPlanScreen #plan-goals { height: 1fr; }
    MyPlanScreen #plan-goal-detail { height: 4; padding: 0 1; background: $panel; }
    """

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.view = "plan"
        self.snapshot: dict[str, Any] = {}
        self.status: dict[str, Any] = {}
        self.goals: list[dict[str, Any]] = []
        self.body: Any = None

    def compose(self) -> ComposeResult:
        yield Shown("", id="plan-head", classes="screen-head")
        with ContentSwitcher(initial="plan-body", id="plan-switcher"):
            with VerticalScroll(id="plan-body"):
                yield Shown("", id="plan-content")
            with Vertical(id="plan-goals-view"):
                table: DataTable[str] = ShownTable(
                    id="plan-goals", cursor_type="row", shrink=("Goal / step", "Who helps")
                )
                table.add_columns("Goal / step", "Who helps", "Target", "Status")
                yield table
                yield Shown("", id="plan-goal-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#plan-body").focus()

    # -- drawing -------------------------------------------------------------------------
    def reload(self) -> None:
        person = people.get_person(self.site, self.person_id)
        self.snapshot = myplan.plan_snapshot(self.site, self.person_id)
        self.status = myplan.plan_status(self.site, self.person_id)
        self.goals = myplan.goals_for(self.site, self.person_id)
        view = "Whole plan" if self.view == "plan" else "Goals list"
        self.query_one("#plan-head", Static).update(
            f"{person_refs(person)}\nMy Plan · {agreed_words(self.status)} · {view}"
        )
        self.body = plan_renderable(self.snapshot, today=self.today)
        self.query_one("#plan-content", Static).update(self.body)
        self._fill_goals()

    def _fill_goals(self) -> None:
        table = self.query_one("#plan-goals", DataTable)
        keep = table.cursor_row
        table.clear()
        for n, goal in enumerate(self.goals, 1):
            table.add_row(
                f"{n}. {goal['goal']}",
                "",
                fmt_date(goal["target_on"]),
                _goal_status(goal),
                key=goal["id"],
            )
            for step in goal["steps"]:
                table.add_row(
                    f"  ↳ {step['step']}",
                    step["who_helps"] or "",
                    fmt_date(step["target_on"]),
                    _step_status(step, self.today),
                    key=_STEP_PREFIX + step["id"],
                )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        else:
            self.query_one("#plan-goal-detail", Static).update(
                "No goals yet: g adds one in the person's own words."
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        kind, row, goal = chosen
        if kind == "goal":
            lines = [f"Goal: {row['goal']}", f"Status: {_goal_status(row)}"]
            if row["why"]:
                lines.append(f"Why: {row['why']}")
            count = len(row["steps"])
            lines.append(
                f"{count} step{'' if count == 1 else 's'} · e edits · t adds a step · d: ACHIEVED today"
            )
        else:
            lines = [f"Step: {row['step']}", f"For goal: {goal['goal']}"]
            lines.append(
                f"Status: {_step_status(row, self.today)}"
                + (f" · who helps: {row['who_helps']}" if row["who_helps"] else "")
                + (f" · by {fmt_date(row['target_on'])}" if row["target_on"] else "")
            )
            lines.append("e edits · d marks it DONE today")
        self.query_one("#plan-goal-detail", Static).update("\n".join(lines))

    def _chosen(self) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
        """The highlighted goal or step in the goals list: (kind, row, its goal)."""
        table = self.query_one("#plan-goals", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        for goal in self.goals:
            if goal["id"] == key:
                return "goal", goal, goal
            for step in goal["steps"]:
                if _STEP_PREFIX + step["id"] == key:
                    return "step", step, goal
        return None

    # -- views ---------------------------------------------------------------------------
    def action_show_view(self, view: str) -> None:
        self.view = view
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "plan-body" if view == "plan" else "plan-goals-view"
        self.reload()
        if view == "goals":
            self.query_one("#plan-goals").focus()
        else:
            self.query_one("#plan-body").focus()

    def _in_goals_list(self, what: str) -> bool:
        """Goal and step keys need a highlighted row: from the whole plan, show the list first."""
        if self.view == "goals" and self._chosen() is not None:
            return True
        self.action_show_view("goals")
        if not self.goals:
            self.notify("No goals yet: g adds one.", markup=False)
        else:
            self.notify(f"Highlight the goal or step, then press {what} again.", markup=False)
        return False

    # -- forms ---------------------------------------------------------------------------
    def action_about_me(self) -> None:
        self.open_form(
            "About Me",
            [
                Field("about_me", "About Me", "area", self.snapshot.get("about_me")),
                Field("what_helps", "What helps", "area", self.snapshot.get("what_helps")),
            ],
            lambda v: myplan.save_about_me(
                self.site, self.person_id, about_me=v["about_me"], what_helps=v["what_helps"]
            ),
            intro="In the person's own words: who they are, what matters, what helps them.",
            done=lambda _r: self.notify("About Me saved.", markup=False),
        )

    def action_score_wheel(self) -> None:
        rows = {r.area: r for r in wheel_rows(self.snapshot.get("wheel") or [])}
        areas = list(myplan.WHEEL_AREAS) + [a for a in rows if a not in myplan.WHEEL_AREAS]
        fields = {f"area_{n}": area for n, area in enumerate(areas)}

        def submit(v: dict[str, Any]) -> Any:
            on = parse_day(v["scored_on"], "scored_on")
            scores = {area: v[name] for name, area in fields.items()}
            if v.get("other_area"):
                if not v.get("other_score"):
                    raise ValidationFailed({"other_score": "Give the new area's score, 1 to 10."})
                scores[v["other_area"]] = v["other_score"]
            try:
                return myplan.add_wheel_scores(self.site, self.person_id, scores, on)
            except ValidationFailed as exc:
                names = {area: name for name, area in fields.items()}
                names[v.get("other_area") or ""] = "other_score"
                raise ValidationFailed(
                    {names.get(k, k): msg for k, msg in exc.problems.items()}
                ) from None

        def placeholder(area: str) -> str:
            if area in rows:
                day, score = rows[area].latest
                return f"1-10 (last {score} on {fmt_date(day)})"
            return "1-10"

        self.open_form(
            "Score the Wheel of Life",
            [
                # Scores first, so typing starts at the first area; the date is usually today.
                *(
                    Field(name, clip(area, 20), placeholder=placeholder(area))
                    for name, area in fields.items()
                ),
                Field("other_area", "Another area", placeholder="the person's own words"),
                Field("other_score", "Its score", placeholder="1-10"),
                Field("scored_on", "Scored on", "date", self.today.isoformat(), required=True),
            ],
            submit,
            intro="Score from 1 (low) to 10 (high); leave an area blank to skip it. "
            "Earlier scores are kept, so the chart shows the change.",
            done=lambda r: self.notify(f"{len(r)} scores saved.", markup=False),
        )

    def action_add_goal(self) -> None:
        self.open_form(
            "New goal",
            [
                Field("goal", "Goal", "area", required=True),
                Field("why", "Why it matters"),
                Field("target_on", "Target date", "date"),
            ],
            lambda v: myplan.add_goal(
                self.site,
                self.person_id,
                v["goal"],
                why=v["why"],
                target_on=parse_day(v["target_on"], "target_on"),
            ),
            intro="Write the goal in the person's own words; t then adds its steps.",
            done=lambda _r: self.notify("Goal added.", markup=False),
        )

    def action_add_step(self) -> None:
        if not self.goals:
            self.notify("No goals yet: g adds one first.", markup=False)
            return
        chosen = self._chosen() if self.view == "goals" else None
        goal_id = chosen[2]["id"] if chosen else self.goals[-1]["id"]
        options = [(clip(f"{n}. {g['goal']}", 50), g["id"]) for n, g in enumerate(self.goals, 1)]
        self.open_form(
            "Add a step",
            [
                Field("goal_id", "For goal", "select", goal_id, options, required=True),
                Field("step", "Step", "text", required=True),
                Field("who_helps", "Who helps"),
                Field("target_on", "By when", "date"),
            ],
            lambda v: myplan.add_goal_step(
                self.site,
                v["goal_id"],
                v["step"],
                who_helps=v["who_helps"],
                target_on=parse_day(v["target_on"], "target_on"),
            ),
            done=lambda _r: self.notify("Step added.", markup=False),
        )

    def action_edit(self) -> None:
        if not self._in_goals_list("e"):
            return
        chosen = self._chosen()
        assert chosen is not None
        kind, row, _goal = chosen
        if kind == "goal":
            self.open_form(
                "Edit goal",
                [
                    Field("goal", "Goal", "area", row["goal"], required=True),
                    Field("why", "Why it matters", value=row["why"]),
                    Field("target_on", "Target date", "date", row["target_on"]),
                    Field(
                        "status",
                        "Status",
                        "select",
                        row["status"],
                        [("Open", "open"), ("Achieved", "achieved"), ("Dropped", "dropped")],
                        required=True,
                    ),
                    Field("achieved_on", "Achieved on", "date", row["achieved_on"]),
                ],
                lambda v: myplan.update_goal(
                    self.site,
                    row["id"],
                    goal=v["goal"],
                    why=v["why"],
                    target_on=parse_day(v["target_on"], "target_on"),
                    status=v["status"],
                    achieved_on=parse_day(v["achieved_on"], "achieved_on"),
                ),
                done=lambda _r: self.notify("Goal saved.", markup=False),
            )
            return
        self.open_form(
            "Edit step",
            [
                Field("step", "Step", "text", row["step"], required=True),
                Field("who_helps", "Who helps", value=row["who_helps"]),
                Field("target_on", "By when", "date", row["target_on"]),
                Field("done_on", "Done on", "date", row["done_on"], placeholder="blank: TO DO"),
            ],
            lambda v: myplan.update_goal_step(
                self.site,
                row["id"],
                step=v["step"],
                who_helps=v["who_helps"],
                target_on=parse_day(v["target_on"], "target_on"),
                done_on=parse_day(v["done_on"], "done_on"),
            ),
            done=lambda _r: self.notify("Step saved.", markup=False),
        )

    def action_done(self) -> None:
        if not self._in_goals_list("d"):
            return
        chosen = self._chosen()
        assert chosen is not None
        kind, row, _goal = chosen
        if kind == "goal":
            if row["status"] == "achieved":
                self.notify("Already ACHIEVED: e edits the goal.", markup=False)
                return
            self.call_service(
                lambda: myplan.update_goal(
                    self.site, row["id"], status="achieved", achieved_on=self.today
                ),
                "Goal marked ACHIEVED today.",
            )
        elif row["done_on"]:
            self.notify(f"Already DONE on {fmt_date(row['done_on'])}: e edits it.", markup=False)
        else:
            self.call_service(
                lambda: myplan.update_goal_step(self.site, row["id"], done_on=self.today),
                "Step marked DONE today.",
            )

    def action_add_support(self) -> None:
        self.open_form(
            "Support and who gives it",
            [
                Field("support", "Support", "area", required=True),
                Field("from_whom", "From whom", placeholder="e.g. Personal Advisor, my nan"),
            ],
            lambda v: myplan.add_support(
                self.site, self.person_id, v["support"], from_whom=v["from_whom"]
            ),
            done=lambda _r: self.notify("Support recorded.", markup=False),
        )

    def action_add_progress(self) -> None:
        options = [(clip(f"{n}. {g['goal']}", 50), g["id"]) for n, g in enumerate(self.goals, 1)]
        self.open_form(
            "Progress note",
            [
                Field("noted_on", "Date", "date", self.today.isoformat(), required=True),
                Field("note", "Progress", "area", required=True),
                Field("goal_id", "About goal", "select", None, options, placeholder="(none)"),
            ],
            lambda v: myplan.add_progress(
                self.site,
                self.person_id,
                v["note"],
                noted_on=parse_day(v["noted_on"], "noted_on"),
                goal_id=v["goal_id"],
            ),
            done=lambda _r: self.notify("Progress noted.", markup=False),
        )

    def action_agree(self) -> None:
        latest = self.status.get("latest")
        intro = "Agreeing keeps this version as it is now; later changes need agreeing again."
        if latest:
            intro += f" Last agreed {fmt_date(latest['agreed_on'])} (version {latest['number']})."
        self.open_form(
            "Agree the plan with the person",
            [Field("agreed_on", "Agreed on", "date", self.today.isoformat(), required=True)],
            lambda v: myplan.agree_plan(
                self.site, self.person_id, agreed_on=parse_day(v["agreed_on"], "agreed_on")
            ),
            intro=intro,
            done=lambda _r: self.notify("Plan marked AGREED.", markup=False),
        )

    def action_versions(self) -> None:
        self.app.push_screen(PlanVersionsScreen(self.person_id))


class PlanVersionsScreen(RecordTableScreen[dict[str, Any]]):
    """The agreed versions of a plan, and the highlighted one in full, read-only."""

    KEY_SCOPES = ("plan.versions",)
    BINDINGS = keymap.bindings("plan.versions")
    HELP_TITLE = "My Plan: agreed versions"
    HEAD_ID = "versions-head"
    TABLE_ID = "versions-table"
    DETAIL_BY_KEY = True

    DEFAULT_CSS = """
    PlanVersionsScreen #versions-table { height: auto; max-height: 6; }
    PlanVersionsScreen #version-title { padding: 0 1; text-style: bold; background: $panel; }
    PlanVersionsScreen #version-body {
        height: 1fr; padding: 0 0 0 1; scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.shown: dict[str, Any] | None = None
        self.body: Any = None

    @property
    def versions(self) -> list[dict[str, Any]]:
        """The agreed versions, oldest first."""
        return self.rows

    def columns(self) -> list[Column]:
        return ["Version", "Agreed on", "Recorded by"]

    def compose_detail(self) -> ComposeResult:
        yield Shown("", id="version-title")
        with VerticalScroll(id="version-body"):
            yield Shown("", id="version-content")

    def load_rows(self) -> list[dict[str, Any]]:
        return myplan.plan_versions(self.site, self.person_id)

    def heading(self) -> str:
        person = people.get_person(self.site, self.person_id)
        return (
            f"{person_refs(person)}\nMy Plan: {len(self.rows)} agreed "
            f"version{'' if len(self.rows) == 1 else 's'}, READ ONLY"
        )

    def cells(self, v: dict[str, Any]) -> list[str]:
        return [str(v["number"]), fmt_date(v["agreed_on"]), v["agreed_by"] or "another site"]

    def after_fill(self) -> None:
        if self.rows:
            self.table.move_cursor(row=len(self.rows) - 1)
            self.show(self.rows[-1]["id"])
        else:
            self.query_one("#version-title", Static).update(
                "Not agreed yet: m on My Plan marks it agreed with the person."
            )

    def show_detail(self, row: dict[str, Any]) -> None:
        self.show(row["id"])

    def show(self, version_id: str) -> None:
        self.shown = myplan.plan_version(self.site, version_id)
        latest = self.rows[-1]["id"] == version_id
        self.query_one("#version-title", Static).update(
            f"Version {self.shown['number']}, agreed {fmt_date(self.shown['agreed_on'])}"
            f"{' (latest)' if latest else ' (EARLIER VERSION)'} · READ ONLY"
        )
        self.body = plan_renderable(self.shown["plan"], hints=False)
        self.query_one("#version-content", Static).update(self.body)
        self.query_one("#version-body").scroll_home(animate=False)
