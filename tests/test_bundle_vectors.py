"""Known-answer vectors for the bundle envelope: the bytes docs/bundle-format.md publishes.

An auditor can check the envelope from that page alone; this test keeps the page and the code
in step. Both directions: sealing the fixed inputs gives the published bytes, and the
published bytes verify, open and read back as the published payload.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ahtui.sync import bundle
from ahtui.sync.keys import Identity

DOC = Path(__file__).resolve().parents[1] / "docs" / "bundle-format.md"


def _doc() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", text, re.S)
    keys = dict(
        (" ".join(line.split()[:-1]), line.split()[-1]) for line in blocks[0].strip().splitlines()
    )
    return {
        **keys,
        "header": blocks[1].strip(),
        "payload": blocks[2].strip(),
        "bundle": "".join(blocks[3].split()),
        "sha256": re.search(r"SHA-256\s+`([0-9a-f]{64})`", text).group(1),  # type: ignore[union-attr]
    }


def _public(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_sealing_the_published_inputs_gives_the_published_bundle() -> None:
    v = _doc()
    sign = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["sender Ed25519 private"]))
    recipient = X25519PrivateKey.from_private_bytes(bytes.fromhex(v["recipient X25519 private"]))
    eph = X25519PrivateKey.from_private_bytes(bytes.fromhex(v["ephemeral X25519 private"]))
    assert _public(sign).hex() == v["sender Ed25519 public"]
    assert _public(recipient).hex() == v["recipient X25519 public"]
    assert _public(eph).hex() == v["ephemeral X25519 public"]
    assert eph.exchange(recipient.public_key()).hex() == v["shared secret"]
    key = bundle._derive(bytes.fromhex(v["shared secret"]), _public(eph), _public(recipient))
    assert key.hex() == v["AES-256-GCM key"]
    header = json.loads(v["header"])
    for added in ("format", "to_key", "ephemeral", "nonce"):
        header.pop(added)
    me = Identity(sign.private_bytes_raw(), _public(sign), bytes(range(33, 65)), b"")
    data = bundle.seal(header, json.loads(v["payload"]), me, _public(recipient),
                       ephemeral=eph, nonce=bytes.fromhex(v["nonce"]))  # fmt: skip
    assert data.hex() == v["bundle"]
    assert hashlib.sha256(data).hexdigest() == v["sha256"]


def test_the_published_bundle_verifies_opens_and_reads_back() -> None:
    v = _doc()
    data = bytes.fromhex(v["bundle"])
    parsed = bundle.parse(data, "vector")
    assert parsed.head.decode() == v["header"]
    assert bundle.signed_by(parsed, bytes.fromhex(v["sender Ed25519 public"]))
    keys = {
        bytes.fromhex(v["recipient X25519 public"]): bytes.fromhex(v["recipient X25519 private"])
    }
    assert bundle.open_body(parsed, keys, "vector") == json.loads(v["payload"])
    # One flipped bit anywhere, and the signature no longer holds.
    for at in (20, len(data) // 2, len(data) - 1):
        flipped = bytearray(data)
        flipped[at] ^= 1
        assert not bundle.signed_by(bundle.parse(bytes(flipped), "x"), bytes.fromhex(
            v["sender Ed25519 public"]))  # fmt: skip
