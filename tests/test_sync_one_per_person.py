"""Records that exist once per person stay one row when two sites each create them (issue 5).

Two real sites share a person. Before they have synced, each creates "the" release-day plan,
My Plan, remand support, the same assessment answer and area record, and the same day's Wheel
of Life score, with different values. Because such rows get one-per-person ids (store/ids.py)
both sites make the same row; after bundles go both ways each site holds one row per record,
the same data, and the value that lost is kept as a conflict, so nobody's edit is hidden. Such
a row's creation time converges to the earlier one, and a value won by the other site's
creation travels on with its own version (two merge gaps this exposed). The services also
keep working on rows made under random ids before this, and creating a deleted
record again restores its row instead of failing on the id.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from test_sync_helpers import ALL, Family, digest, person

from ahtui.store import assessment, ids, myplan, release, rows
from ahtui.store import hlc as clock
from ahtui.store.site import Site
from ahtui.sync import conflicts, incoming, outgoing

SPECS = [("A", "prison"), ("B", "probation"), ("C", "local_authority")]
DAY = date(2026, 2, 2)


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(tmp_path_factory.mktemp("oneper"), SPECS)


def _send(a: Site, b: Site) -> None:
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)


def _exchange(a: Site, b: Site) -> None:
    for _ in range(2):
        _send(a, b)
        _send(b, a)


def _shared(sites: dict[str, Site]) -> str:
    a = sites["A"]
    pid = person(a, "Sam", "Shared", **ALL)
    for other in ("B", "C"):
        _send(a, sites[other])
        assert sites[other].one("SELECT 1 FROM people WHERE id = ?", (pid,))
    return pid


def _item_code() -> str:
    """A plain text question of the Combined Assessment, asked whatever else was answered."""
    from ahtui.domain.forms import ItemType

    for item in assessment._form().items():
        if item.type == ItemType.TEXT and not item.condition:
            return item.code
    raise AssertionError("the form has no unconditional text question")


def _area_code() -> str:
    return assessment._form().areas[0].code


def _live(site: Site, table: str, pid: str, **key: str) -> list:
    extra = "".join(f" AND {k} = ?" for k in key)
    return site.query(
        f"SELECT * FROM {table} WHERE person_id = ? AND deleted_at IS NULL{extra}",
        (pid, *key.values()),
    )


def _lost_values(site: Site, table: str, row_id: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in conflicts.conflicts(site):
        if c["tbl"] == table and c["row_id"] == row_id:
            out.setdefault(c["col"], set()).add(c["lost_value"])
    return out


def _record(site: Site, table: str, row_id: str) -> dict:
    """A row as the app sees it."""
    return dict(site.one(f"SELECT * FROM {table} WHERE id = ?", (row_id,)))


def test_the_id_depends_only_on_table_person_and_key() -> None:
    assert ids.one_per_person("release_plans", "p1") == ids.one_per_person("release_plans", "p1")
    assert ids.one_per_person("release_plans", "p1") != ids.one_per_person("my_plans", "p1")
    assert ids.one_per_person("release_plans", "p1") != ids.one_per_person("release_plans", "p2")
    assert ids.one_per_person("t", "p", "a:b", "c") != ids.one_per_person("t", "p", "a", "b:c")
    # Pinned: a change here would split every such record between old and new sites.
    assert ids.one_per_person("release_plans", "p1") == "005b8bfb-d3ad-5516-a200-8421d7e8124e"


def _create_at_both(a: Site, b: Site, pid: str) -> dict[str, dict[str, str]]:
    code = _item_code()
    made = {}
    for s, name in ((a, "Gate-A"), (b, "Gate-B")):
        made[s.site_id] = {
            "release_plans": release.save_release_day(
                s, pid, release_on=DAY, gate_person=name, travel=f"bus {name}"
            ),
            "my_plans": myplan.save_about_me(s, pid, about_me=f"About {name}"),
            "remand_support": release.save_remand(s, pid, bail=f"Bail {name}"),
            "assessment_answers": assessment.answer_item(
                s, pid, code, value=f"Answer {name}", answered_on=DAY
            ),
            "wheel_scores": myplan.add_wheel_score(
                s, pid, "Home", 3 if s is a else 8, scored_on=DAY
            ),
            "assessment_areas": assessment.save_area(s, pid, _area_code(), issues=f"Issues {name}"),
        }
    return made


def test_two_sites_creating_the_same_records_end_with_one_row_each_and_a_conflict(
    sites: dict[str, Site],
) -> None:
    a, b = sites["A"], sites["B"]
    pid = _shared(sites)
    code = _item_code()
    made = _create_at_both(a, b, pid)
    # Before any sync the two sites already chose the same row ids.
    assert made[a.site_id] == made[b.site_id]

    _exchange(a, b)

    for s in (a, b):
        assert len(_live(s, "release_plans", pid)) == 1
        assert len(_live(s, "my_plans", pid)) == 1
        assert len(_live(s, "remand_support", pid)) == 1
        assert len(_live(s, "assessment_answers", pid, item_code=code)) == 1
        assert len(_live(s, "wheel_scores", pid, area="Home")) == 1
        assert len(_live(s, "assessment_areas", pid, area_code=_area_code())) == 1
    # Both sites show the same values, and the other site's value is kept as a conflict.
    cases = [
        ("release_plans", "gate_person", '"Gate-A"', '"Gate-B"'),
        ("release_plans", "travel", '"bus Gate-A"', '"bus Gate-B"'),
        ("my_plans", "about_me", '"About Gate-A"', '"About Gate-B"'),
        ("remand_support", "bail", '"Bail Gate-A"', '"Bail Gate-B"'),
        ("assessment_answers", "value", '"Answer Gate-A"', '"Answer Gate-B"'),
        ("wheel_scores", "score", "3", "8"),
        ("assessment_areas", "issues", '"Issues Gate-A"', '"Issues Gate-B"'),
    ]
    row_ids = made[a.site_id]
    for table, col, one, other in cases:
        shown = {
            s.site_id: s.one(f"SELECT {col} FROM {table} WHERE id = ?", (row_ids[table],))[0]
            for s in (a, b)
        }
        assert len(set(shown.values())) == 1, (table, col, shown)
        for s in (a, b):
            lost = _lost_values(s, table, row_ids[table])
            assert lost.get(col), (table, col, "no conflict kept")
            assert {one, other} == {*lost[col], json.dumps(shown[s.site_id])}, (table, col, lost)
    # Every column the record holds is the same at both sites.
    for table, row_id in row_ids.items():
        assert _record(a, table, row_id) == _record(b, table, row_id), table
    # What the app reads is that one row.
    assert release.release_plan(a, pid)["id"] == row_ids["release_plans"]
    assert (
        release.release_plan(b, pid)["gate_person"] == release.release_plan(a, pid)["gate_person"]
    )


def test_a_row_created_at_two_sites_is_identical_everywhere(sites: dict[str, Site]) -> None:
    a, b = sites["A"], sites["B"]
    pid = _shared(sites)
    _create_at_both(a, b, pid)
    _exchange(a, b)
    assert digest(a) == digest(b)


def test_a_value_won_by_the_other_sites_creation_is_relayed_with_its_version(
    sites: dict[str, Site],
) -> None:
    """A is the hub: B and C only ever exchange with A."""
    a, b, c = sites["A"], sites["B"], sites["C"]
    pid = _shared(sites)
    release.save_release_day(a, pid, release_on=DAY, gate_person="Gate-A")
    _send(a, c)
    # C changes A's plan; B, whose clock runs a minute ahead, creates the plan unaware of both.
    release.save_release_day(c, pid, release_on=DAY, gate_person="Gate-C")
    clock.state(b.conn).offset_ms = 60_000
    release.save_release_day(b, pid, release_on=DAY, gate_person="Gate-B")
    _send(b, a)
    for _ in range(3):
        for x in (b, c):
            _send(a, x)
            _send(x, a)
    shown = {n: release.release_plan(s, pid)["gate_person"] for n, s in sites.items()}
    # B's value is the latest by clock: every site must show it.
    assert shown == {"A": "Gate-B", "B": "Gate-B", "C": "Gate-B"}, shown


def test_an_edit_after_the_merge_reaches_the_other_site(sites: dict[str, Site]) -> None:
    a, b = sites["A"], sites["B"]
    pid = _shared(sites)
    release.save_release_day(a, pid, release_on=DAY, gate_person="Gate-A")
    release.save_release_day(b, pid, release_on=DAY, gate_person="Gate-B")
    _exchange(a, b)
    release.save_release_day(b, pid, release_on=DAY, gate_person="Agreed", gate_backup="Aunt")
    _exchange(a, b)
    for s in (a, b):
        plan = release.release_plan(s, pid)
        assert (plan["gate_person"], plan["gate_backup"]) == ("Agreed", "Aunt")
    assert _record(a, "release_plans", plan["id"]) == _record(b, "release_plans", plan["id"])


def test_creating_a_deleted_record_again_restores_its_row(sites: dict[str, Site]) -> None:
    a, b = sites["A"], sites["B"]
    pid = _shared(sites)
    first = release.save_release_day(a, pid, release_on=DAY, gate_person="Mum", travel="Bus")
    rows.soft_delete(a, "release_plans", first)
    assert release.release_plan(a, pid) is None
    again = release.save_release_day(a, pid, release_on=DAY, gate_person="Dad")
    assert again == first
    plan = release.release_plan(a, pid)
    # A new record: what was given now, nothing left over from the deleted one.
    assert (plan["gate_person"], plan["travel"]) == ("Dad", None)
    assert a.one("SELECT count(*) FROM release_plans WHERE person_id = ?", (pid,))[0] == 1
    # The delete and the restore travel like any change.
    _exchange(a, b)
    assert release.release_plan(b, pid)["gate_person"] == "Dad"
    assert digest(a) == digest(b)

    code = _item_code()
    answer = assessment.answer_item(a, pid, code, value="x", notes="first", answered_on=DAY)
    rows.soft_delete(a, "assessment_answers", answer)
    assert assessment.answer_item(a, pid, code, value="y", answered_on=DAY) == answer
    assert (
        assessment.answers_for(a, pid)[code]["value"],
        assessment.answers_for(a, pid)[code]["notes"],
    ) == (
        "y",
        None,
    )


def test_a_record_deleted_at_the_other_site_is_restored_by_creating_it(
    sites: dict[str, Site],
) -> None:
    a, b = sites["A"], sites["B"]
    pid = _shared(sites)
    row_id = myplan.save_about_me(a, pid, about_me="Likes football")
    _exchange(a, b)
    rows.soft_delete(b, "my_plans", row_id)
    _exchange(a, b)
    assert a.one("SELECT deleted_at FROM my_plans WHERE id = ?", (row_id,))[0] is not None
    assert myplan.save_about_me(a, pid, about_me="Likes music") == row_id
    _exchange(a, b)
    for s in (a, b):
        assert myplan.plan_snapshot(s, pid)["about_me"] == "Likes music"
    assert digest(a) == digest(b)


def test_rows_made_under_random_ids_before_go_on_being_used(sites: dict[str, Site]) -> None:
    a = sites["A"]
    pid = _shared(sites)
    # As an older version of the app made them: random ids.
    old_plan = rows.insert(a, "release_plans", {"person_id": pid, "gate_person": "Old"})
    old_myplan = rows.insert(a, "my_plans", {"person_id": pid, "about_me": "Old"})
    old_answer = rows.insert(
        a, "assessment_answers", {"person_id": pid, "item_code": _item_code(), "value": "Old"}
    )
    assert release.save_release_day(a, pid, release_on=DAY, gate_person="New") == old_plan
    assert myplan.save_about_me(a, pid, about_me="New") == old_myplan
    assert assessment.answer_item(a, pid, _item_code(), value="New", answered_on=DAY) == old_answer
    assert release.release_plan(a, pid)["gate_person"] == "New"
    assert a.one("SELECT count(*) FROM release_plans")[0] == 1
    assert a.one("SELECT count(*) FROM my_plans")[0] == 1


def test_of_two_old_rows_the_app_shows_and_edits_the_latest_written(
    sites: dict[str, Site],
) -> None:
    """Two sites that each made the record under a random id before this hold both after sync:
    the services read and change the same one (the latest written), at every site."""
    a, b = sites["A"], sites["B"]
    pid = _shared(sites)
    rows.insert(a, "release_plans", {"person_id": pid, "gate_person": "From A"})
    rows.insert(b, "release_plans", {"person_id": pid, "gate_person": "From B"})
    _exchange(a, b)
    shown = release.release_plan(a, pid)
    assert release.release_plan(b, pid)["id"] == shown["id"]
    assert release.save_release_day(b, pid, release_on=DAY, gate_person="Edited") == shown["id"]
    _exchange(a, b)
    for s in (a, b):
        assert release.release_plan(s, pid)["gate_person"] == "Edited"


def test_an_agenda_item_noted_at_two_sites_is_one_row_with_the_other_note_kept(
    sites: dict[str, Site],
) -> None:
    from ahtui.store import meetings

    a, b = sites["A"], sites["B"]
    pid = _shared(sites)
    mid = meetings.schedule_meeting(
        a, pid, {"meeting_type": "planning_1", "scheduled_at": "2026-02-02T10:00", "mode": "video"}
    )
    _send(a, b)
    code = sorted(meetings._agenda_codes(meetings.get_meeting(a, mid)))[0]
    # Both run the same meeting's agenda before they have synced.
    made = {
        s.site_id: meetings.record_item(s, mid, code, notes=f"Noted at {s.user.username} {n}")
        for n, s in enumerate((a, b))
    }
    assert made[a.site_id] == made[b.site_id] == ids.one_per_person("meeting_items", mid, code)
    _exchange(a, b)
    for s in (a, b):
        shown = [i for i in meetings.items(s, mid) if i["item_code"] == code]
        assert len(shown) == 1
        assert len(_lost_values(s, "meeting_items", made[a.site_id]).get("notes", ())) == 1
    assert digest(a) == digest(b)
