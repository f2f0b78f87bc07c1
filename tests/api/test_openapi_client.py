"""A Python client generated from /api/v1/openapi.json (openapi-python-client) reads every public GET: success as the
documented model, errors as the Problem model; and the document names and describes every operation's answers."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry.services import certificates
from tests.helpers import valid_gtin13

PACKAGE = "registry_api_client"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_every_operation_has_an_id_a_success_and_problem_errors(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    ids = []
    assert spec["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method == "parameters":
                continue
            ids.append(op["operationId"])
            codes = set(op["responses"])
            assert any(code.startswith("2") for code in codes), (method, path)
            for code, response in op["responses"].items():
                if code == "default" or int(code) >= 400:
                    assert response["content"] == {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, (method, path, code)
                else:
                    assert response["description"], (method, path, code)
                    assert response.get("content") or code in ("204", "304"), (method, path, code)
            if "{" in path:
                assert "404" in codes, (method, path)
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)


def test_a_405_names_the_allowed_methods(client):
    res = client.delete("/api/v1/provinces")
    assert res.status_code == 405 and res.mimetype == "application/problem+json"
    assert {m.strip() for m in res.headers["Allow"].split(",")} >= {"GET", "HEAD"}


def _generate(spec: dict[str, Any], where: Path) -> Any:
    generator = shutil.which("openapi-python-client") or str(Path(sys.executable).with_name("openapi-python-client"))
    if not Path(generator).exists():
        pytest.skip("openapi-python-client is not installed (a dev dependency: make install)")
    (where / "openapi.json").write_text(json.dumps(spec), encoding="utf-8")
    # The generator reads JSON, text and octet-stream bodies itself; the registry's files are bytes to it.
    binary = ["application/pdf", "image/png", "image/svg+xml", XLSX]
    overrides = "".join(f"  {media}: application/octet-stream\n" for media in binary)
    overrides += "  application/ld+json: application/json\n"
    config = f"package_name_override: {PACKAGE}\npost_hooks: []\ncontent_type_overrides:\n{overrides}"
    (where / "config.yaml").write_text(config, encoding="utf-8")
    done = subprocess.run(
        [
            generator,
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--config",
            str(where / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout  # every schema and response was understood
    sys.path.insert(0, str(where))
    return importlib.import_module(PACKAGE)


@pytest.fixture
def generated(client, tmp_path: Path):
    spec = client.get("/api/v1/openapi.json").get_json()
    package = _generate(spec, tmp_path)
    yield package, spec
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def _operation(spec: dict[str, Any], op_id: str) -> Any:
    for operations in spec["paths"].values():
        for method, op in operations.items():
            if method != "parameters" and op["operationId"] == op_id:
                tag = re.sub(r"[^a-z0-9]+", "_", op["tags"][0].lower()).strip("_")
                return importlib.import_module(f"{PACKAGE}.api.{tag}.{op_id}")
    raise AssertionError(op_id)


def test_a_generated_client_reads_every_public_get(app, world, client, generated):
    package, spec = generated
    h = world.headers(world.admin)
    org = world.organization()
    body = world.body()
    gtin = valid_gtin13(61)
    product = client.post(
        "/api/v1/products", headers=h, json={"organization_id": org.id, "name": "Chè Tân Cương", "gtin": gtin}
    ).get_json()
    cert = certificates.create_certificate(
        world.admin,
        {
            "number": "CN-61",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "organic",
            "product_ids": [product["id"]],
            "issued_on": date(2026, 3, 1),
        },
    )
    batch = client.post(
        "/api/v1/batches", headers=h, json={"product_id": product["id"], "lot": "L-61", "produced_on": "2026-04-01"}
    ).get_json()

    api = package.Client(base_url="http://localhost")
    api.set_httpx_client(httpx.Client(base_url="http://localhost", transport=httpx.WSGITransport(app=app)))
    problem_type = importlib.import_module(f"{PACKAGE}.models.problem").Problem

    stats = _operation(spec, "certificate_stats").sync_detailed(client=api, province="thai-nguyen", year=2026)
    assert stats.status_code == 200 and stats.parsed.count == 1 and stats.parsed.province == "thai-nguyen"
    assert stats.parsed.by_category.organic == 1 and len(stats.parsed.by_month) == 12
    national = _operation(spec, "certificate_stats").sync_detailed(client=api, year=2026).parsed
    assert national.national_goal.value == 50_000 and national.count == 1
    progress = _operation(spec, "progress_stats").sync_detailed(client=api, province="thai-nguyen", year=2026)
    assert progress.status_code == 200 and progress.parsed.targets and progress.parsed.year == 2026
    assert {t.status for t in progress.parsed.targets} <= {"on_track", "at_risk", "behind", "met", "no_data"}
    report = _operation(spec, "annual_report").sync_detailed(
        client=api, province="thai-nguyen", year=2026, format_="csv"
    )
    assert report.status_code == 200 and report.content.startswith("\ufeff".encode())
    head = _operation(spec, "audit_head").sync_detailed(client=api)
    assert head.status_code == 200 and head.parsed.size > 0 and len(head.parsed.hash_) == 64
    provinces = _operation(spec, "list_provinces").sync_detailed(client=api)
    assert provinces.status_code == 200 and len(provinces.parsed) == 34
    products = _operation(spec, "list_products").sync_detailed(client=api, q="che tan cuong")
    assert [p.gtin for p in products.parsed.items] == [gtin.zfill(14)]
    listed = _operation(spec, "list_certificates").sync_detailed(client=api)
    assert [c.number for c in listed.parsed.items] == ["CN-61"]
    bad = _operation(spec, "certificate_stats").sync_detailed(client=api, year=1900)
    assert bad.status_code == 422 and isinstance(bad.parsed, problem_type) and bad.parsed.errors[0].field == "year"

    # Then every GET the document lists: a success parses as its documented model, a refusal as a Problem.
    ids = {
        "product_id": product["id"],
        "cert_id": cert.id,
        "batch_id": batch["id"],
        "organization_id": org.id,
        "org_id": org.id,
        "body_id": body.id,
        "slug": "thai-nguyen",
        "province": "thai-nguyen",
    }
    queries = {"first": 1}  # the required query parameters of the GETs below (the audit log's consistency)
    read = []
    for path, operations in spec["paths"].items():
        op = operations.get("get")
        if op is None:
            continue
        params = [p["name"] for p in operations.get("parameters", []) + op.get("parameters", []) if p["in"] == "path"]
        if any(name not in ids for name in params):
            continue  # an id this test has no record for (a standard's document, a target's figures)
        module = _operation(spec, op["operationId"])
        needed = [p["name"] for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")]
        values = {n: ids[n] for n in params} | {n: queries[n] for n in needed}
        answer = module.sync_detailed(
            client=api, **{re.sub(r"(?<!^)(?=[A-Z])", "_", n).lower(): v for n, v in values.items()}
        )
        documented = op["responses"].get(str(answer.status_code))
        assert documented is not None, (path, answer.status_code)
        if answer.status_code >= 400:
            assert isinstance(answer.parsed, problem_type), (path, answer.status_code, answer.parsed)
        elif "application/json" in documented.get("content", {}):
            assert answer.parsed is not None and not isinstance(answer.parsed, problem_type), path
        read.append((path, answer.status_code))
    assert len(read) >= 25 and sum(1 for _, status in read if status == 200) >= 20, read
