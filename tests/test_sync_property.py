"""Convergence under any delivery: a Hypothesis model of three sites and a relay.

Sites A (prison), B (probation) and C (local authority) exchange bundles only along the edges
A-R, B-R, C-R and A-B, where R (a CES site) relays. Random creates, edits (including concurrent
edits of one field) and deletes interleave with exports and deliveries that repeat, reorder and
drop bundles. A model tracks what each site had seen when it wrote, to know which values were
overwritten concurrently. After a final full exchange every site must hold the same data and
every concurrently overwritten value must be present as a conflict.
"""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sync_helpers import ALL, Family, digest, person

from ahtui.errors import NotFound
from ahtui.store import rows
from ahtui.sync import incoming, outgoing

SPECS = [("A", "prison"), ("B", "probation"), ("C", "local_authority"), ("R", "ces")]
EDGES = [("A", "R"), ("B", "R"), ("C", "R"), ("A", "B")]
DIRECTED = EDGES + [(b, a) for a, b in EDGES]
FIELDS = ["given_name", "family_name", "prison"]
SITES = ["A", "B", "C", "R"]


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    os.environ.setdefault("AHTUI_KDF_LOG2N", "14")
    return Family(tmp_path_factory.mktemp("family"), SPECS)


class Model:
    """The real sites plus what each had seen (event ids) when it wrote."""

    def __init__(self, sites: dict) -> None:
        self.sites = sites
        self.ids = {n: s.site_id for n, s in sites.items()}
        self.known: dict[str, set[int]] = {n: set() for n in sites}
        self.events: list[dict] = []
        self.people: list[str] = []
        self.pool: list[tuple[str, bytes, frozenset[int]]] = []
        self.counter = 0

    def _event(self, site: str, kind: str, pid: str, field: str, value: object) -> None:
        s = self.sites[site]
        if kind == "create":
            v = s.one(
                "SELECT ins_hlc, ins_origin FROM sync_rows WHERE tbl='people' AND row_id=?", (pid,)
            )
        else:
            v = s.one(
                "SELECT hlc, origin FROM sync_cols WHERE tbl='people' AND row_id=? AND col=?",
                (pid, field),
            )
        eid = len(self.events)
        self.events.append(
            {"id": eid, "site": site, "kind": kind, "pid": pid, "field": field, "value": value,
             "version": (v[0], v[1]), "past": frozenset(self.known[site])}
        )  # fmt: skip
        self.known[site].add(eid)

    def create(self, site: str) -> None:
        self.counter += 1
        given, fam = f"g{self.counter}", f"f{self.counter}"
        pid = person(self.sites[site], given, fam, **ALL)
        self.people.append(pid)
        for f, v in (("given_name", given), ("family_name", fam), ("prison", None)):
            self._event(site, "create", pid, f, v)

    def edit(self, site: str, pick: int, field: str) -> None:
        s = self.sites[site]
        local = [p for p in self.people if s.one("SELECT 1 FROM people WHERE id = ?", (p,))]
        if not local:
            return
        pid = local[pick % len(local)]
        self.counter += 1
        value = f"v{self.counter}{site}"
        try:
            rows.update(s, "people", pid, {field: value})
        except NotFound:
            return
        self._event(site, "edit", pid, field, value)

    def delete(self, site: str, pick: int) -> None:
        s = self.sites[site]
        local = [p for p in self.people if s.one("SELECT 1 FROM people WHERE id = ?", (p,))]
        if not local:
            return
        pid = local[pick % len(local)]
        try:
            rows.soft_delete(s, "people", pid)
        except NotFound:
            return
        self._event(site, "delete", pid, "deleted_at", "deleted")

    def export(self, a: str, b: str) -> None:
        ex = outgoing.export(self.sites[a], self.ids[b])
        self.pool.append((b, ex.data, frozenset(self.known[a])))

    def deliver(self, k: int) -> None:
        if not self.pool:
            return
        to, data, known = self.pool[k % len(self.pool)]
        incoming.import_bundle(self.sites[to], data)
        self.known[to] |= known

    def exchange(self, rng: random.Random) -> None:
        """Full exchange: every edge both ways, in a shuffled order, until nothing changes."""
        for _ in range(6):
            before = [digest(s) for s in self.sites.values()]
            edges = list(DIRECTED)
            rng.shuffle(edges)
            for a, b in edges:
                self.export(a, b)
                self.deliver(len(self.pool) - 1)
            after = [digest(s) for s in self.sites.values()]
            if before == after and len(set(after)) == 1:
                return

    def check(self) -> None:
        digests = {n: digest(s) for n, s in self.sites.items()}
        assert len(set(digests.values())) == 1, digests
        s = self.sites["A"]
        present = {
            (r["kind"], r["col"], r["lost_hlc"], r["lost_origin"])
            for r in s.query("SELECT * FROM sync_conflicts")
        }
        by_field: dict[tuple[str, str], list[dict]] = {}
        for e in self.events:
            by_field.setdefault((e["pid"], e["field"]), []).append(e)
        for (_pid, field), evs in by_field.items():
            if field == "deleted_at":
                continue
            # A value nobody overwrote knowingly, that is not the final one, was lost to a
            # concurrent change: it must be kept as a conflict.
            final = max(evs, key=lambda x: x["version"])
            for e in evs:
                if e is final or any(e["id"] in x["past"] for x in evs):
                    continue
                assert ("value", field, *e["version"]) in present, (e, final)
        for pid in {e["pid"] for e in self.events if e["kind"] == "delete"}:
            deletes = [e for e in self.events if e["pid"] == pid and e["kind"] == "delete"]
            final = max(deletes, key=lambda e: e["version"])
            edits = [
                e
                for e in self.events
                if e["pid"] == pid and e["kind"] == "edit"
                and e["id"] not in final["past"] and final["id"] not in e["past"]
            ]  # fmt: skip
            if edits:
                kinds = {
                    r["kind"]
                    for r in s.query("SELECT kind FROM sync_conflicts WHERE row_id = ?", (pid,))
                }
                assert "delete" in kinds, (final, edits)


site_names = st.sampled_from(SITES)
operation = st.one_of(
    st.tuples(st.just("create"), site_names),
    st.tuples(st.just("edit"), site_names, st.integers(0, 7), st.sampled_from(FIELDS)),
    st.tuples(st.just("edit"), site_names, st.integers(0, 7), st.sampled_from(FIELDS)),
    st.tuples(st.just("delete"), site_names, st.integers(0, 7)),
    st.tuples(st.just("export"), st.sampled_from(DIRECTED)),
    st.tuples(st.just("deliver"), st.integers(0, 60)),
    st.tuples(st.just("deliver"), st.integers(0, 60)),
)


def run_ops(family: Family, root: Path, ops: list, seed: int) -> None:
    sites = family.fresh(root)
    try:
        m = Model(sites)
        for op in ops:
            if op[0] == "create":
                m.create(op[1])
            elif op[0] == "edit":
                m.edit(op[1], op[2], op[3])
            elif op[0] == "delete":
                m.delete(op[1], op[2])
            elif op[0] == "export":
                m.export(*op[1])
            else:
                m.deliver(op[1])
        m.exchange(random.Random(seed))
        m.check()
    finally:
        Family.discard(sites)


EXAMPLES = int(os.environ.get("AHTUI_SYNC_EXAMPLES", "200"))


# Fresh examples every run, like the slow run below; a failure prints the steps and the blob
# to reproduce them with @reproduce_failure.
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=24), seed=st.integers(0, 1000))
def test_sites_converge_and_keep_every_concurrent_value(
    family: Family, tmp_path: Path, ops: list, seed: int
) -> None:
    run_ops(family, tmp_path, [("create", "A"), ("create", "C")] + ops, seed)


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("AHTUI_SYNC_LONG_EXAMPLES", "2000")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(ops=st.lists(operation, min_size=1, max_size=60), seed=st.integers(0, 1000))
def test_sites_converge_long_run(family: Family, tmp_path: Path, ops: list, seed: int) -> None:
    run_ops(family, tmp_path, [("create", "A"), ("create", "B")] + ops, seed)


def test_all_720_orderings_of_six_bundles_agree(family: Family, tmp_path: Path) -> None:
    """Six bundles for B (two each from A, C and R, with concurrent edits) in every order."""
    sites = family.fresh(tmp_path / "setup")
    m = Model(sites)
    m.create("A")
    m.create("C")
    m.exchange(random.Random(1))
    bundles = []
    for round_ in range(2):
        for name in ("A", "C", "R"):
            m.edit(name, 0, "given_name")
            m.edit(name, round_, "family_name")
            if name == "C" and round_ == 1:
                m.delete(name, 1)
            bundles.append(outgoing.export(sites[name], m.ids["B"]).data)
    m.edit("B", 0, "given_name")
    base = tmp_path / "base"
    base.mkdir()
    b = sites["B"]
    b.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    import shutil

    for suffix in ("", ".keys"):
        shutil.copy(b.path.with_name(b.path.name + suffix), base / (b.path.name + suffix))
    key = b.data_key
    for s in sites.values():
        s.close()
    from test_sync_helpers import fast_open

    results = set()
    conflicts = set()
    for i, order in enumerate(itertools.permutations(range(6))):
        work = tmp_path / f"o{i % 4}"
        work.mkdir(exist_ok=True)
        for suffix in ("", ".keys", "-wal", "-shm"):
            (work / (b.path.name + suffix)).unlink(missing_ok=True)
        shutil.copy(base / b.path.name, work / b.path.name)
        s = fast_open(work / b.path.name, key)
        try:
            for k in order:
                incoming.import_bundle(s, bundles[k])
            results.add(digest(s))
            conflicts.add(frozenset(r[0] for r in s.query("SELECT id FROM sync_conflicts")))
        finally:
            s.close()
    assert len(results) == 1
    assert len(conflicts) == 1 and len(next(iter(conflicts))) >= 2
