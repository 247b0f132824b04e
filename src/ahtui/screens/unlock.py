"""The unlock screen: user name and passphrase for one site file.

The screen only collects the two values and shows the outcome; `AhtuiApp.unlock` does the
slow key derivation in a thread so the terminal stays responsive. The passphrase is taken out
of its input as soon as it is submitted and is never logged, shown or kept on the screen.
"""

from __future__ import annotations

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from .. import keymap
from ..widgets.shown import Shown, one_line


class UnlockScreen(Screen[None]):
    """Ask for a user name and passphrase; show errors and the count of failed attempts."""

    KEY_SCOPES = ("unlock",)
    BINDINGS = keymap.bindings("unlock")
    AUTO_FOCUS = None  # on_mount picks the empty field

    def __init__(
        self,
        site_label: str,
        *,
        username: str | None = None,
        error: str | None = None,
        failed_attempts: int = 0,
    ) -> None:
        super().__init__()
        self._site_label = site_label
        self._username = username or ""
        self._error = error
        self._failed = failed_attempts
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-box"):
            yield Shown("Unlock site", id="unlock-title")
            yield Shown(f"Site file: {one_line(self._site_label)}", id="unlock-site")
            yield Label("User name", classes="field-label")
            yield Input(self._username, id="username", placeholder="your user name")
            yield Label("Passphrase", classes="field-label")
            yield Input(id="passphrase", password=True, placeholder="your passphrase")
            yield Shown("", id="unlock-status")
            yield Shown("", id="unlock-failed")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show(self._error, self._failed)
        field = "#passphrase" if self._username else "#username"
        self.set_focus(self.query_one(field, Input))

    # -- outcome, called by the app ------------------------------------------------------
    def show_busy(self) -> None:
        self.busy = True
        self.query_one("#unlock-status", Static).update("Unlocking…")
        self.query_one("#unlock-status").set_class(False, "-error")
        for field in self.query(Input):
            field.disabled = True

    def show_failure(self, message: str, failed_attempts: int) -> None:
        self.busy = False
        for field in self.query(Input):
            field.disabled = False
        self._show(message, failed_attempts)
        self.set_focus(self.query_one("#passphrase", Input))

    def _show(self, message: str | None, failed_attempts: int) -> None:
        status = self.query_one("#unlock-status", Static)
        status.update(message or "")
        status.set_class(bool(message), "-error")
        failed = self.query_one("#unlock-failed", Static)
        failed.update(
            f"Failed attempts: {failed_attempts}" if failed_attempts else "",
        )

    # -- input ---------------------------------------------------------------------------
    def action_submit(self) -> None:
        """Enter: a priority key, handled in the order keys arrive."""
        username = self.query_one("#username", Input)
        if self.focused is username:
            # set_focus, not focus(): it takes effect before the next key is routed.
            self.set_focus(self.query_one("#passphrase", Input))
            return
        # Let the passphrase field take Enter itself, after every key typed before it.
        raise SkipAction()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "passphrase":
            self._try_unlock()

    def _try_unlock(self) -> None:
        if self.busy:
            return
        username = self.query_one("#username", Input).value.strip()
        field = self.query_one("#passphrase", Input)
        passphrase = field.value
        # Out of the widget at once: nothing on screen holds the passphrase after Enter.
        field.value = ""
        if not username:
            self._show("Enter your user name.", self._failed_count())
            self.set_focus(self.query_one("#username", Input))
            return
        if not passphrase:
            self._show("Enter your passphrase.", self._failed_count())
            self.set_focus(field)
            return
        self.show_busy()
        self.app.unlock(username, passphrase)  # type: ignore[attr-defined]

    def _failed_count(self) -> int:
        return getattr(self.app, "failed_attempts", 0)
