"""Many people at once, with their records: the demo, and a first import from another system.

A `PersonRecords` is one person as another system (or the demo generator) hands them over:
their details and identification, the team around them, personal contacts, consent events,
meetings (with attendees, and whether held), actions (completed, with follow-ups), case notes
and milestones. `add_people` validates each record with the same input models and checks as
the services (`people.create_person`, `team.add_to_team`, `consent.record_consent`,
`meetings.schedule_meeting`, `actions.add_action`, `notes.add_note`, ...) and writes the rows
those services would write, through `store.bulk`, so with the same audit entries and change
capture, in batches inside one transaction. `through_services` writes the same records one
service call at a time: what `add_people` must match (tests/test_bulk.py compares the files).

A record that fails validation stops the whole write with one plain line naming the person
(by their position and name) and what is wrong; nothing of the write is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..domain.enums import ConsentEvent, MeetingStatus, Pathway, Role
from ..domain.models import (
    ActionIn,
    ConsentIn,
    ContactIn,
    IdentificationIn,
    MeetingIn,
    MilestoneIn,
    NoteIn,
    PersonIn,
    PractitionerIn,
    parse,
)
from ..domain.workdays import add_months
from ..errors import AhtuiError, BadInput, NotFound
from . import actions, consent, meetings, notes, people, team
from .bulk import Loader, apart, load
from .consent import REOFFER_MONTHS
from .people import DEFAULT_LEAD_ROLE
from .site import Site, utc_now

M = TypeVar("M", bound=BaseModel)


def _valid(model: type[M], data: dict[str, Any]) -> M:
    """`parse`, calling the model's validator directly (the same checks, without the layers
    around them, for a quarter of a million records); a record that fails goes through
    `parse` again for its plain per-field messages."""
    try:
        return model.__pydantic_validator__.validate_python(data)
    except ValidationError:
        return parse(model, data)


@dataclass
class MeetingRecord:
    """A meeting as `meetings.schedule_meeting` takes it, and `record_held` if it was held."""

    values: dict[str, Any]
    attendee_ids: list[str] = field(default_factory=list)
    with_person: bool = False
    held_on: date | None = None
    outcomes: str | None = None


@dataclass
class ActionRecord:
    """An action for the log; `meeting` is the index of the person's meeting it came from."""

    values: dict[str, Any]
    meeting: int | None = None
    completed_on: date | None = None
    follow_ups: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class NoteRecord:
    values: dict[str, Any]
    author_practitioner_id: str | None = None
    recorded_at: datetime | None = None


@dataclass
class PersonRecords:
    """One person and everything recorded about them, in the order it is written."""

    details: dict[str, Any]
    identification: dict[str, Any] | None = None
    lead_practitioner_id: str | None = None
    lead_role: Role | None = None
    on: date | None = None
    # (practitioner id, role, is lead, from date)
    team: list[tuple[str, Role, bool, date]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[MeetingRecord] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    notes: list[NoteRecord] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)

    def label(self, position: int) -> str:
        name = f"{self.details.get('given_name', '')} {self.details.get('family_name', '')}"
        return f"person {position} ({name.strip() or 'no name'})"


def add_practitioners(
    site: Site, practitioners: Iterable[dict[str, Any]], *, now: Callable[[], str] = utc_now
) -> list[str]:
    """Practitioners as `team.add_practitioner` records them, in one transaction."""
    with load(site, now=now) as loader:
        return [
            loader.insert(
                "practitioners",
                {**_valid(PractitionerIn, p).model_dump(mode="json"), "site_id": site.site_id},
            )
            for p in practitioners
        ]


class _People:
    """Writes `PersonRecords` through a loader, checking what the services check."""

    def __init__(self, site: Site, loader: Loader, today: date) -> None:
        self.site = site
        self.loader = loader
        self.today = today
        # The machine's date, read once for the whole write rather than for every record.
        self.real_today = date.today()
        self.practitioners = {
            r[0]: (r[1], r[2])
            for r in site.tuples(
                "SELECT id, name, role FROM practitioners WHERE deleted_at IS NULL"
            )
        }
        self.refs = {
            (col, r[0])
            for col in ("crn", "nomis_number")
            for r in site.tuples(
                f"SELECT {col} FROM people WHERE deleted_at IS NULL AND {col} IS NOT NULL"
            )
        }

    def practitioner(self, practitioner_id: str) -> tuple[str, str]:
        found = self.practitioners.get(practitioner_id)
        if found is None:
            raise NotFound("That practitioner is not recorded at this site.")
        return found

    def person(self, r: PersonRecords) -> str:
        p = _valid(PersonIn, r.details)
        ident = _valid(IdentificationIn, r.identification) if r.identification is not None else None
        for column, value, label in (
            ("crn", p.crn, "CRN"),
            ("nomis_number", p.nomis_number, "NOMIS number"),
        ):
            if value and (column, value) in self.refs:
                raise BadInput(
                    f"Another person at this site already has {label} {value}. "
                    "Open their record instead of creating a new one."
                )
            if value:
                self.refs.add((column, value))
        since = r.on or (ident.identified_on if ident else self.real_today)
        role = Role(r.lead_role) if r.lead_role else DEFAULT_LEAD_ROLE[p.pathway]
        ins = self.loader.insert
        pid = ins(
            "people",
            {
                **p.model_dump(mode="json"),
                "lead_practitioner_id": r.lead_practitioner_id,
                "lead_role": role,
            },
        )
        ins(
            "pathway_history",
            {
                "person_id": pid,
                "pathway": p.pathway,
                "lead_practitioner_id": r.lead_practitioner_id,
                "lead_role": role,
                "from_date": since,
                "reason": "First recorded",
            },
        )
        if ident:
            ins("identifications", {"person_id": pid, **ident.model_dump(mode="json")})
        self._team(pid, r)
        for c in r.contacts:
            ins(
                "personal_contacts",
                {"person_id": pid, **_valid(ContactIn, c).model_dump(mode="json")},
            )
        for c in r.consents:
            self._consent(pid, c)
        meeting_ids = [self._meeting(pid, p.pathway, p.given_name, m) for m in r.meetings]
        for a in r.actions:
            self._action(pid, a, meeting_ids)
        for n in r.notes:
            self._note(pid, n)
        for m in r.milestones:
            ins("milestones", {"person_id": pid, **_valid(MilestoneIn, m).model_dump(mode="json")})
        return pid

    def _team(self, pid: str, r: PersonRecords) -> None:
        open_roles: set[tuple[str, str]] = set()
        for prac, role, is_lead, from_date in r.team:
            known_role = self.practitioner(prac)[1]
            member_role = Role(role or known_role)
            if (prac, member_role.value) in open_roles:
                raise BadInput("That practitioner is already in this person's team in that role.")
            open_roles.add((prac, member_role.value))
            self.loader.insert(
                "team_members",
                {
                    "person_id": pid,
                    "practitioner_id": prac,
                    "role": member_role,
                    "is_lead": is_lead,
                    "from_date": from_date or self.real_today,
                    "notes": None,
                },
            )

    def _consent(self, pid: str, values: dict[str, Any]) -> None:
        c = _valid(ConsentIn, values)
        row = c.model_dump(mode="json")
        if c.event is ConsentEvent.DECLINED and c.reoffer_on is None:
            row["reoffer_on"] = add_months(c.on_date, REOFFER_MONTHS)
        self.loader.insert("consents", {"person_id": pid, **row})

    def _meeting(self, pid: str, pathway: Pathway, given: str, m: MeetingRecord) -> str:
        v = _valid(MeetingIn, m.values)
        if v.chair_practitioner_id is None:
            raise BadInput("Name the meeting's chair: a bulk write does not work it out.")
        ins = self.loader.insert
        mid = ins(
            "meetings",
            {
                **v.model_dump(mode="json", exclude={"pathway", "chair_practitioner_id"}),
                "person_id": pid,
                "pathway": v.pathway or pathway,
                "chair_practitioner_id": v.chair_practitioner_id,
                "status": MeetingStatus.SCHEDULED,
            },
        )
        for prac in dict.fromkeys(m.attendee_ids):
            name, role = self.practitioner(prac)
            ins(
                "meeting_attendees",
                {"meeting_id": mid, "practitioner_id": prac, "name": name, "role": role},
            )
        if m.with_person:
            ins("meeting_attendees", {"meeting_id": mid, "is_person": True, "name": given})
        if m.held_on is not None:
            if m.held_on > min(self.today, self.real_today):
                raise BadInput("A meeting cannot be recorded as held on a future date.")
            held: dict[str, Any] = {"status": MeetingStatus.HELD, "held_on": m.held_on}
            if m.outcomes is not None:
                held["outcomes"] = m.outcomes
            self.loader.update("meetings", mid, held)
        return mid

    def _action(self, pid: str, a: ActionRecord, meeting_ids: list[str]) -> None:
        values = dict(a.values)
        if a.meeting is not None:
            values["meeting_id"] = meeting_ids[a.meeting]
        aid = self._add_action(pid, values)
        if a.completed_on is not None:
            if a.completed_on > self.real_today:
                raise BadInput("An action cannot be completed on a future date.")
            self.loader.update("actions", aid, {"completed_on": a.completed_on})
        for f in a.follow_ups:
            self._add_action(pid, {**f, "follow_up_of": aid})

    def _add_action(self, pid: str, values: dict[str, Any]) -> str:
        row = _valid(ActionIn, values).model_dump(mode="json")
        if row["responsible_practitioner_id"] and not row["responsible_name"]:
            row["responsible_name"] = self.practitioner(row["responsible_practitioner_id"])[0]
        return self.loader.insert("actions", {"person_id": pid, **row})

    def _note(self, pid: str, n: NoteRecord) -> None:
        v = _valid(NoteIn, n.values)
        row = {
            "person_id": pid,
            **v.model_dump(mode="json"),
            "author_practitioner_id": n.author_practitioner_id or self.site.user.practitioner_id,
            "agency": self.site.agency,
        }
        if n.recorded_at is not None:
            if n.recorded_at.date() < date.fromisoformat(v.contact_at[:10]):
                raise BadInput("A note cannot be recorded before the contact it describes.")
            row["created_at"] = n.recorded_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self.loader.insert("case_notes", row)


def add_people(
    site: Site,
    records: Iterable[PersonRecords],
    *,
    today: date | None = None,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
    now: Callable[[], str] = utc_now,
    carry: tuple[Callable[[], Any], Callable[[Any], None]] | None = None,
    fork: bool | None = None,
) -> list[str]:
    """Write every person's records in one transaction; their ids in order. A bad record
    refuses the whole write (BadInput naming the person), and nothing is written.

    The records are drawn, validated and made into rows in a copy of this process while this
    one writes them (`bulk.apart`; `fork` False keeps it all here). So whatever iterating
    `records` changes happens in the copy: `carry`, a pair (take, put back), brings it back:
    `take()` runs in the copy once every record is drawn, `put_back` here with what it returned."""
    with load(site, batch=batch, now=now) as loader:
        writer = _People(site, loader, today or date.today())

        def draw() -> tuple[list[str], Any]:
            ids: list[str] = []
            for position, r in enumerate(records, 1):
                try:
                    ids.append(writer.person(r))
                except AhtuiError as exc:
                    raise BadInput(
                        f"Nothing was imported: {r.label(position)} could not be: {exc.message} "
                        "Correct that record and import them all again."
                    ) from exc
                if loader.pending >= batch:
                    loader.flush(position)
            return ids, carry[0]() if carry else None

        ids, carried = apart(loader, draw, written=progress, fork=fork)
        if carry:
            carry[1](carried)
    if progress:
        progress(len(ids))
    return ids


def through_services(site: Site, records: Iterable[PersonRecords], *, today: date) -> list[str]:
    """The same records written one service call at a time (slow): what `add_people` writes."""
    ids = []
    for r in records:
        with site.write():
            pid = people.create_person(
                site,
                r.details,
                r.identification,
                lead_practitioner_id=r.lead_practitioner_id,
                lead_role=r.lead_role,
                on=r.on,
            )
            for prac, role, is_lead, from_date in r.team:
                team.add_to_team(site, pid, prac, role=role, is_lead=is_lead, from_date=from_date)
            for c in r.contacts:
                team.add_contact(site, pid, c)
            for c in r.consents:
                consent.record_consent(site, pid, c)
            mids = []
            for m in r.meetings:
                mid = meetings.schedule_meeting(
                    site, pid, m.values, attendee_ids=m.attendee_ids, with_person=m.with_person
                )
                if m.held_on is not None:
                    meetings.record_held(
                        site, mid, held_on=m.held_on, outcomes=m.outcomes, today=today
                    )
                mids.append(mid)
            for a in r.actions:
                values = dict(a.values)
                if a.meeting is not None:
                    values["meeting_id"] = mids[a.meeting]
                aid = actions.add_action(site, pid, values)
                if a.completed_on is not None:
                    actions.complete_action(site, aid, on=a.completed_on)
                for f in a.follow_ups:
                    actions.add_follow_up(site, aid, f)
            for n in r.notes:
                notes.add_note(
                    site,
                    pid,
                    n.values,
                    author_practitioner_id=n.author_practitioner_id,
                    recorded_at=n.recorded_at,
                )
            for m2 in r.milestones:
                notes.record_milestone(site, pid, m2)
        ids.append(pid)
    return ids
