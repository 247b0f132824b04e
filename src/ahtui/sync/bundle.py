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
"""

from __future__ import annotations

import json
import os
import struct
import zlib
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
FORMAT = 3
SUFFIX = ".ahtuib"
SIG_BYTES = 64
# A header is a few hundred bytes (more with a long chain of key rotations).
MAX_HEADER_BYTES = 1 << 20


def _derive(shared: bytes, eph_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"ahtui-bundle-v1\0" + eph_public + recipient_public,
    ).derive(shared)


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
    key = _derive(
        eph.exchange(X25519PublicKey.from_public_bytes(recipient_enc)), eph_public, recipient_enc
    )
    nonce = nonce or os.urandom(12)
    header = {
        **header,
        "format": FORMAT,
        "to_key": b64(recipient_enc),
        "ephemeral": b64(eph_public),
        "nonce": b64(nonce),
    }
    head = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    plain = zlib.compress(json.dumps(payload, separators=(",", ":")).encode(), 6)
    body = AESGCM(key).encrypt(nonce, plain, head)
    signed = MAGIC + struct.pack(">I", len(head)) + head + struct.pack(">Q", len(body)) + body
    return signed + me.sign(signed)


@dataclass(frozen=True)
class Parsed:
    header: dict[str, Any]
    head: bytes
    body: bytes
    signed: bytes
    signature: bytes


def parse(data: bytes, name: str) -> Parsed:
    """Split a file into its parts; refuse anything that is not a whole bundle."""
    if not data.startswith(MAGIC):
        if MAGIC.startswith(data[: len(MAGIC)]) and data:
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
    header = _header(head, name)
    return Parsed(header, head, data[at : at + blen], data[: at + blen], data[at + blen :])


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


def open_body(
    parsed: Parsed, enc_keys: dict[bytes, bytes], name: str, limit: int = 2**31
) -> dict[str, Any]:
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
    key = _derive(
        X25519PrivateKey.from_private_bytes(private).exchange(
            X25519PublicKey.from_public_bytes(eph_public)
        ),
        eph_public,
        to_key,
    )
    try:
        plain = AESGCM(key).decrypt(nonce, parsed.body, parsed.head)
        payload = json.loads(_inflate(plain, limit, name))
    except (InvalidTag, zlib.error, ValueError) as exc:
        raise BundleRefused(f"{name} could not be decrypted: it is damaged.") from exc
    if not isinstance(payload, dict):
        raise BundleRefused(f"{name} is damaged: its contents cannot be read.")
    return payload
