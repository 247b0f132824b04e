"""The app open on a site that another program gives a new key (`ahtui rekey`): its next read
meets a plain message and the unlock screen, never SQLCipher's own error or a crash, and
unlocking again with the same passphrase shows the caseload.

The real app (Pilot) on a real demo site; the rekey is `rekey_site` on a connection of its own,
as `ahtui rekey` in another terminal would run it.
"""

from __future__ import annotations

from pathlib import Path

from conftest import ADMIN, APP_SIZE, APP_TODAY, PASSPHRASE
from test_app_shell import caseload_ready, names, unlock, wait_for

from ahtui.app import AhtuiApp
from ahtui.screens.person import PersonScreen
from ahtui.screens.unlock import UnlockScreen
from ahtui.store import rekey, rows
from ahtui.store.site import KEY_CHANGED, SiteKeyChanged, open_site, opens_with


def _rekey_elsewhere(path: Path) -> bytes:
    other = open_site(path, ADMIN, PASSPHRASE, audit_unlock=False)
    try:
        rekey.rekey_site(other)
        return other.data_key
    finally:
        other.close()


def _status(app: AhtuiApp) -> str:
    return str(app.screen.query_one("#unlock-status").render())


async def test_a_rekey_while_the_app_is_open_asks_to_unlock_again(demo_path: Path) -> None:
    app = AhtuiApp(demo_path, today=APP_TODAY)
    async with app.run_test(size=APP_SIZE) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: caseload_ready(app))
        before = names(app)
        old_key = app.site.data_key
        new_key = _rekey_elsewhere(demo_path)
        assert not opens_with(demo_path, old_key) and opens_with(demo_path, new_key)
        await pilot.press("enter")  # open the highlighted person: a read under the old key
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        assert KEY_CHANGED in _status(app)
        assert "not a database" not in _status(app)
        assert app.site is None and app.is_running
        await unlock(pilot)
        await wait_for(pilot, lambda: caseload_ready(app))
        assert names(app) == before
        # Nothing of the screens open before stays underneath.
        assert not any(isinstance(s, PersonScreen) for s in app.screen_stack)
        assert app.site.data_key == new_key
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))


async def test_a_save_after_a_rekey_saves_nothing_and_asks_to_unlock(demo_path: Path) -> None:
    app = AhtuiApp(demo_path, today=APP_TODAY)
    async with app.run_test(size=APP_SIZE) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: caseload_ready(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        screen = app.screen
        pid = screen.person_id
        _rekey_elsewhere(demo_path)
        # A write through the screens' own path for key presses.
        screen.call_service(
            lambda: rows.update(app.site, "people", pid, {"crn": "Z999999"}), "Saved."
        )
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        assert KEY_CHANGED in _status(app)
        await unlock(pilot)
        await wait_for(pilot, lambda: caseload_ready(app))
        assert app.site.one("SELECT crn FROM people WHERE id = ?", (pid,))[0] != "Z999999"


def test_an_open_site_meets_the_new_key_as_one_plain_error(demo_path: Path) -> None:
    import pytest

    site = open_site(demo_path, ADMIN, PASSPHRASE, audit_unlock=False)
    try:
        _rekey_elsewhere(demo_path)
        for attempt in (
            lambda: site.query("SELECT count(*) FROM people"),
            lambda: site.tuples("SELECT id FROM people"),
            lambda: site.write().__enter__(),
        ):
            with pytest.raises(SiteKeyChanged) as err:
                attempt()
            assert err.value.message == KEY_CHANGED
    finally:
        site.close()
