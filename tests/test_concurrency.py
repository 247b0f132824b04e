"""Several processes share one site file: WAL and the busy timeout queue their writes."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from conftest import ADMIN, PASSPHRASE

WRITERS = 4
RECORDS = 200


def _writer(path: str, n: int, barrier, errors) -> None:
    from ahtui.store import people
    from ahtui.store.site import open_site

    try:
        site = open_site(path, ADMIN, PASSPHRASE)
        barrier.wait(timeout=60)
        for i in range(RECORDS):
            people.create_person(
                site,
                {
                    "given_name": f"Writer{n}",
                    "family_name": f"Record{i}",
                    "pathway": "short",
                    "crn": f"W{n}{i:05d}",
                },
            )
        site.close()
    except BaseException as exc:  # report everything, including busy errors
        errors.put(f"writer {n}: {type(exc).__name__}: {exc}")
        raise


def test_four_processes_write_200_records_each(site, site_path: Path) -> None:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    errors = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(str(site_path), n, barrier, errors))
        for n in range(WRITERS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
    surfaced = []
    while not errors.empty():
        surfaced.append(errors.get())
    assert surfaced == []
    assert [p.exitcode for p in procs] == [0] * WRITERS
    count = site.one("SELECT count(*) FROM people")[0]
    assert count == WRITERS * RECORDS
    history = site.one("SELECT count(*) FROM pathway_history")[0]
    assert history == WRITERS * RECORDS
    assert site.one("PRAGMA integrity_check")[0] == "ok"


def test_a_write_from_another_thread_waits_rather_than_joining(site) -> None:
    # The app writes from worker threads over the same connection: a second thread must queue
    # behind the first transaction, never nest inside it and leave later writes unguarded.
    import threading
    import time

    inside = threading.Event()
    order: list[str] = []

    def worker() -> None:
        with site.write():
            inside.set()
            time.sleep(0.2)
            order.append("worker done")

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    with site.write():
        order.append("main inside")
    t.join()
    assert order == ["worker done", "main inside"]
    assert site._depth == 0
    with site.write() as conn:
        assert conn.in_transaction
