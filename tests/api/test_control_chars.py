"""No text field accepts a control character such as NUL (PostgreSQL refuses it; it is never meant)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import AuditEntry, Product


def test_api_token_and_records_refuse_nul_with_the_field_named(client: Any, world: Any) -> None:
    res = client.post("/api/v1/auth/token", json={"email": "a\x00@b.vn", "password": "x"})
    assert res.status_code == 422 and res.get_json()["errors"][0] == {
        "field": "email",
        "rule": "control_char",
        "message": res.get_json()["errors"][0]["message"],
    }
    org = world.organization()
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    res = client.post(
        "/api/v1/products",
        headers=world.headers(world.admin, "en"),
        json={"organization_id": org.id, "name": "Chè\x00"},
    )
    assert res.status_code == 422 and "control character" in res.get_json()["errors"][0]["message"]
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_signing_in_with_nul_in_the_address_is_a_wrong_password_not_a_server_error(world: Any) -> None:
    import pytest

    from registry.errors import Unauthorized
    from registry.services import users

    with pytest.raises(Unauthorized):
        users.authenticate(world.admin.email + "\x00", "x")
