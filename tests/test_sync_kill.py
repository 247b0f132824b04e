"""An import killed with SIGKILL at random points leaves the site exactly as before or after."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest
from test_sync_helpers import Family, digest, fast_open

from ahtui.store import rows
from ahtui.sync import incoming, outgoing


def _state(site) -> str:
    h = hashlib.sha256(digest(site).encode())
    for sql in (
        "SELECT * FROM sync_rows ORDER BY tbl, row_id",
        "SELECT * FROM sync_cols ORDER BY tbl, row_id, col",
        "SELECT bundle_id FROM sync_bundles ORDER BY bundle_id",
        "SELECT * FROM sync_received ORDER BY peer, since",
        "SELECT hlc, seq FROM sync_clock",
        "SELECT site_id, acked FROM sync_peers ORDER BY site_id",
    ):
        h.update(repr([tuple(r) for r in site.query(sql)]).encode())
    return h.hexdigest()


def _prepare(tmp_path: Path, people: int) -> tuple[Path, bytes, bytes, str, str, float]:
    fam = Family(tmp_path / "fam", [("A", "prison"), ("B", "probation")])
    sites = fam.fresh(tmp_path / "work")
    a, b = sites["A"], sites["B"]
    ids = []
    with a.write():
        for i in range(people):
            pid = rows.insert(a, "people", {"given_name": f"K{i}", "family_name": "Kill",
                                            "pathway": "long"})  # fmt: skip
            rows.insert(a, "consents", {"person_id": pid, "agency": "probation",
                                        "event": "given", "on_date": "2026-01-01"})  # fmt: skip
            ids.append(pid)
    incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    with a.write():
        for pid in ids:
            rows.update(a, "people", pid, {"given_name": "A-edit", "prison": "HMP A"})
        for i in range(people):
            rows.insert(a, "actions", {"person_id": ids[i], "step": f"step {i}"})
    with b.write():
        for pid in ids[::3]:
            rows.update(b, "people", pid, {"given_name": "B-edit"})
    data = outgoing.export(a, b.site_id).data
    b.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    base = tmp_path / "base.ahtui"
    shutil.copy(b.path, base)
    key = b.data_key
    for s in sites.values():
        s.close()
    probe = _copy(base, tmp_path / "probe")
    s = fast_open(probe, key)
    before = _state(s)
    started = time.perf_counter()
    incoming.import_bundle(s, data)
    took = time.perf_counter() - started
    after = _state(s)
    s.close()
    assert before != after
    return base, key, data, before, after, took


def _copy(base: Path, folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return Path(shutil.copy(base, folder / base.name))


def _kill_at(base: Path, key: bytes, data: bytes, folder: Path, delay: float) -> Path:
    path = _copy(base, folder)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: import, and be killed somewhere along the way
        try:
            os.close(read_fd)
            site = fast_open(path, key)
            site.conn.execute("PRAGMA synchronous = FULL")
            os.write(write_fd, b"r")
            incoming.import_bundle(site, data)
            os.write(write_fd, b"d")
        finally:
            os._exit(0)
    os.close(write_fd)
    os.read(read_fd, 1)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(read_fd)
    return path


def _run(tmp_path: Path, points: int, people: int) -> None:
    base, key, data, before, after, took = _prepare(tmp_path, people)
    rng = random.Random(points)
    seen = {"before": 0, "after": 0}
    for i in range(points):
        path = _kill_at(base, key, data, tmp_path / f"k{i % 3}", rng.uniform(0, took * 1.4))
        site = fast_open(path, key)
        try:
            assert site.one("PRAGMA integrity_check")[0] == "ok"
            state = _state(site)
            assert state in (before, after), f"kill point {i}: the site is half-imported"
            seen["before" if state == before else "after"] += 1
        finally:
            site.close()
    assert seen["before"] > 0


def test_import_killed_at_fifty_points(tmp_path: Path) -> None:
    _run(tmp_path, 50, 150)


@pytest.mark.slow
def test_import_killed_at_two_hundred_points(tmp_path: Path) -> None:
    _run(tmp_path, 200, 400)
