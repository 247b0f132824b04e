"""Sync: the trusted sites and where sync stands with each, bundles sent and received,
exporting a bundle for a site, and importing bundle files with a progress bar.

Import and export run in a worker thread holding the app's site lock (so a lock or quit waits
for them); each imported file gets a plain result line that starts with a word, APPLIED,
ALREADY IMPORTED or REFUSED, never a colour. A refused file is reported with the engine's
message and changes nothing; the others still go ahead.
"""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Label, ProgressBar, Static
from textual.worker import Worker, WorkerState

from .. import keymap
from ..domain.enums import Agency
from ..errors import AhtuiError
from ..sync import conflicts as sync_conflicts
from ..sync import files as sync_files
from ..sync import status as sync_status
from ..sync.labels import when
from ..widgets.form import Field
from ..widgets.shown import Shown, ShownTable, one_line
from . import navigation
from .base import SiteScreen, label

AGENCY_SHORT = {
    "prison": "Prison",
    "probation": "Probation",
    "local_authority": "LA",
    "ces": "CES",
    "hub": "Hub",
}


def short_when(value: str | None) -> str:
    """`3 Mar 14:05` for the tables (the full date is in the detail line)."""

    text = when(value)
    if text == "never" or len(text) < 17:
        return text
    day, month, _year, clock = text.split(" ")
    return f"{int(day)} {month} {clock}"


def size_words(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} kB"
    return f"{n / 1024 / 1024:.1f} MB"


@navigation.screen("sync")
class SyncScreen(SiteScreen):
    DEFAULT_CSS = """
    SyncScreen .sync-label { height: 1; padding: 0 1; text-style: bold; }
    SyncScreen #sync-peers { height: auto; max-height: 7; }
    SyncScreen #sync-peer-detail { height: auto; max-height: 2; padding: 0 1; }
    SyncScreen #sync-history { height: 1fr; min-height: 3; }
    SyncScreen #sync-progress { height: 1; padding: 0 1; }
    SyncScreen #sync-result-box { height: auto; max-height: 6; padding: 0 1; }
    """
    KEY_SCOPES = ("sync",)
    BINDINGS = keymap.bindings("sync")
    HELP_TITLE = "Sync"

    def __init__(self) -> None:
        super().__init__()
        self.peers: list[Any] = []
        self.busy = ""
        self.results: list[Any] = []
        self.last_export: Any = None
        self._files: list[Path] = []
        self._in_folder: str | None = None
        self._out_folder: str | None = None

    def compose(self) -> ComposeResult:
        yield Shown("", id="sync-head", classes="screen-head")
        yield Label("Sites this site trusts", classes="sync-label")
        peers: DataTable[str] = ShownTable(id="sync-peers", cursor_type="row")
        peers.add_columns("Site", "Agency", "Key", "Last sent", "Last recvd", "Pending", "Confl.")
        yield peers
        yield Shown("", id="sync-peer-detail")
        yield Label("Bundles sent and received", classes="sync-label")
        history: DataTable[str] = ShownTable(id="sync-history", cursor_type="row")
        history.add_columns("When", "Direction", "Site", "No.", "Changes", "Size")
        yield history
        bar = ProgressBar(id="sync-progress", show_eta=False)
        bar.display = False
        yield bar
        with VerticalScroll(id="sync-result-box"):
            yield Shown("", id="sync-result")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # Captured here: the worker threads should not reach through the DOM.
        self._site_lock = getattr(self.app, "site_lock", None) or contextlib.nullcontext()
        self.reload()
        self.query_one("#sync-peers", DataTable).focus()

        warning = self.app.site and sync_status.clock_warning(self.site)  # type: ignore[attr-defined]
        self._show_result(
            warning
            or "e writes a bundle for the highlighted site; i imports bundle files or a folder."
        )

    # -- drawing -------------------------------------------------------------------------
    def reload(self) -> None:
        if self.app.site is None:  # type: ignore[attr-defined]
            return
        site = self.site
        self.peers = sync_status.peers(site)
        conflicts = sync_conflicts.open_conflicts(site)
        trusted = sum(1 for p in self.peers if p.status == "trusted")
        agency = label(Agency, site.agency)
        self.query_one("#sync-head", Static).update(
            f"Sync · {one_line(site.name)} ({agency}) · {trusted} trusted "
            f"{'site' if trusted == 1 else 'sites'} · {conflicts} open "
            f"{'conflict' if conflicts == 1 else 'conflicts'} (f)"
        )
        table = self.query_one("#sync-peers", DataTable)
        row = table.cursor_row
        table.clear()
        for p in self.peers:
            revoked = p.status != "trusted"
            table.add_row(
                p.name,
                AGENCY_SHORT.get(p.agency, p.agency),
                p.fingerprint_short,
                short_when(p.last_sent),
                short_when(p.last_received),
                # Nothing is sent to a revoked site: the word says why, in place of a count.
                "REVOKED" if revoked else str(p.changes_pending),
                str(p.open_conflicts),
                key=p.site_id,
            )
        if self.peers:
            table.move_cursor(row=min(row, len(self.peers) - 1))
        self._show_peer_detail()
        history = self.query_one("#sync-history", DataTable)
        history.clear()
        found = sync_status.history(site)
        for b in found:
            history.add_row(
                short_when(b["at"]),
                "Sent to" if b["direction"] == "sent" else "Received from",
                b["peer_name"] or b["peer"][:8],
                str(b["sequence"]),
                str(b["changes"]),
                size_words(int(b["bytes"] or 0)),
                key=b["bundle_id"],
            )
        if not found:
            history.add_row("", "None yet", "", "", "", "")

    def _show_peer_detail(self) -> None:
        detail = self.query_one("#sync-peer-detail", Static)
        p = self._peer()
        if p is None:
            detail.update(
                "No trusted sites yet: exchange site cards (`ahtui keys card`, `ahtui keys trust`)."
            )
            return
        status = "trusted" if p.status == "trusted" else "REVOKED: nothing is sent to it"
        detail.update(
            "\n".join(
                [
                    f"{one_line(p.name)} · {label(Agency, p.agency)} · {status}",
                    f"Key fingerprint: {p.fingerprint}",
                    *p.notes,
                ]
            )
        )

    def _peer(self) -> Any:
        table = self.query_one("#sync-peers", DataTable)
        if not self.peers or table.cursor_row is None:
            return None
        return self.peers[min(max(table.cursor_row, 0), len(self.peers) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "sync-peers":
            self._show_peer_detail()

    def _show_result(self, text: str) -> None:
        self.query_one("#sync-result", Static).update(text)

    def result_text(self) -> str:
        return str(self.query_one("#sync-result", Static).render())

    # -- keys ----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While a bundle is being applied nothing else may write through the same connection.
        if self.busy and action in {"back", "export", "import_bundles", "open_conflicts"}:
            return None
        return True

    def _refuse_busy(self) -> bool:
        if self.busy:
            self.notify(f"Wait: {self.busy} is still running.", markup=False)
        return bool(self.busy)

    def action_back(self) -> None:
        if not self._refuse_busy():
            self.app.pop_screen()

    def action_refresh(self) -> None:
        self.reload()

    def action_open_conflicts(self) -> None:
        if not self._refuse_busy():
            navigation.open_conflicts(self.app)

    def action_export(self) -> None:
        if self._refuse_busy():
            return
        trusted = [p for p in self.peers if p.status == "trusted"]
        if not trusted:
            self.notify(
                "No trusted site to export to: exchange site cards first.",
                severity="warning",
                markup=False,
            )
            return
        chosen = self._peer()
        default_peer = chosen.site_id if chosen in trusted else trusted[0].site_id
        folder = self._out_folder or str(sync_files.default_folder("outbox"))

        def submit(v: dict[str, Any]) -> tuple[str, Path]:
            out = sync_files.check_out_folder(v["folder"])
            return v["peer"], out

        self.open_form(
            "Export a bundle",
            [
                Field(
                    "peer",
                    "For site",
                    "select",
                    default_peer,
                    [
                        (f"{p.name} ({AGENCY_SHORT.get(p.agency, p.agency)})", p.site_id)
                        for p in trusted
                    ],
                    required=True,
                ),  # fmt: skip
                Field("folder", "Write to folder", "text", folder, required=True),
            ],
            submit,
            intro="The bundle holds what that site lacks and may receive (consent decides). "
            "Send the file by your agreed secure route.",
            done=self._start_export,
        )

    def _start_export(self, chosen: tuple[str, Path]) -> None:
        peer_id, folder = chosen
        self._out_folder = str(folder)
        self.busy = "an export"
        self.refresh_bindings()
        self._show_result("Exporting…")
        self.run_worker(
            partial(self._export, self.site, peer_id, folder),
            thread=True,
            group="sync-export",
            exclusive=True,
            description="export bundle",
            exit_on_error=False,
        )

    def _export(self, site: Any, peer_id: str, folder: Path) -> Any:
        with self._site_lock:
            try:
                return sync_files.export_to(site, peer_id, folder)
            except AhtuiError as exc:
                return exc.message

    def action_import_bundles(self) -> None:
        if self._refuse_busy():
            return
        start = self._in_folder or str(sync_files.default_folder("inbox"))
        self.open_form(
            "Import bundles",
            [Field("path", "File or folder", "text", start, required=True)],
            lambda v: sync_files.bundle_files(v["path"]),
            intro="A bundle file, a folder (the inbox: every bundle in it), or a pattern such as "
            "inbox/Alpha-*. Files are imported in name order; ones already imported are "
            "skipped; refused ones change nothing.",
            done=self._start_import,
        )

    def _start_import(self, files: list[Path]) -> None:
        self._in_folder = str(files[0].parent if len(files) > 1 else files[0])
        self.busy = "an import"
        self.refresh_bindings()
        self.results = []
        bar = self.query_one("#sync-progress", ProgressBar)
        bar.update(total=len(files), progress=0)
        bar.display = True
        self._files = files
        self._show_result(f"Importing 1 of {len(files)}: {files[0].name}…")
        self.run_worker(
            partial(self._import, self.site, files),
            thread=True,
            group="sync-import",
            exclusive=True,
            description="import bundles",
            exit_on_error=False,
        )

    def _import(self, site: Any, files: list[Path]) -> list[Any]:
        def progress(done: int, total: int, last: Any) -> None:
            self.app.call_from_thread(self._progress, done, total, last)

        app = self.app
        # Between files: a lock (ctrl+l, or idle) closes the site, so stop there.
        return sync_files.import_files(
            site, files, progress, self._site_lock, lambda: app.site is not site
        )

    def _progress(self, done: int, total: int, last: Any) -> None:
        self.query_one("#sync-progress", ProgressBar).update(total=total, progress=done)
        if last is not None:
            self.results.append(last)
            # Each result one line, whatever the file's name or a peer's holds.
            lines = [one_line(r.line) for r in self.results]
            if done < total:
                lines.append(f"Importing {done + 1} of {total}: {self._files[done].name}…")
            self._show_result("\n".join(lines))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        group = event.worker.group
        if group not in {"sync-import", "sync-export"}:
            return
        if event.state not in {WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED}:
            return
        self.busy = ""
        self.refresh_bindings()
        if event.state == WorkerState.SUCCESS and group == "sync-import":
            self.results = list(event.worker.result or [])
            refused = sum(1 for r in self.results if r.outcome == "refused")
            lines = [sync_files.summary(self.results), *(one_line(r.line) for r in self.results)]
            if refused:
                lines.append("Refused files are left where they are; nothing in them was applied.")
            self._show_result("\n".join(lines))
            self.notify(
                sync_files.summary(self.results),
                title="Some files refused" if refused else "Import finished",
                severity="warning" if refused else "information",
                markup=False,
            )
        elif event.state == WorkerState.SUCCESS:
            ex = event.worker.result
            if isinstance(ex, str):
                self._show_result(f"NOT EXPORTED: {ex}")
                self.notify(ex, title="Not exported", severity="error", markup=False)
            else:
                self.last_export = ex
                text = (
                    f"WROTE {one_line(ex.path.name)}: {ex.changes} changes"
                    + (f", {ex.purges} people to remove" if ex.purges else "")
                    + f" for {one_line(ex.peer_name)}.\nIn folder {one_line(ex.path.parent)}"
                )
                self._show_result(text)
                self.notify(f"Bundle written for {one_line(ex.peer_name)}.", markup=False)
        else:
            error: Any = event.worker.error
            message = getattr(error, "message", None) or "an unexpected error (see the log)"
            self._show_result(f"STOPPED: {message}")
        with contextlib.suppress(AhtuiError):
            self.reload()
