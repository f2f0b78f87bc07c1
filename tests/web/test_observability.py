"""Metrics, request ids, JSON logs and slow statements, as an operator's machines read them."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from registry import create_app
from registry.extensions import db
from registry.services import certificates, imports
from registry.services.scan_cache import ScanCache
from tests.helpers import valid_gtin13
from tests.services.test_imports import csv_bytes, product_rows
from tests.web.test_scan_cache import Clock

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-the-test-0123456789"


def samples(client: Any, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.status_code
    assert answer.content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


# --- request ids ------------------------------------------------------------------------------------


def test_every_answer_carries_a_request_id_and_a_good_one_from_the_client_is_kept(client: Any) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{12}-[0-9a-f]+", first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"}).headers["X-Request-ID"] == "lb-7f3a.42"
    for bad in ("has space", "x" * 129, "<script>"):
        kept = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert kept != bad and re.fullmatch(r"[0-9a-f]{12}-[0-9a-f]+", kept)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/products/999999", {}),  # the API's problems (api/problems.py)
        ("/01/12345", {"Accept": "application/json"}),  # the resolver's own problems
        ("/no-such-page", {"Accept": "application/json"}),
    ],
)
def test_problem_documents_name_the_request_id_they_were_sent_with(
    client: Any, path: str, headers: dict[str, str]
) -> None:
    answer = client.get(path, headers={**headers, "X-Request-ID": "support-ticket-1"})
    assert answer.status_code >= 400 and answer.mimetype == "application/problem+json"
    body = answer.get_json()
    assert body["request_id"] == "support-ticket-1" == answer.headers["X-Request-ID"]
    assert body["instance"] == path


# --- /metrics access ------------------------------------------------------------------------------


def test_metrics_are_refused_to_others_and_served_to_the_token_or_an_allowed_address(app: Any, client: Any) -> None:
    app.config["METRICS_TOKEN"] = TOKEN
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    wrong = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403
    good = client.get("/metrics", environ_base=outside, headers={"Authorization": f"Bearer {TOKEN}"})
    assert good.status_code == 200 and b"registry_http_requests_total" in good.data
    assert client.get("/metrics").status_code == 200  # 127.0.0.1 is allowed by default
    # Through a proxy the app does not trust, the address seen is the proxy's: not believed.
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403
    app.config["METRICS_ALLOW_FROM"] = "10.20.0.0/16"
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.3.4"}).status_code == 200
    assert client.get("/metrics").status_code == 403


def test_behind_one_trusted_proxy_the_client_address_is_the_forwarded_one(app: Any, tmp_path: Path) -> None:
    proxied = create_app({**app.config, "PROXY_FIX_X_FOR": 1, "METRICS_ALLOW_FROM": "203.0.113.0/24"})
    client = proxied.test_client()
    via_proxy = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert client.get("/metrics", headers=via_proxy).status_code == 200
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 403
    # Only the last hop counts: a client cannot claim an allowed address in front of its own.
    spoofed = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
    assert client.get("/metrics", headers=spoofed).status_code == 403


# --- what is counted ----------------------------------------------------------------------------


def test_requests_are_counted_and_timed_by_route_never_by_raw_path(client: Any) -> None:
    before = samples(client)
    gtins = ["0" + valid_gtin13(n) for n in (101, 102, 103)]
    for gtin in gtins:
        assert client.get(f"/01/{gtin}").status_code == 404
    client.get("/no-such-page")
    after = samples(client)
    labels = {"endpoint": "resolver.resolve", "method": "GET", "status": "404"}
    assert (
        value(after, "registry_http_requests_total", **labels) - value(before, "registry_http_requests_total", **labels)
        == 3
    )
    assert value(after, "registry_http_request_duration_seconds_count", endpoint="resolver.resolve") >= 3
    assert value(after, "registry_http_requests_total", endpoint="unmatched", method="GET", status="404") >= 1
    exposed = client.get("/metrics").get_data(as_text=True)
    assert not any(gtin in exposed for gtin in gtins) and "no-such-page" not in exposed


def test_scans_are_counted_by_where_their_answer_came_from(app: Any, client: Any, world: Any) -> None:
    app.extensions["scan_cache"] = ScanCache(60.0, clock=Clock())
    org = world.organization()
    imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 1, start=77)))
    path = "/01/0" + valid_gtin13(77)
    before = samples(client)
    assert client.get(path).status_code == 200  # rendered from the database
    assert client.get(path).status_code == 200  # the front door's stored bytes
    client.set_cookie("seen", "1")
    assert client.get(path).status_code == 200  # a cookie takes the full path: the resolver's cache
    after = samples(client)
    for source in ("rendered", "front", "cache"):
        delta = value(after, "registry_scans_total", source=source) - value(
            before, "registry_scans_total", source=source
        )
        assert delta == 1, source
    front = {"endpoint": "resolver.resolve", "method": "GET", "status": "200"}
    assert (
        value(after, "registry_http_requests_total", **front) - value(before, "registry_http_requests_total", **front)
        == 3
    )


def test_imports_and_status_changes_are_counted_once_committed(client: Any, world: Any) -> None:
    org, body = world.organization(), world.body()
    before = samples(client)
    imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 4)))
    imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 2, start=20)), dry_run=True)
    with pytest.raises(imports.ImportRejected):
        imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 1)))  # already there
    cert = certificates.create_certificate(
        world.admin,
        {
            "number": "VG-OBS-1",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "product_standard",
            "issued_on": date.today().replace(month=1, day=2),
        },
    )
    certificates.transition_certificate(world.admin, cert.id, "suspend", "Kiểm tra")
    certificates.transition_certificate(world.admin, cert.id, "reinstate", "Đạt")
    after = samples(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("registry_imports_total", kind="products", outcome="committed") == 1
    assert delta("registry_imports_total", kind="products", outcome="dry_run") == 1
    assert delta("registry_imports_total", kind="products", outcome="rejected") == 1
    assert delta("registry_imported_records_total", kind="products") == 4
    assert delta("registry_certificate_status_changes_total", action="suspend") == 1
    assert delta("registry_certificate_status_changes_total", action="reinstate") == 1


def test_database_pool_use_is_reported(client: Any) -> None:
    client.get("/")
    found = samples(client)
    assert value(found, "registry_db_connections_total") >= 1
    in_use = value(found, "registry_db_pool_checked_out")
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert 0 <= in_use == value(samples(client), "registry_db_pool_checked_out")  # each request gave its back
    assert ("registry_db_pool_size", ()) in found


def test_metrics_of_several_worker_processes_are_added_up(tmp_path: Path) -> None:
    """PROMETHEUS_MULTIPROC_DIR: each process writes its own files; /metrics in any of them sums them all."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    script = (
        "import sys; from registry import create_app;"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/x.db', 'SECRET_KEY': 'k'}});"
        "c = app.test_client(); [c.get('/healthz') for _ in range(int(sys.argv[1]))];"
        "sys.stdout.write(c.get('/metrics').get_data(as_text=True))"
    )
    for n in ("2", "3"):
        subprocess.run([sys.executable, "-c", script, n], env=env, cwd=ROOT, check=True, capture_output=True)
    shown = subprocess.run(
        [sys.executable, "-c", script, "0"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    line = next(x for x in shown.splitlines() if x.startswith("registry_http_requests_total{") and "web.healthz" in x)
    assert float(line.rsplit(" ", 1)[1]) == 5.0
    assert len({p.stem.rsplit("_", 1)[1] for p in tmp_path.glob("counter_*.db")}) == 3  # one file per process


# --- logs -----------------------------------------------------------------------------------------


@pytest.fixture
def json_logs() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.handlers = handlers
    root.setLevel(level)


def test_json_logs_carry_the_request_id_of_each_request(
    app: Any, json_logs: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logged = create_app({**app.config, "LOG_FORMAT": "json", "SLOW_QUERY_MS": 0})
    answer = logged.test_client().get("/healthz", headers={"X-Request-ID": "trace-abc"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    request = next(line for line in lines if line["message"] == "request")
    assert request["request_id"] == "trace-abc" == answer.headers["X-Request-ID"]
    assert (request["endpoint"], request["status"], request["method"]) == ("web.healthz", 200, "GET")
    assert request["level"] == "INFO" and request["logger"] == "registry.request" and "time" in request
    assert isinstance(request["duration_ms"], float)


def test_statements_slower_than_the_threshold_are_logged_with_their_duration(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    slow = create_app({**app.config, "SLOW_QUERY_MS": 20})
    counting = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500000) SELECT count(*) FROM n"
    )
    with slow.app_context(), caplog.at_level(logging.WARNING, logger="registry.slow_query"):
        db.session.execute(text("SELECT 1"))
        db.session.execute(text(counting))
        db.session.remove()
        db.engine.dispose()
    records = [r for r in caplog.records if r.name == "registry.slow_query"]
    assert [r.statement for r in records] == [counting]  # type: ignore[attr-defined]
    assert records[0].duration_ms >= 20  # type: ignore[attr-defined]
