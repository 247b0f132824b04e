"""Key rotation travels inside bundles: a peer that trusts the old key accepts the new one.

The bundle header carries the sender's chain of rotation statements, each signed by the key
before it; the bundle itself is signed by the newest key. A peer walks the chain from the key
it trusts, and only then checks the bundle's signature with the key the chain leads to.
"""

from __future__ import annotations

import json
import struct

import pytest
from test_sync_helpers import ALL, Family, digest, full_digest, person

from ahtui.sync import bundle, incoming, keys, outgoing
from ahtui.sync.errors import BundleRefused


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(
        tmp_path_factory.mktemp("rotfam"),
        [("A", "prison"), ("B", "probation"), ("C", "local_authority")],
    )


def _peer(site, other) -> dict:
    return dict(site.one("SELECT * FROM sync_peers WHERE site_id = ?", (other.site_id,)))


def test_a_bundle_carries_the_rotation_and_the_peer_moves_to_the_new_keys(sites) -> None:
    a, b = sites["A"], sites["B"]
    old_fp = _peer(b, a)["fingerprint"]
    me = keys.rotate(a)
    pid = person(a, "Rota", "Tion", **ALL)
    data = outgoing.export(a, b.site_id).data
    header = bundle.parse(data, "x").header
    assert [s["new_sign_public"] for s in header["rotations"]] == [keys.b64(me.sign_public)]
    result = incoming.import_bundle(b, data)
    assert result.changes > 0 and b.one("SELECT 1 FROM people WHERE id = ?", (pid,))
    assert any("rotated its keys" in n and me.fingerprint in n for n in result.notes)
    peer = _peer(b, a)
    assert bytes(peer["sign_public"]) == me.sign_public
    assert bytes(peer["enc_public"]) == me.enc_public
    assert peer["fingerprint"] == me.fingerprint != old_fp
    [old] = json.loads(peer["key_history"])
    assert keys.fingerprint(keys.unb64(old["sign_public"]), keys.unb64(old["enc_public"])) == old_fp
    # B now seals to A's new key, and A's next bundle is accepted without any note.
    reply = outgoing.export(b, a.site_id).data
    assert bundle.parse(reply, "x").header["to_key"] == keys.b64(me.enc_public)
    assert incoming.import_bundle(a, reply).bundle_id
    rows_ = incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    assert rows_.notes == []
    assert digest(a) == digest(b)


def test_two_rotations_in_a_row_are_followed_link_by_link(sites) -> None:
    a, b = sites["A"], sites["B"]
    keys.rotate(a)
    newest = keys.rotate(a)
    person(a, "Twice", "Rotated", **ALL)
    assert incoming.import_bundle(b, outgoing.export(a, b.site_id).data).changes > 0
    assert _peer(b, a)["fingerprint"] == newest.fingerprint
    assert len(json.loads(_peer(b, a)["key_history"])) == 1


def test_a_bundle_signed_with_the_replaced_key_is_refused_and_its_changes_come_again(
    sites,
) -> None:
    a, b = sites["A"], sites["B"]
    first = person(a, "Before", "Rotation", **ALL)
    stale = outgoing.export(a, b.site_id).data
    keys.rotate(a)
    second = person(a, "After", "Rotation", **ALL)
    assert incoming.import_bundle(b, outgoing.export(a, b.site_id).data).changes > 0
    before = full_digest(b)
    with pytest.raises(BundleRefused, match="signed with a key A replaced on") as info:
        incoming.import_bundle(b, stale, "stale.ahtuib")
    assert info.value.exit_code == 2
    assert full_digest(b) == before
    # B never acknowledged the stale bundle's range, so its changes came in the newer one.
    for pid in (first, second):
        assert b.one("SELECT 1 FROM people WHERE id = ?", (pid,))


def _resign(data: bytes, header: dict, signer: keys.Identity) -> bytes:
    """Rebuild a bundle with another header, signed by `signer` (an attacker's own key)."""
    parsed = bundle.parse(data, "x")
    head = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    signed = (
        bundle.MAGIC
        + struct.pack(">I", len(head))
        + head
        + struct.pack(">Q", len(parsed.body))
        + parsed.body
    )
    return signed + signer.sign(signed)


def test_a_rotation_not_signed_by_the_trusted_key_is_refused(sites) -> None:
    a, b, c = sites["A"], sites["B"], sites["C"]
    person(a, "Forged", "Chain", **ALL)
    data = outgoing.export(a, b.site_id).data
    header = dict(bundle.parse(data, "x").header)
    # C pretends to be A: a chain from A's trusted key to C's key, but signed by C.
    mallory = keys.identity(c)
    a_sign = bytes(_peer(b, a)["sign_public"])
    header["rotations"] = [
        {
            "old_sign_public": keys.b64(a_sign),
            "new_sign_public": keys.b64(mallory.sign_public),
            "new_enc_public": keys.b64(mallory.enc_public),
            "signature": keys.b64(
                mallory.sign(
                    keys._rotation_message(a.site_id, mallory.sign_public, mallory.enc_public)
                )
            ),
        }
    ]
    forged = _resign(data, header, mallory)
    before = full_digest(b)
    with pytest.raises(BundleRefused, match="changed or damaged"):
        incoming.import_bundle(b, forged, "forged.ahtuib")
    assert full_digest(b) == before
    assert bytes(_peer(b, a)["sign_public"]) == a_sign


def test_a_revoked_peer_cannot_rotate_its_way_back(sites) -> None:
    a, b = sites["A"], sites["B"]
    keys.revoke(b, a.site_id)
    keys.rotate(a)
    person(a, "Still", "Revoked", **ALL)
    before = full_digest(b)
    with pytest.raises(BundleRefused, match="revoked"):
        incoming.import_bundle(b, outgoing.export(a, b.site_id).data)
    assert full_digest(b) == before
