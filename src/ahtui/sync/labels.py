"""Plain words for the tables, fields, values and times sync talks about (conflicts,
refusals, the sync screen).

Screens and messages name records as a practitioner would ("Case note", "NOMIS number"),
never by table or column name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

TABLE_LABELS = {
    "people": "Personal details",
    "practitioners": "Team directory",
    "pathway_history": "Pathway history",
    "identifications": "Identification",
    "consents": "Consent",
    "team_members": "Team",
    "personal_contacts": "Personal contacts",
    "meetings": "Meeting",
    "meeting_attendees": "Meeting attendee",
    "meeting_items": "Meeting agenda item",
    "actions": "Action",
    "my_plans": "My Plan",
    "wheel_scores": "My Plan wheel",
    "plan_goals": "My Plan goal",
    "plan_goal_steps": "My Plan goal step",
    "plan_support": "My Plan support",
    "plan_progress": "My Plan progress",
    "plan_versions": "My Plan version",
    "assessment_answers": "Combined assessment answer",
    "assessment_areas": "Combined assessment area",
    "support_networks": "Support network",
    "network_members": "Support network member",
    "release_plans": "Release plan",
    "remand_support": "Remand support",
    "case_notes": "Case note",
    "milestones": "Milestone",
    "emails": "Email",
    "sync_conflicts": "Conflict",
}
COLUMN_LABELS = {
    "crn": "CRN",
    "nomis_number": "NOMIS number",
    "date_of_birth": "Date of birth",
    "responsible_local_authority": "Responsible local authority",
    "lead_practitioner_id": "Lead practitioner",
    "practitioner_id": "Practitioner",
    "pom_allocated_on": "POM allocated on",
    "pp_allocated_on": "Probation practitioner allocated on",
    "pa_support_ends_on": "PA support ends on",
    "deleted_at": "Deleted",
    "about_me": "About me",
    "body": "Note",
}


def table_label(table: str) -> str:
    return TABLE_LABELS.get(table) or table.replace("_", " ").capitalize()


def column_label(column: str) -> str:
    return COLUMN_LABELS.get(column) or column.replace("_", " ").capitalize()


def show_value(value: Any, width: int | None = None) -> str:
    """A stored value as words: empty says so, yes/no for flags left as numbers."""
    if value is None or value == "":
        return "(empty)"
    text = str(value)
    if width is not None and len(text) > width:
        return text[: max(width - 1, 1)] + "…"
    return text


def when(value: str | None) -> str:
    """An ISO timestamp (UTC) as `03 Mar 2025 14:05`; never for a missing one."""
    if not value:
        return "never"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime("%d %b %Y %H:%M")
