"""Building the rules' input (`CaseFacts`) from the site, for one person or everyone at once.

The caseload computes every person's schedule when it opens, so the bulk path reads each table
once, grouped by person. (Plain validated construction measured faster than `model_construct`
here, so the models are built normally.)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from ..domain import enums, facts
from ..errors import NotFound


class Site(Protocol):
    """What the loader reads through: a `store.site.Site`, or the supervisors' summaries'
    reader over the connection of a write in progress (which `store.site` itself imports, so
    naming the class here would be an import cycle)."""

    def query(self, sql: str, params: Any = ...) -> list[Any]: ...


@lru_cache(maxsize=65536)
def _on(text: str) -> date:
    # The dates a record cannot be without (NOT NULL columns).
    return date.fromisoformat(text[:10])


@lru_cache(maxsize=65536)
def _d(text: str | None) -> date | None:
    # Dates repeat a great deal across a caseload; parsing each once is measurably cheaper.
    if not text:
        return None
    return date.fromisoformat(text[:10])


_NO_OMIC: dict[str, Any] = {
    "parole_eligibility_date": None,
    "automatic_release_date": None,
    "tariff_expiry_date": None,
    "target_hearing_date": None,
    "early_allocation": 0,
    "open_conditions_since": None,
    "mappa_level": None,
    "parole_outcome": None,
    "immigration_case": 0,
}


def _members(enum: type[Any]) -> Any:
    # Looking a member up by its value through the enum's call is slow enough to show across
    # a caseload (hundreds of thousands of calls); a plain dict is not.
    return {m.value: m for m in enum}.__getitem__


_PATHWAY = _members(enums.Pathway)
_MEETING_TYPE = _members(enums.MeetingType)
_MEETING_STATUS = _members(enums.MeetingStatus)
_AGENCY = _members(enums.ConsentAgency)
_EVENT = _members(enums.ConsentEvent)
_CONTACT_TYPE = _members(enums.ContactType)
_MILESTONE = _members(enums.MilestoneKind)


def _grouped(site: Site, sql: str, params: tuple[Any, ...] = ()) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for row in site.query(sql, params):
        out[row[0]].append(row)
    return out


# The facts read from a table of their own, which a caller that runs only some rules may leave
# out (`load_facts(leave_out=...)`): those lists stay empty.
OPTIONAL = frozenset({"consents", "contacts", "milestones", "networks"})


def load_facts(
    site: Site, person_ids: list[str] | None = None, *, leave_out: frozenset[str] = frozenset()
) -> dict[str, facts.CaseFacts]:
    """facts.CaseFacts for the given people (all live people when None), keyed by person id.

    `leave_out` names facts of `OPTIONAL` not to read, for rules that do not look at them (the
    supervisors' meeting timescales): the biggest tables are the consents and case notes."""
    if not leave_out <= OPTIONAL:
        raise ValueError(f"only these facts can be left out: {sorted(OPTIONAL)}")
    params: tuple[str, ...] = ()
    if person_ids is None:
        where = "deleted_at IS NULL"
    else:
        if not person_ids:
            return {}
        marks = ",".join("?" for _ in person_ids)
        where, params = f"deleted_at IS NULL AND person_id IN ({marks})", tuple(person_ids)
    people_where = where.replace("person_id", "id")
    people = site.query(f"SELECT * FROM people WHERE {people_where}", params)
    history = _grouped(
        site,
        f"SELECT person_id, pathway, from_date, to_date FROM pathway_history WHERE {where} "
        "ORDER BY from_date, created_at",
        params,
    )
    meetings = _grouped(
        site,
        f"SELECT person_id, id, meeting_type, status, scheduled_at, held_on FROM meetings "
        f"WHERE {where}",
        params,
    )

    def read(name: str, sql: str) -> dict[str, list[Any]]:
        return {} if name in leave_out else _grouped(site, sql, params)

    consents = read(
        "consents",
        f"SELECT person_id, agency, event, on_date, reoffer_on FROM consents WHERE {where} "
        # rowid breaks ties between events recorded in the same millisecond: insertion order.
        "ORDER BY on_date, created_at, rowid",
    )
    # Every contact type: late recording (NS 1.1) is judged for all of them.
    contacts = read(
        "contacts",
        f"SELECT person_id, id, contact_type, contact_at, created_at FROM case_notes WHERE {where}",
    )
    milestones = read(
        "milestones", f"SELECT person_id, kind, on_date FROM milestones WHERE {where}"
    )
    networks = read(
        "networks",
        f"SELECT person_id, id, plan_started_on, reviewed_on FROM support_networks WHERE {where}",
    )
    identified = {
        r[0]: r[1]
        for r in site.query(
            f"SELECT person_id, min(identified_on) FROM identifications WHERE {where} "
            "GROUP BY person_id",
            params,
        )
    }
    # A Probation Practitioner on the team now is allocated from the day they joined it, when
    # no allocation date was written down (Manage POM Cases looks at who is on the case).
    pp_joined = {
        r[0]: r[1]
        for r in site.query(
            f"SELECT person_id, min(from_date) FROM team_members WHERE {where} "
            "AND role = 'pp' AND to_date IS NULL GROUP BY person_id",
            params,
        )
    }
    out: dict[str, facts.CaseFacts] = {}
    # A file not yet migrated to 0018 (opened by a process that knows fewer migrations) has no
    # OMiC columns: they read as unknown.
    omic = bool(people) and "parole_eligibility_date" in people[0].keys()
    for p in people:
        pid = p["id"]
        o = p if omic else _NO_OMIC
        out[pid] = facts.CaseFacts(
            person_id=pid,
            pathway=enums.Pathway(p["pathway"]),
            sentence_type=enums.SentenceType(p["sentence_type"]) if p["sentence_type"] else None,
            date_of_birth=_d(p["date_of_birth"]),
            remand_date=_d(p["remand_date"]),
            sentence_date=_d(p["sentence_date"]),
            sentence_length_months=p["sentence_length_months"],
            conditional_release_date=_d(p["conditional_release_date"]),
            recall_date=_d(p["recall_date"]),
            recall_type=enums.RecallType(p["recall_type"]) if p["recall_type"] else None,
            release_date=_d(p["release_date"]),
            licence_end_date=_d(p["licence_end_date"]),
            pom_allocated_on=_d(p["pom_allocated_on"]),
            pp_allocated_on=_d(p["pp_allocated_on"] or pp_joined.get(pid)),
            pa_support_ends_on=_d(p["pa_support_ends_on"]),
            parole_eligibility_date=_d(o["parole_eligibility_date"]),
            automatic_release_date=_d(o["automatic_release_date"]),
            tariff_expiry_date=_d(o["tariff_expiry_date"]),
            target_hearing_date=_d(o["target_hearing_date"]),
            early_allocation=bool(o["early_allocation"]),
            open_conditions_since=_d(o["open_conditions_since"]),
            mappa_level=o["mappa_level"],
            parole_outcome=enums.ParoleOutcome(o["parole_outcome"])
            if o["parole_outcome"]
            else None,
            immigration_case=bool(o["immigration_case"]),
            identified_on=_d(identified.get(pid)),
            pathway_history=[
                facts.PathwayPeriod(
                    pathway=_PATHWAY(h["pathway"]),
                    start=_on(h["from_date"]),
                    end=_d(h["to_date"]),
                )
                for h in history.get(pid, ())
            ],
            meetings=[
                facts.MeetingFact(
                    id=m["id"],
                    type=_MEETING_TYPE(m["meeting_type"]),
                    status=_MEETING_STATUS(m["status"]),
                    scheduled_on=_d(m["scheduled_at"]),
                    held_on=_d(m["held_on"]),
                )
                for m in meetings.get(pid, ())
            ],
            consents=[
                facts.ConsentFact(
                    agency=_AGENCY(c["agency"]),
                    event=_EVENT(c["event"]),
                    on=_on(c["on_date"]),
                    reoffer_on=_d(c["reoffer_on"]),
                )
                for c in consents.get(pid, ())
            ],
            contacts=[
                facts.ContactFact(
                    id=c["id"],
                    type=_CONTACT_TYPE(c["contact_type"]),
                    on=_on(c["contact_at"]),
                    recorded_on=_d(c["created_at"]),
                )
                for c in contacts.get(pid, ())
            ],
            milestones=[
                facts.MilestoneFact(kind=_MILESTONE(m["kind"]), on=_on(m["on_date"]))
                for m in milestones.get(pid, ())
            ],
            networks=[
                facts.NetworkFact(
                    id=n["id"],
                    plan_started_on=_d(n["plan_started_on"]),
                    reviewed_on=_d(n["reviewed_on"]),
                )
                for n in networks.get(pid, ())
            ],
        )
    return out


def facts_for(site: Site, person_id: str) -> facts.CaseFacts:
    found = load_facts(site, [person_id])
    if person_id not in found:
        raise NotFound(f"No person with id {person_id} at this site.")
    return found[person_id]
