"""Concurrent creates of one unique key: exactly one 201, every other request a 409 naming the field.

Fifty threads, each with its own client (and so its own session and connection), start together
against the live PostgreSQL test database; the constraint, not the service's check, decides the
late ones, and its refusal must read as the check's would (registry.integrity).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from registry.errors import Conflict, InvalidInput
from registry.extensions import db
from registry.models import Batch, Certificate, Product, Standard, User
from registry.services import batches, products
from tests.conftest import PG_URL
from tests.helpers import valid_gtin13

pg_only = pytest.mark.skipif(
    not PG_URL, reason="races need PostgreSQL: set TEST_DATABASE_URL (SQLite serialises every writer)"
)
N = 50


def _race(app: Any, path: str, body: dict[str, Any], headers: dict[str, str]) -> list[Any]:
    barrier = threading.Barrier(N)
    results: list[Any] = [None] * N

    def one(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        res = client.post(path, json=body, headers=headers)
        results[i] = (res.status_code, res.get_json())

    threads = [threading.Thread(target=one, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _assert_one_winner(results: list[Any], field: str) -> None:
    statuses = Counter(code for code, _ in results)
    assert statuses == {201: 1, 409: N - 1}, statuses
    for code, body in results:
        if code == 409:
            assert body["status"] == 409 and [e["field"] for e in body["errors"]] == [field], body
            assert body["errors"][0]["rule"] in ("duplicate", "already_exists")


@pytest.fixture
def race_world(app, world):
    org = world.organization()
    product = products.create_product(world.admin, {"organization_id": org.id, "name": "Chè"})
    return {"org": org, "body": world.body(), "product": product, "headers": world.headers(world.admin)}


@pg_only
def test_fifty_certificates_with_one_number(app, race_world):
    w = race_world
    body = {"number": "TN-2026-0001", "certification_body_id": w["body"].id, "organization_id": w["org"].id,
            "category": "gap", "issued_on": "2026-01-05"}  # fmt: skip
    _assert_one_winner(_race(app, "/api/v1/certificates", body, w["headers"]), "number")
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


@pg_only
def test_fifty_products_with_one_gtin(app, race_world):
    w = race_world
    body = {"organization_id": w["org"].id, "name": "Mật ong", "gtin": valid_gtin13(42)}
    _assert_one_winner(_race(app, "/api/v1/products", body, w["headers"]), "gtin")
    assert db.session.scalar(select(func.count()).select_from(Product).where(Product.gtin.is_not(None))) == 1


@pg_only
def test_fifty_batches_with_one_lot(app, race_world):
    w = race_world
    body = {"product_id": w["product"].id, "lot": "LOT-7"}
    _assert_one_winner(_race(app, "/api/v1/batches", body, w["headers"]), "lot")
    assert db.session.scalar(select(func.count()).select_from(Batch)) == 1


@pg_only
def test_fifty_users_with_one_email(app, race_world):
    w = race_world
    body = {"email": "same@test.vn", "password": "a long password", "role": "producer", "organization_id": w["org"].id}
    _assert_one_winner(_race(app, "/api/v1/users", body, w["headers"]), "email")
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "same@test.vn")) == 1


@pg_only
def test_fifty_tccs_with_one_code(app, race_world):
    w = race_world
    body = {"kind": "tccs", "code": "TCCS 01:2026/HTX", "title": "Chè xanh", "organization_id": w["org"].id}
    _assert_one_winner(_race(app, "/api/v1/standards", body, w["headers"]), "code")
    assert db.session.scalar(select(func.count()).select_from(Standard)) == 1


@pytest.mark.parametrize("through", ["commit", "flush", "autoflush"])
def test_a_constraint_refusal_outside_the_race_reads_as_the_check_would(world, race_world, through):
    """The service's own check skipped: the flush itself names the field, and the session stays usable."""
    batches.create_batch(world.admin, {"product_id": race_world["product"].id, "lot": "A"})
    db.session.add(Batch(product_id=race_world["product"].id, lot="A"))
    with pytest.raises(Conflict) as caught:
        if through == "commit":
            db.session.commit()
        elif through == "flush":
            db.session.flush()
        else:
            db.session.scalar(select(Batch.id).where(Batch.lot == "B"))
    assert caught.value.status == 409 and caught.value.errors[0].field == "lot"
    if PG_URL:  # PostgreSQL names the value too; SQLite's message has the columns only
        assert caught.value.errors[0].params == {"value": "A"}
    assert db.session.scalar(select(func.count()).select_from(Batch)) == 1


def test_a_check_or_reference_refused_by_the_database_is_a_422_naming_the_field(world, race_world):
    org = race_world["org"]
    db.session.add(Product(organization_id=org.id, name="Chè", name_folded="che", ocop_stars=7))
    with pytest.raises(InvalidInput) as caught:
        db.session.flush()
    assert caught.value.errors[0].field == "ocop_stars" and caught.value.errors[0].rule == "invalid"
    if not PG_URL:  # the SQLite schema does not enforce foreign keys
        return
    db.session.add(Product(organization_id=987654, name="Chè", name_folded="che"))
    with pytest.raises(InvalidInput) as caught:
        db.session.commit()
    assert caught.value.errors[0].rule == "unknown_reference"
    assert caught.value.errors[0].field == "organization_id"
    assert caught.value.errors[0].params == {"value": "987654"}
    assert db.session.scalar(select(func.count()).select_from(Product)) == 1


def test_a_constraint_refusal_outside_the_orm_is_the_same_problem(app, world, race_world):
    """A Core statement (no flush) refused by the database: the API's handler maps it the same way."""
    batches.create_batch(world.admin, {"product_id": race_world["product"].id, "lot": "A"})
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(Batch.__table__.insert().values(product_id=race_world["product"].id, lot="A"))
    with app.test_request_context("/api/v1/batches", method="POST", headers={"Accept-Language": "vi"}):
        res = app.make_response(app.handle_user_exception(caught.value))
    assert res.status_code == 409 and res.mimetype == "application/problem+json"
    assert [e["field"] for e in res.get_json()["errors"]] == ["lot"]
    assert db.session.scalar(select(func.count()).select_from(Batch)) == 1
