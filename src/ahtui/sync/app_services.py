"""What the app's sync and conflicts screens need from the engine, in plain words.

Sits between the screens and `sync.engine` (whose public functions are all it calls): peers
with their fingerprints, the folders bundles go to and come from, writing an exported bundle to
a file, importing several files one by one with a progress callback (a refusal is a result,
never an exception, so one bad file stops nothing), and open conflicts described for a person:
which record and field, both values, which site each came from and when. No Textual here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import AhtuiError, BadInput, ValidationFailed
from ..store.site import Site
from . import engine
from .bundle import SUFFIX

# Plain words for tables and fields (the screens import them from here).
from .labels import COLUMN_LABELS, TABLE_LABELS, column_label, table_label  # noqa: F401


def show_value(value: Any, width: int | None = None) -> str:
    """A stored value as words: empty says so, yes/no for flags left as numbers."""
    if value is None or value == "":
        return "(empty)"
    text = str(value)
    if width is not None and len(text) > width:
        return text[: max(width - 1, 1)] + "…"
    return text


def when(value: str | None) -> str:
    """An ISO timestamp (UTC) as `03 Mar 2025 14:05`; never for a missing one."""
    if not value:
        return "never"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime("%d %b %Y %H:%M")


def _hlc_when(hlc: int) -> str:
    from ..store.hlc import physical_ms

    return datetime.fromtimestamp(physical_ms(int(hlc)) / 1000, UTC).strftime("%d %b %Y %H:%M")


def _short(text: str | None, groups: int = 2) -> str:
    return " ".join((text or "").split()[:groups])


# -- folders ---------------------------------------------------------------------------------


def default_folder(kind: str) -> Path:
    """The inbox or outbox: AHTUI_SYNC_INBOX/OUTBOX, else `[sync] inbox/outbox` in the
    config file, else the current folder."""
    env = os.environ.get(f"AHTUI_SYNC_{kind.upper()}")
    if env:
        return Path(env).expanduser()
    with contextlib.suppress(Exception):
        from ..config import config_path

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


# -- peers and history -----------------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    site_id: str
    name: str
    agency: str
    status: str
    fingerprint: str
    last_sent: str | None
    last_received: str | None
    changes_pending: int
    open_conflicts: int
    # What else an administrator should know about this peer, in plain words.
    notes: tuple[str, ...] = ()

    @property
    def fingerprint_short(self) -> str:
        return _short(self.fingerprint)


def peers(site: Site) -> list[Peer]:
    """Every peer with where sync stands (engine.status) and its key fingerprint."""
    from .keys import peers as key_peers

    prints = {p["site_id"]: p["fingerprint"] for p in key_peers(site)}
    return [
        Peer(
            p["site_id"],
            p["name"],
            p["agency"],
            p["status"],
            prints.get(p["site_id"], ""),
            p["last_sent"],
            p["last_received"],
            int(p["changes_pending"]),
            int(p["open_conflicts"]),
            tuple(peer_notes(p)),
        )
        for p in engine.status(site)
    ]


def peer_notes(p: dict[str, Any]) -> list[str]:
    """Plain lines about one peer of `engine.status`: records waiting for it before they
    leave this site, and a bundle of its refused for its clock."""
    out = []
    if p["waiting_to_leave"]:
        out.append(
            f"{p['waiting_to_leave']} records this site may no longer hold wait until "
            f"{p['name']} has this site's changes to them (they leave after its next bundle)."
        )
    if p["clock_refused_at"]:
        out.append(
            f"Refused a bundle from {p['name']} on {p['clock_refused_at'][:10]}: its changes "
            f"were stamped {p['clock_ahead_hours']} hours ahead of this computer's clock. Check "
            "the date and time on both computers; its next bundle is taken once they agree."
        )
    return out


def clock_warning(site: Site) -> str | None:
    return engine.clock_warning(site)


def open_conflicts(site: Site) -> int:
    return len(engine.conflicts(site))


def history(site: Site, limit: int = 50) -> list[dict[str, Any]]:
    return engine.history(site, limit)


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
    ex = engine.export(site, peer_ref)
    assert ex is not None  # only None when asked to skip empty bundles
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
        r = engine.import_file(site, path)
    except AhtuiError as exc:
        return FileResult(path, "refused", exc.message)
    except Exception as exc:  # the transaction rolled back; say so rather than crash the app
        return FileResult(
            path,
            "refused",
            f"{path.name} could not be imported ({type(exc).__name__}); nothing was applied.",
        )
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


def import_files(
    site: Site,
    paths: Iterable[Path],
    progress: Callable[[int, int, FileResult | None], None] | None = None,
    lock: Any = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[FileResult]:
    """Import files in order; `progress(done, total, last)` after each; `lock` held per file.

    When `should_stop()` turns true (the site was locked meanwhile) the files not yet imported
    are reported as not imported, so the person knows to import them again.
    """
    files = list(paths)
    results: list[FileResult] = []
    if progress:
        progress(0, len(files), None)
    for i, path in enumerate(files, 1):
        if should_stop is not None and should_stop():
            result = FileResult(
                path, "skipped", "not imported: the site was locked first. Import it again."
            )
        else:
            with lock if lock is not None else contextlib.nullcontext():
                result = import_one(site, path)
        results.append(result)
        if progress:
            progress(i, len(files), result)
    return results


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


# -- conflicts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One of the two values: what it is, which site wrote it and when."""

    value: Any
    site_name: str
    at: str
    mine: bool


@dataclass(frozen=True)
class ConflictView:
    id: str
    person_id: str | None
    person_name: str
    kind: str
    table: str
    column: str
    where: str
    current: Side
    """What the record holds now (for a delete conflict: the delete)."""
    lost: Side
    """The value that lost (for a delete conflict: the edit made while it was deleted)."""

    @property
    def mine_is_lost(self) -> bool:
        """'Mine' is the lost value only when this site wrote it and not the current one."""
        return self.lost.mine and not self.current.mine

    def choice_for(self, which: str) -> str:
        """engine.resolve_conflict's choice for 'mine' or 'theirs'."""
        take_lost = self.mine_is_lost if which == "mine" else not self.mine_is_lost
        return "lost" if take_lost else "keep"

    def field_words(self) -> str:
        """The field, with its record's kind unless it is the person's own details."""
        if self.table == "people":
            return column_label(self.column)
        return self.where

    def sides(self) -> tuple[Side, Side]:
        """(mine, theirs)."""
        return (self.lost, self.current) if self.mine_is_lost else (self.current, self.lost)

    def combined(self) -> str:
        """Both values joined, as the starting point for a combined one."""
        parts = []
        for s in self.sides():
            text = "" if s.value is None else str(s.value)
            if text and text not in parts:
                parts.append(text)
        sep = "\n\n" if any("\n" in p for p in parts) else " / "
        return sep.join(parts)


def site_names(site: Site) -> dict[str, str]:
    names = {r["id"]: r["name"] for r in site.query("SELECT id, name FROM sites")}
    names.update(
        {r["site_id"]: r["name"] for r in site.query("SELECT site_id, name FROM sync_peers")}
    )
    names[site.site_id] = site.name
    return names


def _person_name(site: Site, person_id: str | None, table: str) -> str:
    if person_id is None:
        return "Team directory" if table == "practitioners" else "Not about one person"
    row = site.one(
        "SELECT given_name, family_name, preferred_name FROM people WHERE id = ?", (person_id,)
    )
    if row is None:
        return "A person not held at this site"
    return f"{row['family_name']}, {row['preferred_name'] or row['given_name']}"


def _version(site: Site, table: str, row_id: str, column: str) -> tuple[int, str] | None:
    """The version (clock, origin site) of one field as this site holds it."""
    row = site.one(
        "SELECT hlc, origin FROM sync_cols WHERE tbl = ? AND row_id = ? AND col = ?",
        (table, row_id, column),
    )
    if row is None:
        row = site.one(
            "SELECT ins_hlc, ins_origin FROM sync_rows WHERE tbl = ? AND row_id = ?",
            (table, row_id),
        )
    return (int(row[0]), str(row[1])) if row is not None else None


def _current_value(site: Site, table: str, row_id: str, column: str) -> Any:
    from ..store.capture import columns, synced_tables

    if table not in synced_tables(site.conn) or column not in columns(site.conn, table):
        return None
    row = site.one(f'SELECT "{column}" FROM "{table}" WHERE id = ?', (row_id,))
    return None if row is None else row[0]


def conflict_views(site: Site, person_id: str | None = None) -> list[ConflictView]:
    """Open conflicts (one person's, or everyone's), by person, then record and field."""
    names = site_names(site)
    me = site.site_id
    people: dict[str | None, str] = {}
    out = []
    for c in engine.conflicts(site, person_id):
        table, col, rid = c["tbl"], c["col"], c["row_id"]
        if c["person_id"] not in people:
            people[c["person_id"]] = _person_name(site, c["person_id"], table)
        try:
            lost_value = json.loads(c["lost_value"]) if c["lost_value"] is not None else None
        except ValueError:
            lost_value = c["lost_value"]
        lost = Side(
            lost_value,
            names.get(c["lost_origin"], f"site {c['lost_origin'][:8]}"),
            _hlc_when(c["lost_hlc"]),
            c["lost_origin"] == me,
        )
        shown_col = "deleted_at" if c["kind"] == "delete" else col
        version = _version(site, table, rid, shown_col)
        origin = version[1] if version else ""
        current = Side(
            _current_value(site, table, rid, shown_col),
            names.get(origin, f"site {origin[:8]}") if origin else "an unknown site",
            _hlc_when(version[0]) if version else "an unknown time",
            origin == me,
        )
        out.append(
            ConflictView(
                c["id"],
                c["person_id"],
                people[c["person_id"]],
                c["kind"],
                table,
                col,
                f"{table_label(table)}: {column_label(col)}",
                current,
                lost,
            )
        )
    # Engine order (oldest first) is kept within one field; fields in words order.
    out.sort(key=lambda v: (v.person_name.lower(), v.person_id or "", v.where))
    return out


def explain(v: ConflictView) -> str:
    """The conflict in a few plain sentences, naming both sites, both values and the choices."""
    if v.kind == "delete":
        return (
            f"{v.current.site_name} deleted this {table_label(v.table).lower()} record on "
            f"{v.current.at}, while {v.lost.site_name} changed {column_label(v.column)} to "
            f"{show_value(v.lost.value)!s} on {v.lost.at}; neither had seen the other.\n"
            "Keep the edit: the record is restored with the edit. "
            "Accept the delete: the record stays deleted."
        )
    mine, theirs = v.sides()
    lines = [
        f"Two sites changed {column_label(v.column)} at the same time; neither had seen the "
        "other's change.",
        f"Mine   ({_where(mine)}): {show_value(mine.value)}",
        f"Theirs ({_where(theirs)}): {show_value(theirs.value)}",
        f"Shown now: the value from {v.current.site_name}.",
    ]
    return "\n".join(lines)


def _where(s: Side) -> str:
    return f"{'this site, ' if s.mine else ''}{s.site_name}, {s.at}"


def resolve(site: Site, view: ConflictView, how: str, value: str | None = None) -> str:
    """Resolve by 'mine', 'theirs', 'combine' (with `value`), 'restore' or 'delete'."""
    from ..store.capture import not_null_columns

    if view.kind == "delete":
        if how not in {"restore", "delete"}:
            raise BadInput(
                "This record was deleted at one site and changed at another: keep the edit "
                "(restore the record) or accept the delete."
            )
        engine.resolve_conflict(site, view.id, "lost" if how == "restore" else "keep")
        return "Record restored with the edit." if how == "restore" else "Delete accepted."
    if how in {"restore", "delete"}:
        raise BadInput("Only a deleted record can be restored; choose mine, theirs or combine.")
    if how == "combine":
        if value is None and view.column in not_null_columns(site.conn, view.table):
            raise ValidationFailed(
                {"value": f"{column_label(view.column)} cannot be empty; write the value to keep."}
            )
        engine.resolve_conflict(site, view.id, "combine", value)
        return f"{column_label(view.column)} set to the combined value."
    if how not in {"mine", "theirs"}:
        raise BadInput("Choose mine, theirs or combine.")
    engine.resolve_conflict(site, view.id, view.choice_for(how))
    kept = view.sides()[0 if how == "mine" else 1]
    return (
        f"{column_label(view.column)} kept as {show_value(kept.value, 40)} (from {kept.site_name})."
    )


def can_combine(site: Site, view: ConflictView) -> bool:
    """Whether the two values can be joined into one (words, not codes, dates or numbers)."""
    return view.kind != "delete" and engine.combinable(site.conn, view.table, view.column)
