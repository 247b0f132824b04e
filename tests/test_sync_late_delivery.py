"""Bundles delivered late (a USB stick found a week later, an email stuck in a queue), through
the real CLI: consent, sensitivity and everyone's writes hold whatever order they arrive in.

Three sites (a prison, a probation office, a local authority) made and introduced with
`ahtui init`, `ahtui keys card` and `ahtui keys trust`; bundles written by `ahtui sync export`
and applied by `ahtui sync import`; records made through the services, as the app makes them.
Each scenario holds a bundle back, lets later ones through, delivers the old one, then lets the
sites exchange until nothing changes, and checks every site holds exactly what it may.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import ADMIN, PASSPHRASE
from test_sync_helpers import digest

from ahtui import cli
from ahtui.store.capture import synced_tables
from ahtui.store.consent import leaves_this_site, record_consent
from ahtui.store.notes import add_note, set_sensitive
from ahtui.store.people import create_person
from ahtui.store.site import open_site
from ahtui.sync.sharing import person_expr

SITES = {"prison": "prison", "probation": "probation", "la": "local_authority"}


class Net:
    """Three real sites that trust each other, driven through `ahtui`'s own entry point."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.paths = {n: root / f"{n}.ahtui" for n in SITES}
        self.sent = 0
        for name, agency in SITES.items():
            assert self.cli("init", name, "--name", f"Site {name}", "--agency", agency,
                            "--admin", ADMIN) == 0  # fmt: skip
            assert self.cli("keys", name, "card", "--out", str(root / f"{name}.card")) == 0
        for a, b in itertools.permutations(SITES, 2):
            assert self.cli("keys", a, "trust", str(root / f"{b}.card"), "--yes") == 0

    def cli(self, command: str, name: str, *rest: str) -> int:
        argv = [command, *rest[:1]] if command in ("keys", "sync") else [command]
        args = rest[1:] if command in ("keys", "sync") else rest
        return cli.main([*argv, "--site", str(self.paths[name]), "--user", ADMIN, *args])

    def site(self, name: str):
        return open_site(self.paths[name], ADMIN, PASSPHRASE, audit_unlock=False)

    def export(self, frm: str, to: str) -> Path:
        """`ahtui sync export`: the bundle file it wrote (each in a folder of its own)."""
        self.sent += 1
        out = self.root / "bundles" / f"{self.sent:03d}"
        assert self.cli("sync", frm, "export", "--to", f"Site {to}", "--out", str(out)) == 0
        [path] = out.iterdir()
        return path

    def deliver(self, to: str, path: Path) -> None:
        assert self.cli("sync", to, "import", str(path)) == 0

    def exchange(self, *names: str, rounds: int = 8) -> None:
        """Every site (or these) sends to every other, and each bundle arrives, until nothing
        changes."""
        last = None
        for _ in range(rounds):
            for a, b in itertools.permutations(names or SITES, 2):
                self.deliver(b, self.export(a, b))
            now = self.state()
            if now == last:
                return
            last = now
        raise AssertionError("the sites did not settle")

    def state(self) -> dict[str, str]:
        out = {}
        for name in SITES:
            s = self.site(name)
            try:
                out[name] = digest(s)
            finally:
                s.close()
        return out


def held(site, person_id: str) -> dict[str, int]:
    """How many rows of each table this site holds for the person."""
    out = {}
    for table in synced_tables(site.conn):
        pexpr = person_expr(site.conn, table)
        if pexpr is None:
            continue
        n = site.one(f'SELECT count(*) FROM "{table}" t WHERE {pexpr} = ?', (person_id,))[0]
        if n:
            out[table] = n
    return out


@pytest.fixture
def net(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Net:
    monkeypatch.setenv("AHTUI_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("AHTUI_NEW_PASSPHRASE", PASSPHRASE)
    return Net(tmp_path)


def _person(net: Net, **consent: str) -> str:
    s = net.site("prison")
    try:
        pid = create_person(
            s, {"given_name": "Lateby", "family_name": "Courier", "pathway": "long"}
        )
        for agency, event in consent.items():
            record_consent(s, pid, {"agency": agency, "event": event, "on_date": "2026-01-05"})
        return pid
    finally:
        s.close()


def _note(net: Net, name: str, pid: str, body: str, **extra: object) -> str:
    s = net.site(name)
    try:
        return add_note(s, pid, {"contact_type": "phone", "contact_at": "2026-01-06",
                                 "body": body, **extra})  # fmt: skip
    finally:
        s.close()


def _consent(net: Net, name: str, pid: str, agency: str, event: str, on: str) -> None:
    s = net.site(name)
    try:
        record_consent(s, pid, {"agency": agency, "event": event, "on_date": on})
    finally:
        s.close()


def _same_at(net: Net, pid: str, *names: str) -> None:
    """The entitled sites hold the person with the same values and the same open conflicts."""
    found = set()
    for name in names:
        s = net.site(name)
        try:
            assert held(s, pid).get("people") == 1, name
            found.add(digest(s, {pid}))
        finally:
            s.close()
    assert len(found) == 1, names


def _nothing_at(net: Net, pid: str, name: str) -> None:
    s = net.site(name)
    try:
        assert held(s, pid) == {}, name
    finally:
        s.close()


def _bodies(net: Net, name: str, pid: str) -> set[str]:
    s = net.site(name)
    try:
        return {r[0] for r in s.query("SELECT body FROM case_notes WHERE person_id = ?", (pid,))}
    finally:
        s.close()


ALL = {"prison": "given", "probation": "given", "local_authority": "given"}


def test_a_late_bundle_does_not_bring_back_a_person_whose_consent_was_withdrawn(net) -> None:
    pid = _person(net, **ALL)
    net.deliver("la", net.export("prison", "la"))
    _note(net, "prison", pid, "Visited on the wing; housing form started.")
    held_up = net.export("prison", "la")  # bundle 2: the note, delayed
    _consent(net, "prison", pid, "local_authority", "withdrawn", "2026-02-01")
    net.deliver("la", net.export("prison", "la"))  # bundle 3: the withdrawal
    net.exchange()
    _nothing_at(net, pid, "la")
    net.deliver("la", held_up)  # found a week later
    _nothing_at(net, pid, "la")
    net.exchange()
    _nothing_at(net, pid, "la")
    _same_at(net, pid, "prison", "probation")
    assert "Visited on the wing; housing form started." in _bodies(net, "probation", pid)


def test_a_late_withdrawal_does_not_remove_a_person_consented_again(net) -> None:
    pid = _person(net, **ALL)
    net.deliver("la", net.export("prison", "la"))
    _consent(net, "prison", pid, "local_authority", "withdrawn", "2026-02-01")
    held_up = net.export("prison", "la")  # the withdrawal, stuck in a queue
    _consent(net, "prison", pid, "local_authority", "given", "2026-03-01")
    _note(net, "prison", pid, "Consent given again after the review.")
    net.deliver("la", net.export("prison", "la"))
    net.exchange("prison", "la")  # the new sharing is acknowledged
    net.deliver("la", held_up)  # the old withdrawal arrives last
    s = net.site("la")
    try:
        assert held(s, pid)["people"] == 1
    finally:
        s.close()
    net.exchange()
    _same_at(net, pid, "prison", "probation", "la")
    assert "Consent given again after the review." in _bodies(net, "la", pid)


def test_a_note_made_sensitive_after_it_was_sent_never_reaches_another_agency(net) -> None:
    pid = _person(net, **ALL)
    nid = _note(net, "prison", pid, "SENSITIVE-CANARY about a family matter.")
    held_up = {to: net.export("prison", to) for to in ("probation", "la")}  # not sensitive yet
    s = net.site("prison")
    try:
        set_sensitive(s, nid)
    finally:
        s.close()
    for to in ("probation", "la"):
        net.deliver(to, net.export("prison", to))
        net.exchange("prison", to)  # the change is acknowledged
        net.deliver(to, held_up[to])  # the old, not-yet-sensitive copy arrives late
        assert not any("SENSITIVE-CANARY" in b for b in _bodies(net, to, pid)), to
    net.exchange()
    for name in ("probation", "la"):
        assert not any("SENSITIVE-CANARY" in b for b in _bodies(net, name, pid)), name
    assert "SENSITIVE-CANARY about a family matter." in _bodies(net, "prison", pid)
    # The rest of the person is the same everywhere that may hold them.
    for name in ("probation", "la"):
        s = net.site(name)
        try:
            assert s.one("SELECT count(*) FROM case_notes WHERE id = ?", (nid,))[0] == 0
            assert held(s, pid)["people"] == 1
        finally:
            s.close()


def test_a_site_keeps_its_own_note_through_a_withdrawal_and_gets_it_back(net) -> None:
    pid = _person(net, **ALL)
    for to in ("probation", "la"):
        net.deliver(to, net.export("prison", to))
    net.exchange("la", "probation")
    _note(net, "la", pid, "PA visit: the flat is ready for release day.")
    held_up = net.export("la", "probation")  # LA's note to probation, delayed
    _consent(net, "probation", pid, "local_authority", "withdrawn", "2026-02-01")
    net.deliver("la", net.export("probation", "la"))  # LA is told; its note is not out yet
    _consent(net, "probation", pid, "local_authority", "given", "2026-02-10")
    net.exchange("la", "probation")  # consent given again, and acknowledged
    net.deliver("probation", held_up)  # the note arrives at last
    net.exchange("la", "probation")
    assert "PA visit: the flat is ready for release day." in _bodies(net, "la", pid)
    net.exchange()
    _same_at(net, pid, "prison", "probation", "la")
    for name in SITES:
        assert "PA visit: the flat is ready for release day." in _bodies(net, name, pid), name


def test_a_note_written_just_before_the_withdrawal_arrives_still_reaches_the_others(net) -> None:
    pid = _person(net, **ALL)
    for to in ("probation", "la"):
        net.deliver(to, net.export("prison", to))
    _note(net, "la", pid, "Written at the local authority, never sent before the withdrawal.")
    _consent(net, "prison", pid, "local_authority", "withdrawn", "2026-02-01")
    net.deliver("la", net.export("prison", "la"))
    s = net.site("la")
    try:
        # Told it may no longer hold the person, it keeps them until the others have its note.
        assert held(s, pid)["case_notes"] == 1
    finally:
        s.close()
    net.exchange()
    _nothing_at(net, pid, "la")
    _same_at(net, pid, "prison", "probation")
    assert "Written at the local authority, never sent before the withdrawal." in _bodies(
        net, "probation", pid
    )


def test_a_late_relayed_withdrawal_does_not_remove_a_person_consented_again(net) -> None:
    """Probation may not pass the person on to the local authority once their consent for it
    is withdrawn, so its bundle says only that (a notice, none of their records). Held up until
    after consent was given again, it must not make the local authority give them up."""
    pid = _person(net, **ALL)
    net.exchange()
    _consent(net, "prison", pid, "local_authority", "withdrawn", "2026-02-01")
    net.deliver("probation", net.export("prison", "probation"))
    held_up = net.export("probation", "la")  # the withdrawal as probation heard it
    _consent(net, "prison", pid, "local_authority", "given", "2026-03-01")
    net.deliver("la", net.export("prison", "la"))
    net.exchange("prison", "la")
    net.deliver("la", held_up)
    s = net.site("la")
    try:
        assert held(s, pid)["people"] == 1
        assert not leaves_this_site(s, pid)
        assert s.one("SELECT count(*) FROM sync_leaving WHERE person_id = ?", (pid,))[0] == 0
    finally:
        s.close()
    net.exchange()
    _same_at(net, pid, "prison", "probation", "la")
