"""What may leave this site for a peer, and what an arriving bundle may be.

What leaves for a peer (see README, "Sync between sites"; `sharing` decides who may hold whom):
- a person's rows (and their children's) only while the peer may be sent them: the person's
  latest consent decision for the peer's agency allows it, or the peer is the person's home
  and no one has decided about its agency yet; a peer that may no longer have them is sent
  the decision as a notice; newly consented people, and people under a new decision, are sent
  in full;
- sensitive case notes only to peers of the agency that wrote them; others are told the note
  is withheld, with the version that made it sensitive;
- a supervisors' hub gets what this site may hold itself, with every free-text column and the
  person's names blanked and the day of birth dropped, and no sensitive notes; a hub sends
  acknowledgements only, and a bundle from a hub carrying anything else is refused;
- practitioners (team directory) go to every trusted peer; accounts and keys never leave.
"""

from __future__ import annotations

from typing import Any

from ..domain.consent import allows_sharing
from ..store import hlc as clock
from ..store.site import Site
from . import sharing

# Shared with every peer; any other table that is not tied to a person never leaves.
GLOBAL_TABLES = {"practitioners"}
# Free text a supervisors' hub never receives.
FREE_TEXT = {
    "notes", "body", "note", "about_me", "what_helps", "outcomes", "next_meeting_note",
    "plan_text", "issues", "positives", "checkin_notes", "reason", "lost_value", "snapshot",
    "why", "goal", "step", "support", "value", "outcome", "bail", "legal_aid", "accommodation",
    "work", "family_ties", "myplan_parts", "travel", "subject", "address", "resolution",
    "offer_outcome", "vetting_outcome", "who_helps", "who_attends",
    # Names and contact details of people around the person (never practitioners' names,
    # which the supervisors' queries report against).
    "referred_to", "gate_person", "gate_backup", "first_appointment_place",
    "coordinator_name", "coordinator_contact", "relationship", "location",
    "personal_contacts.name", "personal_contacts.phone", "personal_contacts.email",
    "network_members.name", "meeting_attendees.name",
    # The person's own names: a hub counts people, it never needs to name them.
    "people.given_name", "people.family_name", "people.preferred_name",
}  # fmt: skip
# What a hub holds of a date of birth: the month (ages and age bands), never the day.
HUB_MONTH_ONLY = {"people.date_of_birth"}
# Columns whose concurrent changes are not conflicts (two deletes mean the same thing).
NO_CONFLICT = {"deleted_at"}
# Changes stamped further ahead of this computer's clock are refused.
MAX_DRIFT_MS = clock.MAX_DRIFT_MS
# The largest bundle file read (refused before reading), and the most its sealed changes may
# unpack to: far above a first exchange of a 50,000-person site, far below this machine's
# memory, so a damaged or hostile file cannot exhaust it.
MAX_BUNDLE_BYTES = 512 * 2**20
MAX_PAYLOAD_BYTES = 2 * 2**30


def allowed_people(site: Site, agency: str) -> set[str]:
    """People whose latest consent decision for `agency` allows sharing (a hub: this site's)."""
    if agency == sharing.HUB:
        agency = site.agency
    if agency == sharing.HUB:
        return set()
    return {p for p, d in sharing.decisions(site.conn, agency).items() if allows_sharing(d)}


def hub_blanks(table: str, cols: list[str], notnull: set[str]) -> list[tuple[int, Any]]:
    """(column index, value) for what a hub is sent in place of free text: empty text where
    the column may not be NULL, else NULL."""
    return [
        (i, "" if c in notnull else None)
        for i, c in enumerate(cols)
        if c in FREE_TEXT or f"{table}.{c}" in FREE_TEXT
    ]


def hub_month_only(table: str, cols: list[str]) -> list[int]:
    """Indexes of the dates a hub is sent as their month only (the first of it)."""
    return [i for i, c in enumerate(cols) if f"{table}.{c}" in HUB_MONTH_ONLY]
