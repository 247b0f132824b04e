"""My Plan and Combined Assessment services on a real site: edits, versions, completion, snapshots.

Every write goes through `store/myplan.py` and `store/assessment.py` on an SQLCipher file;
nothing is mocked. The snapshot shapes are what the exports read, so their keys are checked
here as a contract.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from ahtui.errors import BadInput, NotFound, ValidationFailed
from ahtui.forms_loader import load_assessment
from ahtui.store import assessment, myplan, people
from ahtui.widgets.wheel import wheel_lines, wheel_rows, wheel_text

D1 = date(2025, 1, 10)
D2 = date(2025, 3, 3)


def make_person(site) -> str:
    return people.create_person(
        site, {"given_name": "Jordan", "family_name": "Testperson", "pathway": "long"}, on=D1
    )


def audited(site, table: str, row_id: str) -> list[str]:
    return [
        r["action"]
        for r in site.query(
            "SELECT action FROM audit WHERE table_name = ? AND row_id = ? ORDER BY id",
            (table, row_id),
        )
    ]


# -- Wheel of Life -----------------------------------------------------------------------------


def test_wheel_scores_on_two_dates_show_change(site):
    pid = make_person(site)
    myplan.add_wheel_scores(site, pid, {"Home": "3", "Money": 5, "Family": ""}, D1)
    myplan.add_wheel_scores(site, pid, {"Home": 6, "Money": "5", "Fun": "9"}, D2)
    wheel = myplan.plan_snapshot(site, pid)["wheel"]
    assert [(w["area"], w["score"], w["scored_on"]) for w in wheel] == [
        ("Home", 3, "2025-01-10"),
        ("Money", 5, "2025-01-10"),
        ("Fun", 9, "2025-03-03"),
        ("Home", 6, "2025-03-03"),
        ("Money", 5, "2025-03-03"),
    ]
    rows = {r.area: r for r in wheel_rows(wheel, myplan.WHEEL_AREAS)}
    assert [r.area for r in wheel_rows(wheel, myplan.WHEEL_AREAS)] == ["Home", "Money", "Fun"]
    assert rows["Home"].change == "up 3" and rows["Money"].change == "same"
    assert rows["Fun"].change == "first score" and rows["Fun"].earlier is None
    lines = wheel_lines(list(rows.values()))
    assert all(len(line) <= 78 for line in lines)
    home = next(line for line in lines if line.startswith("Home"))
    assert "███░░░░░░░  3" in home and "██████░░░░  6" in home and "up 3" in home
    assert "10 Jan 25→3 Mar 25" in home


def test_same_day_score_corrects_the_first(site):
    pid = make_person(site)
    first = myplan.add_wheel_score(site, pid, "Home", 3, D1)
    again = myplan.add_wheel_score(site, pid, "Home", 4, D1)
    assert first == again
    assert [w["score"] for w in myplan.plan_snapshot(site, pid)["wheel"]] == [4]
    assert audited(site, "wheel_scores", first) == ["insert", "update"]


def test_wheel_scores_all_or_nothing_with_the_area_named(site):
    pid = make_person(site)
    with pytest.raises(ValidationFailed) as caught:
        myplan.add_wheel_scores(site, pid, {"Home": "7", "Money": "11", "Fun": "lots"}, D1)
    assert set(caught.value.problems) == {"Money", "Fun"}
    assert "1 to 10" in caught.value.problems["Money"]
    assert myplan.plan_snapshot(site, pid)["wheel"] == []
    with pytest.raises(BadInput, match="at least one"):
        myplan.add_wheel_scores(site, pid, {"Home": " "}, D1)


def test_wheel_text_with_no_scores():
    assert "No scores yet." in wheel_text([])


# -- goals, steps, support, progress ----------------------------------------------------------


def test_goal_and_step_edits(site):
    pid = make_person(site)
    goal = myplan.add_goal(site, pid, "Get my own flat", target_on=date(2025, 9, 1))
    step = myplan.add_goal_step(site, goal, "Apply for housing", who_helps="PA")
    myplan.update_goal(site, goal, goal="Get my own flat near my sister", why="Family")
    myplan.update_goal_step(site, step, done_on=D2, who_helps="Personal Advisor")
    [g] = myplan.goals_for(site, pid)
    assert (g["goal"], g["why"], g["target_on"], g["status"]) == (
        "Get my own flat near my sister",
        "Family",
        "2025-09-01",
        "open",
    )
    assert g["steps"][0]["done_on"] == "2025-03-03"
    assert g["steps"][0]["who_helps"] == "Personal Advisor"
    assert g["steps"][0]["step"] == "Apply for housing"
    # Achieved needs its day; opening it again clears the day.
    with pytest.raises(ValidationFailed) as caught:
        myplan.update_goal(site, goal, status="achieved")
    assert "achieved_on" in caught.value.problems
    myplan.update_goal(site, goal, status="achieved", achieved_on=D2)
    assert myplan.goals_for(site, pid)[0]["achieved_on"] == "2025-03-03"
    myplan.update_goal(site, goal, status="open")
    assert myplan.goals_for(site, pid)[0]["achieved_on"] is None
    # Not done any more.
    myplan.update_goal_step(site, step, done_on=None)
    assert myplan.goals_for(site, pid)[0]["steps"][0]["done_on"] is None
    assert "update" in audited(site, "plan_goals", goal)
    assert "update" in audited(site, "plan_goal_steps", step)


def test_goal_and_step_edits_refuse_bad_input(site):
    pid = make_person(site)
    goal = myplan.add_goal(site, pid, "Learn to drive")
    step = myplan.add_goal_step(site, goal, "Get a provisional licence")
    with pytest.raises(ValidationFailed) as caught:
        myplan.update_goal(site, goal, goal="  ")
    assert "own words" in caught.value.problems["goal"]
    with pytest.raises(ValidationFailed):
        myplan.update_goal(site, goal, status="finished")
    with pytest.raises(ValidationFailed) as caught:
        myplan.update_goal_step(site, step, target_on="2025-02-30")
    assert "not a real date" in caught.value.problems["target_on"]
    with pytest.raises(BadInput, match="Unknown"):
        myplan.update_goal(site, goal, person_id="x")
    with pytest.raises(NotFound):
        myplan.update_goal_step(site, "no-such-step", step="x")
    [g] = myplan.goals_for(site, pid)
    assert g["goal"] == "Learn to drive" and g["steps"][0]["target_on"] is None


def test_support_and_progress(site):
    pid = make_person(site)
    goal = myplan.add_goal(site, pid, "Start a course")
    myplan.add_support(site, pid, "Weekly phone call", from_whom="Personal Advisor")
    myplan.add_progress(site, pid, "Enrolled on the barbering course", noted_on=D2, goal_id=goal)
    myplan.add_progress(site, pid, "Settled on the wing", noted_on=D1)
    snap = myplan.plan_snapshot(site, pid)
    assert snap["support"] == [{"support": "Weekly phone call", "from_whom": "Personal Advisor"}]
    assert [(p["noted_on"], p["goal"]) for p in snap["progress"]] == [
        ("2025-01-10", None),
        ("2025-03-03", "Start a course"),
    ]
    with pytest.raises(ValidationFailed):
        myplan.add_support(site, pid, " ")
    with pytest.raises(ValidationFailed):
        myplan.add_progress(site, pid, "", noted_on=D2)
    other = make_person(site)
    with pytest.raises(BadInput, match="someone else"):
        myplan.add_progress(site, other, "x", noted_on=D2, goal_id=goal)


# -- agreed versions ---------------------------------------------------------------------------


def test_snapshot_keys_are_the_documented_contract(site):
    pid = make_person(site)
    myplan.save_about_me(site, pid, about_me="I like cooking")
    goal = myplan.add_goal(site, pid, "Get my own flat")
    myplan.add_goal_step(site, goal, "Apply for housing")
    snap = myplan.plan_snapshot(site, pid)
    assert set(snap) == {"about_me", "what_helps", "wheel", "goals", "support", "progress"}
    assert set(snap["goals"][0]) == {
        "id",
        "goal",
        "why",
        "target_on",
        "status",
        "achieved_on",
        "steps",
    }
    assert set(snap["goals"][0]["steps"][0]) == {"id", "step", "who_helps", "target_on", "done_on"}
    json.dumps(snap)


def test_agree_change_agree_again_and_read_the_earlier_version(site):
    pid = make_person(site)
    with pytest.raises(BadInput, match="nothing to agree"):
        myplan.agree_plan(site, pid, agreed_on=D1)
    assert myplan.plan_status(site, pid) == {"versions": 0, "latest": None, "changed": False}
    myplan.save_about_me(site, pid, about_me="I like football")
    myplan.add_wheel_scores(site, pid, {"Home": 3}, D1)
    first = myplan.agree_plan(site, pid, agreed_on=D1)
    status = myplan.plan_status(site, pid)
    assert status["versions"] == 1 and not status["changed"]
    # A progress note does not unsettle the agreed plan; a new goal does.
    myplan.add_progress(site, pid, "Went to the gym", noted_on=D1)
    assert not myplan.plan_status(site, pid)["changed"]
    myplan.add_goal(site, pid, "Start a course")
    myplan.add_wheel_scores(site, pid, {"Home": 6}, D2)
    assert myplan.plan_status(site, pid)["changed"]
    second = myplan.agree_plan(site, pid, agreed_on=D2)
    listed = myplan.plan_versions(site, pid)
    assert [(v["id"], v["number"], v["agreed_on"]) for v in listed] == [
        (first, 1, "2025-01-10"),
        (second, 2, "2025-03-03"),
    ]
    assert listed[0]["agreed_by"]  # the display name of the signed-in user
    old = myplan.plan_version(site, first)
    assert old["plan"]["goals"] == [] and old["plan"]["about_me"] == "I like football"
    assert [w["score"] for w in old["plan"]["wheel"]] == [3]
    new = myplan.plan_version(site, second)
    assert [g["goal"] for g in new["plan"]["goals"]] == ["Start a course"]
    assert myplan.plan_status(site, pid)["latest"]["id"] == second
    assert "insert" in audited(site, "plan_versions", second)


def test_version_agreed_before_new_snapshot_keys_is_not_a_change(site):
    """A version frozen by an older release lacks later keys; that alone is no change."""
    from ahtui.store import rows

    pid = make_person(site)
    myplan.save_about_me(site, pid, about_me="Me")
    old = {k: v for k, v in myplan.plan_snapshot(site, pid).items() if k != "progress"}
    rows.insert(
        site,
        "plan_versions",
        {"person_id": pid, "agreed_on": D1, "snapshot": json.dumps(old, sort_keys=True)},
    )
    assert myplan.plan_status(site, pid)["changed"] is False


# -- Combined Assessment -----------------------------------------------------------------------


def test_completion_per_area_counts_asked_and_not_optional(site):
    pid = make_person(site)
    form = load_assessment()
    progress = {p.code: p for p in assessment.area_progress(site, pid)}
    assert len(progress) == 9
    acc = form.area("acc")
    assert progress["acc"].total == len(acc.items)
    assert progress["acc"].status == "NOT STARTED"
    assert progress["acc"].summary == f"0 of {len(acc.items)} answered"
    assessment.answer_item(site, pid, "acc.pp.1", value="Yes, a room of my own", answered_on=D1)
    assessment.answer_item(site, pid, "acc.oasys.3.3", value="some", disclosed=True, answered_on=D1)
    acc_now = next(p for p in assessment.area_progress(site, pid) if p.code == "acc")
    assert (acc_now.answered, acc_now.status, acc_now.last_answered_on) == (
        2,
        "STARTED",
        "2025-01-10",
    )
    # Relationships: 6.10 counts only once 6.9 is Yes, and it is optional even then;
    # 6.7's victim/perpetrator rows count once 6.7 is Yes.
    rel = next(p for p in assessment.area_progress(site, pid) if p.code == "rel")
    assessment.answer_item(site, pid, "rel.oasys.6.7", value="yes", answered_on=D1)
    rel_yes = next(p for p in assessment.area_progress(site, pid) if p.code == "rel")
    assert rel_yes.total == rel.total + 2 and rel_yes.answered == 1
    assessment.answer_item(site, pid, "rel.oasys.6.9", value="yes", answered_on=D1)
    rel_69 = next(p for p in assessment.area_progress(site, pid) if p.code == "rel")
    assert rel_69.total == rel_yes.total
    # The six cared-for scales: all answered is COMPLETE.
    for n in range(1, 7):
        assessment.answer_item(site, pid, f"cared.pp.{n}", value=str(n + 3), answered_on=D2)
    cared = next(p for p in assessment.area_progress(site, pid) if p.code == "cared")
    assert (cared.answered, cared.total, cared.status) == (6, 6, "COMPLETE")


def test_answers_are_checked_against_the_form(site):
    pid = make_person(site)
    with pytest.raises(BadInput, match="No, Some, Sig, Missing"):
        assessment.answer_item(site, pid, "acc.oasys.3.3", value="maybe")
    with pytest.raises(BadInput, match="1 to 10"):
        assessment.answer_item(site, pid, "cared.pp.1", value="11")
    with pytest.raises(BadInput, match="no disclosed mark"):
        assessment.answer_item(site, pid, "acc.pp.1", value="x", disclosed=True)
    with pytest.raises(BadInput, match="not an item"):
        assessment.answer_item(site, pid, "acc.pp.99", value="x")
    with pytest.raises(BadInput, match="not on the list"):
        assessment.answer_item(site, pid, "health.oasys.10.7", value=["telepathy"])
    with pytest.raises(BadInput, match="Current usage"):
        assessment.answer_item(
            site, pid, "health.oasys.8.1.drugs", value={"K": {"current_usage": "hourly"}}
        )
    with pytest.raises(BadInput, match="no row"):
        assessment.answer_item(site, pid, "health.oasys.8.1.drugs", value={"ZZ": {}})
    with pytest.raises(BadInput, match="not an area"):
        assessment.save_area(site, pid, "nowhere")
    assert assessment.answers_for(site, pid) == {}


def test_ticks_and_grids_are_kept_as_data_and_shown_in_words(site):
    pid = make_person(site)
    assessment.answer_item(
        site, pid, "health.oasys.10.7", value=["current_psychiatric_treatment", "head_injuries"]
    )
    assessment.answer_item(site, pid, "health.oasys.8.1", value="yes")
    assessment.answer_item(
        site,
        pid,
        "health.oasys.8.1.drugs",
        value={"K": {"current_usage": "weekly", "previous_usage": True}, "A": {}},
    )
    snap = assessment.assessment_snapshot(site, pid)
    items = {i["code"]: i for a in snap["areas"] for i in a["items"]}
    ticks = items["health.oasys.10.7"]
    assert ticks["value"] == ["head_injuries", "current_psychiatric_treatment"]
    assert ticks["answer"].startswith("History of severe head injuries")
    grid = items["health.oasys.8.1.drugs"]
    assert grid["value"] == {"K": {"current_usage": "weekly", "previous_usage": True}}
    assert grid["answer"] == "Cannabis: Current usage: Weekly, Previous usage"
    assert grid["shown"] and grid["counted"]


def test_assessment_snapshot_groups_by_oasys_and_pathway_plan(site):
    pid = make_person(site)
    assessment.answer_item(site, pid, "acc.pp.1", value="Shares a cell", answered_on=D1)
    assessment.answer_item(site, pid, "acc.oasys.3.3", value="sig", disclosed=False, answered_on=D1)
    assessment.answer_item(site, pid, "acc.oasys.3.linked_harm", value="no", answered_on=D1)
    assessment.save_area(site, pid, "acc", issues="No fixed address", linked_to_offending=True)
    snap = assessment.assessment_snapshot(site, pid)
    assert set(snap) == {
        "title",
        "answered",
        "total",
        "complete_areas",
        "areas",
        "oasys",
        "pathway_plan",
    }
    assert snap["answered"] == 3 and snap["complete_areas"] == 0
    assert [a["code"] for a in snap["areas"]] == [a.code for a in load_assessment().areas]
    acc = snap["areas"][0]
    assert acc["status"] == "STARTED" and acc["record"]["linked_to_offending"] is True
    assert acc["record"]["issues"] == "No fixed address"
    assert [s["number"] for s in snap["oasys"]] == [3, 4, 5, 6, 8, 9, 10, 11, 12, 13]
    section3 = snap["oasys"][0]
    assert section3["title"] == "Accommodation" and section3["areas"] == ["acc"]
    item33 = next(i for i in section3["items"] if i["oasys_code"] == "3.3")
    assert item33 == {
        **item33,
        "value": "sig",
        "answer": "Sig",
        "disclosed": False,
        "scale": "No - Some - Sig - Missing",
        "text": "Currently of no fixed abode or in transient accommodation",
        "answered_on": "2025-01-10",
        "source": "oasys",
    }
    harm = next(i for i in section3["items"] if i["kind"] == "linked_harm")
    assert harm["answer"] == "No" and harm["scale"] == "Yes - No"
    pp = snap["pathway_plan"][0]
    assert pp["area"] == "acc" and all(i["source"] == "pathway_plan" for i in pp["items"])
    assert pp["items"][0]["number"] == 1 and pp["items"][0]["answer"] == "Shares a cell"
    cared = next(p for p in snap["pathway_plan"] if p["area"] == "cared")
    assert len(cared["items"]) == 6 and cared["items"][0]["scale"] == "1 to 10"
    json.dumps(snap)


def test_answer_replaced_then_cleared(site):
    pid = make_person(site)
    first = assessment.answer_item(site, pid, "fin.pp.1", value="Yes", answered_on=D1)
    again = assessment.answer_item(site, pid, "fin.pp.1", value="Yes, with help", answered_on=D2)
    assert first == again
    assert assessment.answers_for(site, pid)["fin.pp.1"]["value"] == "Yes, with help"
    assessment.answer_item(site, pid, "fin.pp.1", value=None, answered_on=D2)
    fin = next(p for p in assessment.area_progress(site, pid) if p.code == "fin")
    assert fin.answered == 0
    assert audited(site, "assessment_answers", first) == ["insert", "update", "update"]
