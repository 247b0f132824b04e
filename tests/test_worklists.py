"""Actions across everyone (store.worklists) and the person's timeline (store.timeline)."""

from __future__ import annotations

from datetime import date

import pytest

from ahtui.store import actions, consent, notes, people, team
from ahtui.store.timeline import timeline
from ahtui.store.worklists import worklist

TODAY = date(2025, 3, 3)


@pytest.fixture
def filled(site):
    me = team.add_practitioner(site, {"name": "Jo Patel", "role": "pom"})
    other = team.add_practitioner(site, {"name": "Sam Ahmed", "role": "pp"})
    with site.write() as conn:
        conn.execute("UPDATE users SET practitioner_id = ? WHERE id = ?", (me, site.user.id))
    a = people.create_person(
        site, {"given_name": "Zak", "family_name": "Roberts", "pathway": "long"}
    )
    b = people.create_person(
        site, {"given_name": "Ali", "family_name": "Green", "pathway": "short"}
    )
    steps = [
        (a, me, date(2025, 2, 1), "A overdue mine"),
        (a, other, date(2025, 3, 5), "A this week other"),
        (b, me, date(2025, 3, 9), "B this week mine"),
        (b, other, date(2025, 4, 1), "B later other"),
        (b, None, None, "B no date"),
    ]
    ids = {}
    for pid, who, due, step in steps:
        data = {"step": step, "responsible_practitioner_id": who, "due_on": due}
        ids[step] = actions.add_action(site, pid, {k: v for k, v in data.items() if v})
    done = actions.add_action(site, a, {"step": "A done", "responsible_practitioner_id": me})
    actions.complete_action(site, done, on=date(2025, 3, 1))
    return site, me, other, a, b


def steps(found) -> list[str]:
    return [r["step"] for r in found.rows]


def test_views(filled) -> None:
    site, me, other, _a, _b = filled
    assert steps(worklist(site, "overdue", TODAY)) == ["A overdue mine"]
    assert steps(worklist(site, "week", TODAY)) == ["A this week other", "B this week mine"]
    found = worklist(site, "practitioner", TODAY, practitioner_id=other)
    assert steps(found) == ["A this week other", "B later other"]
    assert found.title == "Actions for Sam Ahmed"
    everyone = worklist(site, "open", TODAY)
    assert everyone.total == 5 and steps(everyone)[-1] == "B no date"
    assert "A done" not in steps(everyone)
    assert everyone.rows[0]["person_name"] == "Roberts, Zak"


def test_limit_says_how_many_were_left_out(filled) -> None:
    site, *_ = filled
    found = worklist(site, "open", TODAY, limit=2)
    assert len(found.rows) == 2 and found.total == 5


def test_unknown_view(filled) -> None:
    site, *_ = filled
    with pytest.raises(ValueError):
        worklist(site, "everything", TODAY)


def test_timeline_in_date_order(filled) -> None:
    site, _me, _other, a, _b = filled
    consent.record_consent(site, a, {"agency": "prison", "event": "given", "on_date": "2025-01-10"})
    notes.add_note(
        site,
        a,
        {
            "contact_type": "phone",
            "contact_at": "2025-02-20T10:00",
            "body": "Private",
            "sensitive": True,
        },
    )
    entries = timeline(site, a)
    dates = [e.on for e in entries]
    assert dates == sorted(dates, reverse=True)
    kinds = {e.kind for e in entries}
    assert {"consent", "note", "action", "pathway"} <= kinds
    note = next(e for e in entries if e.kind == "note")
    assert note.sensitive and note.text.startswith("SENSITIVE")
    assert any(e.text == "Done: A done (Jo Patel)" for e in entries)
