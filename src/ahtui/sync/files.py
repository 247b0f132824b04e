"""Bundle files in and out, for the app's sync screen: the inbox and outbox folders, writing
an exported bundle to a file, and importing several files together with a progress callback
after each (a refusal is a result, never an exception, so one bad file stops nothing).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import config_path
from ..errors import AhtuiError, BadInput, ValidationFailed
from ..store.site import Site
from . import import_batch, incoming, outgoing
from .bundle import SUFFIX


def default_folder(kind: str) -> Path:
    """The inbox or outbox: AHTUI_SYNC_INBOX/OUTBOX, else `[sync] inbox/outbox` in the
    config file, else the current folder."""
    env = os.environ.get(f"AHTUI_SYNC_{kind.upper()}")
    if env:
        return Path(env).expanduser()
    with contextlib.suppress(Exception):
        raw = tomllib.loads(config_path().read_text(encoding="utf-8"))
        value = (raw.get("sync") or {}).get(kind)
        if value:
            return Path(str(value)).expanduser()
    return Path.cwd()


def bundle_files(path_text: str | None, field: str = "path") -> list[Path]:
    """The bundle files a path means: the file itself, every bundle in a folder, or every file
    a pattern in the last part matches (`inbox/Alpha-*`), in name order."""
    if not path_text:
        raise ValidationFailed({field: "Give a bundle file or a folder of bundles."})
    path = Path(path_text).expanduser()
    if any(ch in path.name for ch in "*?["):
        found = sorted(p for p in path.parent.glob(path.name) if p.is_file())
        if not found:
            raise ValidationFailed({field: f"No file matches {path.name} in {path.parent}."})
        return found
    if path.is_dir():
        found = sorted(p for p in path.glob(f"*{SUFFIX}") if p.is_file())
        if not found:
            raise ValidationFailed(
                {field: f"The folder {path} holds no bundles (files ending {SUFFIX})."}
            )
        return found
    if path.is_file():
        return [path]
    raise ValidationFailed({field: f"There is no file or folder {path}; check the path."})


def check_out_folder(path_text: str | None, field: str = "folder") -> Path:
    """A folder a bundle can be written to, made if missing; a plain message otherwise."""
    if not path_text:
        raise ValidationFailed({field: "Give the folder to write the bundle to."})
    folder = Path(path_text).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ValidationFailed({field: f"{folder} is a file, not a folder; give a folder."})
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationFailed(
            {field: f"Cannot make the folder {folder}: {exc.strerror}."}
        ) from exc
    if not os.access(folder, os.W_OK):
        raise ValidationFailed({field: f"The folder {folder} cannot be written to here."})
    return folder


# -- export ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    path: Path
    peer_name: str
    changes: int
    purges: int


def _bundle_name(site_name: str, peer_name: str, sequence: int, bundle_id: str) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in f"{site_name}-to-{peer_name}")
    return f"{safe}-{sequence:06d}-{bundle_id[:8]}{SUFFIX}"


def export_to(site: Site, peer_ref: str, folder: Path) -> Exported:
    """Write the bundle of what one peer lacks into `folder` (complete, or not at all)."""
    folder = check_out_folder(str(folder))
    ex = outgoing.export(site, peer_ref)
    path = folder / _bundle_name(site.name, ex.peer_name, ex.sequence, ex.bundle_id)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(ex.data)
        os.replace(tmp, path)
    except OSError as exc:
        # Recorded as sent, but the peer's acknowledgements decide what the next bundle holds,
        # so exporting again later loses nothing.
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise BadInput(f"Could not write the bundle to {folder}: {exc.strerror}.") from exc
    return Exported(path, ex.peer_name, ex.changes, ex.purges)


# -- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: 'applied', 'already', 'refused' (with the reason), or
    'skipped' (not tried). A refused file is left where it is; nothing of it was applied."""

    path: Path
    outcome: str
    message: str
    changes: int = 0
    conflicts: int = 0

    @property
    def line(self) -> str:
        word = {
            "applied": "APPLIED",
            "already": "ALREADY IMPORTED",
            "refused": "REFUSED",
            "skipped": "NOT IMPORTED",
        }
        return f"{word.get(self.outcome, self.outcome.upper())} {self.path.name}: {self.message}"


def import_one(site: Site, path: Path) -> FileResult:
    """Import one file; a refusal (anything wrong with it) is a result with its message."""
    try:
        r = incoming.import_file(site, path)
    except Exception as exc:
        return _refused(path, exc)
    return _result(path, r)


def _refused(path: Path, exc: Exception) -> FileResult:
    if isinstance(exc, AhtuiError):
        return FileResult(path, "refused", exc.message)
    # Nothing of it stayed (its transaction rolled back): say so rather than crash the app.
    return FileResult(
        path,
        "refused",
        f"{path.name} could not be imported ({type(exc).__name__}); nothing was applied.",
    )


def _result(path: Path, r: incoming.Imported) -> FileResult:
    if r.already:
        return FileResult(path, "already", f"already imported from {r.peer_name}; nothing to do.")
    parts = [f"applied {r.changes} changes from {r.peer_name}"]
    if r.conflicts:
        parts.append(f"{r.conflicts} new conflicts to resolve")
    if r.purges:
        parts.append(f"{r.purges} people removed (consent withdrawn)")
    # Notes say what else the bundle changed here, such as a peer's rotated keys.
    parts.extend(n.rstrip(".") for n in r.notes)
    return FileResult(path, "applied", ", ".join(parts) + ".", r.changes, r.conflicts)


def file_result(outcome: import_batch.Outcome) -> FileResult:
    """One file's outcome of `import_batch.import_each` as a result with its message."""
    if outcome.imported is not None:
        return _result(outcome.path, outcome.imported)
    assert outcome.error is not None
    return _refused(outcome.path, outcome.error)


# With a lock (the app's), each transaction of several files commits after this long, so a
# worker waiting for the site, or a save on the screen, waits no longer than that.
INTERACTIVE_COMMIT_S = 3.0


def import_files(
    site: Site,
    paths: Iterable[Path],
    progress: Callable[[int, int, FileResult | None], None] | None = None,
    lock: Any = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[FileResult]:
    """Import files in order; `progress(done, total, last)` after each; `lock` held while
    they are written (a few seconds at a time).

    They go in together (`import_batch.import_each`): one transaction for many files, yet a
    refused file changes nothing and the others still apply. Should a transaction fail to
    commit (the disk full), `progress` hears again of each of its files, refused with the
    reason, and the results returned say so too.

    When `should_stop()` turns true (the site was locked meanwhile) the files not yet imported
    are reported as not imported, so the person knows to import them again.
    """
    files = list(paths)
    results: list[FileResult | None] = [None] * len(files)
    if progress:
        progress(0, len(files), None)
    # The lock is held across several files now: progress is said from a thread of its own, so
    # a screen that waits for the lock (to close the site) while the import waits for the
    # screen to show its progress cannot hold both up.
    relay = _Relay(progress) if progress and lock is not None else None
    say = relay or progress
    reached = 0

    def each(i: int, outcome: import_batch.Outcome) -> None:
        nonlocal reached
        results[i] = result = file_result(outcome)
        reached = max(reached, i + 1)
        if say:
            say(reached, len(files), result)

    try:
        import_batch.import_each(
            site,
            files,
            each,
            hold=lock,
            should_stop=should_stop,
            seconds_per_commit=INTERACTIVE_COMMIT_S if lock is not None else None,
        )
    finally:
        if relay is not None:
            relay.close()
    out = []
    for i, (path, result) in enumerate(zip(files, results, strict=True), 1):
        if result is None:
            result = FileResult(
                path, "skipped", "not imported: the site was locked first. Import it again."
            )
            if progress:
                progress(i, len(files), result)
        out.append(result)
    return out


class _Relay:
    """A progress callback called in order from a thread of its own; the first error it
    raises is raised again by `close`, once every call before it has been made."""

    def __init__(self, progress: Callable[[int, int, FileResult | None], None]) -> None:
        self._progress = progress
        self._calls: queue.SimpleQueue[tuple[int, int, FileResult | None] | None] = (
            queue.SimpleQueue()
        )
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="import-progress", daemon=True)
        self._thread.start()

    def __call__(self, done: int, total: int, last: FileResult | None) -> None:
        self._calls.put((done, total, last))

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            if self._error is None:
                try:
                    self._progress(*call)
                except BaseException as exc:  # raised in the importing thread, by close
                    self._error = exc

    def close(self) -> None:
        self._calls.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def summary(results: list[FileResult]) -> str:
    counts = {
        k: sum(1 for r in results if r.outcome == k)
        for k in ("applied", "already", "refused", "skipped")
    }
    changes = sum(r.changes for r in results)
    text = (
        f"{len(results)} {'file' if len(results) == 1 else 'files'}: {counts['applied']} "
        f"applied ({changes} changes), {counts['already']} already imported, "
        f"{counts['refused']} refused."
    )
    if counts["skipped"]:
        text += f" {counts['skipped']} not imported (the site was locked)."
    return text
