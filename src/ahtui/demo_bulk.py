"""The demo caseload drawn as records and written in bulk: what `ahtui demo` builds.

The same invented people as `ahtui.demo` (its name lists, pathway mix, dates and teams), drawn
into `store.bulk_people.PersonRecords` and written with `bulk_people.add_people`: validated as
the services validate, with the same audit entries and change capture, thousands of rows at a
time in one transaction, so 10,000 people take seconds rather than minutes. Every person has a
team, consents, meetings, actions and notes; one in `EXTRAS_EVERY` also gets what the screens
beyond those show (My Plan, the assessment, a support network, release planning, the email to
the Personal Advisor), written through the services as `ahtui.demo` writes them.

`records` is also what benchmarks/hub.py builds its sites from, with a pathway mix per kind of
site (`MIXES`). The same seed and `today` give the same records and, with the site's seeded
ids, the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from . import demo
from .domain.enums import (
    ConsentAgency,
    ContactType,
    MeetingType,
    MilestoneKind,
    Pathway,
    Role,
)
from .store import users
from .store.bulk_people import (
    ActionRecord,
    MeetingRecord,
    NoteRecord,
    PersonRecords,
    add_people,
    add_practitioners,
)
from .store.people import people_recorded
from .store.site import Site, new_id

# Who gets the extras: the first EXTRAS_ALL people, so a small demo shows every screen full,
# then one in EXTRAS_EVERY (through the services, they cost more than all the rest).
EXTRAS_ALL = 100
EXTRAS_EVERY = 100

# The pathways a kind of site holds, with their shares (hub benchmark): a prison holds people
# in custody, a probation office people on licence or soon released, a leaving-care team all.
MIXES: dict[str, list[tuple[Pathway, int]]] = {
    "prison": [(Pathway.LONG, 35), (Pathway.SHORT, 25), (Pathway.RECALL, 20), (Pathway.REMAND, 20)],
    "probation": [(Pathway.COMMUNITY, 50), (Pathway.SHORT, 25), (Pathway.RECALL, 25)],
    "local_authority": demo.PATHWAY_MIX,
}

ORGS = {
    Role.POM: ("prison", "HMP Northgate OMU"),
    Role.PP: ("probation", "Probation Service"),
    Role.PA: ("local_authority", "Leaving Care Team"),
    Role.CES: ("ces", "Care Experience Service"),
    Role.RECALL_OFFICER: ("probation", "Recall Unit"),
}


def practitioner_records(rng: random.Random, per_role: int) -> list[dict[str, Any]]:
    out = []
    for role, (agency, org) in ORGS.items():
        for n in range(
            per_role if role not in (Role.CES, Role.RECALL_OFFICER) else max(1, per_role // 2)
        ):
            first, family = rng.choice(demo.PRACTITIONER_FIRST), rng.choice(demo.FAMILY)
            handle = f"{first}.{family}{n}".lower()
            out.append(
                {
                    "name": f"{first} {family}",
                    "role": role,
                    "agency": agency,
                    "organisation": org,
                    "email": f"{handle}@{agency.replace('_', '-')}.example.org",
                    "phone": f"0161 496 {rng.randrange(0, 10000):04d}",
                }
            )
    return out


def _pick(rng: random.Random, mix: list[tuple[Pathway, int]]) -> Pathway:
    roll = rng.randrange(sum(share for _, share in mix))
    for pathway, share in mix:
        if roll < share:
            return pathway
        roll -= share
    return mix[0][0]


def records(
    rng: random.Random,
    start: int,
    count: int,
    today: date,
    staff: dict[Role, list[str]],
    *,
    actions_per_person: int = 10,
    mix: list[tuple[Pathway, int]] | None = None,
) -> Iterator[tuple[PersonRecords, demo._Person]]:
    """`count` people numbered from `start`, each with the `_Person` the extras are drawn on."""
    mix = mix or demo.PATHWAY_MIX
    for index in range(start, start + count):
        pathway = mix[index % len(mix)][0] if index < len(mix) else _pick(rng, mix)
        details, identified = demo._details(rng, index, today, pathway)
        lead_role = {Pathway.LONG: Role.POM, Pathway.REMAND: Role.CES}.get(pathway, Role.PP)
        lead = rng.choice(staff[lead_role])
        members = {
            r: lead if r is lead_role else rng.choice(staff[r]) for r in demo.TEAM_ROLES[pathway]
        }
        r = PersonRecords(
            details,
            {
                "identified_on": identified,
                "method": rng.choice(demo.METHODS),
                "identified_by_role": lead_role,
            },
            lead_practitioner_id=lead,
            lead_role=lead_role,
            on=identified,
            team=[(prac, role, role is lead_role, identified) for role, prac in members.items()],
        )
        p = demo._Person("", pathway, details, identified, lead_role, members)
        if rng.random() < 0.7:
            r.contacts.append(
                {
                    "name": f"{rng.choice(demo.PRACTITIONER_FIRST)} {details['family_name']}",
                    "relationship": rng.choice(
                        ["Sister", "Grandmother", "Foster carer", "Brother"]
                    ),
                    "phone": f"07700 900{rng.randrange(0, 1000):03d}",
                    "is_next_of_kin": True,
                }
            )
        _consents(rng, r, identified, today)
        _meetings(rng, r, p, today)
        _actions(rng, r, p, index, today, actions_per_person)
        _notes(rng, r, p, today)
        yield r, p


def _consents(rng: random.Random, r: PersonRecords, on: date, today: date) -> None:
    """Mostly given; some declined (offered again after 3 months); some withdrawn."""
    roll = rng.random()
    for agency in (ConsentAgency.PRISON, ConsentAgency.PROBATION, ConsentAgency.LOCAL_AUTHORITY):
        events: list[dict[str, Any]] = [{"event": "offered"}]
        if agency is ConsentAgency.LOCAL_AUTHORITY and roll < 0.12:
            events.append({"event": "declined"})
        elif agency is ConsentAgency.PROBATION and 0.12 <= roll < 0.18:
            events.append({"event": "given", "method": "written"})
            events.append({"event": "withdrawn", "on_date": min(today, on + timedelta(days=10))})
        else:
            events.append({"event": "given", "method": "written"})
        r.consents.extend({"agency": agency, "on_date": on, **e} for e in events)


def _meetings(rng: random.Random, r: PersonRecords, p: demo._Person, today: date) -> None:
    """Meeting 1 held for most, a few still to schedule (so due or overdue), some a second."""
    if p.pathway is Pathway.REMAND or rng.random() >= 0.75:
        return
    chair = p.members[p.lead_role]
    when = p.identified + timedelta(days=rng.randrange(7, 60))
    if when >= today:
        when = today + timedelta(days=rng.randrange(1, 30))
    m1 = MeetingRecord(
        {
            "meeting_type": MeetingType.PLANNING_1,
            "scheduled_at": f"{when.isoformat()}T10:00",
            "mode": rng.choice(["video", "phone", "in_person"]),
            "chair_practitioner_id": chair,
        },
        list(p.members.values()),
    )
    r.meetings.append(m1)
    if when < today:
        m1.held_on, m1.outcomes = when, "Team formed; actions agreed."
        if rng.random() < 0.6:
            w2 = when + timedelta(days=rng.randrange(7, 30))
            values = {
                "meeting_type": MeetingType.PLANNING_2,
                "scheduled_at": f"{w2.isoformat()}T14:00",
                "mode": "in_person",
                "chair_practitioner_id": chair,
            }
            held = w2 if w2 < today else None
            r.meetings.append(MeetingRecord(values, list(p.members.values()), True, held))


def _actions(
    rng: random.Random, r: PersonRecords, p: demo._Person, index: int, today: date, how_many: int
) -> None:
    """The Team Actions Log: some done, some overdue, some with a follow-up."""
    steps = demo.STEPS
    members = list(p.members.values())
    for a in range(how_many):
        responsible = rng.choice(members)
        due = today + timedelta(days=rng.randrange(-60, 60))
        action = ActionRecord(
            {
                "step": steps[(index + a) % len(steps)],
                "responsible_practitioner_id": responsible,
                "due_on": due,
            },
            meeting=0 if r.meetings and a < 3 else None,
        )
        if due < today and rng.random() < 0.7:
            action.completed_on = max(due - timedelta(days=2), p.identified)
            if rng.random() < 0.15:
                action.follow_ups.append(
                    {
                        "step": "Follow up: " + steps[(index + a + 3) % len(steps)],
                        "responsible_practitioner_id": responsible,
                        "due_on": today + timedelta(days=14),
                    }
                )
        r.actions.append(action)


def _notes(rng: random.Random, r: PersonRecords, p: demo._Person, today: date) -> None:
    """Keeping in touch (the POM's first sessions, a PA visit), case notes, a milestone."""
    pom_from = p.details.get("pom_allocated_on")
    if pom_from and Role.POM in p.members and rng.random() < 0.8:
        for days in (7, 30, 60):
            when = pom_from + timedelta(days=days)
            if when <= today:
                r.notes.append(_contact(ContactType.POM_SUPERVISION, when, p.members[Role.POM]))
    if Role.PA in p.members and rng.random() < 0.75:
        when = max(p.identified, today - timedelta(days=rng.randrange(0, 70)))
        r.notes.append(_contact(ContactType.PA_VISIT, when, p.members[Role.PA]))
    for n in range(3):
        kind = rng.choice(
            [
                ContactType.PA_VISIT,
                ContactType.POM_SUPERVISION,
                ContactType.PHONE,
                ContactType.VIDEO,
                ContactType.PROBATION_APPOINTMENT,
            ]
        )
        when = max(p.identified, today - timedelta(days=rng.randrange(0, 90)))
        late = rng.random() < 0.1
        r.notes.append(
            NoteRecord(
                {
                    "contact_type": kind,
                    "contact_at": f"{when.isoformat()}T11:00",
                    "location": p.details.get("prison") or "Probation office",
                    "kind": "fact" if n else "opinion",
                    "sensitive": rng.random() < 0.1,
                    "body": rng.choice(demo.NOTE_TEXT),
                },
                p.members.get(p.lead_role),
                demo._written_up(min(today, when + timedelta(days=3 if late else 0))),
            )
        )
    if rng.random() < 0.5:
        r.milestones.append({"kind": MilestoneKind.PATHWAY_PLAN_REVIEW, "on_date": p.identified})


def _contact(kind: ContactType, when: date, author: str) -> NoteRecord:
    return NoteRecord(
        {
            "contact_type": kind,
            "contact_at": f"{when.isoformat()}T10:00",
            "location": "Visits hall" if kind is ContactType.PA_VISIT else "Wing office",
            "body": demo._contact_text(kind),
        },
        author,
        demo._written_up(when),
    )


def _seeded_staff(site: Site, rng: random.Random, per_role: int) -> dict[Role, list[str]]:
    made = practitioner_records(rng, per_role)
    ids = add_practitioners(site, made)
    staff: dict[Role, list[str]] = {}
    for values, pid in zip(made, ids, strict=True):
        staff.setdefault(values["role"], []).append(pid)
    return staff


def build_demo_bulk(
    site: Site,
    people: int = 40,
    seed: int = 1,
    today: date | None = None,
    *,
    actions_per_person: int = 10,
    progress: Callable[[int, int], None] | None = None,
    mix: list[tuple[Pathway, int]] | None = None,
    extras_every: int = EXTRAS_EVERY,
    first: int | None = None,
) -> None:
    """Fill an open site with `people` synthetic people, written in bulk. `progress` is told
    (done, total) as batches are written. People are numbered (their made-up references)
    from `first`, by default after everyone the site has recorded."""
    today = today or date.today()
    rng = random.Random(seed)
    site.id_factory = demo._seeded_ids(random.Random(seed + 1))
    try:
        staff = _seeded_staff(site, rng, max(1, people // 8))
        if site.user.practitioner_id is None and staff.get(Role.POM):
            # The demo admin works as a POM so "my cases" shows something.
            users.link_practitioner(site, site.user.username, staff[Role.POM][0])
        start = people_recorded(site) if first is None else first
        # Drawn as they are written, keeping only the people who get the extras, rather than
        # every person's records held until the end.
        chosen: list[tuple[int, demo._Person]] = []

        def drawn() -> Iterator[PersonRecords]:
            for n, (r, p) in enumerate(
                records(
                    rng, start, people, today, staff, actions_per_person=actions_per_person, mix=mix
                )
            ):
                if n < EXTRAS_ALL or n % extras_every == 0:
                    chosen.append((n, p))
                yield r

        def put_back(state: tuple[list[tuple[int, demo._Person]], Any]) -> None:
            # Drawn in another process (`add_people`): the people chosen and where the
            # random draws had got to come back, so the extras are drawn as they would be.
            chosen[:], rng_state = state
            rng.setstate(rng_state)

        ids = add_people(
            site,
            drawn(),
            today=today,
            progress=(lambda done: progress(done, people)) if progress else None,
            carry=(lambda: (chosen, rng.getstate()), put_back),
        )
        extras = [(ids[n], p) for n, p in chosen]
        with site.write():
            for pid, p in extras:
                p.id = pid
                demo._write_my_plan(site, rng, p, today)
                demo._assess(site, rng, p)
                demo._offer_network(site, rng, p, today)
                demo._plan_release(site, p, today)
                demo._introduce_to_pa(site, rng, p, today)
    finally:
        site.id_factory = new_id
