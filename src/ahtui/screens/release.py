"""Release day and remand: the release-day plan and its check-in, or the remand support record.

For someone in custody with a release coming: who meets them at the gate and who stands in,
the first probation appointment (date, time, place: within one working day of release,
National Standard 3.3, LATE in words otherwise), how they travel there and whether the PA
attends. The form starts from what Planning Meeting 2 or the resettlement meeting recorded
against the day-of-release agenda items. After release: a check-in on how the day went. On
remand: the Care Experience Specialist's support (bail, legal aid, keeping accommodation and
work, family ties) and the parts of My Plan the person chose to use. Gaps are words (NO GATE
PLAN, NOT BOOKED, CHECK-IN DUE), never colour alone.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from .. import keymap
from ..domain.enums import Pathway
from ..store import people, release
from ..widgets.form import Field
from ..widgets.shown import Shown
from . import navigation
from .base import SiteScreen, fmt_date, label, parse_day, person_refs

# Form labels have 18 columns.
_SHORT_PARTS = {
    "about_me": "About Me",
    "wheel": "Wheel of Life",
    "goals": "Goals",
    "support": "Support",
    "progress": "Progress",
}


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=14, no_wrap=True, style="bold")
    grid.add_column(ratio=1)
    return grid


def release_text(person: Any, plan: Any | None, today: Any) -> Group:
    released = release.expected_release(person, plan)
    parts: list[Any] = [Text("Release day", style="bold underline")]
    if released is None:
        parts.append(Text("No release date recorded: p records the plan with its date."))
        return Group(*parts)
    days = (released - today).days
    when = "today" if days == 0 else (f"in {days} days" if days > 0 else f"{-days} days ago")
    grid = _grid()
    grid.add_row("Release", f"{fmt_date(released)} ({when})")
    if plan is None or not (plan["gate_person"] or "").strip():
        grid.add_row("At the gate", Text("NO GATE PLAN: nobody named (p)", style="bold"))
    else:
        grid.add_row("At the gate", plan["gate_person"])
    grid.add_row(
        "Stands in",
        plan["gate_backup"] if plan is not None and plan["gate_backup"] else "NOBODY NAMED",
    )
    first_on, time = release.first_appointment(plan)
    if first_on is None:
        grid.add_row("First appt", Text("NOT BOOKED", style="bold"))
    else:
        text = Text(fmt_date(first_on) + (f" {time}" if time else ""))
        if release.first_appointment_late(released, first_on):
            text.append(" LATE: over 1 working day after release (NS 3.3)", style="bold")
        grid.add_row("First appt", text)
        grid.add_row("Where", plan["first_appointment_place"] or "not recorded")
    if plan is not None:
        if plan["travel"]:
            grid.add_row("Travel", plan["travel"])
        if plan["pa_attends"] is not None:
            grid.add_row("PA attends", "yes" if plan["pa_attends"] else "no")
        if plan["who_attends"]:
            grid.add_row("Also going", plan["who_attends"])
    parts.append(grid)
    parts.append(Text("\nCheck-in after release", style="bold underline"))
    if plan is not None and plan["checkin_on"]:
        grid = _grid()
        grid.add_row("Checked in", fmt_date(plan["checkin_on"]))
        how = release.CHECKIN_TO_PLAN.get(plan["checkin_to_plan"] or "", "not recorded")
        grid.add_row("Went to plan", how)
        if plan["checkin_notes"]:
            grid.add_row("How it went", plan["checkin_notes"])
        parts.append(grid)
    elif days > 0:
        parts.append(Text("After the release day: c records how the day went."))
    elif -days > release.CHECKIN_WEEKS * 7:
        parts.append(Text("No check-in recorded: c records how the day went."))
    else:
        parts.append(Text("CHECK-IN DUE: how did the day go? (c)", style="bold"))
    return Group(*parts)


def remand_text(row: Any | None) -> Group:
    parts: list[Any] = [Text("Remand support (Care Experience Specialist)", style="bold underline")]
    if row is None:
        parts.append(
            Text(
                "Nothing recorded yet: m records support with bail, legal aid, keeping "
                "accommodation and work, family ties, and the parts of My Plan chosen."
            )
        )
        return Group(*parts)
    grid = _grid()
    for col, name in (
        ("bail", "Bail"),
        ("legal_aid", "Legal aid"),
        ("accommodation", "Accommodation"),
        ("work", "Work"),
        ("family_ties", "Family ties"),
        ("notes", "Notes"),
    ):
        grid.add_row(name, row[col] or Text("not recorded", style="dim"))
    chosen = [release.MYPLAN_PARTS[p] for p in release.myplan_parts(row)]
    grid.add_row("My Plan parts", ", ".join(chosen) if chosen else "none chosen yet")
    parts.append(grid)
    return Group(*parts)


@navigation.screen("release")
class ReleaseScreen(SiteScreen):
    """Release-day plan and check-in, or remand support, for one person."""

    KEY_SCOPES = ("release",)
    BINDINGS = keymap.bindings("release")
    HELP_TITLE = "Release day and remand"

    DEFAULT_CSS = """
    ReleaseScreen #release-body {
        height: 1fr;
        padding: 0 1;
    }
    """

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id

    def compose(self) -> ComposeResult:
        yield Shown("", id="release-head", classes="screen-head")
        with VerticalScroll(id="release-body"):
            yield Shown("", id="release-content")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#release-body").focus()

    def reload(self) -> None:
        site = self.site
        person = people.get_person(site, self.person_id)
        self.person = person
        plan = release.release_plan(site, self.person_id)
        remand = release.remand_support(site, self.person_id)
        on_remand = person["pathway"] == "remand"

        self.query_one("#release-head", Static).update(
            f"{person_refs(person)}\n{label(Pathway, person['pathway'])} · release day and remand"
        )
        parts: list[Any] = []
        if on_remand:
            parts.append(remand_text(remand))
            if plan is not None:
                parts += [Text(""), release_text(person, plan, self.today)]
        else:
            parts.append(release_text(person, plan, self.today))
            if remand is not None:
                # Kept from the time on remand: still worth reading after sentence.
                parts += [Text(""), remand_text(remand)]
        self.query_one("#release-content", Static).update(Group(*parts))

    # -- keys ----------------------------------------------------------------------------
    def action_release_plan(self) -> None:
        site = self.site
        plan = release.release_plan(site, self.person_id)
        pre = release.prefill_from_meetings(site, self.person_id)
        first_on, time = release.first_appointment(plan)
        saved: dict[str, Any] = {}
        if plan is not None:
            saved = {
                "gate_person": plan["gate_person"],
                "gate_backup": plan["gate_backup"],
                "first_on": first_on.isoformat() if first_on else None,
                "first_time": time,
                "first_place": plan["first_appointment_place"],
                "travel": plan["travel"],
                "pa_attends": None if plan["pa_attends"] is None else bool(plan["pa_attends"]),
                "who_attends": plan["who_attends"],
            }
        # What was saved wins; the meeting's notes fill only what is still empty.
        values = {k: v for k, v in pre.values.items() if v is not None}
        values.update({k: v for k, v in saved.items() if v is not None})
        released = release.expected_release(self.person, plan)
        pa = values.get("pa_attends")

        def submit(v: dict[str, Any]) -> str:
            pa_value = {"yes": True, "no": False}.get(v["pa_attends"] or "")
            return release.save_release_day(
                self.site,
                self.person_id,
                release_on=parse_day(v["release_on"], "release_on"),
                gate_person=v["gate_person"],
                gate_backup=v["gate_backup"],
                first_on=parse_day(v["first_on"], "first_on"),
                first_time=v["first_time"],
                first_place=v["first_place"],
                travel=v["travel"],
                pa_attends=pa_value,
                who_attends=v["who_attends"],
                meeting_id=pre.meeting_id or (plan["meeting_id"] if plan is not None else None),
            )

        intro = "First probation appointment within one working day of release (NS 3.3)."
        if pre.meeting_id:
            intro = f"Started from the notes of the {pre.meeting}: check each line. " + intro
        self.open_form(
            "Release-day plan",
            [
                Field(
                    "release_on",
                    "Release day",
                    "date",
                    released.isoformat() if released else None,
                    required=True,
                ),
                Field("gate_person", "Meets at the gate", value=values.get("gate_person")),
                Field(
                    "gate_backup",
                    "Stands in",
                    value=values.get("gate_backup"),
                    placeholder="if that person cannot come",
                ),
                Field("first_on", "First appt date", "date", values.get("first_on")),
                Field(
                    "first_time",
                    "First appt time",
                    value=values.get("first_time"),
                    placeholder="HH:MM",
                ),
                Field("first_place", "First appt place", value=values.get("first_place")),
                Field("travel", "How they travel", value=values.get("travel")),
                Field(
                    "pa_attends",
                    "PA attends",
                    "select",
                    None if pa is None else ("yes" if pa else "no"),
                    [("Yes", "yes"), ("No", "no")],
                    placeholder="Not decided",
                ),
                Field("who_attends", "Also going", value=values.get("who_attends")),
            ],
            submit,
            intro=intro,
            done=lambda _r: self.notify("Release-day plan saved.", markup=False),
        )

    def action_checkin(self) -> None:
        plan = release.release_plan(self.site, self.person_id)
        released = release.expected_release(self.person, plan)
        if released is None or released > self.today:
            when = f" (release {fmt_date(released)})" if released else ""
            self.notify(
                f"The check-in comes after the release day{when}.",
                title="Not yet",
                severity="warning",
                markup=False,
            )
            return

        def submit(v: dict[str, Any]) -> str:
            return release.record_checkin(
                self.site,
                self.person_id,
                checkin_on=parse_day(v["checkin_on"], "checkin_on"),  # type: ignore[arg-type]
                to_plan=v["to_plan"],
                notes=v["notes"],
                today=self.today,
            )

        self.open_form(
            "Check-in: how did the day of release go?",
            [
                Field(
                    "checkin_on",
                    "Checked in on",
                    "date",
                    (plan["checkin_on"] if plan is not None else None) or self.today.isoformat(),
                    required=True,
                ),
                Field(
                    "to_plan",
                    "Went to plan?",
                    "select",
                    plan["checkin_to_plan"] if plan is not None else None,
                    [(words, code) for code, words in release.CHECKIN_TO_PLAN.items()],
                ),
                Field(
                    "notes",
                    "How it went",
                    "area",
                    plan["checkin_notes"] if plan is not None else None,
                ),
            ],
            submit,
            intro="What was missed and what can be done now; any worries or risks still there.",
            done=lambda _r: self.notify("Check-in recorded.", markup=False),
        )

    def action_remand(self) -> None:
        row = release.remand_support(self.site, self.person_id)
        chosen = set(release.myplan_parts(row))

        def current(col: str) -> Any:
            return row[col] if row is not None else None

        def submit(v: dict[str, Any]) -> str:
            return release.save_remand(
                self.site,
                self.person_id,
                bail=v["bail"],
                legal_aid=v["legal_aid"],
                accommodation=v["accommodation"],
                work=v["work"],
                family_ties=v["family_ties"],
                notes=v["notes"],
                parts=[p for p in release.MYPLAN_PARTS if v[f"part_{p}"]],
            )

        self.open_form(
            "Remand support",
            [
                Field("bail", "Bail", value=current("bail")),
                Field("legal_aid", "Legal aid", value=current("legal_aid")),
                Field(
                    "accommodation",
                    "Accommodation",
                    value=current("accommodation"),
                    placeholder="keeping a tenancy or a place",
                ),
                Field("work", "Work", value=current("work"), placeholder="keeping a job"),
                Field("family_ties", "Family ties", value=current("family_ties")),
                *(
                    Field(f"part_{code}", f"Uses {_SHORT_PARTS[code]}", "yesno", code in chosen)
                    for code in release.MYPLAN_PARTS
                ),
                Field("notes", "Notes", "area", current("notes")),
            ],
            submit,
            intro="The Care Experience Specialist leads on remand. Tick the parts of My Plan "
            "the person chose to use.",
            done=lambda _r: self.notify("Remand support saved.", markup=False),
        )
