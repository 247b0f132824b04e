"""Restores against random histories (Hypothesis, fresh examples every run): site A is backed
up, both sites go on writing and exchanging (some of A's bundles held back and delivered only
after the restore), A is restored, both go on again; two exchanges later A and B hold the
same records, and nothing that reached B, or was in the backup, or was written since, is lost.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN, PASSPHRASE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_restore_sync import note, notes
from test_sync_helpers import ALL, Family, digest, fast_open, person

from ahtui.store import backup as store_backup
from ahtui.store import restore as store_restore
from ahtui.store.people import update_person
from ahtui.store.site import Site
from ahtui.sync import incoming, outgoing
from ahtui.sync.restored import mark_restored


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(tmp_path_factory.mktemp("restore-family"), [("A", "prison"), ("B", "probation")])


operation = st.one_of(
    st.tuples(st.just("note"), st.sampled_from("AB")),
    st.tuples(st.just("edit"), st.sampled_from("AB")),
    st.tuples(st.just("send"), st.sampled_from(["AB", "BA"])),
    st.tuples(st.just("hold"), st.just("AB")),
    st.tuples(st.just("deliver"), st.just("AB")),
)


class World:
    def __init__(self, family: Family, root: Path) -> None:
        self.family = family
        self.sites = family.fresh(root)
        self.box = root / "box"
        self.box.mkdir()
        self.held: list[bytes] = []
        self.count = itertools.count()
        self.person = person(self.sites["A"], "Ann", **ALL)
        self.written_after_restore: set[str] = set()
        self.send("A", "B")
        self.send("B", "A")

    def deliver(self, data: bytes, to: Site) -> None:
        path = self.box / f"{next(self.count)}.ahtuib"
        path.write_bytes(data)
        incoming.import_file(to, path)

    def send(self, src: str, dst: str) -> None:
        self.deliver(outgoing.export(self.sites[src], self.sites[dst].site_id).data,
                     self.sites[dst])  # fmt: skip

    def run(self, ops: list[tuple[Any, ...]], *, restored: bool = False) -> None:
        for op, arg in ops:
            if op == "note":
                text = f"note {next(self.count)} on {arg}"
                note(self.sites[arg], self.person, text)
                if restored:
                    self.written_after_restore.add(text)
            elif op == "edit":
                update_person(self.sites[arg], self.person,
                              {"preferred_name": f"{arg}{next(self.count)}"})  # fmt: skip
            elif op == "send":
                self.send(arg[0], arg[1])
            elif op == "hold":
                self.held.append(outgoing.export(self.sites["A"], self.sites["B"].site_id).data)
            elif op == "deliver" and self.held:
                self.deliver(self.held.pop(0), self.sites["B"])

    def restore_a(self, archive: Path) -> None:
        a = self.sites["A"]
        path, key = a.path, a.data_key
        a.close()
        target = store_restore.check_target(path, force=True)
        with store_restore.unpacked(archive, target) as done:
            site = store_restore.open_checked(done, archive, ADMIN, PASSPHRASE,
                                              busy_timeout_ms=10_000)  # fmt: skip
            try:
                mark_restored(site, int(time.time() * 1000))
            finally:
                site.close()
            store_restore.place(done, target)
        self.sites["A"] = fast_open(path, key)


def check_story(family: Family, root: Path, before: list, after: list, post: list) -> None:
    world = World(family, root)
    a, b = world.sites["A"], world.sites["B"]
    try:
        world.run(before)
        archive = root / "a.ahtui-backup"
        store_backup.backup(a, archive)
        in_backup = notes(a)
        world.run(after)
        at_b = notes(b)
        world.restore_a(archive)
        a = world.sites["A"]
        world.run(post, restored=True)
        for data in world.held:
            world.deliver(data, b)
        for _ in range(2):
            world.send("A", "B")
            world.send("B", "A")
        assert digest(a) == digest(b)
        assert notes(a) == notes(b)
        assert in_backup | at_b | world.written_after_restore <= notes(a)
    finally:
        Family.discard(world.sites)


EXAMPLES = int(os.environ.get("AHTUI_RESTORE_EXAMPLES", "25"))
_folders = itertools.count()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    before=st.lists(operation, max_size=6),
    after=st.lists(operation, max_size=10),
    post=st.lists(operation, max_size=6),
)
def test_a_restored_site_and_its_peer_agree_after_two_exchanges(
    family: Family, tmp_path: Path, before: list, after: list, post: list
) -> None:
    check_story(family, tmp_path / f"x{next(_folders)}", before, after, post)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    before=st.lists(operation, max_size=12),
    after=st.lists(operation, max_size=24),
    post=st.lists(operation, max_size=12),
)
def test_a_restored_site_and_its_peer_agree_after_two_exchanges_long_run(
    family: Family, tmp_path: Path, before: list, after: list, post: list
) -> None:
    check_story(family, tmp_path / f"x{next(_folders)}", before, after, post)
