"""The bundle file: a signed plaintext header, the sealed changes, the sender's signature.

docs/bundle-format.md describes it for an auditor, with known-answer vectors that
tests/test_bundle_vectors.py checks against this code. Layout (all lengths big-endian, the
whole file signed):

    MAGIC (14 bytes) | header length (4) | header JSON | body length (8) | body | Ed25519 sig (64)

The header holds no personal data: format and schema versions, from, to, the recipient key it
is sealed to, bundle id, sequence and the sender's change range. The body is the zlib-packed
JSON payload sealed to the recipient: an ephemeral X25519 key agreed with the recipient's key,
HKDF-SHA256, then AES-256-GCM with the header as associated data. The signature covers every
byte before it, so any flipped bit or cut-off end is refused before anything is decrypted.

A large bundle (format 4, more than CHUNK_ROWS rows) seals its body in chunks instead, each
zlib-packed JSON sealed on its own (STREAM: the chunk's number and a "last" flag in its
nonce), so it can be opened a chunk at a time in bounded memory: the first chunk is the
payload less its tables, each further one a slice of one table's rows. A chunk moved, left
out, repeated or cut off fails its tag even under a valid signature. A small bundle stays
format 3, which older ahtui reads.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import BundleRefused
from .keys import Identity, b64, unb64

MAGIC = b"AHTUI-BUNDLE1\n"
# 3: consent decisions travel as notices, withheld notes with their version (ahtui.sync.sharing);
# 2: rows by column; 1: rows one by one. This ahtui reads all three.
# 4: the body sealed in chunks (a bundle of more than CHUNK_ROWS rows; smaller ones stay 3).
FORMAT = 4
SMALL_FORMAT = 3
# Rows of one table per chunk: a chunk opens to a few MB, whatever the bundle's size.
CHUNK_ROWS = 20_000
SUFFIX = ".ahtuib"
SIG_BYTES = 64
# A header is a few hundred bytes (more with a long chain of key rotations).
MAX_HEADER_BYTES = 1 << 20


def _derive(
    shared: bytes, eph_public: bytes, recipient_public: bytes, label: bytes = b"ahtui-bundle-v1"
) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=label + b"\0" + eph_public + recipient_public,
    ).derive(shared)


# Format 4 keys are derived under their own label: a chunk can never be opened as a format 3
# body or the other way round.
_CHUNKED_LABEL = b"ahtui-bundle-v4"


def _chunk_nonce(nonce: bytes, index: int, last: bool) -> bytes:
    return nonce[:7] + struct.pack(">I", index) + (b"\1" if last else b"\0")


def _pack(part: Any) -> bytes:
    return zlib.compress(json.dumps(part, separators=(",", ":")).encode(), 6)


def _slices(block: dict[str, Any], size: int) -> Iterator[dict[str, Any]]:
    """A table's block cut into blocks of at most `size` rows (every per-row list sliced)."""
    n = block["n"]
    if n <= size:
        yield block
        return
    for at in range(0, n, size):
        part: dict[str, Any] = {}
        for key, value in block.items():
            if key == "values":
                part[key] = [None if c is None else c[at : at + size] for c in value]
            elif isinstance(value, list) and key != "cols":
                part[key] = value[at : at + size]
            else:
                part[key] = value
        part["n"] = min(size, n - at)
        # A column empty in every row of this slice is sent as null, as in a whole block.
        part["values"] = [
            None if c is None or c.count(None) == len(c) else c for c in part["values"]
        ]
        yield part


def _rows_in(payload: dict[str, Any]) -> int:
    """The rows of a payload whose blocks can be sliced (by column, counted); 0 if any cannot
    (a hand-made payload, as the tests seal, stays whole)."""
    tables = payload.get("tables") or {}
    blocks: list[Any] = list(tables.values()) if isinstance(tables, dict) else [None]
    if not all(
        isinstance(b, dict) and isinstance(b.get("n"), int) and isinstance(b.get("values"), list)
        for b in blocks
    ):
        return 0
    return sum(b["n"] for b in blocks)


def seal(
    header: dict[str, Any],
    payload: dict[str, Any],
    me: Identity,
    recipient_enc: bytes,
    *,
    ephemeral: X25519PrivateKey | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """The bundle's bytes. `ephemeral` and `nonce` are fresh and random unless given (only the
    known-answer test vectors give them)."""
    eph = ephemeral or X25519PrivateKey.generate()
    eph_public = eph.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_enc))
    key = _derive(shared, eph_public, recipient_enc)
    nonce = nonce or os.urandom(12)
    chunked = _rows_in(payload) > CHUNK_ROWS
    header = {
        **header,
        "format": FORMAT if chunked else SMALL_FORMAT,
        "to_key": b64(recipient_enc),
        "ephemeral": b64(eph_public),
        "nonce": b64(nonce),
    }
    head = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    if chunked:
        body = _seal_chunks(shared, eph_public, recipient_enc, nonce, head, payload)
    else:
        body = AESGCM(key).encrypt(nonce, _pack(payload), head)
    signed = MAGIC + struct.pack(">I", len(head)) + head + struct.pack(">Q", len(body)) + body
    return signed + me.sign(signed)


def _seal_chunks(
    shared: bytes,
    eph_public: bytes,
    recipient_enc: bytes,
    nonce: bytes,
    head: bytes,
    payload: dict[str, Any],
) -> bytes:
    aead = AESGCM(_derive(shared, eph_public, recipient_enc, _CHUNKED_LABEL))
    parts: list[Any] = [{k: v for k, v in payload.items() if k != "tables"}]
    for table, block in (payload.get("tables") or {}).items():
        parts.extend({"t": table, "b": part} for part in _slices(block, CHUNK_ROWS))
    out = []
    for i, part in enumerate(parts):
        sealed = aead.encrypt(_chunk_nonce(nonce, i, i == len(parts) - 1), _pack(part), head)
        out.append(struct.pack(">I", len(sealed)) + sealed)
    return b"".join(out)


@dataclass(frozen=True)
class Parsed:
    header: dict[str, Any]
    head: bytes
    body: Any  # bytes, or a view of a mapped file
    signed: Any
    signature: Any


def parse(data: Any, name: str) -> Parsed:
    """Split a file into its parts; refuse anything that is not a whole bundle. `data` is the
    bytes, or a buffer (a mapped file): the parts are then views of it, not copies."""
    if not isinstance(data, bytes):
        data = memoryview(data)
    if bytes(data[: len(MAGIC)]) != MAGIC:
        if MAGIC.startswith(bytes(data[: len(MAGIC)])) and len(data):
            raise BundleRefused(f"{name} is truncated: it ends before its header.")
        raise BundleRefused(f"{name} is not an ahtui sync bundle.")
    at = len(MAGIC)
    try:
        (hlen,) = struct.unpack_from(">I", data, at)
        if hlen > MAX_HEADER_BYTES:
            raise BundleRefused(f"{name} is damaged: its header says it is {hlen:,} bytes long.")
        at += 4
        head = data[at : at + hlen]
        at += hlen
        (blen,) = struct.unpack_from(">Q", data, at)
        at += 8
    except struct.error as exc:
        raise BundleRefused(f"{name} is truncated or damaged: its header is incomplete.") from exc
    if len(head) != hlen or len(data) != at + blen + SIG_BYTES:
        raise BundleRefused(
            f"{name} is truncated or damaged: its length does not match what its header says."
        )
    header = _header(bytes(head), name)
    return Parsed(header, bytes(head), data[at : at + blen], data[: at + blen], data[at + blen :])


def signed_by(parsed: Parsed, sign_public: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(sign_public).verify(parsed.signature, parsed.signed)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(parsed: Parsed, sign_public: bytes, name: str) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(sign_public).verify(parsed.signature, parsed.signed)
    except InvalidSignature as exc:
        raise BundleRefused(
            f"{name} has been changed or damaged since it was signed; nothing was applied. "
            "Ask the sender for a fresh bundle."
        ) from exc


def read_head(f: Any, size: int, name: str) -> dict[str, Any]:
    """The header of a bundle file open as `f` (`size` bytes long), read without the rest of
    it, after checking the file is as long as the header says. Raises BundleRefused."""
    start = f.read(len(MAGIC) + 4)
    if len(start) < len(MAGIC) + 4 or not start.startswith(MAGIC):
        parse(start, name)  # says which: not a bundle, or cut short
        raise BundleRefused(f"{name} is truncated: it ends before its header.")
    (hlen,) = struct.unpack(">I", start[len(MAGIC) :])
    if hlen > MAX_HEADER_BYTES:
        raise BundleRefused(f"{name} is damaged: its header says it is {hlen:,} bytes long.")
    head = f.read(hlen)
    blen_bytes = f.read(8)
    if len(head) != hlen or len(blen_bytes) != 8:
        raise BundleRefused(f"{name} is truncated or damaged: its header is incomplete.")
    (blen,) = struct.unpack(">Q", blen_bytes)
    if size != len(MAGIC) + 4 + hlen + 8 + blen + SIG_BYTES:
        raise BundleRefused(
            f"{name} is truncated or damaged: its length does not match what its header says."
        )
    return _header(head, name)


def _header(head: bytes, name: str) -> dict[str, Any]:
    try:
        header = json.loads(head)
        if not isinstance(header, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleRefused(f"{name} is damaged: its header cannot be read.") from exc
    return header


def _inflate(plain: bytes, limit: int, name: str) -> bytes:
    """zlib-unpack at most `limit` bytes: a small file must not unpack to fill the memory."""
    d = zlib.decompressobj()
    out = d.decompress(plain, limit)
    if d.unconsumed_tail or (not d.eof and d.flush()):
        raise BundleRefused(
            f"{name} unpacks to more than {limit // 2**20:,} MiB, more than any bundle ahtui "
            "writes; it was refused and nothing was applied."
        )
    if not d.eof:
        raise zlib.error("incomplete")
    return out


def _damaged(name: str) -> BundleRefused:
    return BundleRefused(f"{name} could not be decrypted: it is damaged.")


def parts(
    parsed: Parsed, enc_keys: dict[bytes, bytes], name: str, limit: int = 2**31
) -> Iterator[tuple[str | None, Any]]:
    """The payload a part at a time, decrypted as it is read: first (None, the payload less
    its tables), then (table, block) for each table, or each slice of one in a format 4
    bundle. Raises BundleRefused as soon as a part does not open, so a caller applying parts
    as they come must do so in a transaction it rolls back then. The whole bundle's signature
    is the caller's to check first."""
    h = parsed.header
    try:
        to_key = unb64(h["to_key"])
        eph_public = unb64(h["ephemeral"])
        nonce = unb64(h["nonce"])
    except (KeyError, ValueError, TypeError) as exc:
        raise BundleRefused(f"{name} is damaged: its sealing details are missing.") from exc
    private = enc_keys.get(to_key)
    if private is None:
        raise BundleRefused(
            f"{name} was sealed to a key this site does not have (an old or foreign key)."
        )
    shared = X25519PrivateKey.from_private_bytes(private).exchange(
        X25519PublicKey.from_public_bytes(eph_public)
    )
    if h.get("format") != FORMAT:
        payload = _open_whole(parsed, _derive(shared, eph_public, to_key), nonce, name, limit)
        tables = payload.pop("tables", {})
        yield None, payload
        if not isinstance(tables, dict):
            raise BundleRefused(f"{name} is damaged: its contents cannot be read.")
        yield from tables.items()
        return
    if len(nonce) != 12:
        raise BundleRefused(f"{name} is damaged: its sealing details are missing.")
    aead = AESGCM(_derive(shared, eph_public, to_key, _CHUNKED_LABEL))
    body, at, index, left = parsed.body, 0, 0, limit
    while True:
        if at + 4 > len(body):
            raise _damaged(name)
        (size,) = struct.unpack(">I", body[at : at + 4])
        sealed = body[at + 4 : at + 4 + size]
        at += 4 + size
        if len(sealed) != size:
            raise _damaged(name)
        last = at == len(body)
        try:
            plain = aead.decrypt(_chunk_nonce(nonce, index, last), sealed, parsed.head)
            unpacked = _inflate(plain, left, name)
            del plain
            part = json.loads(unpacked)
        except (InvalidTag, zlib.error, ValueError) as exc:
            raise _damaged(name) from exc
        left -= len(unpacked)
        del unpacked
        if index == 0:
            if not isinstance(part, dict) or "tables" in part:
                raise BundleRefused(f"{name} is damaged: its contents cannot be read.")
            yield None, part
        else:
            if not isinstance(part, dict) or not isinstance(part.get("t"), str):
                raise BundleRefused(f"{name} is damaged: its contents cannot be read.")
            yield part["t"], part.get("b")
        del part
        index += 1
        if last:
            return


def _open_whole(parsed: Parsed, key: bytes, nonce: bytes, name: str, limit: int) -> dict[str, Any]:
    try:
        plain = AESGCM(key).decrypt(nonce, parsed.body, parsed.head)
        payload = json.loads(_inflate(plain, limit, name))
    except (InvalidTag, zlib.error, ValueError) as exc:
        raise _damaged(name) from exc
    if not isinstance(payload, dict):
        raise BundleRefused(f"{name} is damaged: its contents cannot be read.")
    return payload


def open_body(
    parsed: Parsed, enc_keys: dict[bytes, bytes], name: str, limit: int = 2**31
) -> dict[str, Any]:
    """The whole payload at once (a format 4 bundle's parts put back together)."""
    payload: dict[str, Any] = {}
    tables: dict[str, Any] = {}
    for table, part in parts(parsed, enc_keys, name, limit):
        if table is None:
            payload = dict(part)
            continue
        if table in tables and isinstance(part, dict) and isinstance(tables[table], dict):
            tables[table] = _joined(tables[table], part)
        else:
            tables[table] = part
    payload["tables"] = tables
    return payload


def _joined(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two slices of one table's block as one block (for a reader that wants it whole)."""
    n_a, n_b = a["n"], b["n"]
    out = dict(a, n=n_a + n_b)
    out["values"] = [
        (x if x is not None else [None] * n_a) + (y if y is not None else [None] * n_b)
        for x, y in zip(a["values"], b["values"], strict=True)
    ]
    for key in {*a, *b} - {"cols", "n", "values", "pid_col"}:
        x, y = a.get(key), b.get(key)
        if isinstance(x, list) or isinstance(y, list):
            out[key] = (x if x is not None else _absent(a, key)) + (
                y if y is not None else _absent(b, key)
            )
    return out


def _absent(block: dict[str, Any], key: str) -> list[Any]:
    """What a key left out of a block stands for, row by row."""
    if key == "hlc":
        return list(block["ins_hlc"])
    if key == "origin":
        return list(block["ins_origin"])
    return [None] * block["n"]
