"""Site identity and trust: signing and encryption keys, site cards, peers, rotation.

Each site has an Ed25519 key (signs bundles and rotations) and an X25519 key (bundles are
sealed to it). Private halves live in sync_keys inside the encrypted site file. A site card is
the public half as JSON with a fingerprint (SHA-256 of both public keys, 20 bytes shown as ten
groups of four hex digits) that two people compare over the phone before trusting. A rotation
is a statement `new keys` signed by the old signing key; a peer that trusts the old key accepts
the new one without another phone call, from the card or from the next bundle, whose header
carries the chain of rotations (see incoming.import_bundle).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from ..domain.enums import Agency
from ..store.site import Site, utc_now
from .errors import TrustError

CARD_FORMAT = "ahtui-site-card"
# What a card may say its site is (a supervisors' hub among them).
_AGENCIES = {a.value for a in Agency}
_RAW = serialization.Encoding.Raw


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def fingerprint(sign_public: bytes, enc_public: bytes) -> str:
    digest = hashlib.sha256(b"ahtui-site-key\0" + sign_public + enc_public).hexdigest()[:40]
    return " ".join(digest[i : i + 4] for i in range(0, 40, 4))


def _public(key: Any) -> bytes:
    return key.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def _private(key: Any) -> bytes:
    return key.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())


@dataclass(frozen=True)
class Identity:
    sign_private: bytes
    sign_public: bytes
    enc_private: bytes
    enc_public: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_public, self.enc_public)

    def sign(self, data: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.sign_private).sign(data)


def _new_keys() -> tuple[bytes, bytes, bytes, bytes]:
    s = Ed25519PrivateKey.generate()
    e = X25519PrivateKey.generate()
    return _private(s), _public(s), _private(e), _public(e)


def identity(site: Site) -> Identity:
    """The site's active keys, made on first use."""
    row = site.one("SELECT * FROM sync_keys WHERE active = 1 ORDER BY id DESC LIMIT 1")
    if row is None:
        with site.write() as conn:
            row = conn.execute(
                "SELECT * FROM sync_keys WHERE active = 1 ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO sync_keys (sign_private, sign_public, enc_private, enc_public) "
                    "VALUES (?, ?, ?, ?)",
                    _new_keys(),
                )
                row = conn.execute(
                    "SELECT * FROM sync_keys WHERE active = 1 ORDER BY id DESC LIMIT 1"
                ).fetchone()
    return Identity(
        bytes(row["sign_private"]),
        bytes(row["sign_public"]),
        bytes(row["enc_private"]),
        bytes(row["enc_public"]),
    )


def decryption_keys(site: Site) -> dict[bytes, bytes]:
    """Every encryption key this site has had, public -> private (old ones open old bundles)."""
    identity(site)
    return {
        bytes(r["enc_public"]): bytes(r["enc_private"])
        for r in site.query("SELECT enc_public, enc_private FROM sync_keys")
    }


def _rotation_message(site_id: str, sign_public: bytes, enc_public: bytes) -> bytes:
    return b"ahtui-rotate\0" + site_id.encode() + b"\0" + sign_public + enc_public


def rotations(site: Site) -> list[dict[str, str]]:
    """This site's rotation statements, oldest first (public: keys and signatures only)."""
    return [
        json.loads(r["rotation"])
        for r in site.query("SELECT rotation FROM sync_keys WHERE rotation IS NOT NULL ORDER BY id")
    ]


def card(site: Site) -> dict[str, Any]:
    me = identity(site)
    chain = rotations(site)
    return {
        "format": CARD_FORMAT,
        "version": 1,
        "site_id": site.site_id,
        "name": site.name,
        "agency": site.agency,
        "sign_public": b64(me.sign_public),
        "enc_public": b64(me.enc_public),
        "fingerprint": me.fingerprint,
        "rotations": chain,
    }


def write_card(site: Site, out: Path) -> dict[str, Any]:
    data = card(site)
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data


def rotate(site: Site) -> Identity:
    """New keys, with a statement signed by the old signing key; old keys still decrypt."""
    old = identity(site)
    sign_priv, sign_pub, enc_priv, enc_pub = _new_keys()
    statement = {
        "old_sign_public": b64(old.sign_public),
        "new_sign_public": b64(sign_pub),
        "new_enc_public": b64(enc_pub),
        "signature": b64(old.sign(_rotation_message(site.site_id, sign_pub, enc_pub))),
    }
    with site.write() as conn:
        conn.execute("UPDATE sync_keys SET active = 0")
        conn.execute(
            "INSERT INTO sync_keys (sign_private, sign_public, enc_private, enc_public, rotation) "
            "VALUES (?, ?, ?, ?, ?)",
            (sign_priv, sign_pub, enc_priv, enc_pub, json.dumps(statement)),
        )
    return identity(site)


@dataclass(frozen=True)
class Card:
    site_id: str
    name: str
    agency: str
    sign_public: bytes
    enc_public: bytes
    rotations: list[dict[str, str]]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_public, self.enc_public)


def read_card(path: Path) -> Card:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != CARD_FORMAT:
            raise ValueError
        found = Card(
            str(data["site_id"]),
            str(data["name"]),
            str(data["agency"]),
            unb64(data["sign_public"]),
            unb64(data["enc_public"]),
            list(data.get("rotations") or []),
        )
        if len(found.sign_public) != 32 or len(found.enc_public) != 32:
            raise ValueError
    except FileNotFoundError as exc:
        raise TrustError(f"There is no file at {path}.") from exc
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise TrustError(f"{path} is not an ahtui site card.") from exc
    if found.agency not in _AGENCIES:
        raise TrustError(f"{path} names an unknown agency {found.agency!r}.")
    return found


def _rotation_steps(site_id: str, chain: Any, trusted_sign: bytes) -> list[tuple[bytes, bytes]]:
    """The keys a rotation chain leads to, signature by signature, from trusted_sign, in order.

    Steps that do not start from the key reached so far are skipped (older history the peer
    knew already); a step that does but is not signed by it ends the walk.
    """
    current = trusted_sign
    reached: list[tuple[bytes, bytes]] = []
    if not isinstance(chain, list):
        return reached
    for step in chain:
        try:
            old = unb64(step["old_sign_public"])
            new_sign = unb64(step["new_sign_public"])
            new_enc = unb64(step["new_enc_public"])
            sig = unb64(step["signature"])
        except (KeyError, ValueError, TypeError, AttributeError):
            return reached
        if old != current:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(old).verify(
                sig, _rotation_message(site_id, new_sign, new_enc)
            )
            X25519PublicKey.from_public_bytes(new_enc)
            Ed25519PublicKey.from_public_bytes(new_sign)
        except (InvalidSignature, ValueError):
            return reached
        current = new_sign
        reached.append((new_sign, new_enc))
    return reached


def _rotation_reaches(c: Card, trusted_sign: bytes) -> bool:
    """True if the card's rotation chain leads, signature by signature, from trusted_sign."""
    return (c.sign_public, c.enc_public) in _rotation_steps(c.site_id, c.rotations, trusted_sign)


def rotated_keys(site_id: str, chain: Any, trusted_sign: bytes) -> tuple[bytes, bytes] | None:
    """The newest keys a rotation chain (from a bundle header) leads to from trusted_sign."""
    steps = _rotation_steps(site_id, chain, trusted_sign)
    return steps[-1] if steps else None


def replace_peer_keys(conn: Any, peer: Any, sign_public: bytes, enc_public: bytes) -> str:
    """Move a peer to rotated keys, keeping the old ones in its key history. In a transaction."""
    history = json.loads(peer["key_history"])
    history.append(
        {
            "sign_public": b64(bytes(peer["sign_public"])),
            "enc_public": b64(bytes(peer["enc_public"])),
            "until": utc_now(),
        }
    )
    new_fingerprint = fingerprint(sign_public, enc_public)
    conn.execute(
        "UPDATE sync_peers SET sign_public = ?, enc_public = ?, fingerprint = ?, "
        "key_history = ? WHERE site_id = ?",
        (sign_public, enc_public, new_fingerprint, json.dumps(history), peer["site_id"]),
    )
    return new_fingerprint


def retired_key_date(peer: Any, signed_by: Any) -> str | None:
    """When a peer's old signing key was replaced, if `signed_by(key)` accepts one of them."""
    for old in reversed(json.loads(peer["key_history"])):
        try:
            if signed_by(unb64(old["sign_public"])):
                return str(old.get("until") or "")
        except (KeyError, ValueError, TypeError):
            continue
    return None


def trust(site: Site, c: Card) -> str:
    """Add or update a peer from its card; returns what happened in one line."""
    if c.site_id == site.site_id:
        raise TrustError("That card is this site's own card.")
    peer = site.one("SELECT * FROM sync_peers WHERE site_id = ?", (c.site_id,))
    with site.write() as conn:
        if peer is None:
            conn.execute(
                "INSERT INTO sync_peers (site_id, name, agency, sign_public, enc_public, "
                "fingerprint) VALUES (?, ?, ?, ?, ?, ?)",
                (c.site_id, c.name, c.agency, c.sign_public, c.enc_public, c.fingerprint),
            )
            _record_site(site, conn, c)
            return f"Trusted {c.name} ({c.agency}), fingerprint {c.fingerprint}."
        if peer["status"] == "revoked":
            raise TrustError(
                f"{peer['name']} was revoked on {peer['revoked_at']}; its keys stay untrusted."
            )
        if (
            bytes(peer["sign_public"]) == c.sign_public
            and bytes(peer["enc_public"]) == c.enc_public
        ):
            return f"{c.name} is already trusted with these keys."
        if not _rotation_reaches(c, bytes(peer["sign_public"])):
            raise TrustError(
                f"This card for {peer['name']} has different keys that were not signed by the "
                "keys you trust. Do not use it; ask the site for a rotated card or revoke them."
            )
        replace_peer_keys(conn, peer, c.sign_public, c.enc_public)
        conn.execute("UPDATE sync_peers SET name = ? WHERE site_id = ?", (c.name, c.site_id))
        return (
            f"{c.name} rotated its keys (signed by its old key); new fingerprint {c.fingerprint}."
        )


def _record_site(site: Site, conn: Any, c: Card) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO sites (id, name, agency, is_local, updated_by) VALUES (?, ?, ?, 0, ?)",
        (c.site_id, c.name, c.agency, site.user.id),
    )


def find_peer(site: Site, ref: str) -> Any:
    """A peer by site id, id prefix or exact name."""
    rows = site.query(
        "SELECT * FROM sync_peers WHERE site_id = ? OR lower(name) = lower(?) OR site_id LIKE ?",
        (ref, ref, ref + "%" if len(ref) >= 6 else ref),
    )
    if not rows:
        raise TrustError(f"No trusted site matches {ref!r}. `ahtui keys list` shows them.")
    if len(rows) > 1:
        raise TrustError(f"{ref!r} matches several sites; give more of the site id.")
    return rows[0]


def revoke(site: Site, ref: str) -> str:
    peer = find_peer(site, ref)
    if peer["status"] == "revoked":
        return f"{peer['name']} was already revoked."
    with site.write() as conn:
        conn.execute(
            "UPDATE sync_peers SET status = 'revoked', revoked_at = ? WHERE site_id = ?",
            (utc_now(), peer["site_id"]),
        )
    return f"Revoked {peer['name']}: bundles from it are refused and none are written for it."


def peers(site: Site) -> list[dict[str, Any]]:
    return [
        {
            "site_id": r["site_id"],
            "name": r["name"],
            "agency": r["agency"],
            "fingerprint": r["fingerprint"],
            "status": r["status"],
            "trusted_at": r["trusted_at"],
            "revoked_at": r["revoked_at"],
        }
        for r in site.query("SELECT * FROM sync_peers ORDER BY name")
    ]
