"""Team and contacts (the Team Contact Form): practitioners by role, personal contacts.

The team lists each practitioner's role, email and phone, who leads (LEAD, in words), and when
they joined and left. Changing the pathway or the lead is its own explicit action with a reason,
kept in the pathway history; adding someone to the team never makes them lead by itself.
A practitioner's or a contact's details are corrected in place (only changed values are sent,
so the audit names just those); a contact who no longer is one is ended after asking, and kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Static

from .. import keymap
from ..domain.enums import Pathway, Role
from ..errors import ValidationFailed
from ..store import people, team
from ..widgets.form import Field
from ..widgets.shown import Shown, ShownTable, one_line
from . import navigation
from .base import SiteScreen, fmt_date, label, parse_day, person_refs
from .person_details import change_lead_form, change_pathway_form

_NEW = "new"
_SHORT = {"pom": "POM", "pp": "PP", "pa": "PA", "ces": "CES"}


def short_role(code: str) -> str:
    return _SHORT.get(code) or label(Role, code)


def lead_words(now: Any, members: list[Any]) -> str:
    """Who leads, in words for the screen's head: "led by Jo Patel (POM)", or who should."""
    role = short_role(now.role.value) if now.role else ""
    if not now.practitioner_id:
        return f"no one leads: no {role} on the team" if role else "no one leads"
    name = next(
        (m["name"] for m in members if m["practitioner_id"] == now.practitioner_id), "someone"
    )
    by_hand = ", set by hand" if now.by_hand else ""
    return f"led by {name}" + (f" ({role}{by_hand})" if role or by_hand else "")


def _save_changes(
    fields: list[Any], values: dict[str, Any], save: Callable[[dict[str, Any]], None]
) -> bool:
    """Send only the changed values to `save`; False when nothing changed."""
    changes = {
        f.name: values[f.name]
        for f in fields
        if values[f.name] != (f.value if f.kind in ("select", "yesno") else f.value or None)
    }
    if not changes:
        return False
    save(changes)
    return True


def _saved_notice(screen: SiteScreen) -> Callable[[bool], None]:
    return lambda saved: screen.notify(
        "Changes saved." if saved else "Nothing was changed.", markup=False
    )


@navigation.screen("team")
class TeamScreen(SiteScreen):
    KEY_SCOPES = ("team",)
    BINDINGS = keymap.bindings("team")
    HELP_TITLE = "Team and contacts"

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id

    def compose(self) -> ComposeResult:
        yield Shown("", id="team-head", classes="screen-head")
        yield Shown("Team (Tab: contacts)", classes="list-title")
        team: DataTable[str] = ShownTable(id="team-table", cursor_type="row", classes="half-table")
        team.add_columns("Role", "Name", "Lead", "Phone", "Joined", "Left")
        yield team
        yield Shown("", id="team-detail", classes="detail")
        yield Shown("Personal contacts", classes="list-title")
        contacts: DataTable[str] = ShownTable(
            id="contacts-table", cursor_type="row", classes="half-table"
        )
        contacts.add_columns("Name", "Relationship", "Phone", "Email", "Next of kin", "Emergency")
        yield contacts
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#team-table").focus()

    def reload(self) -> None:
        person = people.get_person(self.site, self.person_id)
        # The lead the rules give today (or one set by hand), as on the caseload.
        now = people.lead_today(self.site, self.person_id, self.today)
        self.lead_id = now.practitioner_id
        self.members = team.team(self.site, self.person_id, include_past=True)
        self.query_one("#team-head", Static).update(
            f"{person_refs(person)}\nTeam and contacts · {label(Pathway, person['pathway'])}"
            f" · {lead_words(now, self.members)}"
        )
        table = self.query_one("#team-table", DataTable)
        table.clear()
        for m in self.members:
            table.add_row(
                short_role(m["role"]),
                m["name"],
                "LEAD" if m["practitioner_id"] == now.practitioner_id and not m["to_date"] else "",
                m["phone"] or "",
                fmt_date(m["from_date"]),
                fmt_date(m["to_date"]),
                key=m["id"],
            )
        contacts = self.query_one("#contacts-table", DataTable)
        contacts.clear()
        for c in team.contacts(self.site, self.person_id):
            contacts.add_row(
                c["name"],
                c["relationship"],
                c["phone"] or "",
                c["email"] or "",
                "yes" if c["is_next_of_kin"] else "",
                "yes" if c["is_emergency_contact"] else "",
                key=c["id"],
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id != "team-table":
            return

        m = next((m for m in self.members if m["id"] == event.row_key.value), None)
        text = ""
        if m is not None:
            parts = [m["name"], label(Role, m["role"])]
            if m["practitioner_id"] == getattr(self, "lead_id", None) and not m["to_date"]:
                parts.append("LEAD")
            parts += [m["email"] or "no email", m["phone"] or "no phone"]
            if m["organisation"]:
                parts.append(m["organisation"])
            parts.append(f"joined {fmt_date(m['from_date'])}")
            if m["to_date"]:
                parts.append(f"left {fmt_date(m['to_date'])}")
            text = one_line(" · ".join(parts))
        self.query_one("#team-detail", Static).update(text)

    # -- keys ----------------------------------------------------------------------------
    def action_add_member(self) -> None:
        known = [
            (f"{p['name']} ({label(Role, p['role'])})", p["id"])
            for p in team.list_practitioners(self.site)
        ]
        roles = [(r.label(), r.value) for r in Role]

        def submit(v: dict[str, Any]) -> str:
            on = parse_day(v["from_date"], "from_date") or self.today
            who = v["practitioner"]
            if who in (None, _NEW):
                if not v["name"] or not v["role"]:
                    raise ValidationFailed(
                        {
                            k: "Needed for a new practitioner (or pick one above)."
                            for k in ("name", "role")
                            if not v[k]
                        }
                    )
                who = team.add_practitioner(
                    self.site,
                    {
                        k: v[k]
                        for k in ("name", "role", "email", "phone", "organisation")
                        if v[k] is not None
                    },
                )
            return team.add_to_team(
                self.site, self.person_id, who, role=v["team_role"], from_date=on
            )

        self.open_form(
            "Add to team",
            [
                Field("practitioner", "Practitioner", "select", _NEW, [("New…", _NEW), *known]),
                Field("name", "New: name"),
                Field("role", "New: role", "select", None, roles),
                Field("email", "New: email"),
                Field("phone", "New: phone"),
                Field("organisation", "New: organisation"),
                Field("team_role", "Role in this team", "select", None, roles),
                Field("from_date", "Joined on", "date", self.today.isoformat(), required=True),
            ],
            submit,
            intro="Pick someone already at the site, or fill in 'New' to record them first.",
            done=lambda _r: self.notify("Added to the team.", markup=False),
        )

    def action_add_contact(self) -> None:
        self.open_form(
            "Add personal contact",
            [
                Field("name", "Name", required=True),
                Field("relationship", "Relationship", required=True, placeholder="e.g. aunt"),
                Field("phone", "Phone"),
                Field("email", "Email"),
                Field("address", "Address", "area"),
                Field("is_next_of_kin", "Next of kin", "yesno", False),
                Field("is_emergency_contact", "Emergency contact", "yesno", False),
                Field("notes", "Notes", "area"),
            ],
            lambda v: team.add_contact(
                self.site, self.person_id, {k: x for k, x in v.items() if x is not None}
            ),
            done=lambda _r: self.notify("Contact added.", markup=False),
        )

    def action_leave(self) -> None:
        table = self.query_one("#team-table", DataTable)
        if not self.members or table.cursor_row < 0:
            return
        member = self.members[table.cursor_row]
        if member["to_date"]:
            self.notify(f"{member['name']} already left on {fmt_date(member['to_date'])}.")
            return

        def submit(v: dict[str, Any]) -> None:
            on = parse_day(v["on"], "on") or self.today
            team.leave_team(self.site, member["id"], on=on)

        intro = f"{member['name']} leaves the team."
        if member["leads"]:
            intro += " They lead now: change the lead (l) as well."
        self.open_form(
            "Left the team",
            [Field("on", "Left on", "date", self.today.isoformat(), required=True)],
            submit,
            intro=intro,
        )

    def action_edit(self) -> None:
        """Edit the highlighted row of whichever list has focus."""
        if self.focused is self.query_one("#contacts-table"):
            self._edit_contact()
        else:
            self._edit_practitioner()

    def _highlighted_contact(self) -> str | None:
        table = self.query_one("#contacts-table", DataTable)
        if not table.row_count or table.cursor_row < 0:
            self.notify("No personal contact is highlighted.", markup=False)
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _edit_practitioner(self) -> None:
        table = self.query_one("#team-table", DataTable)
        if not self.members or table.cursor_row < 0:
            self.notify("No practitioner is highlighted.", markup=False)
            return
        prac = team.get_practitioner(self.site, self.members[table.cursor_row]["practitioner_id"])
        fields = [
            Field("name", "Name", value=prac["name"], required=True),
            Field(
                "role",
                "Role",
                "select",
                prac["role"],
                [(r.label(), r.value) for r in Role],
                required=True,
            ),
            Field("email", "Email", value=prac["email"]),
            Field("phone", "Phone", value=prac["phone"]),
            Field("organisation", "Organisation", value=prac["organisation"]),
            Field("agency", "Agency", value=prac["agency"]),
        ]
        self.open_form(
            "Edit practitioner",
            fields,
            lambda v: _save_changes(
                fields, v, lambda c: team.update_practitioner(self.site, prac["id"], c)
            ),
            intro=f"{prac['name']}'s details, as shown for everyone they work with.",
            done=_saved_notice(self),
        )

    def _edit_contact(self) -> None:
        contact_id = self._highlighted_contact()
        if contact_id is None:
            return
        c = team.get_contact(self.site, contact_id)
        fields = [
            Field("name", "Name", value=c["name"], required=True),
            Field("relationship", "Relationship", value=c["relationship"], required=True),
            Field("phone", "Phone", value=c["phone"]),
            Field("email", "Email", value=c["email"]),
            Field("address", "Address", "area", c["address"]),
            Field("is_next_of_kin", "Next of kin", "yesno", bool(c["is_next_of_kin"])),
            Field(
                "is_emergency_contact",
                "Emergency contact",
                "yesno",
                bool(c["is_emergency_contact"]),
            ),
            Field("notes", "Notes", "area", c["notes"]),
        ]
        self.open_form(
            "Edit personal contact",
            fields,
            lambda v: _save_changes(
                fields, v, lambda ch: team.update_contact(self.site, contact_id, ch)
            ),
            done=_saved_notice(self),
        )

    def action_end_contact(self) -> None:
        if self.focused is not self.query_one("#contacts-table"):
            self.notify("Move to the personal contacts (Tab) and highlight one.", markup=False)
            return
        contact_id = self._highlighted_contact()
        if contact_id is None:
            return
        c = team.get_contact(self.site, contact_id)
        # The form is the confirmation: ctrl+s ends the contact, Esc keeps it.
        self.open_form(
            "End personal contact",
            [],
            lambda _v: team.end_contact(self.site, contact_id),
            intro=f"{c['name']} ({c['relationship']}) will no longer be listed as a contact. "
            "The record is kept in the history. Press ctrl+s to end the contact, "
            "or Esc to keep it.",
            done=lambda _r: self.notify(f"{c['name']} is no longer a contact.", markup=False),
        )

    def action_change_pathway(self) -> None:
        change_pathway_form(self, self.person_id)

    def action_change_lead(self) -> None:
        change_lead_form(self, self.person_id)
