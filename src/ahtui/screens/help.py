"""The help modal (F1): the keys of the screen underneath, read from the keymap registry.

Keys are shown as they are bound now, so a site's remapped keys appear here rather than the
defaults. Escape or F1 closes it.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen

from .. import keymap
from ..widgets.shown import Shown

_SCOPE_TITLES = {
    "app": "Everywhere",
    "unlock": "Unlock",
    "caseload": "Caseload",
    "caseload.list": "In the list",
    "person": "Person",
    "consent": "Consent",
    "team": "Team and contacts",
    "actions": "Actions log",
    "notes": "Case notes",
    "emails": "Template emails",
    "form": "Form",
    "meetings": "Meetings",
    "meetings.runner": "Meeting runner",
    "plan": "My Plan",
    "plan.versions": "Agreed versions",
    "assessment": "Combined Assessment",
    "assessment.area": "Assessment area",
    "network": "Support network",
    "release": "Release day and remand",
    "exports": "Export",
    "sync": "Sync",
    "conflicts": "Conflicts",
}


def key_rows(screen: Screen) -> list[tuple[str, str, str, str]]:
    """(scope title, keys as shown, action, help) for every key the screen answers to."""
    app = screen.app
    rows = []
    for action in keymap.actions(keymap.screen_scopes(screen)):
        keys = keymap.effective_keys(app, action)
        shown = " / ".join(app.get_key_display(Binding(k, action.action)) for k in keys)
        rows.append(
            (_SCOPE_TITLES.get(action.scope, action.scope), shown, action.description, action.help)
        )
    return rows


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the screen it was opened over."""

    KEY_SCOPES = ("help",)
    BINDINGS = keymap.bindings("help")

    def __init__(self, target: Screen) -> None:
        super().__init__()
        self._target = target
        self.rows = key_rows(target)

    def compose(self) -> ComposeResult:
        title = getattr(self._target, "HELP_TITLE", None) or _SCOPE_TITLES.get(
            keymap.screen_scopes(self._target)[0], "ahtui"
        )
        with VerticalScroll(id="help-box") as box:
            box.border_title = f"Keys: {title}"
            box.border_subtitle = "Escape closes"
            yield Shown(self._table(), id="help-keys")

    def _table(self) -> Table:
        table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
        table.add_column("keys", no_wrap=True, style="bold")
        table.add_column("action", no_wrap=True)
        table.add_column("help", ratio=1)
        last_group = None
        for group, keys, action, help_text in self.rows:
            if group != last_group:
                if last_group is not None:
                    table.add_row("", "", "")
                table.add_row(Text(group, style="bold underline"), "", "")
                last_group = group
            table.add_row(keys, action, help_text)
        return table

    def on_mount(self) -> None:
        self.query_one("#help-box").focus()

    def action_close(self) -> None:
        self.dismiss(None)
