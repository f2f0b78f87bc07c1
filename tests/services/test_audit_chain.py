"""The hash-chained audit log detects an edit made behind the registry's back."""

from __future__ import annotations

from sqlalchemy import select, text

from registry.extensions import db
from registry.models import AuditEntry
from registry.services import audit


def _some_history(world, client):
    org = world.organization()
    h = world.headers(world.admin)
    for name in ("Mật ong bạc hà", "Chè Shan tuyết"):
        assert (
            client.post("/api/v1/products", headers=h, json={"organization_id": org.id, "name": name}).status_code
            == 201
        )
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_an_untouched_chain_verifies_and_its_head_is_published(world, client, runner):
    entries = _some_history(world, client)
    assert len(entries) >= 3
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and f"{len(entries)} entries" in result.output
    head = client.get("/api/v1/audit/head").get_json()
    assert head["size"] == entries[-1].id and head["hash"] == entries[-1].hash
    assert entries[1].prev_hash == entries[0].hash


def test_an_audit_row_altered_in_the_database_is_named_by_audit_verify(world, client, runner):
    entries = _some_history(world, client)
    target = entries[1].id
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET action = 'tampered' WHERE id = :id"), {"id": target})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {target}" in result.output


def test_a_rewritten_row_with_a_recomputed_hash_still_breaks_the_next_link(world, client, runner):
    entries = _some_history(world, client)
    target = entries[1]
    db.session.remove()
    with db.engine.begin() as conn:
        # The forger recomputes this row's own hash, but the next entry still holds the old one.
        conn.execute(text("UPDATE audit_log SET entity_id = 999999 WHERE id = :id"), {"id": target.id})
    forged = db.session.get(AuditEntry, target.id)
    new_hash = audit.entry_hash(forged.prev_hash, forged)
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET hash = :h WHERE id = :id"), {"h": new_hash, "id": target.id})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at entry {entries[2].id}" in result.output


def test_a_deleted_audit_row_is_detected(world, client, runner):
    entries = _some_history(world, client)
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": entries[1].id})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at entry {entries[2].id}" in result.output
