"""Streamed bundles (format 4): a large bundle sealed in chunks and read a part at a time.

The chunk size is made tiny here, so a bundle of a few people is sealed in many chunks and
read twice (checked, then applied). Attacks: a chunk left out, moved, repeated or with one
byte changed, under a signature the sender really made (so only the chunks' own seals can
catch it), and the plain cut-off or flipped file. Each is refused with a plain message and
changes nothing at the recipient.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from test_sync_helpers import ALL, Family, digest, full_digest, person

from ahtui.sync import bundle, incoming, keys, outgoing
from ahtui.sync.errors import BundleRefused


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return Family(tmp_path_factory.mktemp("sfam"), [("A", "prison"), ("B", "probation")])


@pytest.fixture
def chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "CHUNK_ROWS", 3)
    monkeypatch.setattr(incoming, "KEEP_ROWS", 4)


def _people(site, n: int) -> list[str]:
    return [person(site, f"Stream{i}", "Chunk", **ALL) for i in range(n)]


def _chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    """A bundle's header part (magic to header end) and its body's sealed chunks."""
    parsed = bundle.parse(data, "x")
    start = len(bundle.MAGIC) + 4 + len(parsed.head)
    body, at, out = parsed.body, 0, []
    while at < len(body):
        (size,) = struct.unpack(">I", body[at : at + 4])
        out.append(body[at : at + 4 + size])
        at += 4 + size
    return data[:start], out


def _resealed(data: bytes, chunks: list[bytes], signer: keys.Identity) -> bytes:
    """The bundle with these chunks as its body, signed again by the sender's own key."""
    head = data[: len(bundle.MAGIC) + 4 + len(bundle.parse(data, "x").head)]
    body = b"".join(chunks)
    signed = head + struct.pack(">Q", len(body)) + body
    return signed + signer.sign(signed)


def _refused(site, data: bytes, match: str) -> None:
    before = full_digest(site)
    changes = site.conn.total_changes
    with pytest.raises(BundleRefused, match=match) as info:
        incoming.import_bundle(site, data, "b.ahtuib")
    assert info.value.exit_code == 2
    assert site.conn.total_changes == changes
    assert full_digest(site) == before


def test_a_large_bundle_is_sealed_in_chunks_and_applies_as_a_whole_one(sites, chunked) -> None:
    a, b = sites["A"], sites["B"]
    _people(a, 7)
    data = outgoing.export(a, b.site_id).data
    assert bundle.parse(data, "x").header["format"] == 4
    _, chunks = _chunks(data)
    assert len(chunks) >= 5  # the rest of the payload, then 7 people, 28 consents... by 3
    # Read back whole, it is the payload a small bundle would carry.
    whole = bundle.open_body(bundle.parse(data, "x"), keys.decryption_keys(b), "x")
    assert whole["tables"]["people"]["n"] == 7
    result = incoming.import_bundle(b, data)
    assert result.changes == sum(t["n"] for t in whole["tables"].values())
    assert not result.already
    assert digest(a) == digest(b)
    assert incoming.import_bundle(b, data).already


def test_a_streamed_bundle_read_from_a_file_applies(sites, chunked, tmp_path: Path) -> None:
    a, b = sites["A"], sites["B"]
    _people(a, 5)
    path = tmp_path / "a.ahtuib"
    path.write_bytes(outgoing.export(a, b.site_id).data)
    assert incoming.import_file(b, path).changes > 10
    assert digest(a) == digest(b)


@pytest.mark.parametrize("size", ["small", "chunked"])
def test_a_damaged_file_is_refused_with_the_plain_message(sites, tmp_path: Path, size, request):
    if size == "chunked":
        request.getfixturevalue("chunked")
    a, b = sites["A"], sites["B"]
    _people(a, 5)
    data = bytearray(outgoing.export(a, b.site_id).data)
    data[len(data) // 2] ^= 0x01
    path = tmp_path / "zz-tampered.ahtuib"
    path.write_bytes(bytes(data))
    before = full_digest(b)
    with pytest.raises(BundleRefused, match="changed or damaged since it was signed"):
        incoming.import_file(b, path)
    path.write_bytes(bytes(data[:-30]))
    with pytest.raises(BundleRefused, match="truncated or damaged"):
        incoming.import_file(b, path)
    assert full_digest(b) == before


def test_a_small_bundle_stays_in_the_format_older_ahtui_reads(sites) -> None:
    a, b = sites["A"], sites["B"]
    _people(a, 2)
    data = outgoing.export(a, b.site_id).data
    assert bundle.parse(data, "x").header["format"] == 3
    assert incoming.import_bundle(b, data).changes > 0
    assert digest(a) == digest(b)


@pytest.mark.parametrize(
    "attack",
    ["last chunk left out", "two chunks swapped", "a chunk repeated", "a byte changed",
     "the rest left out", "a chunk from another bundle"],
)  # fmt: skip
def test_chunks_tampered_under_a_true_signature_are_refused_whole(sites, chunked, attack) -> None:
    a, b = sites["A"], sites["B"]
    _people(a, 7)
    data = outgoing.export(a, b.site_id).data
    _, chunks = _chunks(data)
    if attack == "last chunk left out":
        chunks = chunks[:-1]
    elif attack == "two chunks swapped":
        chunks[2], chunks[3] = chunks[3], chunks[2]
    elif attack == "a chunk repeated":
        chunks.insert(2, chunks[2])
    elif attack == "a byte changed":
        changed = bytearray(chunks[-2])
        changed[10] ^= 0x01
        chunks[-2] = bytes(changed)
    elif attack == "the rest left out":
        chunks = chunks[:1]
    else:
        # Same sender, same recipient, another bundle: its chunks were sealed under another key.
        person(a, "Other", "Bundle", **ALL)
        _, other = _chunks(outgoing.export(a, b.site_id).data)
        chunks[2] = other[2]
    forged = _resealed(data, chunks, keys.identity(a))
    _refused(b, forged, "could not be decrypted: it is damaged")
    # The true bundle still applies afterwards: nothing of the refused one was kept.
    assert incoming.import_bundle(b, data).changes > 14
    assert attack == "a chunk from another bundle" or digest(a) == digest(b)


def test_a_streamed_bundle_cut_off_or_flipped_is_refused_before_it_is_opened(
    sites, chunked
) -> None:
    a, b = sites["A"], sites["B"]
    _people(a, 7)
    data = outgoing.export(a, b.site_id).data
    _refused(b, data[: len(data) - 200], "truncated or damaged")
    for at in (len(data) // 3, len(data) // 2, len(data) - 70):
        flipped = bytearray(data)
        flipped[at] ^= 0x01
        _refused(b, bytes(flipped), "changed or damaged since it was signed")


def test_a_format_4_header_over_a_format_3_body_is_refused(sites) -> None:
    a, b = sites["A"], sites["B"]
    _people(a, 2)
    data = outgoing.export(a, b.site_id).data
    parsed = bundle.parse(data, "x")
    head = json.dumps({**parsed.header, "format": 4}, sort_keys=True, separators=(",", ":"))
    signed = (
        bundle.MAGIC
        + struct.pack(">I", len(head))
        + head.encode()
        + struct.pack(">Q", len(parsed.body))
        + parsed.body
    )
    _refused(b, signed + keys.identity(a).sign(signed), "could not be decrypted: it is damaged")
