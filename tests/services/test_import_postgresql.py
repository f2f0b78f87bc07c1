"""What a products import on PostgreSQL must still guarantee while it streams one COPY.

The COPY may run without the per-row foreign key triggers (see imports._CopyWriter): the import
then checks and locks each organisation itself. These tests prove that check is real, that the
database's own refusals are reported as bad input, and that nothing else was silenced.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from registry.errors import InvalidInput
from registry.extensions import db
from registry.models import AuditEntry, Product
from registry.services import imports
from tests.conftest import PG_URL
from tests.helpers import valid_gtin13
from tests.services.test_imports import count, csv_bytes, product_rows

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (TEST_DATABASE_URL)")


def test_products_have_no_triggers_but_their_foreign_keys(app: Any) -> None:
    """An import may skip triggers for its COPY only because these are all there are; a new one needs a rethink."""
    triggers = db.session.execute(
        text(
            "SELECT t.tgname, c.contype, c.conrelid = t.tgrelid AS referencing FROM pg_trigger t"
            " LEFT JOIN pg_constraint c ON c.oid = t.tgconstraint WHERE t.tgrelid = 'products'::regclass"
        )
    ).all()
    assert triggers and all(contype == "f" for _, contype, _ in triggers), triggers
    # The referencing side fires on INSERT and UPDATE of products: the organisation check the import replaces.
    referencing = [name for name, _, ours in triggers if ours]
    assert len(referencing) == 2, referencing


@pytest.mark.parametrize("own_check", [True, False], ids=["import's own check", "database's trigger"])
def test_an_organisation_gone_since_it_was_looked_up_fails_the_import_and_writes_nothing(
    world: Any, monkeypatch: pytest.MonkeyPatch, own_check: bool
) -> None:
    monkeypatch.setattr(imports, "CHUNK", 2)
    monkeypatch.setattr(imports, "_may_skip_triggers", lambda driver: own_check)
    org = world.organization()
    looked_up = imports._Lookups.organizations

    def also_a_ghost(self: Any, ids: set[int]) -> list[Any]:
        return [*looked_up(self, ids - {999_999}), (999_999, org.province_id, None)]

    monkeypatch.setattr(imports._Lookups, "organizations", also_a_ghost)
    rows = product_rows(org.id, 5)
    rows[4][0] = 999_999  # row 5: an organisation the look-up saw but the database no longer has
    before = count(AuditEntry)
    with pytest.raises(InvalidInput) as caught:
        imports.import_file(world.admin, "products", csv_bytes(rows))
    assert [(e.field, e.rule, e.params.get("value")) for e in caught.value.errors] == [
        ("organization_id", "unknown_reference", 999_999)
    ]
    assert count(Product) == 0 and count(AuditEntry) == before
    assert imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 3))).created == 3


def test_a_gtin_registered_by_someone_else_meanwhile_is_named_as_a_bad_row(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "CHUNK", 2)
    org = world.organization()
    imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 1, start=3)))  # GTIN of row 2 below
    monkeypatch.setattr(imports._Lookups, "registered_gtins", lambda self, gtins: set())  # checked before it was
    before = (count(Product), count(AuditEntry))
    with pytest.raises(imports.ImportRejected) as caught:
        imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 6)))
    assert [(e.row, e.field, e.rule, e.params) for e in caught.value.rows] == [
        (5, "gtin", "duplicate", {"value": "0" + valid_gtin13(3)})
    ]
    assert (count(Product), count(AuditEntry)) == before
