"""Shared fixtures: real SQLCipher site files in a temporary folder, never mocks."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

# Cheaper key stretching for the many sites tests create (the floor is still 2**14).
os.environ.setdefault("AHTUI_KDF_LOG2N", "14")
# Never read a developer's own config or site while testing.
os.environ.pop("AHTUI_SITE", None)
os.environ.pop("AHTUI_USER", None)
os.environ.pop("AHTUI_PASSPHRASE", None)

ADMIN = "admin"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point the platform config and data folders at a temp dir for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("AHTUI_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("AHTUI_DATA_DIR", str(home / "data"))


@pytest.fixture
def site_path(tmp_path: Path) -> Path:
    return tmp_path / "site.ahtui"


@pytest.fixture
def site(site_path: Path):
    """A fresh, empty prison site unlocked as its admin."""
    from ahtui.store.site import init_site

    s = init_site(
        site_path, name="HMP Testbridge", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    )
    yield s
    s.close()


@pytest.fixture
def sites(family, tmp_path: Path):
    """Fresh copies of the test module's `family` of trusting sites (test_sync_helpers.Family),
    by name, closed after the test. Each sync test module defines its own `family`."""
    s = family.fresh(tmp_path)
    yield s
    for x in s.values():
        x.close()


# The day every app test runs on, and the terminal size it runs at.
APP_TODAY = date(2025, 3, 3)
APP_SIZE = (80, 24)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 40-person demo site on APP_TODAY, built once per run; tests use copies of it."""
    return make_demo_site(tmp_path_factory.mktemp("demo") / "site.ahtui", APP_TODAY)


@pytest.fixture
def demo_path(demo_template: Path, tmp_path: Path) -> Path:
    """A test's own copy of the demo site (unlocking it writes an audit row)."""
    return copy_site(demo_template, tmp_path)


@pytest.fixture
def snap_site(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo site under a relative path, so the path on screen is the same every run."""
    copy_site(demo_template, tmp_path)
    monkeypatch.chdir(tmp_path)
    return Path("site.ahtui")


@pytest.fixture
async def unlocked(demo_path: Path):
    """The real app on a copy of the demo site, signed in, its caseload drawn: (app, pilot)."""
    from test_app_shell import caseload_ready, wait_for

    from ahtui.app import AhtuiApp

    app = AhtuiApp(demo_path, username=ADMIN, passphrase=PASSPHRASE, today=APP_TODAY)
    async with app.run_test(size=APP_SIZE) as pilot:
        await wait_for(pilot, lambda: caseload_ready(app))
        yield app, pilot


def make_demo_site(path: Path, today, *, people: int = 40, seed: int = 1) -> Path:
    """Build a deterministic demo site at `path` (closed again) for app tests to copy."""
    from ahtui.demo import build_demo
    from ahtui.store.site import init_site

    s = init_site(
        path,
        name="HMP Testbridge",
        agency="prison",
        admin=ADMIN,
        passphrase=PASSPHRASE,
        admin_display_name="Sam Admin",
    )
    try:
        build_demo(s, people=people, seed=seed, today=today)
    finally:
        s.close()
    return path


def copy_site(source: Path, folder: Path) -> Path:
    """A copy of a site and its key, WAL and shared-memory files, so a test may write to it."""
    import shutil

    target = folder / source.name
    for suffix in ("", ".keys", "-wal", "-shm"):
        src = source.with_name(source.name + suffix)
        if src.exists():
            shutil.copy2(src, target.with_name(target.name + suffix))
    return target
