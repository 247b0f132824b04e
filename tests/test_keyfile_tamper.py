"""A damaged or edited key file (`<site>.keys`) is refused at once, in one line, with exit code 2.

Real site files in a temp folder; the key file's JSON is edited on disk, then opened through
`open_site` and through the real CLI in a subprocess. Key stretching is made to fail the test
while the file is refused, so a refusal that stretched first (an absurd scrypt cost takes
gigabytes and minutes) cannot pass. The key pair fields of an entry and the entries of a
pending rekey are held to the same exact field sets, lengths and ranges.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from conftest import ADMIN, PASSPHRASE, copy_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import run_sub

from ahtui.errors import KeyFileDamaged, NotASite, SiteOpenError
from ahtui.store import keyring
from ahtui.store.site import init_site, open_site

Edit = Callable[[dict[str, Any]], Any]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keyfile") / "site.ahtui"
    init_site(
        path, name="HMP Testbridge", agency="prison", admin=ADMIN, passphrase=PASSPHRASE
    ).close()
    return path


@pytest.fixture
def fresh(template: Path, tmp_path: Path) -> Path:
    return copy_site(template, tmp_path)


def _b64(n: int) -> str:
    return base64.b64encode(b"\x01" * n).decode()


def _entry(data: dict[str, Any]) -> dict[str, Any]:
    return next(iter(data["users"].values()))


def _set(field: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        _entry(data)[field] = value

    return edit


def _drop(field: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        del _entry(data)[field]

    return edit


def _top(field: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        data[field] = value

    return edit


def _drop_top(field: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        del data[field]

    return edit


def _rename_entry(data: dict[str, Any]) -> None:
    data["users"] = {"not-a-user-tag": _entry(data)}


_GONE = object()  # a field to remove rather than set


def _pending(tag: str | None = None, **fields: Any) -> Edit:
    """Add a pending rekey holding a copy of the first user's entry, with `fields` changed."""

    def edit(data: dict[str, Any]) -> None:
        first, entry = next(iter(data["users"].items()))
        pending = dict(entry)
        for field, value in fields.items():
            if value is _GONE:
                del pending[field]
            else:
                pending[field] = value
        data["rekey"] = {"users": {tag or first: pending}}

    return edit


# Each edit returns None (the dict was changed in place), or the new text/bytes of the whole file.
TAMPERED: dict[str, Edit] = {
    "log2n -1": _set("log2n", -1),
    "log2n 0": _set("log2n", 0),
    "log2n 13 (below the floor)": _set("log2n", keyring.MIN_LOG2N - 1),
    "log2n 21 (above the ceiling)": _set("log2n", keyring.MAX_LOG2N + 1),
    "log2n 24": _set("log2n", 24),
    "log2n 31": _set("log2n", 31),
    "log2n 64": _set("log2n", 64),
    "log2n huge": _set("log2n", 10**40),
    "log2n as text": _set("log2n", "14"),
    "log2n true": _set("log2n", True),
    "log2n 14.0": _set("log2n", 14.0),
    "log2n null": _set("log2n", None),
    "r 1": _set("r", 1),
    "r huge": _set("r", 2**30),
    "p 16": _set("p", 16),
    "p true": _set("p", True),
    "kdf argon2": _set("kdf", "argon2"),
    "salt too short": _set("salt", _b64(8)),
    "salt too long": _set("salt", _b64(64)),
    "salt empty": _set("salt", ""),
    "salt not base64": _set("salt", "not base64 at all!!"),
    "salt a number": _set("salt", 12345),
    "salt a list": _set("salt", [1, 2, 3]),
    "nonce too short": _set("nonce", _b64(8)),
    "wrapped too short": _set("wrapped", _b64(32)),
    "wrapped too long": _set("wrapped", _b64(4096)),
    "wrapped bad padding": _set("wrapped", "AAAA="),
    "wrapped non-ascii": _set("wrapped", "é" * 64),
    "public too short": _set("public", _b64(16)),
    "public too long": _set("public", _b64(33)),
    "public not base64": _set("public", "not base64 at all!!"),
    "public a number": _set("public", 7),
    "sealed too short": _set("sealed", _b64(keyring.SEALED_BYTES - 1)),
    "sealed too long": _set("sealed", _b64(keyring.SEALED_BYTES + 1)),
    "sealed empty": _set("sealed", ""),
    "binding too short": _set("binding", _b64(31)),
    "binding null": _set("binding", None),
    "entry missing public": _drop("public"),
    "entry missing sealed": _drop("sealed"),
    "entry missing binding": _drop("binding"),
    "a key-pair entry in a version 1 file": _top("version", 1),
    "a pending rekey in a version 1 file": lambda d: _pending()(d) or d.update(version=1),
    "pending rekey a list": _top("rekey", []),
    "pending rekey null": _top("rekey", None),
    "pending rekey without users": _top("rekey", {}),
    "pending rekey with an extra field": _top("rekey", {"users": {}, "extra": 1}),
    "pending rekey users a list": _top("rekey", {"users": []}),
    "pending entry without a key pair": _pending(public=_GONE, sealed=_GONE, binding=_GONE),
    "pending entry missing its binding": _pending(binding=_GONE),
    "pending entry with an extra field": _pending(extra="x"),
    "pending entry for a user not in the file": _pending("0" * 64),
    "pending entry name not a user tag": _pending("not-a-user-tag"),
    "pending entry with another salt": _pending(salt=_b64(16)),
    "pending entry with another public key": _pending(public=_b64(32)),
    "pending entry with another wrapped key": _pending(wrapped=_b64(keyring.WRAPPED_BYTES)),
    "pending entry log2n 31": _pending(log2n=31),
    "pending entry sealed too short": _pending(sealed=_b64(keyring.SEALED_BYTES - 1)),
    "pending entry binding not base64": _pending(binding="%%%%"),
    "entry missing salt": _drop("salt"),
    "entry missing log2n": _drop("log2n"),
    "entry with an extra field": _set("extra", "x"),
    "entry a list": lambda d: d["users"].update({k: [] for k in d["users"]}),
    "entry a string": lambda d: d["users"].update({k: "x" for k in d["users"]}),
    "entry name not a user tag": _rename_entry,
    "users a list": _top("users", []),
    "users missing": _drop_top("users"),
    "user_salt too short": _top("user_salt", _b64(4)),
    "user_salt not base64": _top("user_salt", "%%%%"),
    "site_id a number": _top("site_id", 7),
    "site_id empty": _top("site_id", ""),
    "site_id with a newline": _top("site_id", "a\nb"),
    "site_id huge": _top("site_id", "x" * 10_000),
    "format wrong": _top("format", "something-else"),
    "format missing": _drop_top("format"),
    "version 0": _top("version", 0),
    "version -1": _top("version", -1),
    "version as text": _top("version", "1"),
    "version true": _top("version", True),
    "version missing": _drop_top("version"),
    "an extra top-level field": _top("extra", 1),
    "a list instead of an object": lambda d: json.dumps([d]),
    "a string instead of an object": lambda d: json.dumps("hello"),
    "null": lambda d: "null",
    "not JSON": lambda d: "{not json",
    "empty": lambda d: "",
    "truncated": lambda d: json.dumps(d)[:40],
    "not UTF-8": lambda d: b"\xff\xfe" + json.dumps(d).encode(),
    "NaN": lambda d: json.dumps(d).replace('"log2n": 14', '"log2n": NaN'),
    "a duplicated field": lambda d: json.dumps(d).replace(
        '"log2n": 14', '"log2n": 14, "log2n": 64'
    ),
    "nested too deep": lambda d: "[" * 200_000 + "]" * 200_000,
    "huge file": lambda d: json.dumps({**d, "padding": "x" * (keyring.MAX_KEYRING_BYTES + 1)}),
}


def _keys(path: Path) -> Path:
    return keyring.keyring_path(path)


def _tamper(path: Path, edit: Edit) -> None:
    data = json.loads(_keys(path).read_text())
    assert _entry(data)["log2n"] == 14  # the tests' cost, so the text edits above find it
    out = edit(data)
    if out is None:
        out = json.dumps(data)
    if isinstance(out, str):
        out = out.encode("utf-8")
    _keys(path).write_bytes(out)


def _no_stretching(*_: object) -> bytes:
    raise AssertionError("the key file was stretched before it was checked")


def test_an_untouched_key_file_opens(fresh: Path) -> None:
    _tamper(fresh, lambda d: None)  # rewritten through json.dumps, same content
    open_site(fresh, ADMIN, PASSPHRASE).close()


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_tampered_key_file_is_refused_at_once(
    fresh: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tamper(fresh, TAMPERED[case])
    monkeypatch.setattr(keyring, "derive_kek", _no_stretching)
    started = time.perf_counter()
    with pytest.raises(KeyFileDamaged) as err:
        open_site(fresh, ADMIN, PASSPHRASE)
    assert time.perf_counter() - started < 0.5
    assert err.value.exit_code == 2
    message = err.value.message
    assert "\n" not in message and "\r" not in message
    assert "damaged or was changed" in message
    assert "site.ahtui.keys" in message and "backup" in message


def test_a_newer_version_asks_for_a_newer_ahtui(fresh: Path) -> None:
    _tamper(fresh, _top("version", keyring.VERSION + 1))
    with pytest.raises(NotASite) as err:
        open_site(fresh, ADMIN, PASSPHRASE)
    assert not isinstance(err.value, KeyFileDamaged)
    assert "newer ahtui" in err.value.message and err.value.exit_code == 2


def test_every_cost_ahtui_writes_is_allowed_on_read(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read range is exactly what `kdf_log2n()` can write, whatever AHTUI_KDF_LOG2N says,
    and every cost in it passes the check (stretching stubbed: 2**20 is a gigabyte)."""
    written = set()
    for raw in ["", "x", "-5", "0", "13", "24", "31", "64", "999"] + [str(n) for n in range(30)]:
        monkeypatch.setenv("AHTUI_KDF_LOG2N", raw)
        written.add(keyring.kdf_log2n())
    allowed = set(range(keyring.MIN_LOG2N, keyring.MAX_LOG2N + 1))
    assert written == allowed == set(range(14, 21))
    for log2n in sorted(allowed):
        _tamper_cost(fresh, log2n)
        ring = keyring.load_keyring(fresh)
        assert next(iter(ring.entries.values()))["log2n"] == log2n


def _tamper_cost(path: Path, log2n: int) -> None:
    data = json.loads(_keys(path).read_text())
    _entry(data)["log2n"] = log2n
    _keys(path).write_text(json.dumps(data))


def test_the_supervisors_hash_uses_the_public_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    from ahtui import supervisors

    monkeypatch.setenv("AHTUI_KDF_LOG2N", "14")
    assert supervisors.hash_password("a long enough password").startswith("scrypt$14$8$1$")


CLI_CASES = [
    "log2n -1",
    "log2n 13 (below the floor)",
    "log2n 24",
    "log2n 31",
    "log2n 64",
    "log2n as text",
    "log2n true",
    "salt too short",
    "salt not base64",
    "public too short",
    "sealed too long",
    "a key-pair entry in a version 1 file",
    "pending rekey a list",
    "pending entry with another public key",
    "pending entry log2n 31",
    "wrapped too short",
    "entry missing salt",
    "users a list",
    "a list instead of an object",
    "not JSON",
    "not UTF-8",
    "nested too deep",
    "huge file",
]


@pytest.mark.parametrize("case", CLI_CASES)
def test_the_cli_refuses_a_tampered_key_file_in_one_line(fresh: Path, case: str) -> None:
    _tamper(fresh, TAMPERED[case])
    started = time.perf_counter()
    r = run_sub("check", "--site", fresh, "--user", ADMIN, AHTUI_PASSPHRASE=PASSPHRASE)
    assert time.perf_counter() - started < 10
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "damaged or was changed" in lines[0] and "backup" in lines[0]
    assert r.stdout == ""


# -- any edit of one entry: it opens, or it is refused in one line ---------------------------

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=80),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
_values = (
    _json
    | st.integers(min_value=-2, max_value=70)
    | st.binary(max_size=80).map(lambda b: base64.b64encode(b).decode())
)
_DROP = object()  # remove the field instead of setting it
_fields = st.sampled_from(sorted(keyring.ENTRY_FIELDS) + ["extra"])


def _cheap_stretch(real: Callable[..., bytes]) -> Callable[..., bytes]:
    """Stretch at the floor whatever the file says, after checking the file's cost was sane."""

    def stretch(passphrase: str, salt: bytes, log2n: int) -> bytes:
        assert type(log2n) is int and keyring.MIN_LOG2N <= log2n <= keyring.MAX_LOG2N
        return real(passphrase, salt, keyring.MIN_LOG2N)

    return stretch


def _open_or_refuse(path: Path) -> None:
    with mock.patch.object(keyring, "derive_kek", _cheap_stretch(keyring.derive_kek)):
        try:
            open_site(path, ADMIN, PASSPHRASE, audit_unlock=False).close()
        except SiteOpenError as exc:
            assert exc.exit_code == 2
            assert "\n" not in exc.message and exc.message.strip()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(st.tuples(_fields, st.just(_DROP) | _values), min_size=1, max_size=3))
def test_any_edit_of_an_entry_opens_or_is_refused_in_one_line(
    fresh: Path, edits: list[tuple[str, Any]]
) -> None:
    original = _keys(fresh).read_bytes()
    try:
        data = json.loads(original)
        entry = _entry(data)
        for field, value in edits:
            if value is _DROP:
                entry.pop(field, None)
            else:
                entry[field] = value
        _keys(fresh).write_text(json.dumps(data))
        _open_or_refuse(fresh)
    finally:
        _keys(fresh).write_bytes(original)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_damage_to_the_bytes_opens_or_is_refused_in_one_line(
    fresh: Path, data: st.DataObject
) -> None:
    original = _keys(fresh).read_bytes()
    raw = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        how = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if how == "flip":
            raw[at] = data.draw(st.integers(0, 255))
        elif how == "cut":
            del raw[at:]
            if not raw:
                break
        else:
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    try:
        _keys(fresh).write_bytes(bytes(raw))
        _open_or_refuse(fresh)
    finally:
        _keys(fresh).write_bytes(original)


def test_a_key_file_that_is_not_a_regular_file_is_refused(fresh: Path) -> None:
    _keys(fresh).unlink()
    os.mkfifo(_keys(fresh))
    started = time.perf_counter()
    with pytest.raises(KeyFileDamaged) as err:
        open_site(fresh, ADMIN, PASSPHRASE)
    assert time.perf_counter() - started < 0.5
    assert "not a regular file" in err.value.message


# -- the key pair fields and a pending rekey, edited at random --------------------------------


@pytest.fixture
def stopped(fresh: Path) -> Path:
    """A site whose key file holds a pending rekey (the file not yet rewritten)."""
    ring = keyring.load_keyring(fresh)
    old_key = ring.unwrap(ADMIN, PASSPHRASE)
    pending = {ring.user_tag(ADMIN): ring.resealed(ADMIN, old_key, bytes(range(32)))}
    keyring.save_keyring(fresh, ring.begin_rekey(pending))
    return fresh


def test_an_untouched_pending_rekey_is_undone_at_unlock(stopped: Path) -> None:
    old_key = keyring.load_keyring(stopped).unwrap(ADMIN, PASSPHRASE)
    site = open_site(stopped, ADMIN, PASSPHRASE)
    assert site.data_key == old_key
    site.close()
    assert keyring.load_keyring(stopped).pending is None


_pending_fields = st.sampled_from(sorted(keyring.ENTRY_FIELDS) + ["extra"])


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(st.tuples(_pending_fields, st.just(_DROP) | _values), min_size=1, max_size=3))
def test_any_edit_of_a_pending_entry_opens_or_is_refused_in_one_line(
    stopped: Path, edits: list[tuple[str, Any]]
) -> None:
    original = _keys(stopped).read_bytes()
    try:
        data = json.loads(original)
        entry = next(iter(data["rekey"]["users"].values()))
        for field, value in edits:
            if value is _DROP:
                entry.pop(field, None)
            else:
                entry[field] = value
        _keys(stopped).write_text(json.dumps(data))
        _open_or_refuse(stopped)
    finally:
        _keys(stopped).write_bytes(original)
