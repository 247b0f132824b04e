"""Helpers for the sync tests: a family of trusted sites, copied from templates per example."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from conftest import ADMIN, PASSPHRASE

from ahtui.store import keyring as keys
from ahtui.store import site as site_mod
from ahtui.store.capture import synced_tables
from ahtui.store.site import Site, init_site
from ahtui.sync import keys as sync_keys
from ahtui.sync.sharing import person_expr


def make_sites(folder: Path, specs: list[tuple[str, str]]) -> dict[str, Site]:
    """Create sites (name, agency) that all trust each other."""
    folder.mkdir(parents=True, exist_ok=True)
    sites = {
        name: init_site(folder / f"{name}.ahtui", name=name, agency=agency, admin=ADMIN,
                        passphrase=PASSPHRASE)
        for name, agency in specs
    }  # fmt: skip
    cards = {}
    for name, s in sites.items():
        cards[name] = folder / f"{name}.card"
        sync_keys.write_card(s, cards[name])
    for name, s in sites.items():
        for other in sites:
            if other != name:
                sync_keys.trust(s, sync_keys.read_card(cards[other]))
    return sites


def fast_open(path: Path, data_key: bytes) -> Site:
    """Open a site with its known data key, skipping passphrase stretching (tests only)."""
    conn = site_mod._connect(path, data_key, create=False, busy_timeout_ms=10_000)
    # Tests never survive a power cut; skipping fsync keeps hundreds of examples quick.
    conn.execute("PRAGMA synchronous = OFF")
    user = site_mod._load_user(conn, ADMIN)
    return Site(path, conn, user, data_key)


class Family:
    """Template sites, closed, copied to a fresh folder for each example."""

    def __init__(self, folder: Path, specs: list[tuple[str, str]]) -> None:
        self.folder = folder / "template"
        sites = make_sites(self.folder, specs)
        self.keys = {n: s.data_key for n, s in sites.items()}
        for s in sites.values():
            s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            s.close()
        self.names = [n for n, _ in specs]
        self.copies = 0

    def fresh(self, root: Path) -> dict[str, Site]:
        self.copies += 1
        dest = root / f"copy{self.copies}"
        dest.mkdir(parents=True)
        out = {}
        for n in self.names:
            for suffix in ("", ".keys"):
                src = self.folder / f"{n}.ahtui{suffix}"
                if src.exists():
                    shutil.copy(src, dest / src.name)
            out[n] = fast_open(dest / f"{n}.ahtui", self.keys[n])
        return out

    @staticmethod
    def discard(sites: dict[str, Site]) -> None:
        """Close an example's sites and delete their folder: thousands of examples add up."""
        folders = {s.path.parent for s in sites.values()}
        for s in sites.values():
            s.close()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def digest(site: Site, people: set[str] | None = None, *, tables: list[str] | None = None) -> str:
    """A hash of every synced row (optionally only these people's, and practitioners)."""
    conn = site.conn
    h = hashlib.sha256()
    for table in tables or synced_tables(conn):
        pexpr = person_expr(conn, table)
        rows = conn.execute(
            f'SELECT {pexpr or "NULL"} AS _pid, t.* FROM "{table}" t ORDER BY t.id'
        ).fetchall()
        for r in rows:
            if people is not None and pexpr is not None and r[0] not in people:
                continue
            h.update(json.dumps([table, *list(r)[1:]], default=str).encode())
    return h.hexdigest()


def full_digest(site: Site) -> str:
    """Every table of the site, local bookkeeping included (for before/after checks)."""
    conn = site.conn
    h = hashlib.sha256()
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall():
        for r in conn.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall():
            h.update(json.dumps([name, *list(r)], default=lambda b: bytes(b).hex()).encode())
    return h.hexdigest()


def person(site: Site, given: str = "Ann", family: str = "Test", **consent: str) -> str:
    from ahtui.store.consent import record_consent
    from ahtui.store.people import create_person

    pid = create_person(site, {"given_name": given, "family_name": family, "pathway": "long"})
    for agency, event in consent.items():
        record_consent(site, pid, {"agency": agency, "event": event, "on_date": "2026-01-05"})
    return pid


ALL = {"prison": "given", "probation": "given", "local_authority": "given", "ces": "given"}


def keyring_ok(path: Path) -> Any:
    return keys.load_keyring(path)


def policy_with(extra: dict[str, dict[str, Any]]) -> Any:
    """The shipped sync policy with entries added or moved, as a migration's author would
    write them: per table, lists of columns by class (taken out of any other class of the
    table first), and `rows` for a new table."""
    import tomllib

    from ahtui.sync.policy_file import build_policy, policy_path

    path = policy_path()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for table, spec in extra.items():
        section = data["tables"].setdefault(table, {})
        for key, value in spec.items():
            if key == "rows":
                section[key] = value
                continue
            for other, listed in section.items():
                if other != "rows":
                    section[other] = [c for c in listed if c not in value]
            section[key] = [*section.get(key, []), *value]
    return build_policy(path, data)
