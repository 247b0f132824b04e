"""Sentence classification, the current lead, meeting chairs and expected team roles."""

from __future__ import annotations

from datetime import date

import pytest

from ahtui.domain.enums import MeetingStatus, MeetingType, Pathway, Role, SentenceType
from ahtui.domain.facts import CaseFacts, MeetingFact
from ahtui.domain.team import (
    chair_role,
    classify_sentence,
    compare_to_threshold,
    current_lead,
    expected_roles,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("sentence", "crd", "length", "stype", "expected"),
    [
        pytest.param("2026-01-05", "2026-11-05", None, None, Pathway.SHORT, id="exactly-10-months-is-short"),
        pytest.param("2026-01-05", "2026-11-06", None, None, Pathway.LONG, id="10-months-and-a-day-is-long"),
        pytest.param("2026-01-05", "2026-11-04", None, None, Pathway.SHORT, id="under-10-months"),
        pytest.param("2026-12-31", "2027-10-31", None, None, Pathway.SHORT, id="exactly-10-months-month-end"),
        pytest.param("2026-12-31", "2027-11-01", None, None, Pathway.LONG, id="past-10-months-month-end"),
        pytest.param("2027-04-30", "2028-02-29", None, None, Pathway.SHORT, id="exactly-10-months-to-leap-day"),
        # The length is not the time to serve: only a length under 10 months settles it.
        pytest.param("2026-01-05", None, 9, None, Pathway.SHORT, id="length-9-cannot-leave-10-to-serve"),
        pytest.param("2026-01-05", "2026-11-05", 30, None, Pathway.SHORT, id="dates-win-over-length"),
        pytest.param("2026-01-05", None, None, SentenceType.LIFE, Pathway.LONG, id="life"),
        pytest.param("2026-01-05", None, None, SentenceType.IPP, Pathway.LONG, id="ipp"),
        pytest.param(None, None, None, SentenceType.REMAND, Pathway.REMAND, id="remand"),
        pytest.param("2026-01-05", None, None, SentenceType.COMMUNITY_ORDER, Pathway.COMMUNITY, id="community-order"),
    ],
)  # fmt: skip
def test_classify_sentence(
    sentence: str | None,
    crd: str | None,
    length: int | None,
    stype: SentenceType | None,
    expected: Pathway,
) -> None:
    got = classify_sentence(
        D(sentence) if sentence else None,
        D(crd) if crd else None,
        sentence_length_months=length,
        sentence_type=stype,
    )
    assert got is expected


def test_classify_sentence_needs_dates_or_length() -> None:
    with pytest.raises(ValueError, match="sentence"):
        classify_sentence(D("2026-01-05"), None)


@pytest.mark.parametrize("length", [10, 11, 24])
def test_a_sentence_length_of_10_months_or_more_does_not_say_the_time_to_serve(length: int) -> None:
    # A 10-month sentence is usually served in 5: without the dates it is not known.
    assert compare_to_threshold(D("2026-01-05"), None, sentence_length_months=length) is None
    with pytest.raises(ValueError, match="dates"):
        classify_sentence(D("2026-01-05"), None, sentence_length_months=length)


def test_compare_to_threshold_unknown() -> None:
    assert compare_to_threshold(None, None) is None
    assert compare_to_threshold(D("2026-01-05"), D("2026-11-05")) == 0


def _long(**kw: object) -> CaseFacts:
    base: dict[str, object] = {
        "pathway": Pathway.LONG,
        "sentence_date": D("2026-01-05"),
        "conditional_release_date": D("2028-06-01"),
    }
    base.update(kw)
    return CaseFacts.model_validate(base)


def _handover(on: str, status: MeetingStatus = MeetingStatus.HELD) -> MeetingFact:
    return MeetingFact(type=MeetingType.HANDOVER, status=status, held_on=D(on))


@pytest.mark.parametrize(
    ("facts", "today", "expected"),
    [
        # OMiC: CRD 1 Jun 2028, handover 17 Sep 2027 (8 months and 14 days before).
        pytest.param(_long(), "2027-09-16", Role.POM, id="long-day-before-handover-date"),
        pytest.param(_long(), "2027-09-17", Role.PP, id="long-on-handover-date"),
        pytest.param(_long(), "2027-09-18", Role.PP, id="long-day-after-handover-date"),
        # The meeting does not move responsibility: Manage POM Cases goes by the date.
        pytest.param(_long(meetings=[_handover("2027-08-01")]), "2027-08-02", Role.POM, id="long-handover-meeting-held-early"),
        pytest.param(_long(conditional_release_date=None, sentence_type=SentenceType.LIFE), "2040-01-01", Role.POM, id="life-no-release-date"),
        pytest.param(_long(conditional_release_date=None, release_date=D("2040-03-01"), sentence_type=SentenceType.LIFE), "2039-03-01", Role.PP, id="life-handover-12-months-before-expected-release"),
        pytest.param(CaseFacts(pathway=Pathway.SHORT, sentence_date=D("2026-01-05"), conditional_release_date=D("2026-06-05")), "2026-01-05", Role.PP, id="short"),
        pytest.param(CaseFacts(pathway=Pathway.SHORT), "2026-01-05", Role.POM, id="short-no-release-date-pom-only"),
        pytest.param(CaseFacts(pathway=Pathway.RECALL), "2026-01-05", Role.PP, id="recall"),
        pytest.param(CaseFacts(pathway=Pathway.COMMUNITY), "2026-01-05", Role.PP, id="community"),
        pytest.param(CaseFacts(pathway=Pathway.REMAND), "2026-01-05", Role.CES, id="remand"),
    ],
)  # fmt: skip
def test_current_lead(facts: CaseFacts, today: str, expected: Role) -> None:
    assert current_lead(facts, D(today)) is expected


@pytest.mark.parametrize(
    ("pathway", "meeting", "resettlement", "expected"),
    [
        pytest.param(Pathway.LONG, MeetingType.PLANNING_1, False, Role.POM, id="long-meeting1-pom"),
        pytest.param(Pathway.LONG, MeetingType.PLANNING_2, False, Role.POM, id="long-meeting2-pom"),
        pytest.param(Pathway.LONG, MeetingType.REVIEW, False, Role.POM, id="long-review-pom"),
        pytest.param(Pathway.LONG, MeetingType.REVIEW, True, Role.PP, id="long-review-resettlement-pp"),
        pytest.param(Pathway.LONG, MeetingType.PLANNING_1, True, Role.PP, id="long-meeting1-resettlement-pp"),
        pytest.param(Pathway.LONG, MeetingType.HANDOVER, False, Role.PP, id="long-handover-pp"),
        pytest.param(Pathway.LONG, MeetingType.FINAL_REVIEW, False, Role.PP, id="long-final-review-pp"),
        pytest.param(Pathway.SHORT, MeetingType.PLANNING_1, False, Role.PP, id="short-meeting1-pp"),
        pytest.param(Pathway.RECALL, MeetingType.PLANNING_1, False, Role.PP, id="recall-meeting1-pp"),
        pytest.param(Pathway.COMMUNITY, MeetingType.COMMUNITY_PLANNING, False, Role.PP, id="community-pp"),
        pytest.param(Pathway.COMMUNITY, MeetingType.REVIEW, False, Role.PP, id="community-review-pp"),
        pytest.param(Pathway.REMAND, MeetingType.PLANNING_1, False, Role.CES, id="remand-ces"),
    ],
)  # fmt: skip
def test_chair_role(
    pathway: Pathway, meeting: MeetingType, resettlement: bool, expected: Role
) -> None:
    assert chair_role(pathway, meeting, resettlement=resettlement) is expected


@pytest.mark.parametrize(
    ("pathway", "resettlement", "expected"),
    [
        pytest.param(Pathway.LONG, False, [Role.POM, Role.PA, Role.CES], id="long"),
        pytest.param(Pathway.LONG, True, [Role.POM, Role.PA, Role.CES, Role.PP], id="long-resettlement"),
        pytest.param(Pathway.SHORT, False, [Role.PP, Role.POM, Role.PA, Role.CES], id="short"),
        pytest.param(Pathway.SHORT, True, [Role.PP, Role.POM, Role.PA, Role.CES], id="short-resettlement-same"),
        pytest.param(Pathway.RECALL, False, [Role.PP, Role.POM, Role.PA, Role.CES, Role.RECALL_OFFICER], id="recall"),
        pytest.param(Pathway.REMAND, False, [Role.CES, Role.PA], id="remand"),
        pytest.param(Pathway.COMMUNITY, False, [Role.PP, Role.PA], id="community"),
    ],
)  # fmt: skip
def test_expected_roles(pathway: Pathway, resettlement: bool, expected: list[Role]) -> None:
    assert expected_roles(pathway, resettlement=resettlement) == expected


def test_expected_roles_returns_a_fresh_list() -> None:
    expected_roles(Pathway.REMAND).append(Role.OTHER)
    assert expected_roles(Pathway.REMAND) == [Role.CES, Role.PA]


# -- personal contacts: corrected and ended (store/team.py) ---------------------------------
def _person_with_contact(site):
    from ahtui.store import people, team

    pid = people.create_person(
        site, {"given_name": "Sam", "family_name": "Reed", "pathway": "long"}
    )
    cid = team.add_contact(site, pid, {"name": "Ann Reed", "relationship": "aunt"})
    return pid, cid


def test_update_contact_changes_only_what_is_given_and_is_audited(site) -> None:
    from ahtui.store import team

    pid, cid = _person_with_contact(site)
    team.update_contact(site, cid, {"phone": "07700 900123", "relationship": "great-aunt"})
    [c] = team.contacts(site, pid)
    assert (c["name"], c["relationship"], c["phone"]) == ("Ann Reed", "great-aunt", "07700 900123")
    audit = site.one(
        "SELECT action, columns FROM audit WHERE table_name = 'personal_contacts' "
        "AND row_id = ? ORDER BY id DESC LIMIT 1",
        (cid,),
    )
    assert audit["action"] == "update" and "phone" in audit["columns"]


def test_update_contact_refuses_an_empty_name(site) -> None:
    from ahtui.errors import ValidationFailed
    from ahtui.store import team

    _, cid = _person_with_contact(site)
    with pytest.raises(ValidationFailed) as caught:
        team.update_contact(site, cid, {"name": "  "})
    assert "name" in caught.value.problems


def test_end_contact_keeps_the_row_but_lists_it_no_more(site) -> None:
    from ahtui.errors import NotFound
    from ahtui.store import team

    pid, cid = _person_with_contact(site)
    team.end_contact(site, cid)
    assert team.contacts(site, pid) == []
    assert site.one("SELECT deleted_at FROM personal_contacts WHERE id = ?", (cid,))[0]
    with pytest.raises(NotFound):
        team.update_contact(site, cid, {"phone": "1"})
