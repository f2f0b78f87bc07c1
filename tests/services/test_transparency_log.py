"""The audit log as a transparency log: signed checkpoints, proofs, and every rewrite since a checkpoint named."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect, select, text
from werkzeug.serving import make_server

from registry.extensions import db
from registry.models import AuditEntry, User
from registry.services import audit, merkle, signing, transparency
from tests.conftest import PG_URL


def _add_products(world, client, names):
    world.admin = db.session.get(User, inspect(world.admin).identity[0])  # after _sql() detached it
    org = world.organization()
    h = world.headers(world.admin)
    for name in names:
        res = client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": name})
        assert res.status_code == 201, res.get_json()


def _entries():
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def _sql(statement, **params):
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def _checkpoint(runner, tmp_path, name="cp.json"):
    path = tmp_path / name
    result = runner.invoke(args=["audit", "checkpoint", "--output", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _rehash_from(first_id):
    """What a forger with database access does: recompute every hash from `first_id` on, so the chain verifies."""
    rows = list(audit.stored_entries())
    prev = audit.GENESIS
    updates = []
    for row in rows:
        digest = hashlib.sha256(prev.encode() + row.content).hexdigest()
        if row.id >= first_id:
            updates.append({"id": row.id, "p": prev, "h": digest})
        prev = digest
    db.session.remove()
    with db.engine.begin() as conn:
        # Move the old hashes out of the way first: the column is unique.
        for u in updates:
            conn.execute(text("UPDATE audit_log SET hash = :t WHERE id = :id"), {"t": f"x{u['id']}", "id": u["id"]})
        for u in updates:
            conn.execute(text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :id"), u)


@pytest.fixture
def history(world, client):
    _add_products(world, client, ["Mật ong bạc hà", "Chè Shan tuyết", "Miến dong"])
    return _entries()


def test_the_log_extended_after_a_checkpoint_is_proved_append_only(world, client, runner, tmp_path, history):
    path = _checkpoint(runner, tmp_path)
    doc = json.loads(path.read_text())
    assert doc["tree_size"] == len(history) and doc["kid"] and doc["signature"]
    leaves = [merkle.leaf_hash(e.content) for e in audit.stored_entries()]
    assert doc["root_hash"] == merkle.root(leaves).hex()
    _add_products(world, client, ["Gạo nếp cái hoa vàng"])
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 0, result.output
    assert f"consistency proof {len(history)} → {len(_entries())} verified" in result.output


def test_a_truncated_tail_is_named_against_the_checkpoint(runner, tmp_path, history):
    path = _checkpoint(runner, tmp_path)
    _sql("DELETE FROM audit_log WHERE id >= :id", id=history[-2].id)
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1
    assert f"TRUNCATED: the log holds {len(history) - 2} entries" in result.output
    assert f"sealed {len(history)}" in result.output
    # Without a file, the latest recorded checkpoint is the reference.
    assert "TRUNCATED" in runner.invoke(args=["audit", "verify"]).output


def test_a_rewritten_entry_is_named_as_rewritten(runner, tmp_path, history):
    path = _checkpoint(runner, tmp_path)
    target = history[1].id
    _sql("UPDATE audit_log SET action = 'tampered' WHERE id = :id", id=target)
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1
    assert f"BROKEN at entry {target}" in result.output
    assert f"REWRITTEN: entry {target} was changed" in result.output


def test_a_chain_re_hashed_from_an_edited_entry_is_caught_by_the_checkpoint(runner, tmp_path, history):
    path = _checkpoint(runner, tmp_path)
    target = history[1].id
    _sql("UPDATE audit_log SET entity_id = 999999 WHERE id = :id", id=target)
    _rehash_from(target)
    assert audit.verify_chain() == (len(history), None)  # the chain alone cannot see it
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1
    assert "RE-HASHED: the chain verifies but the root at size" in result.output


def test_a_truncation_refilled_with_new_entries_is_caught(world, client, runner, tmp_path, history):
    path = _checkpoint(runner, tmp_path)
    _sql("DELETE FROM audit_log WHERE id = :id", id=history[-1].id)
    _add_products(world, client, ["Nước mắm", "Cà phê"])  # the log grows past the checkpoint again
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1 and "RE-HASHED" in result.output


def test_an_altered_checkpoint_file_is_refused(runner, tmp_path, history):
    path = _checkpoint(runner, tmp_path)
    doc = json.loads(path.read_text())
    doc["tree_size"] -= 1
    path.write_text(json.dumps(doc))
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
    assert result.exit_code == 1 and "checkpoint refused" in result.output and "bad signature" in result.output


def test_the_published_checkpoint_is_signed_with_the_published_keys_and_cacheable(client, runner, tmp_path, history):
    res = client.get("/.well-known/registry-log/checkpoint")
    assert res.status_code == 200 and res.mimetype == "application/json"
    assert "max-age" in res.headers["Cache-Control"] and res.headers["ETag"]
    keys = client.get("/.well-known/registry-keys.json").get_json()
    cp = transparency.read_checkpoint(res.get_json(), keys)
    assert cp.size == len(history)
    again = client.get("/.well-known/registry-log/checkpoint", headers={"If-None-Match": res.headers["ETag"]})
    assert again.status_code == 304
    # A later recorded checkpoint is the one served.
    _checkpoint(runner, tmp_path)
    assert client.get("/.well-known/registry-log/checkpoint").get_json()["timestamp"] >= cp.timestamp


def test_an_inclusion_proof_of_each_entry_verifies_against_the_signed_root(client, runner, tmp_path, history):
    doc = json.loads(_checkpoint(runner, tmp_path).read_text())
    for entry in history:
        proof = client.get(f"/api/v1/audit/entries/{entry.id}/proof").get_json()
        assert proof["tree_size"] == doc["tree_size"] and proof["root_hash"] == doc["root_hash"]
        assert proof["checkpoint"]["signature"] == doc["signature"]
        assert transparency.verify_inclusion_document(proof)
        assert not transparency.verify_inclusion_document({**proof, "leaf_index": (proof["leaf_index"] + 1) % 4})
    assert client.get("/api/v1/audit/entries/99999/proof").status_code == 404
    bad = client.get(f"/api/v1/audit/entries/{history[0].id}/proof?tree_size=abc")
    assert bad.status_code == 422 and "tree_size" in json.dumps(bad.get_json())


def test_consistency_proofs_are_served_for_any_two_sizes_and_bad_sizes_are_named(client, history):
    n = len(history)
    for m in range(0, n + 1):
        res = client.get(f"/.well-known/registry-log/consistency?first={m}&second={n}")
        body = res.get_json()
        assert res.status_code == 200
        assert merkle.verify_consistency(
            m,
            n,
            bytes.fromhex(body["first_root_hash"]),
            bytes.fromhex(body["second_root_hash"]),
            [bytes.fromhex(p) for p in body["proof"]],
        )
    for query, field in (("first=x", "first"), (f"first={n + 1}", "first"), (f"first=1&second={n + 5}", "second")):
        res = client.get(f"/api/v1/audit/consistency?{query}")
        assert res.status_code == 422 and field in json.dumps(res.get_json()), query
        res = client.get(f"/.well-known/registry-log/consistency?{query}", headers={"Accept": "application/json"})
        assert res.status_code == 422, query


@pytest.fixture
def served(app) -> Iterator[str]:
    """The app on a real port, as another registry would reach it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_a_witness_keeps_a_checkpoint_and_catches_a_rewrite_of_what_it_saw(
    world, client, runner, tmp_path, history, served
):
    state = tmp_path / "witness.json"
    first = runner.invoke(args=["audit", "witness", served, "--state", str(state)])
    assert first.exit_code == 0, first.output
    assert "first checkpoint kept" in first.output and json.loads(state.read_text())["tree_size"] == len(history)
    _add_products(world, client, ["Gạo nếp"])
    _checkpoint(runner, tmp_path)
    second = runner.invoke(args=["audit", "witness", served, "--state", str(state)])
    assert second.exit_code == 0, second.output
    grown = len(_entries())
    assert f"consistent: {len(history)} → {grown}" in second.output
    # The province rewrites an entry the witness saw, re-hashes the chain and signs a new checkpoint.
    _sql("UPDATE audit_log SET entity_id = 424242 WHERE id = :id", id=history[0].id)
    _rehash_from(history[0].id)
    _add_products(world, client, ["Cà phê"])
    _checkpoint(runner, tmp_path)
    third = runner.invoke(args=["audit", "witness", served, "--state", str(state)])
    assert third.exit_code == 1 and "NOT AN EXTENSION" in third.output
    assert json.loads(state.read_text())["tree_size"] == grown  # the kept one is not replaced


def test_a_witness_names_a_truncated_log(world, client, runner, tmp_path, history, served):
    state = tmp_path / "witness.json"
    assert runner.invoke(args=["audit", "witness", served, "--state", str(state)]).exit_code == 0
    _sql("DELETE FROM audit_log WHERE id = :id", id=history[-1].id)
    _sql("DELETE FROM audit_checkpoints")
    result = runner.invoke(args=["audit", "witness", served, "--state", str(state)])
    assert result.exit_code == 1 and f"TRUNCATED: {served} now signs {len(history) - 1} entries" in result.output


def test_a_checkpoint_signed_by_an_unpublished_key_is_refused_by_a_witness(app, history):
    doc = transparency.make_checkpoint(app.instance_path, "https://x", store=False)
    other = {"keys": [{**signing.public_keyset(app.instance_path)["keys"][0], "kid": "00000000"}]}
    outcome = transparency.witness("https://x", lambda url: other if "keys" in url else doc, None)
    assert not outcome.ok and "unknown key" in outcome.message


# ---- an entry that no longer parses (issue 12, item 12) ---------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [("at", "yesterday at noon"), ("at", "2026-13-45 99:00:00"), ("after", "{not json"), ("before", "[1, 2")],
)
def test_an_entry_that_no_longer_parses_is_named_not_a_traceback(runner, tmp_path, history, column, value):
    if PG_URL:
        pytest.skip("PostgreSQL refuses these values itself; see the 'infinity' test")
    path = _checkpoint(runner, tmp_path)
    target = history[1].id
    _sql(f"UPDATE audit_log SET {column} = :v WHERE id = :id", v=value, id=target)
    for args in (["audit", "verify"], ["audit", "verify", "--checkpoint", str(path)]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert f"BROKEN at entry {target}: unreadable ({column}:" in result.output
    failed = runner.invoke(args=["audit", "checkpoint"])
    assert failed.exit_code == 1 and f"Audit entry {target} no longer reads" in failed.output


def test_a_postgresql_time_python_cannot_read_is_named(runner, history):
    if not PG_URL:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    target = history[1].id
    for value in ("infinity", "10000-01-01 00:00:00+00"):
        _sql("UPDATE audit_log SET at = CAST(:v AS timestamptz) WHERE id = :id", v=value, id=target)
        result = runner.invoke(args=["audit", "verify"])
        assert result.exit_code == 1
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert f"BROKEN at entry {target}: unreadable (at:" in result.output


def test_the_verify_page_links_inclusion_proofs_of_the_certificates_issue_and_status_entries(
    world, client, runner, tmp_path
):
    from tests.api.test_verification import _issue

    cert, _, staff, _ = _issue(world, client)
    res = client.post(
        f"/api/v1/certificates/{cert['id']}/transitions",
        headers=world.headers(staff),
        json={"action": "suspend", "reason": "Vi phạm"},
    )
    assert res.status_code == 200
    doc = json.loads(_checkpoint(runner, tmp_path).read_text())
    record = client.get(f"/verify/{cert['id']}?format=json").get_json()
    actions = [e["action"] for e in record["log_entries"]]
    assert actions == ["create", "suspend"]
    for entry in record["log_entries"]:
        proof = client.get(entry["proof"]).get_json()
        assert proof["entry_id"] == entry["id"] and proof["root_hash"] == doc["root_hash"]
        assert transparency.verify_inclusion_document(proof)
    html = client.get(f"/verify/{cert['id']}?lang=en").get_data(as_text=True)
    assert "Transparency log" in html or "Nhật ký minh bạch" in html
    assert f'href="/api/v1/audit/entries/{record["log_entries"][1]["id"]}/proof"' in html
