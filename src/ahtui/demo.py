"""A deterministic synthetic caseload for the demo site, tests and benchmarks.

Everyone here is invented: names are drawn from short lists of common first and family names,
identifiers are made from a counter, and dates are placed relative to `today`. The same seed
and the same `today` give the same people, the same ids and the same records, so a snapshot
test or a benchmark sees the same site every run. All writes go through the services, so the
demo also exercises validation, attribution and the audit triggers.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

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
from .store import actions, consent, meetings, notes, people, plans, team
from .store.site import Site

FIRST = [
    "Aaron",
    "Adam",
    "Ali",
    "Bradley",
    "Callum",
    "Connor",
    "Daniel",
    "Dylan",
    "Ethan",
    "Jamal",
    "Jordan",
    "Kai",
    "Kieran",
    "Leon",
    "Liam",
    "Luke",
    "Marcus",
    "Mohammed",
    "Nathan",
    "Owen",
    "Reece",
    "Ryan",
    "Tyler",
    "Zak",
    "Jayden",
    "Kyle",
    "Lewis",
    "Mason",
    "Tariq",
    "Theo",
]
FAMILY = [
    "Ahmed",
    "Bailey",
    "Campbell",
    "Clarke",
    "Davies",
    "Edwards",
    "Evans",
    "Green",
    "Hall",
    "Hughes",
    "Hussain",
    "Jackson",
    "Johnson",
    "Khan",
    "Lewis",
    "Mensah",
    "Morgan",
    "Okafor",
    "Patel",
    "Price",
    "Roberts",
    "Scott",
    "Taylor",
    "Thomas",
    "Walker",
    "Ward",
    "White",
    "Williams",
    "Wilson",
    "Wright",
]
PRACTITIONER_FIRST = [
    "Sam",
    "Alex",
    "Jo",
    "Chris",
    "Pat",
    "Robin",
    "Jamie",
    "Morgan",
    "Priya",
    "Kemi",
]
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


def _seeded_ids(rng: random.Random) -> Callable[[], str]:
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))


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
            with site.write() as conn:
                conn.execute(
                    "UPDATE users SET practitioner_id = ? WHERE id = ?",
                    (staff[Role.POM][0], site.user.id),
                )
        start = site.one("SELECT count(*) FROM people")[0]
        for begin in range(0, people, batch):
            with site.write():
                for i in range(begin, min(people, begin + batch)):
                    _make_person(site, rng, start + i, today, staff, actions_per_person)
            if progress:
                progress(min(people, begin + batch), people)
    finally:
        from .store.site import new_id

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


def _make_person(
    site: Site,
    rng: random.Random,
    index: int,
    today: date,
    staff: dict[Role, list[str]],
    actions_per_person: int,
) -> None:
    # Every fifth person is guaranteed a pathway so small demos still show all five.
    pathway = PATHWAY_MIX[index % 5][0] if index < 5 else _pick_pathway(rng)
    age_days = rng.randrange(18 * 365 + 30, 25 * 365 - 30)
    dob = today - timedelta(days=age_days)
    details: dict = {
        "given_name": rng.choice(FIRST),
        "family_name": rng.choice(FAMILY),
        "crn": f"X{100000 + index:06d}"[:7],
        "nomis_number": f"A{index % 10000:04d}{chr(65 + index // 10000 % 26)}{chr(65 + index // 260000 % 26)}",
        "date_of_birth": dob,
        "care_leaver_status": rng.choice(list(CareLeaverStatus)[:4]),
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
        # Release at the half-way point: long sentences leave more than 10 months to serve.
        months = rng.randrange(24, 96) if pathway is Pathway.LONG else rng.randrange(4, 11)
        sentence = today - timedelta(days=rng.randrange(10, 400))
        details.update(
            sentence_type=SentenceType.LIFE
            if pathway is Pathway.LONG and index % 23 == 0
            else SentenceType.DETERMINATE,
            sentence_date=sentence,
            sentence_length_months=months,
            conditional_release_date=max(
                add_months(sentence, months // 2), today + timedelta(days=30)
            ),
            pom_allocated_on=sentence + timedelta(days=rng.randrange(1, 20)),
        )
        if pathway is not Pathway.LONG or rng.random() < 0.5:
            details["pp_allocated_on"] = sentence + timedelta(days=rng.randrange(1, 30))
        identified = max(identified, sentence)
    if pathway is Pathway.REMAND:
        details.update(
            sentence_type=SentenceType.REMAND,
            remand_date=today - timedelta(days=rng.randrange(5, 120)),
        )
        identified = max(identified, details["remand_date"])
    if pathway is Pathway.RECALL:
        recall = today - timedelta(days=rng.randrange(3, 60))
        details.update(recall_date=recall, recall_type=rng.choice(list(RecallType)))
    if pathway is Pathway.COMMUNITY:
        release = today - timedelta(days=rng.randrange(2, 200))
        details.update(
            release_date=release,
            conditional_release_date=release,
            licence_end_date=add_months(release, rng.randrange(6, 30)),
        )
        if details["sentence_date"] > release:
            details["sentence_date"] = release - timedelta(days=200)
        details["pom_allocated_on"] = details["sentence_date"] + timedelta(days=5)
        details["pp_allocated_on"] = details["sentence_date"] + timedelta(days=7)
    identified = min(identified, today)
    role_first = {Pathway.LONG: Role.POM, Pathway.REMAND: Role.CES}.get(pathway, Role.PP)
    lead = rng.choice(staff[role_first])
    person_id = people.create_person(
        site,
        details,
        {
            "identified_on": identified,
            "method": rng.choice(list(IdentificationMethod)[:5]),
            "identified_by_role": role_first,
        },
        lead_practitioner_id=lead,
        lead_role=role_first,
        on=identified,
    )
    # The team, by pathway (DOMAIN.md "Pathways and who leads").
    roles = {
        Pathway.LONG: [Role.POM, Role.PA, Role.CES],
        Pathway.SHORT: [Role.PP, Role.POM, Role.PA, Role.CES],
        Pathway.RECALL: [Role.PP, Role.POM, Role.PA, Role.CES, Role.RECALL_OFFICER],
        Pathway.REMAND: [Role.CES, Role.PA],
        Pathway.COMMUNITY: [Role.PP, Role.PA],
    }[pathway]
    members: dict[Role, str] = {}
    for role in roles:
        prac = lead if role is role_first else rng.choice(staff[role])
        members[role] = prac
        team.add_to_team(
            site, person_id, prac, role=role, is_lead=role is role_first, from_date=identified
        )
    if rng.random() < 0.7:
        team.add_contact(
            site,
            person_id,
            {
                "name": f"{rng.choice(PRACTITIONER_FIRST)} {details['family_name']}",
                "relationship": rng.choice(
                    ["Sister", "Grandmother", "Foster carer", "Brother", "Aunt"]
                ),
                "phone": f"07700 900{rng.randrange(0, 1000):03d}",
                "is_next_of_kin": True,
            },
        )
    # Consent: mostly given; some declined (offered again after 3 months); some withdrawn.
    roll = rng.random()
    for agency in (ConsentAgency.PRISON, ConsentAgency.PROBATION, ConsentAgency.LOCAL_AUTHORITY):
        on = identified
        consent.record_consent(
            site, person_id, {"agency": agency, "event": "offered", "on_date": on}
        )
        if agency is ConsentAgency.LOCAL_AUTHORITY and roll < 0.12:
            consent.record_consent(
                site, person_id, {"agency": agency, "event": "declined", "on_date": on}
            )
        elif agency is ConsentAgency.PROBATION and 0.12 <= roll < 0.18:
            consent.record_consent(
                site,
                person_id,
                {"agency": agency, "event": "given", "on_date": on, "method": "written"},
            )
            consent.record_consent(
                site,
                person_id,
                {
                    "agency": agency,
                    "event": "withdrawn",
                    "on_date": min(today, on + timedelta(days=10)),
                },
            )
        else:
            consent.record_consent(
                site,
                person_id,
                {"agency": agency, "event": "given", "on_date": on, "method": "written"},
            )
    # Meetings: Meeting 1 held for most, a few still to schedule (and so due or overdue).
    chair = members.get(role_first)
    m1_id = None
    if pathway is not Pathway.REMAND and rng.random() < 0.75:
        when = identified + timedelta(days=rng.randrange(7, 60))
        if when >= today:
            when = today + timedelta(days=rng.randrange(1, 30))
        m1_id = meetings.schedule_meeting(
            site,
            person_id,
            {
                "meeting_type": MeetingType.PLANNING_1,
                "scheduled_at": f"{when.isoformat()}T10:00",
                "mode": rng.choice(["video", "phone", "in_person"]),
                "chair_practitioner_id": chair,
            },
            attendee_ids=list(members.values()),
        )
        if when < today:
            meetings.record_held(site, m1_id, held_on=when, outcomes="Team formed; actions agreed.")
            if rng.random() < 0.6:
                w2 = when + timedelta(days=rng.randrange(7, 30))
                m2 = meetings.schedule_meeting(
                    site,
                    person_id,
                    {
                        "meeting_type": MeetingType.PLANNING_2,
                        "scheduled_at": f"{w2.isoformat()}T14:00",
                        "mode": "in_person",
                    },
                    attendee_ids=list(members.values()),
                    with_person=True,
                )
                if w2 < today:
                    meetings.record_held(site, m2, held_on=w2)
    # The Team Actions Log: some done, some overdue, some with a follow-up.
    for a in range(actions_per_person):
        responsible = rng.choice(list(members.values()))
        due = today + timedelta(days=rng.randrange(-60, 60))
        action_id = actions.add_action(
            site,
            person_id,
            {
                "step": STEPS[(index + a) % len(STEPS)],
                "responsible_practitioner_id": responsible,
                "due_on": due,
                "meeting_id": m1_id if a < 3 else None,
            },
        )
        if due < today and rng.random() < 0.7:
            actions.complete_action(site, action_id, on=max(due - timedelta(days=2), identified))
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
    # Most teams keep up: the POM's first supervision sessions and recent PA visits.
    pom_from = details.get("pom_allocated_on")
    if pom_from and Role.POM in members and rng.random() < 0.8:
        for days in (7, 30, 60):
            when = pom_from + timedelta(days=days)
            if when <= today:
                _contact(site, person_id, ContactType.POM_SUPERVISION, when, members[Role.POM])
    if Role.PA in members and rng.random() < 0.75:
        when = max(identified, today - timedelta(days=rng.randrange(0, 70)))
        _contact(site, person_id, ContactType.PA_VISIT, when, members[Role.PA])
    # Case notes, including rule-relevant contacts and some sensitive notes.
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
        when = max(identified, today - timedelta(days=rng.randrange(0, 90)))
        notes.add_note(
            site,
            person_id,
            {
                "contact_type": ctype,
                "contact_at": f"{when.isoformat()}T11:00",
                "location": details.get("prison") or "Probation office",
                "kind": "fact" if n else "opinion",
                "sensitive": rng.random() < 0.1,
                "body": rng.choice(NOTE_TEXT),
            },
            author_practitioner_id=members.get(role_first),
            # One in ten written up late, so the LATE mark shows somewhere in the demo.
            recorded_at=_written_up(
                min(today, when + timedelta(days=3 if rng.random() < 0.1 else 0))
            ),
        )
    if rng.random() < 0.5:
        notes.record_milestone(
            site, person_id, {"kind": MilestoneKind.PATHWAY_PLAN_REVIEW, "on_date": identified}
        )
    # My Plan: About Me, dated Wheel of Life scores, goals with steps.
    if rng.random() < 0.6:
        plans.save_about_me(
            site,
            person_id,
            about_me="I like football and cooking. I want a place of my own.",
            what_helps="Straight talking and people who turn up when they say.",
        )
        for area in plans.WHEEL_AREAS:
            plans.add_wheel_score(site, person_id, area, rng.randrange(2, 9), identified)
        goal = plans.add_goal(
            site, person_id, "Get my own flat", target_on=today + timedelta(days=180)
        )
        plans.add_goal_step(
            site, goal, "Apply for housing with my PA", who_helps="Personal Advisor"
        )
        if rng.random() < 0.5:
            plans.agree_plan(site, person_id, agreed_on=identified)
    if rng.random() < 0.3:
        plans.save_area(
            site,
            person_id,
            "acc",
            issues="No fixed address on release.",
            positives="Motivated to find a tenancy.",
            linked_to_harm=False,
            linked_to_offending=True,
        )
        plans.answer_item(
            site,
            person_id,
            "acc.oasys.3.3",
            value=rng.choice(["no", "some", "sig"]),
            disclosed=True,
            answered_on=identified,
        )
        plans.answer_item(
            site,
            person_id,
            "acc.pp.1",
            value="Shares a cell; wants a room of his own.",
            answered_on=identified,
        )
        plans.answer_item(
            site, person_id, "cared.pp.1", value=str(rng.randrange(3, 9)), answered_on=identified
        )
    if rng.random() < 0.2:
        started = today - timedelta(days=rng.randrange(10, 80))
        plans.add_network(
            site,
            person_id,
            {
                "offer_type": rng.choice(list(NetworkOffer)),
                "offered_on": started - timedelta(days=30),
                "offer_outcome": "accepted",
                "referred_on": started - timedelta(days=25),
                "coordinator_name": "Lifelong Links coordinator",
                "plan_started_on": started,
            },
        )
    if pathway is Pathway.REMAND:
        plans.save_remand_support(
            site,
            person_id,
            bail="Bail address being looked into",
            legal_aid="Solicitor confirmed",
            family_ties="Sister visits weekly",
        )
    if (
        pathway in (Pathway.LONG, Pathway.SHORT)
        and details.get("conditional_release_date")
        and (details["conditional_release_date"] - today).days < 120
    ):
        plans.save_release_plan(
            site,
            person_id,
            release_on=details["conditional_release_date"],
            gate_person="Personal Advisor",
            gate_backup="CES worker",
            travel="Train with the PA",
        )
    if PA := members.get(Role.PA):
        sent = today - timedelta(days=rng.randrange(1, 40))
        email_id = plans.record_email(
            site,
            person_id,
            template=EmailTemplate.INTRODUCTION,
            to_name="Personal Advisor",
            to_practitioner_id=PA,
            subject="Introduction: joined-up planning",
            sent_on=sent,
        )
        if rng.random() < 0.6:
            plans.record_reply(site, email_id, reply_on=min(today, sent + timedelta(days=3)))


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
