"""The support network screen through the real app at 80x24, keyboard only.

A Lifelong Links network from offer and referral through coordinator, members (one vetted by
the POM), conference and plan to its review: the review falls due 6 weeks after the plan
starts, shown on the screen and in the person's timeline with DUE and then DONE in words.
Snapshot tests catch the screen with a network and with none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_app_screens import SIZE, _app, _then, fill, plain
from test_app_shell import TODAY

from ahtui.app import AhtuiCommands
from ahtui.screens.help import HelpScreen
from ahtui.screens.network import NetworkScreen
from ahtui.screens.person import PersonScreen

FIRST_CRN = "X100024"  # the first person on the demo caseload (no network yet)


def detail(app) -> str:
    return plain(app.screen.body)


def member_rows(app) -> list[list[str]]:
    table = app.screen.query_one("#network-members")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_support_network_from_offer_to_review(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("enter")
    assert isinstance(app.screen, PersonScreen)
    person_id = app.screen.person_id
    await pilot.press("w")
    assert isinstance(app.screen, NetworkScreen)
    assert "No support network has been offered yet" in detail(app)

    await pilot.press("n")
    await fill(
        pilot,
        {"offer_type": "lifelong_links", "offered_on": "2024-11-01", "offer_outcome": "accepted"},
    )
    assert isinstance(app.screen, NetworkScreen)
    assert "Lifelong Links, offered 01 Nov 2024 · Accepted" in detail(app)
    assert "Refer the person (f)" in detail(app)

    # A referral dated before the offer is refused beside the field; nothing is lost.
    await pilot.press("f")
    form = await fill(pilot, {"referred_on": "2024-10-01", "referred_to": "Northshire LL"})
    assert app.screen is form
    assert "before the offer" in str(form.query_one("#error-referred_on").render())
    await fill(pilot, {"referred_on": "2024-11-08"})
    assert "08 Nov 2024 to Northshire LL" in detail(app)

    await pilot.press("c")
    await fill(
        pilot,
        {
            "coordinator_name": "Ana Ruiz",
            "coordinator_contact": "0161 496 0000",
            "coordinator_allocated_on": "2024-11-20",
        },
    )
    for name, relationship in (("Grace Price", "Aunt"), ("Dev Shah", "Former foster carer")):
        await pilot.press("m")
        await fill(pilot, {"name": name, "relationship": relationship})
    assert [r[2] for r in member_rows(app)] == ["NOT VETTED", "NOT VETTED"]
    assert "2 NOT VETTED" in detail(app)
    # The highlighted member (the first) is vetted by the POM.
    await pilot.press("v")
    await fill(pilot, {"by_role": "pom", "vetted_on": "2024-12-02", "outcome": "Approved"})
    assert [r[:3] for r in member_rows(app)] == [
        ["Grace Price", "Aunt", "POM 02 Dec 2024"],
        ["Dev Shah", "Former foster carer", "NOT VETTED"],
    ]
    assert "1 NOT VETTED" in detail(app)

    await pilot.press("k")
    await fill(pilot, {"conference_on": "2024-12-16"})
    await pilot.press("p")
    await fill(
        pilot,
        {
            "plan_text": "Aunt Grace visits monthly; Dev helps with college.",
            "plan_started_on": "2025-01-20",
        },
    )
    # Six weeks after 20 Jan 2025 is 3 Mar 2025, which is today: DUE.
    assert "review due 03 Mar 2025 (DUE)" in detail(app)
    assert "review due 03 Mar 2025 (DUE)" in str(app.screen.query_one("#network-head").render())

    # The person's timeline shows each step and the review at its due date.
    await pilot.press("escape")
    await pilot.press("t")
    timeline = plain(app.screen.body)
    for line in (
        "Lifelong Links: network plan review due (DUE)",
        "Lifelong Links: network plan started",
        "Lifelong Links: conference",
        "Lifelong Links: Grace Price vetted by the POM",
        "Lifelong Links: referred to Northshire LL",
        "Lifelong Links offered: accepted",
    ):
        assert line in timeline, line
    assert "03 Mar 2025 network    Lifelong Links: network plan review due (DUE)" in timeline

    await pilot.press("w")
    await pilot.press("r")
    await fill(pilot, {"reviewed_on": "2025-03-03"})
    assert "reviewed 03 Mar 2025 (DONE)" in detail(app)
    await pilot.press("escape")
    await pilot.press("t")
    assert "Lifelong Links: network plan reviewed (DONE)" in plain(app.screen.body)

    # The lines the team view shows.
    from ahtui.store.networks import network_summary

    lines = network_summary(app.site, person_id, TODAY)
    assert lines[0] == "Lifelong Links: plan reviewed, offered 01 Nov 2024 (accepted)"
    assert lines[-1] == "  plan started 20 Jan 2025; reviewed 03 Mar 2025 (DONE)"


async def test_steps_need_a_network_and_keys_are_in_the_palette(unlocked) -> None:
    app, pilot = unlocked
    await pilot.press("enter", "w")
    # No network yet: a step key says so and opens nothing.
    await pilot.press("f")
    await pilot.pause()
    assert isinstance(app.screen, NetworkScreen)
    provider = AhtuiCommands(app.screen)
    found = {hit.display async for hit in provider.discover()}
    assert {
        "Support network: record an offer",
        "Support network: record the referral",
        "Support network: record the coordinator",
        "Support network: add a member",
        "Support network: record a member's vetting",
        "Support network: record the conference",
        "Support network: record the network plan",
        "Support network: record a review",
        "Support network: next network",
    } <= found
    await pilot.press("f1")
    assert isinstance(app.screen, HelpScreen)
    assert {"Coordinator", "Conference", "Offer answer"} <= {row[2] for row in app.screen.rows}


# -- snapshots ------------------------------------------------------------------------------
def _seed_network(path: Path) -> None:
    from datetime import date

    from ahtui.store import networks, people
    from ahtui.store.site import open_site

    site = open_site(path, ADMIN, PASSPHRASE)
    try:
        pid = people.find_person(site, FIRST_CRN)["id"]
        nid = networks.offer(
            site,
            pid,
            offer_type="family_group_conference",
            offered_on=date(2024, 12, 2),
            outcome="accepted",
        )
        networks.record_referral(
            site, nid, referred_on=date(2024, 12, 9), referred_to="Northshire FGC service"
        )
        networks.allocate_coordinator(
            site, nid, name="Ana Ruiz", contact="0161 496 0000", allocated_on=date(2024, 12, 16)
        )
        aunt = networks.add_member(site, nid, name="Grace Price", relationship="Aunt")
        networks.add_member(site, nid, name="Dev Shah", relationship="Former foster carer")
        networks.vet_member(
            site, aunt, by_role="pp", vetted_on=date(2025, 1, 6), outcome="Approved"
        )
        networks.set_conference(site, nid, conference_on=date(2025, 1, 13))
        networks.save_plan(
            site, nid, plan_text="Aunt Grace visits monthly.", started_on=date(2025, 1, 13)
        )
    finally:
        site.close()


def test_snapshot_network(snap_compare, snap_site: Path) -> None:
    _seed_network(snap_site)
    assert snap_compare(_app(snap_site), terminal_size=SIZE, run_before=_then("enter", "w"))


def test_snapshot_network_none(snap_compare, snap_site: Path) -> None:
    assert snap_compare(_app(snap_site), terminal_size=SIZE, run_before=_then("enter", "w"))


@pytest.mark.parametrize("key", ["n", "v"])
def test_snapshot_network_forms(snap_compare, snap_site: Path, key: str) -> None:
    _seed_network(snap_site)
    assert snap_compare(_app(snap_site), terminal_size=SIZE, run_before=_then("enter", "w", key))
