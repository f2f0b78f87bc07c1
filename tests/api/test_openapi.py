"""The OpenAPI document, its offline docs page, and schemathesis over every operation."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings


def test_openapi_document_describes_the_resources(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/organizations",
        "/api/v1/products",
        "/api/v1/standards",
        "/api/v1/certificates",
        "/api/v1/certificates/{cert_id}/transitions",
        "/api/v1/batches",
        "/api/v1/support-activities",
        "/api/v1/provinces",
        "/api/v1/plans",
        "/api/v1/auth/token",
    ):
        assert path in spec["paths"], path


def test_docs_page_works_without_internet(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/docs/static/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    asset = client.get("/api/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()


def test_no_input_produces_a_server_error(app, world):
    """Schemathesis generates requests for every operation, anonymous and as admin; none may 500."""
    raw = app.test_client().get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    token = world.headers(world.admin)["Authorization"]
    world.organization()
    calls = 0
    failures: list[str] = []

    for operation in schema.get_all_operations():
        op = operation.ok()

        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def run(case: schemathesis.Case) -> None:
            nonlocal calls
            for headers in ({}, {"Authorization": token}):
                calls += 1
                response = case.call(app=app, headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        run()
    print(f"schemathesis calls: {calls}")
    assert calls > 200
    assert failures == []
