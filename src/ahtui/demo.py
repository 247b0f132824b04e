"""A deterministic synthetic caseload for the demo site, tests and benchmarks.

Everyone here is invented: names are drawn from short lists of common first and family names,
identifiers are made from a counter, and dates are placed relative to `today`. The same seed
and the same `today` give the same people, the same ids and the same records, so a snapshot
test or a benchmark sees the same site every run. All writes go through the services, so the
demo also exercises validation, attribution and the audit triggers.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .domain.enums import (
    CareLeaverStatus,
    ConsentAgency,
    ContactType,
    EmailTemplate,
    IdentificationMethod,
    MeetingType,
    MilestoneKind,
    NetworkOffer,
    Pathway,
    RecallType,
    Role,
    SentenceType,
)
from .domain.workdays import add_months
from .store import (
    actions,
    assessment,
    consent,
    emails,
    meetings,
    myplan,
    networks,
    notes,
    people,
    release,
    team,
    users,
)
from .store.people import people_recorded
from .store.site import Site, new_id

FIRST = (
    "Aaron Adam Ali Bradley Callum Connor Daniel Dylan Ethan Jamal Jordan Kai Kieran "
    "Leon Liam Luke Marcus Mohammed Nathan Owen Reece Ryan Tyler Zak Jayden Kyle "
    "Lewis Mason Tariq Theo"
).split()
FAMILY = (
    "Ahmed Bailey Campbell Clarke Davies Edwards Evans Green Hall Hughes Hussain "
    "Jackson Johnson Khan Lewis Mensah Morgan Okafor Patel Price Roberts Scott Taylor "
    "Thomas Walker Ward White Williams Wilson Wright"
).split()
PRACTITIONER_FIRST = "Sam Alex Jo Chris Pat Robin Jamie Morgan Priya Kemi".split()
PRISONS = ["HMP Northgate", "HMP Riverside", "HMYOI Eastfield"]
AREAS = ["North West", "Yorkshire", "London", "Wales", "Midlands"]
AUTHORITIES = ["Northshire County Council", "Riverside Borough", "Eastfield City Council"]
ETHNICITIES = [
    "White British",
    "Black British",
    "Asian British",
    "Mixed",
    "White other",
    "Not stated",
]
STEPS = [
    "Send the Pathway Plan to the team",
    "Book a visit with the Personal Advisor",
    "Check housing application status",
    "Share the OASys summary with the PA",
    "Arrange ID documents before release",
    "Refer to education department",
    "Confirm first probation appointment",
    "Ask about Lifelong Links",
    "Follow up GP registration",
    "Contact the leaving-care team manager",
]
NOTE_TEXT = [
    "Talked through the plan for the coming weeks.",
    "Discussed progress with the education course.",
    "Checked in about family contact and visits.",
    "Reviewed the actions from the last meeting.",
]

# The choices drawn for every person, listed once (listing an enum each time cost seconds).
_STATUSES = tuple(CareLeaverStatus)[:4]
_RECALLS = tuple(RecallType)
METHODS = tuple(IdentificationMethod)[:5]

# Share of each pathway in the demo caseload.
PATHWAY_MIX = [
    (Pathway.LONG, 30),
    (Pathway.SHORT, 20),
    (Pathway.RECALL, 15),
    (Pathway.REMAND, 15),
    (Pathway.COMMUNITY, 20),
]

DEMO_USER = "demo"
DEMO_PASSPHRASE = "demo site passphrase"


class _SeededIds:
    """Version 4 UUIDs from `rng`: str(uuid.UUID(int=..., version=4)), spelled out, because
    building a UUID object for each of a large demo's million rows took seconds. `rng` is
    kept in sight so a bulk write drawn in another process can hand its state back
    (`store.bulk.apart`)."""

    __slots__ = ("rng",)

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        n = self.rng.getrandbits(128) & ~(0xC000 << 48 | 0xF000 << 64) | 0x8000 << 48 | 4 << 76
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _seeded_ids(rng: random.Random) -> Callable[[], str]:
    return _SeededIds(rng)


# The team, by pathway (DOMAIN.md "Pathways and who leads").
TEAM_ROLES = {
    Pathway.LONG: [Role.POM, Role.PA, Role.CES],
    Pathway.SHORT: [Role.PP, Role.POM, Role.PA, Role.CES],
    Pathway.RECALL: [Role.PP, Role.POM, Role.PA, Role.CES, Role.RECALL_OFFICER],
    Pathway.REMAND: [Role.CES, Role.PA],
    Pathway.COMMUNITY: [Role.PP, Role.PA],
}


def build_demo(
    site: Site,
    people: int = 40,
    seed: int = 1,
    today: date | None = None,
    *,
    actions_per_person: int = 10,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 250,
) -> None:
    """Fill an open site with `people` synthetic people and everything around them."""
    today = today or date.today()
    rng = random.Random(seed)
    site.id_factory = _seeded_ids(random.Random(seed + 1))
    try:
        staff = _make_practitioners(site, rng, max(1, people // 8))
        if site.user.practitioner_id is None and staff[Role.POM]:
            # The demo admin works as a POM so "my cases" shows something.
            users.link_practitioner(site, site.user.username, staff[Role.POM][0])
        start = people_recorded(site)
        for begin in range(0, people, batch):
            with site.write():
                for i in range(begin, min(people, begin + batch)):
                    _make_person(site, rng, start + i, today, staff, actions_per_person)
            if progress:
                progress(min(people, begin + batch), people)
    finally:
        site.id_factory = new_id


def _make_practitioners(site: Site, rng: random.Random, per_role: int) -> dict[Role, list[str]]:
    staff: dict[Role, list[str]] = {}
    orgs = {
        Role.POM: ("prison", "HMP Northgate OMU"),
        Role.PP: ("probation", "Probation Service"),
        Role.PA: ("local_authority", "Leaving Care Team"),
        Role.CES: ("ces", "Care Experience Service"),
        Role.RECALL_OFFICER: ("probation", "Recall Unit"),
    }
    with site.write():
        for role, (agency, org) in orgs.items():
            ids = []
            for n in range(
                per_role if role not in (Role.CES, Role.RECALL_OFFICER) else max(1, per_role // 2)
            ):
                first = rng.choice(PRACTITIONER_FIRST)
                family = rng.choice(FAMILY)
                handle = f"{first}.{family}{n}".lower()
                ids.append(
                    team.add_practitioner(
                        site,
                        {
                            "name": f"{first} {family}",
                            "role": role,
                            "agency": agency,
                            "organisation": org,
                            "email": f"{handle}@{agency.replace('_', '-')}.example.org",
                            "phone": f"0161 496 {rng.randrange(0, 10000):04d}",
                        },
                    )
                )
            staff[role] = ids
    return staff


def _pick_pathway(rng: random.Random) -> Pathway:
    roll = rng.randrange(100)
    for pathway, share in PATHWAY_MIX:
        if roll < share:
            return pathway
        roll -= share
    return Pathway.LONG


@dataclass
class _Person:
    """One demo person as they are being made: who they are and who works with them."""

    id: str
    pathway: Pathway
    details: dict[str, Any]
    identified: date
    lead_role: Role
    members: dict[Role, str] = field(default_factory=dict)


def _make_person(
    site: Site,
    rng: random.Random,
    index: int,
    today: date,
    staff: dict[Role, list[str]],
    actions_per_person: int,
) -> None:
    # The random draws happen in this order; changing it changes every later demo person.
    p = _register(site, rng, index, today, staff)
    _form_team(site, rng, p, staff)
    _add_next_of_kin(site, rng, p)
    _record_consents(site, rng, p, today)
    first_meeting = _hold_meetings(site, rng, p, today)
    _log_actions(site, rng, p, index, today, actions_per_person, first_meeting)
    _keep_in_touch(site, rng, p, today)
    _write_notes(site, rng, p, today)
    _write_my_plan(site, rng, p, today)
    _assess(site, rng, p)
    _offer_network(site, rng, p, today)
    _plan_release(site, p, today)
    _introduce_to_pa(site, rng, p, today)


def _details(
    rng: random.Random, index: int, today: date, pathway: Pathway
) -> tuple[dict[str, Any], date]:
    """The person's record, by pathway, and the day they were identified as care experienced."""
    age_days = rng.randrange(18 * 365 + 30, 25 * 365 - 30)
    dob = today - timedelta(days=age_days)
    details: dict[str, Any] = {
        "given_name": rng.choice(FIRST),
        "family_name": rng.choice(FAMILY),
        "crn": f"X{100000 + index:06d}"[:7],
        "nomis_number": f"A{index % 10000:04d}{chr(65 + index // 10000 % 26)}{chr(65 + index // 260000 % 26)}",
        "date_of_birth": dob,
        "care_leaver_status": rng.choice(_STATUSES),
        "responsible_local_authority": rng.choice(AUTHORITIES),
        "prison": rng.choice(PRISONS),
        "probation_area": rng.choice(AREAS),
        "pathway": pathway,
        "ethnicity": rng.choice(ETHNICITIES),
        "gender": "Male",
    }
    if index >= 900000:
        details["crn"] = None
    identified = today - timedelta(days=rng.randrange(20, 300))
    if pathway in (Pathway.LONG, Pathway.SHORT, Pathway.RECALL, Pathway.COMMUNITY):
        identified = max(identified, _sentence(rng, index, today, pathway, details))
    if pathway is Pathway.REMAND:
        details.update(
            sentence_type=SentenceType.REMAND,
            remand_date=today - timedelta(days=rng.randrange(5, 120)),
        )
        identified = max(identified, details["remand_date"])
    if pathway is Pathway.RECALL:
        recall = today - timedelta(days=rng.randrange(3, 60))
        details.update(recall_date=recall, recall_type=rng.choice(_RECALLS))
    if pathway is Pathway.COMMUNITY:
        _released(rng, details, today)
    return details, min(identified, today)


def _sentence(
    rng: random.Random, index: int, today: date, pathway: Pathway, details: dict[str, Any]
) -> date:
    """A sentence and its allocations (into `details`); returns the sentence date."""
    # Release at the half-way point: long sentences leave more than 10 months to serve.
    months = rng.randrange(24, 96) if pathway is Pathway.LONG else rng.randrange(4, 11)
    sentence = today - timedelta(days=rng.randrange(10, 400))
    details.update(
        sentence_type=SentenceType.LIFE
        if pathway is Pathway.LONG and index % 23 == 0
        else SentenceType.DETERMINATE,
        sentence_date=sentence,
        sentence_length_months=months,
        conditional_release_date=max(add_months(sentence, months // 2), today + timedelta(days=30)),
        pom_allocated_on=sentence + timedelta(days=rng.randrange(1, 20)),
    )
    if pathway is not Pathway.LONG or rng.random() < 0.5:
        details["pp_allocated_on"] = sentence + timedelta(days=rng.randrange(1, 30))
    return sentence


def _released(rng: random.Random, details: dict[str, Any], today: date) -> None:
    """Someone already released, on licence in the community (into `details`)."""
    release_on = today - timedelta(days=rng.randrange(2, 200))
    details.update(
        release_date=release_on,
        conditional_release_date=release_on,
        licence_end_date=add_months(release_on, rng.randrange(6, 30)),
    )
    if details["sentence_date"] > release_on:
        details["sentence_date"] = release_on - timedelta(days=200)
    details["pom_allocated_on"] = details["sentence_date"] + timedelta(days=5)
    details["pp_allocated_on"] = details["sentence_date"] + timedelta(days=7)


def _register(
    site: Site, rng: random.Random, index: int, today: date, staff: dict[Role, list[str]]
) -> _Person:
    # Every fifth person is guaranteed a pathway so small demos still show all five.
    pathway = PATHWAY_MIX[index % 5][0] if index < 5 else _pick_pathway(rng)
    details, identified = _details(rng, index, today, pathway)
    lead_role = {Pathway.LONG: Role.POM, Pathway.REMAND: Role.CES}.get(pathway, Role.PP)
    lead = rng.choice(staff[lead_role])
    person_id = people.create_person(
        site,
        details,
        {
            "identified_on": identified,
            "method": rng.choice(METHODS),
            "identified_by_role": lead_role,
        },
        lead_practitioner_id=lead,
        lead_role=lead_role,
        on=identified,
    )
    return _Person(person_id, pathway, details, identified, lead_role, {lead_role: lead})


def _form_team(site: Site, rng: random.Random, p: _Person, staff: dict[Role, list[str]]) -> None:
    lead = p.members[p.lead_role]
    p.members.clear()
    for role in TEAM_ROLES[p.pathway]:
        prac = lead if role is p.lead_role else rng.choice(staff[role])
        p.members[role] = prac
        team.add_to_team(
            site, p.id, prac, role=role, is_lead=role is p.lead_role, from_date=p.identified
        )


def _add_next_of_kin(site: Site, rng: random.Random, p: _Person) -> None:
    if rng.random() < 0.7:
        team.add_contact(
            site,
            p.id,
            {
                "name": f"{rng.choice(PRACTITIONER_FIRST)} {p.details['family_name']}",
                "relationship": rng.choice(
                    ["Sister", "Grandmother", "Foster carer", "Brother", "Aunt"]
                ),
                "phone": f"07700 900{rng.randrange(0, 1000):03d}",
                "is_next_of_kin": True,
            },
        )


def _record_consents(site: Site, rng: random.Random, p: _Person, today: date) -> None:
    """Mostly given; some declined (offered again after 3 months); some withdrawn."""
    roll = rng.random()
    on = p.identified
    for agency in (ConsentAgency.PRISON, ConsentAgency.PROBATION, ConsentAgency.LOCAL_AUTHORITY):
        events: list[dict[str, Any]] = [{"event": "offered"}]
        if agency is ConsentAgency.LOCAL_AUTHORITY and roll < 0.12:
            events.append({"event": "declined"})
        elif agency is ConsentAgency.PROBATION and 0.12 <= roll < 0.18:
            events.append({"event": "given", "method": "written"})
            events.append({"event": "withdrawn", "on_date": min(today, on + timedelta(days=10))})
        else:
            events.append({"event": "given", "method": "written"})
        for event in events:
            consent.record_consent(site, p.id, {"agency": agency, "on_date": on, **event})


def _hold_meetings(site: Site, rng: random.Random, p: _Person, today: date) -> str | None:
    """Meeting 1 held for most, a few still to schedule (and so due or overdue)."""
    if p.pathway is Pathway.REMAND or rng.random() >= 0.75:
        return None
    when = p.identified + timedelta(days=rng.randrange(7, 60))
    if when >= today:
        when = today + timedelta(days=rng.randrange(1, 30))
    m1_id = meetings.schedule_meeting(
        site,
        p.id,
        {
            "meeting_type": MeetingType.PLANNING_1,
            "scheduled_at": f"{when.isoformat()}T10:00",
            "mode": rng.choice(["video", "phone", "in_person"]),
            "chair_practitioner_id": p.members.get(p.lead_role),
        },
        attendee_ids=list(p.members.values()),
    )
    if when < today:
        meetings.record_held(site, m1_id, held_on=when, outcomes="Team formed; actions agreed.")
        if rng.random() < 0.6:
            w2 = when + timedelta(days=rng.randrange(7, 30))
            m2 = meetings.schedule_meeting(
                site,
                p.id,
                {
                    "meeting_type": MeetingType.PLANNING_2,
                    "scheduled_at": f"{w2.isoformat()}T14:00",
                    "mode": "in_person",
                },
                attendee_ids=list(p.members.values()),
                with_person=True,
            )
            if w2 < today:
                meetings.record_held(site, m2, held_on=w2)
    return m1_id


def _log_actions(
    site: Site,
    rng: random.Random,
    p: _Person,
    index: int,
    today: date,
    how_many: int,
    meeting_id: str | None,
) -> None:
    """The Team Actions Log: some done, some overdue, some with a follow-up."""
    for a in range(how_many):
        responsible = rng.choice(list(p.members.values()))
        due = today + timedelta(days=rng.randrange(-60, 60))
        action_id = actions.add_action(
            site,
            p.id,
            {
                "step": STEPS[(index + a) % len(STEPS)],
                "responsible_practitioner_id": responsible,
                "due_on": due,
                "meeting_id": meeting_id if a < 3 else None,
            },
        )
        if due < today and rng.random() < 0.7:
            actions.complete_action(site, action_id, on=max(due - timedelta(days=2), p.identified))
            if rng.random() < 0.15:
                actions.add_follow_up(
                    site,
                    action_id,
                    {
                        "step": "Follow up: " + STEPS[(index + a + 3) % len(STEPS)],
                        "responsible_practitioner_id": responsible,
                        "due_on": today + timedelta(days=14),
                    },
                )


def _keep_in_touch(site: Site, rng: random.Random, p: _Person, today: date) -> None:
    """Most teams keep up: the POM's first supervision sessions and recent PA visits."""
    pom_from = p.details.get("pom_allocated_on")
    if pom_from and Role.POM in p.members and rng.random() < 0.8:
        for days in (7, 30, 60):
            when = pom_from + timedelta(days=days)
            if when <= today:
                _contact(site, p.id, ContactType.POM_SUPERVISION, when, p.members[Role.POM])
    if Role.PA in p.members and rng.random() < 0.75:
        when = max(p.identified, today - timedelta(days=rng.randrange(0, 70)))
        _contact(site, p.id, ContactType.PA_VISIT, when, p.members[Role.PA])


def _write_notes(site: Site, rng: random.Random, p: _Person, today: date) -> None:
    """Case notes, including rule-relevant contacts and some sensitive notes."""
    for n in range(3):
        ctype = rng.choice(
            [
                ContactType.PA_VISIT,
                ContactType.POM_SUPERVISION,
                ContactType.PHONE,
                ContactType.VIDEO,
                ContactType.PROBATION_APPOINTMENT,
            ]
        )
        when = max(p.identified, today - timedelta(days=rng.randrange(0, 90)))
        notes.add_note(
            site,
            p.id,
            {
                "contact_type": ctype,
                "contact_at": f"{when.isoformat()}T11:00",
                "location": p.details.get("prison") or "Probation office",
                "kind": "fact" if n else "opinion",
                "sensitive": rng.random() < 0.1,
                "body": rng.choice(NOTE_TEXT),
            },
            author_practitioner_id=p.members.get(p.lead_role),
            # One in ten written up late, so the LATE mark shows somewhere in the demo.
            recorded_at=_written_up(
                min(today, when + timedelta(days=3 if rng.random() < 0.1 else 0))
            ),
        )
    if rng.random() < 0.5:
        notes.record_milestone(
            site, p.id, {"kind": MilestoneKind.PATHWAY_PLAN_REVIEW, "on_date": p.identified}
        )


def _write_my_plan(site: Site, rng: random.Random, p: _Person, today: date) -> None:
    """About Me, dated Wheel of Life scores, a goal with a step; half of them agreed."""
    if rng.random() >= 0.6:
        return
    myplan.save_about_me(
        site,
        p.id,
        about_me="I like football and cooking. I want a place of my own.",
        what_helps="Straight talking and people who turn up when they say.",
    )
    for area in myplan.WHEEL_AREAS:
        myplan.add_wheel_score(site, p.id, area, rng.randrange(2, 9), p.identified)
    goal = myplan.add_goal(site, p.id, "Get my own flat", target_on=today + timedelta(days=180))
    myplan.add_goal_step(site, goal, "Apply for housing with my PA", who_helps="Personal Advisor")
    if rng.random() < 0.5:
        myplan.agree_plan(site, p.id, agreed_on=p.identified)


def _assess(site: Site, rng: random.Random, p: _Person) -> None:
    """Part of the Combined Assessment: the accommodation area and a few answers."""
    if rng.random() >= 0.3:
        return
    assessment.save_area(
        site,
        p.id,
        "acc",
        issues="No fixed address on release.",
        positives="Motivated to find a tenancy.",
        linked_to_harm=False,
        linked_to_offending=True,
    )
    assessment.answer_item(
        site,
        p.id,
        "acc.oasys.3.3",
        value=rng.choice(["no", "some", "sig"]),
        disclosed=True,
        answered_on=p.identified,
    )
    assessment.answer_item(
        site,
        p.id,
        "acc.pp.1",
        value="Shares a cell; wants a room of his own.",
        answered_on=p.identified,
    )
    assessment.answer_item(
        site, p.id, "cared.pp.1", value=str(rng.randrange(3, 9)), answered_on=p.identified
    )


def _offer_network(site: Site, rng: random.Random, p: _Person, today: date) -> None:
    """A support network already under way: offered, referred, coordinated, its plan started."""
    if rng.random() >= 0.2:
        return
    started = today - timedelta(days=rng.randrange(10, 80))
    networks.record_network(
        site,
        p.id,
        {
            "offer_type": rng.choice(list(NetworkOffer)),
            "offered_on": started - timedelta(days=30),
            "offer_outcome": "accepted",
            "referred_on": started - timedelta(days=25),
            "coordinator_name": "Lifelong Links coordinator",
            "plan_started_on": started,
        },
        today=today,
    )


def _plan_release(site: Site, p: _Person, today: date) -> None:
    """The CES's remand support, or the release-day plan as release nears (4 months)."""
    if p.pathway is Pathway.REMAND:
        release.save_remand(
            site,
            p.id,
            bail="Bail address being looked into",
            legal_aid="Solicitor confirmed",
            family_ties="Sister visits weekly",
        )
    release_on = p.details.get("conditional_release_date")
    if (
        p.pathway in (Pathway.LONG, Pathway.SHORT)
        and release_on
        and (release_on - today).days < 120
    ):
        release.save_release_day(
            site,
            p.id,
            release_on=release_on,
            gate_person="Personal Advisor",
            gate_backup="CES worker",
            travel="Train with the PA",
        )


def _introduce_to_pa(site: Site, rng: random.Random, p: _Person, today: date) -> None:
    """The introduction email to the Personal Advisor, mostly answered."""
    pa = p.members.get(Role.PA)
    if not pa:
        return
    sent = today - timedelta(days=rng.randrange(1, 40))
    email_id = emails.record_email(
        site,
        p.id,
        template=EmailTemplate.INTRODUCTION,
        to_name="Personal Advisor",
        to_practitioner_id=pa,
        subject="Introduction: joined-up planning",
        sent_on=sent,
    )
    if rng.random() < 0.6:
        emails.record_reply(site, email_id, reply_on=min(today, sent + timedelta(days=3)))


def _contact(site: Site, person_id: str, kind: ContactType, when: date, author: str) -> None:
    notes.add_note(
        site,
        person_id,
        {
            "contact_type": kind,
            "contact_at": f"{when.isoformat()}T10:00",
            "location": "Visits hall" if kind is ContactType.PA_VISIT else "Wing office",
            "body": _contact_text(kind),
        },
        author_practitioner_id=author,
        recorded_at=_written_up(when),
    )


def _contact_text(kind: ContactType) -> str:
    return f"{kind.label()}: talked through how things are going and the next steps."


def _written_up(contact_on: date) -> datetime:
    # Demo notes were written up the same afternoon, as National Standard 1.1 asks.
    return datetime.combine(contact_on, time(16, 0), tzinfo=UTC)
