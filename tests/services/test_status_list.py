"""The signed status list: every certificate's revocation and suspension, compact, versioned and cacheable."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest

from registry.services import offline
from tests.api.test_verification import _issue


def _transition(world, client, staff, cert_id, action):
    res = client.post(
        f"/api/v1/certificates/{cert_id}/transitions",
        headers=world.headers(staff),
        json={"action": action, "reason": "Kiểm tra thấy vi phạm"},
    )
    assert res.status_code == 200, res.get_json()


def _keys(client):
    return client.get("/.well-known/registry-keys.json").get_json()


def test_bits_are_numbered_from_the_left_as_the_w3c_recommendation_says():
    encoded = offline.encode_bits([0, 9, 15], 16)
    assert encoded.startswith("u")
    assert gzip.decompress(offline.unb64(encoded[1:])) == bytes([0b1000_0000, 0b0100_0001])
    bits = offline.decode_bits(encoded)
    assert [i for i in range(16) if offline.bit(bits, i)] == [0, 9, 15]
    with pytest.raises(offline.DocumentRejected):
        offline.decode_bits("zabc")
    with pytest.raises(offline.DocumentRejected):
        offline.decode_bits("u" + offline.b64(b"not gzip"))


def test_the_list_says_each_certificates_status_and_is_signed_with_the_published_key(world, client):
    valid, *_ = _issue(world, client, number="CN-1", item=1)
    suspended, _, staff2, _ = _issue(world, client, number="CN-2", item=2)
    withdrawn, _, staff3, _ = _issue(world, client, number="CN-3", item=3)
    _transition(world, client, staff2, suspended["id"], "suspend")
    _transition(world, client, staff3, withdrawn["id"], "withdraw")
    res = client.get("/.well-known/registry-status-list.json")
    assert res.status_code == 200 and res.mimetype == "application/json"
    assert res.headers["Cache-Control"] == "public, max-age=300" and res.headers["ETag"]
    listed = offline.read_status_list(res.get_json(), _keys(client))
    assert listed.size >= offline.MIN_LIST_BITS
    assert listed.status(valid["id"]) == "listed"
    assert listed.status(suspended["id"]) == "suspended"
    assert listed.status(withdrawn["id"]) == "withdrawn"
    assert listed.status(listed.size) is None
    assert len(res.data) < 1200  # two 16 KB bitstrings, mostly zeros, GZIP to a few dozen bytes each


def test_an_unchanged_list_keeps_its_etag_and_a_change_makes_a_new_version(world, client):
    cert, _, staff, _ = _issue(world, client)
    first = client.get("/.well-known/registry-status-list.json")
    again = client.get("/.well-known/registry-status-list.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    _transition(world, client, staff, cert["id"], "withdraw")
    changed = client.get("/.well-known/registry-status-list.json", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert changed.get_json()["version"] == first.get_json()["version"] + 1
    assert offline.read_status_list(changed.get_json(), _keys(client)).status(cert["id"]) == "withdrawn"


def test_a_list_with_a_bit_flipped_or_a_field_changed_is_refused(world, client):
    cert, _, staff, _ = _issue(world, client)
    _transition(world, client, staff, cert["id"], "withdraw")
    doc = client.get("/.well-known/registry-status-list.json").get_json()
    keys = _keys(client)
    forged = json.loads(json.dumps(doc))
    forged["lists"]["revocation"] = offline.encode_bits([], doc["size"])
    with pytest.raises(offline.DocumentRejected, match="bad signature"):
        offline.read_status_list(forged, keys)
    with pytest.raises(offline.DocumentRejected, match="bad signature"):
        offline.read_status_list({**doc, "valid_until": "2099-01-01T00:00:00+00:00"}, keys)
    with pytest.raises(offline.DocumentRejected, match="unknown key"):
        offline.read_status_list(doc, {"keys": []})


def test_a_list_older_than_a_week_is_stale(world, client):
    _issue(world, client)
    listed = offline.read_status_list(client.get("/.well-known/registry-status-list.json").get_json(), _keys(client))
    assert not listed.is_stale(listed.valid_from + timedelta(days=6))
    assert listed.is_stale(listed.valid_from + timedelta(days=7, seconds=1))
