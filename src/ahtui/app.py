"""The Textual app: unlocks one site file, then shows its caseload.

`AhtuiApp` owns the open `Site` and the screens around it: the unlock screen, the caseload, the
help modal (F1) and the command palette (ctrl+p, screens/palette.py), whose commands come from
the keymap registry so every key of every screen is also a named command. Unlocking runs the slow key derivation in a thread.
Lock (ctrl+l, or after `idle_lock_seconds` without a key press) closes the site and returns
to the unlock screen.

Importing this module starts nothing and loads neither the store (SQLCipher, cryptography)
nor Datasette: screens and services are imported when first needed, so `ahtui --help` and the
first frame stay fast.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from time import monotonic, perf_counter
from typing import TYPE_CHECKING

from textual import events
from textual.actions import ActionParseResult
from textual.app import ComposeResult, SystemCommand
from textual.binding import Keymap
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.scrollbar import ScrollBar
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from . import keymap
from .config import load_settings
from .errors import AhtuiError
from .key_order import KeysInOrder
from .memory import give_back, limit_arenas
from .screens.help import HelpScreen
from .screens.palette import AhtuiCommands
from .screens.unlock import UnlockScreen
from .widgets.shown import ControlFilter, WholeCellScrollBar, lines, one_line

if TYPE_CHECKING:
    from .store.caseload import CaseloadRow
    from .store.site import Site

# Drops any control character a widget still holds from every line drawn (widgets/shown.py).
_CONTROL_FILTER = ControlFilter()

# Whether `_load_screens` has set the imported modules' objects aside from the collector.
_IMPORTS_FROZEN = False


@dataclass
class _UnlockOutcome:
    site: Site | None = None
    error: str | None = None
    # When the site was open (perf_counter), and its caseload already loading (see `unlock`).
    opened_at: float | None = None
    caseload: Future[list[CaseloadRow]] | None = None


def _configured_reply_wait() -> int:
    """The config's reply wait (the CLI does not pass it); 10 working days if unreadable."""
    try:
        return load_settings().reply_wait_working_days
    except Exception:
        return 10


class _WaitScreen(Screen[None]):
    """The bottom of the screen stack: seen only while credentials from the environment are checked."""

    def compose(self) -> ComposeResult:
        yield Static("Unlocking…", id="wait-message")


class AhtuiApp(KeysInOrder):
    """The ahtui terminal app for one site file."""

    CSS_PATH = "app.tcss"
    TITLE = "ahtui"
    BINDINGS = keymap.bindings("app")
    # Ours only: Textual's own (theme, screenshot, …) are left out (screens/palette.py).
    COMMANDS = {AhtuiCommands}

    def __init__(
        self,
        site_path: Path,
        *,
        username: str | None = None,
        passphrase: str | None = None,
        idle_lock_seconds: int | None = None,
        today: date | None = None,
        reply_wait_working_days: int | None = None,
    ) -> None:
        super().__init__()
        limit_arenas()  # before Textual's threads start (see ahtui.memory)
        # Textual reads the renderer from the class: every scrollbar, once the app exists.
        ScrollBar.renderer = WholeCellScrollBar
        self.site_path = Path(site_path)
        self.username = username
        # Held only until the first unlock attempt starts.
        self._auto_passphrase = passphrase if username and passphrase else None
        self.idle_lock_seconds = idle_lock_seconds
        self.today = today
        self.reply_wait_working_days = reply_wait_working_days or _configured_reply_wait()
        self.site: Site | None = None
        self.failed_attempts = 0
        self.timings: dict[str, float] = {}
        # Held by anything reading the site off the UI thread, so closing waits for it.
        self.site_lock = threading.RLock()
        self._last_activity = monotonic()
        self._locked_user: str | None = None
        # Remapped keys by action id (see `set_keymap`).
        self.keymap_overrides: dict[str, str] = {}

    # -- start ---------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return _WaitScreen()

    def on_mount(self) -> None:
        if self._auto_passphrase and self.username:
            passphrase, self._auto_passphrase = self._auto_passphrase, None
            self.unlock(self.username, passphrase)
        else:
            self.push_screen(self._unlock_screen())
        if self.idle_lock_seconds:
            self.set_interval(min(5.0, self.idle_lock_seconds / 2), self._check_idle)
        # While the passphrase is being typed, load what the caseload needs (about 0.3 s of
        # imports and this year's bank holidays), so it is not paid after unlocking.
        self.run_worker(self._preload, thread=True, group="preload", exit_on_error=False)

    def _preload(self) -> None:
        # What this imports stays out of the module's imports, so the unlock screen is up
        # before the store (SQLCipher, cryptography) and the screens are loaded.
        from .domain.workdays import bank_holidays
        from .screens import caseload as _caseload_screen  # noqa: F401
        from .store import caseload as _caseload  # noqa: F401

        year = (self.today or date.today()).year
        for y in (year - 1, year, year + 1):
            bank_holidays(y)
        # Then, while the passphrase is still being typed, every other screen, so the first one
        # opened does not wait for its imports. Once Enter is pressed the caseload comes first:
        # `mark("caseload_drawn")` loads them after it is drawn.
        if "unlock_started" not in self.timings:
            self._load_screens()

    def _unlock_screen(self, error: str | None = None) -> Screen:
        return UnlockScreen(
            str(self.site_path),
            username=self.username,
            error=error,
            failed_attempts=self.failed_attempts,
        )

    # -- timing (Posting habit: speed you can see stays fast) ----------------------------
    def mark(self, name: str, at: float | None = None) -> None:
        self.timings[name] = perf_counter() if at is None else at
        if name == "caseload_drawn":
            # Every screen registers for navigation once the caseload is up, not before it is
            # drawn: `_preload` has usually loaded them already, and a key pressed meanwhile
            # waits its turn behind this call.
            self.call_later(self._load_screens)
            if "unlock_started" in self.timings:
                took = self.timings[name] - self.timings["unlock_started"]
                self.log.info(f"unlock to caseload drawn: {took * 1000:.0f} ms")

    def _load_screens(self) -> None:
        # The screens load the store, so they stay out of the app's start.
        from .screens import catalogue as _catalogue  # noqa: F401

        # Python's collector walks every live object on its full passes. The objects made by
        # importing the screens, the store and the rules live as long as the process, so they
        # are set aside once; a full pass during a redraw then costs about half as much
        # (measured: the warm caseload drawn alternated between 55 and 140 ms without this).
        global _IMPORTS_FROZEN
        if not _IMPORTS_FROZEN:
            _IMPORTS_FROZEN = True
            gc.freeze()

    @property
    def unlock_to_drawn_seconds(self) -> float | None:
        try:
            return self.timings["caseload_drawn"] - self.timings["unlock_started"]
        except KeyError:
            return None

    # -- unlock --------------------------------------------------------------------------
    def unlock(self, username: str, passphrase: str) -> None:
        """Open the site as `username` in a thread; the outcome arrives as a worker event."""
        self.username = username
        self.mark("unlock_started")
        path = self.site_path
        # The same user back after a lock returns to their screens; anyone else starts on a
        # new caseload, which starts loading the moment the site is open (see `_unlocked`).
        back = (
            isinstance(self.screen, UnlockScreen)
            and len(self.screen_stack) > 2
            and self._locked_user == username
        )

        def work() -> _UnlockOutcome:
            # The store (SQLCipher, cryptography) loads here, off the UI thread, not at start.
            from .store.site import open_site

            # Every failure becomes a value: an escaping exception would be printed with its
            # local variables, and one of them is the passphrase.
            try:
                site = open_site(path, username, passphrase)
                opened = perf_counter()
                rows = None if back else self._load_caseload(site)
                return _UnlockOutcome(site=site, opened_at=opened, caseload=rows)
            except AhtuiError as exc:
                return _UnlockOutcome(error=exc.message)
            except Exception as exc:
                return _UnlockOutcome(error=f"Could not open the site ({type(exc).__name__}).")

        self.run_worker(
            work,
            thread=True,
            group="unlock",
            exclusive=True,
            description="unlock site",
            exit_on_error=False,
        )

    def _load_caseload(self, site: Site) -> Future[list[CaseloadRow]]:
        """Start reading the caseload in a thread of its own; the caseload screen takes it.

        Started as soon as the site is open, so the read runs while the screen is built.
        """
        future: Future[list[CaseloadRow]] = Future()
        today = self.today

        def load() -> None:
            # Loaded by `_preload` already in all but a race; never at the app's start.
            from .store.caseload import first_page

            try:
                # Held while reading so a lock (ctrl+l) closes the site only after the read.
                with self.site_lock:
                    future.set_result(first_page(site, today=today))
            except BaseException as exc:  # handed to the screen, which shows it
                future.set_exception(exc)

        threading.Thread(target=load, name="caseload-first-load", daemon=True).start()
        return future

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "unlock" or event.state != WorkerState.SUCCESS:
            return
        outcome: _UnlockOutcome = event.worker.result
        if outcome.site is not None:
            await self._unlocked(outcome.site, outcome.opened_at, outcome.caseload)
        else:
            self._unlock_failed(outcome.error or "The site could not be opened.")

    async def _unlocked(
        self,
        site: Site,
        opened_at: float | None = None,
        rows: Future[list[CaseloadRow]] | None = None,
    ) -> None:
        from .screens.caseload import CaseloadScreen

        self.site = site
        self.refresh_bindings()
        self.username = site.user.username
        self.failed_attempts = 0
        # From the moment the site was open, not from when this event came round.
        self.mark("unlocked", opened_at)
        self._last_activity = monotonic()
        locked_by, self._locked_user = self._locked_user, None
        beneath = self.screen_stack[1:-1] if isinstance(self.screen, UnlockScreen) else []
        if beneath and locked_by == site.user.username:
            # The same person again: back to exactly where they were, input and all.
            await self.pop_screen()
            return
        if beneath:
            # Someone else: none of the last user's screens or input stays, and none is shown
            # on the way out (they go from under the unlock screen, which stays on top).
            # Textual has no public call that removes a screen from under the top one (popping
            # would show each on the way down, and the default mode cannot be removed), so
            # this uses its own removal; tests/test_app_shell.py checks the result.
            for old in beneath:
                self._screen_stack.remove(old)
                await self._replace_screen(old)
        screen = CaseloadScreen(site, today=self.today, first_rows=rows)
        if isinstance(self.screen, UnlockScreen):
            await self.switch_screen(screen)
        else:
            await self.push_screen(screen)
        # The store is loaded by now (the site is open); kept out of the app's start.
        from .store.hlc import warning

        clock_ahead = warning(site.conn)
        if clock_ahead:
            self.notify(
                clock_ahead, title="Check the date", severity="warning", timeout=30, markup=False
            )

    def _unlock_failed(self, message: str) -> None:
        self.failed_attempts += 1
        if isinstance(self.screen, UnlockScreen):
            self.screen.show_failure(message, self.failed_attempts)
        else:
            self.push_screen(self._unlock_screen(error=message))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Lock means nothing until a site is open: hide it (False hides, None would grey it out).
        if action == "lock" and self.site is None:
            return False
        return True

    # -- lock and quit -------------------------------------------------------------------
    def _unsaved_forms(self) -> list[Screen]:
        """The open forms holding input not yet saved (under the unlock screen too)."""
        from .widgets.form import FormScreen

        return [s for s in self.screen_stack if isinstance(s, FormScreen) and s.dirty]

    def _ask(self, answer: str, title: str, text: str, label: str, key: str) -> bool:
        """Ask before `answer` (lock or quit) throws typed input at risk; True when asked.

        Pressing the same key again with its question up means yes.
        """
        from .widgets.form import QuestionScreen

        if isinstance(self.screen, QuestionScreen):
            if self.screen.answers[-1][0] == answer:
                return False
            # Another question (a form's own): it holds nothing, this one replaces it.
            self.pop_screen()
        if not self._unsaved_forms():
            return False

        def answered(result: str | None) -> None:
            if result == "lock":
                self.call_later(self._lock)
            elif result == "quit":
                self.call_later(self._quit)

        question = QuestionScreen(
            title, text, [("keep", "Back to the form", "escape"), (answer, label, key)]
        )
        self.push_screen(question, answered)
        return True

    async def action_lock(self) -> None:
        if self.site is None:
            return
        user = self.site.user.username
        if not self._ask(
            "lock",
            "Lock with unsaved input?",
            f"A form has input not yet saved. Locking keeps it in the form, under the lock, "
            f"for {user} to carry on after unlocking; if someone else unlocks, it is discarded.",
            "Lock",
            "l",
        ):
            await self._lock()

    async def _lock(self) -> None:
        from .widgets.form import QuestionScreen

        site = self.site
        if site is None:
            return
        self.site = None
        self._locked_user = site.user.username
        self.refresh_bindings()
        # Help, the palette and a question hold nothing worth keeping; every other screen stays
        # under the unlock screen (which hides it), so unsaved input is there after unlocking.
        transient = HelpScreen | CommandPalette | QuestionScreen
        while len(self.screen_stack) > 1 and isinstance(self.screen, transient):
            await self.pop_screen()
        await self.push_screen(self._unlock_screen())
        self._close_site(site)

    # -- a new key while open (a rekey by another program) ---------------------------------
    def key_changed(self, error: BaseException) -> bool:
        """Whether `error` (or what caused it) says the site file was given a new key since it
        was unlocked here (store/site.py's SiteKeyChanged, or SQLCipher's own failure)."""
        from .store.site import SiteKeyChanged  # loaded already whenever a site is open

        seen: BaseException | None = error
        for _ in range(10):
            if seen is None:
                return False
            if isinstance(seen, SiteKeyChanged):
                return True
            if self.site is not None and self.site.key_changed(seen):
                return True
            seen = seen.__cause__ or seen.__context__
        return False

    def lock_for_new_key(self) -> None:
        """Close the site and ask to unlock again, saying why. Nothing of the screens open
        stays (one may have failed half-way through drawing): after unlocking, the caseload."""
        self.call_later(self._lock_for_new_key)

    async def _lock_for_new_key(self) -> None:
        from .store.site import KEY_CHANGED

        site, self.site = self.site, None
        if site is not None:
            # Not the same user coming back: `_unlocked` starts again from a new caseload.
            self._locked_user = None
            self.refresh_bindings()
            self._close_site(site)
        if isinstance(self.screen, UnlockScreen):
            self.screen.show_failure(KEY_CHANGED, self.failed_attempts)
        else:
            await self.push_screen(self._unlock_screen(error=KEY_CHANGED))

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        # A key press whose read finds the site under a new key: the unlock screen, not a crash.
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as exc:
            if not self.key_changed(exc):
                raise
            self.lock_for_new_key()
            return True

    def _handle_exception(self, error: Exception) -> None:
        # The same failure while a screen draws itself (after the key press that opened it):
        # Textual would end the app here.
        if self.key_changed(error):
            self.lock_for_new_key()
            return
        super()._handle_exception(error)

    def _close_site(self, site: Site) -> None:
        def close() -> None:
            with self.site_lock:
                site.close()
            give_back()

        # In a thread, because it may wait for a caseload still loading.
        self.run_worker(close, thread=True, group="close", description="close site")

    async def action_quit(self) -> None:
        if not self._ask(
            "quit",
            "Quit with unsaved input?",
            "A form has input not yet saved. Quitting now discards it.",
            "Quit and discard",
            "q",
        ):
            await self._quit()

    async def _quit(self) -> None:
        site, self.site = self.site, None
        if site is not None:
            with self.site_lock:
                site.close()
            give_back()
        self.exit()

    def on_unmount(self) -> None:
        if self.site is not None:
            self.site.close()
            self.site = None

    # -- idle lock -----------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._last_activity = monotonic()
        await super().on_event(event)

    async def _check_idle(self) -> None:
        limit = self.idle_lock_seconds
        if limit and self.site is not None and monotonic() - self._last_activity >= limit:
            await self._lock()
            idle = f"{limit // 60} minutes" if limit >= 120 else f"{limit} seconds"
            self.notify(
                f"Locked after {idle} without a key press. Anything you had typed is kept: "
                "unlock to carry on.",
                title="Locked",
            )

    # -- help and palette ----------------------------------------------------------------
    def set_keymap(self, keymap: Keymap) -> None:
        # Kept as given so help and the palette can show the keys as remapped.
        self.keymap_overrides = dict(keymap)
        super().set_keymap(keymap)

    def update_keymap(self, keymap: Keymap) -> None:
        self.keymap_overrides = {**self.keymap_overrides, **keymap}
        super().update_keymap(keymap)

    async def action_show_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            await self.push_screen(HelpScreen(self.screen))

    # -- drawing stored text --------------------------------------------------------------
    def get_line_filters(self) -> Sequence[LineFilter]:
        # Every line any widget draws passes the net that drops control characters.
        return [*super().get_line_filters(), _CONTROL_FILTER]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # A message may quote a stored value (a name, a refusal): never read as markup, and
        # its control characters shown as escapes. Every screen's notify comes here.
        super().notify(
            lines(message), title=one_line(title), severity=severity, timeout=timeout, markup=False
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # None of Textual's: help, lock and quit are the palette's own "App:" commands.
        return iter(())
