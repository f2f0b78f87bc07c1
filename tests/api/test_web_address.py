"""A website is shown to consumers as a link: only http:// and https:// addresses are taken."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import AuditEntry, Organization
from tests.helpers import valid_gtin13


def audit_size() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id))) or 0


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "htx.vn", "https://"]
)
def test_an_organisation_website_that_is_not_a_web_address_is_refused(client: Any, world: Any, website: str) -> None:
    org = world.organization()
    before = audit_size()
    for lang, text in (("vi", "http:// hoặc https://"), ("en", "starting with http:// or https://")):
        res = client.patch(
            f"/api/v1/organizations/{org.id}", headers=world.headers(world.admin, lang), json={"website": website}
        )
        assert res.status_code == 422, res.get_json()
        (error,) = res.get_json()["errors"]
        assert (error["field"], error["rule"]) == ("website", "web_address") and text in error["message"]
    assert audit_size() == before and db.session.get(Organization, org.id).website is None


def test_a_web_address_is_taken_and_linked_from_the_scan_page(client: Any, world: Any) -> None:
    org = world.organization()
    res = client.patch(
        f"/api/v1/organizations/{org.id}",
        headers=world.headers(world.admin),
        json={"website": "https://htx-che.vn/gioi-thieu"},
    )
    assert res.status_code == 200, res.get_json()
    gtin = "0" + valid_gtin13(41)
    body = {"organization_id": org.id, "name": "Chè", "gtin": gtin}
    res = client.post("/api/v1/products", headers=world.headers(world.admin), json=body)
    assert res.status_code == 201, res.get_json()
    page = client.get(f"/01/{gtin}").get_data(as_text=True)
    assert '<a href="https://htx-che.vn/gioi-thieu" rel="nofollow noopener">' in page


def test_an_older_record_with_a_script_address_is_shown_as_text_not_a_link(client: Any, world: Any) -> None:
    org = world.organization()
    db.session.get(Organization, org.id).website = "javascript:alert(1)"  # as if written before the rule
    db.session.commit()
    gtin = "0" + valid_gtin13(42)
    body = {"organization_id": org.id, "name": "Chè", "gtin": gtin}
    res = client.post("/api/v1/products", headers=world.headers(world.admin), json=body)
    assert res.status_code == 201, res.get_json()
    page = client.get(f"/01/{gtin}").get_data(as_text=True)
    assert "javascript:alert(1)" in page and 'href="javascript' not in page
