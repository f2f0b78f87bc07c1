"""Scan path against a bare route on the same gunicorn: 1,000,000 products, SQLite and PostgreSQL.

Loads the products with Core inserts, serves the app with deploy/gunicorn.conf.py, and alternates
wrk runs of /healthz (bare), /01/{gtin} as JSON and as HTML, printing requests/s, p50/p99, the
scan/bare ratios and worker memory. Then suspends a certificate from another process and measures
how long until every worker's scan answer says so.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime

from flask_migrate import upgrade
from sqlalchemy import insert, select

from benchmarks.server import gunicorn, scratch_databases, wrk
from registry import create_app
from registry.extensions import db
from registry.models import Certificate, CertificateEvent, CertificationBody, Organization, Product, Province
from registry.models.certificate import certificate_products
from registry.services import seeding
from registry.services.gs1 import check_digit
from registry.services.text import fold

PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", 1_000_000))
ORGS = 1000
CERTIFIED = 20_000  # products that carry a certificate
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
SECONDS = int(os.environ.get("BENCH_SECONDS", 5))
WARMUP = int(os.environ.get("BENCH_WARMUP", 20))
SAMPLE = int(os.environ.get("BENCH_SAMPLE", 2000))  # distinct GTINs the load asks for


def gtin13(n: int) -> str:
    body = f"893{n:09d}"
    return body + str(check_digit(body))


def load(url: str) -> None:
    """Migrate, seed places, and insert the products, organisations and certificates in bulk."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    now = datetime.now(UTC)
    with app.app_context():
        upgrade()
        seeding.seed_places()
        provinces = list(db.session.scalars(select(Province.id)))
        db.session.execute(
            insert(Organization),
            [
                {
                    "id": i,
                    "name": f"Hợp tác xã {i}",
                    "name_folded": f"hop tac xa {i}",
                    "kind": "cooperative",
                    "tax_code": f"{4600000000 + i}",
                    "province_id": provinces[i % len(provinces)],
                    "is_sme": True,
                    "is_demo": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(1, ORGS + 1)
            ],
        )
        db.session.execute(
            insert(CertificationBody),
            [
                {
                    "id": 1,
                    "name": "Tổ chức chứng nhận",
                    "name_folded": "to chuc chung nhan",
                    "is_demo": False,
                    "created_at": now,
                }
            ],
        )
        chunk = 50_000
        for start in range(1, PRODUCTS + 1, chunk):
            rows = []
            for i in range(start, min(start + chunk, PRODUCTS + 1)):
                name = f"Sản phẩm OCOP số {i}"
                rows.append(
                    {
                        "id": i,
                        "organization_id": (i % ORGS) + 1,
                        "name": name,
                        "name_folded": fold(name),
                        "gtin": "0" + gtin13(i),
                        "status": "active",
                        "ocop_stars": 3 + i % 3,
                        "ocop_decision_number": f"{i}/QĐ-UBND",
                        "ocop_decision_date": date(2025, 1, 1),
                        "is_key_product": i % 7 == 0,
                        "is_specialty": False,
                        "has_collective_trademark": False,
                        "is_high_risk": False,
                        "is_demo": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            db.session.execute(insert(Product), rows)
        db.session.execute(
            insert(Certificate),
            [
                {
                    "id": i,
                    "number": f"BENCH-{i}",
                    "number_folded": f"bench-{i}",
                    "certification_body_id": 1,
                    "organization_id": (i % ORGS) + 1,
                    "holder_province_id": provinces[((i % ORGS) + 1) % len(provinces)],
                    "category": "product_standard",
                    "issued_on": date(2026, 1, 1),
                    "expires_on": date(2029, 1, 1),
                    "lifecycle": "valid",
                    "is_confirmed": True,
                    "is_demo": False,
                    "created_at": now,
                }
                for i in range(1, CERTIFIED + 1)
            ],
        )
        db.session.execute(
            insert(certificate_products), [{"certificate_id": i, "product_id": i} for i in range(1, CERTIFIED + 1)]
        )
        db.session.execute(
            insert(CertificateEvent),
            [{"certificate_id": i, "action": "issue", "at": now} for i in range(1, CERTIFIED + 1)],
        )
        db.session.commit()
        db.engine.dispose()


def lua_script(gtins: list[str], accept: str) -> str:
    """A wrk script that asks for a random GTIN of the sample on every request."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write("local g = {" + ",".join(f'"{g}"' for g in gtins) + "}\n")
        fh.write(
            f"request = function()\n  return wrk.format('GET', '/01/' .. g[math.random(#g)], "
            f"{{['Accept'] = '{accept}'}})\nend\n"
        )
    return fh.name


def revocation_delay(url: str, base: str, product_id: int) -> float:
    """Suspend product_id's certificate from another process; seconds until 40 answers in a row say so."""
    code = (
        "import sys; from registry import create_app; from registry.services import certificates;"
        "from registry.extensions import db; from registry.models import User;"
        "app = create_app({'SQLALCHEMY_DATABASE_URI': sys.argv[1], 'SECRET_KEY': 'bench'});"
        "ctx = app.app_context(); ctx.push();"
        "u = db.session.merge(User(id=999999, email='b@b', password_hash='x', role='admin')); db.session.commit();"
        "certificates.transition_certificate(u, int(sys.argv[2]), 'suspend', 'benchmark')"
    )
    subprocess.run([sys.executable, "-c", code, url, str(product_id)], check=True)
    start = time.monotonic()
    streak = 0
    while time.monotonic() - start < 30:
        req = urllib.request.Request(f"{base}/01/0{gtin13(product_id)}", headers={"Accept": "application/json"})
        body = json.loads(urllib.request.urlopen(req, timeout=5).read())
        statuses = [c.get("status") for c in body.get("certificates", [])]
        streak = streak + 1 if "suspended" in statuses else 0
        if streak >= 40:
            return time.monotonic() - start
    return float("inf")


def main() -> None:
    random.seed(42)
    with scratch_databases() as dbs:
        for label, url in dbs:
            t0 = time.monotonic()
            load(url)
            print(f"[{label}] loaded {PRODUCTS:,} products in {time.monotonic() - t0:.1f} s", flush=True)
            sample = ["0" + gtin13(random.randint(1, PRODUCTS)) for _ in range(SAMPLE)]
            json_lua, html_lua = lua_script(sample, "application/json"), lua_script(sample, "text/html")
            with gunicorn(url) as server:
                # Warm-up: every worker renders each sampled product once per representation, then
                # the measured runs show the steady state of a hot set of SAMPLE products.
                wrk(server.base + "/healthz", seconds=2)
                wrk(server.base + "/", seconds=WARMUP, script=json_lua)
                wrk(server.base + "/", seconds=WARMUP, script=html_lua)
                results: dict[str, list] = {"bare": [], "json": [], "html": []}
                for _ in range(ROUNDS):
                    results["bare"].append(wrk(server.base + "/healthz", seconds=SECONDS))
                    results["json"].append(wrk(server.base + "/", seconds=SECONDS, script=json_lua))
                    results["html"].append(wrk(server.base + "/", seconds=SECONDS, script=html_lua))
                rss = server.worker_rss_mib()
                summary = {}
                for kind, runs in results.items():
                    rps = sorted(r.rps for r in runs)[len(runs) // 2]
                    p50 = sorted(r.p50_ms for r in runs)[len(runs) // 2]
                    p99 = sorted(r.p99_ms for r in runs)[len(runs) // 2]
                    errors = sum(r.errors for r in runs)
                    summary[kind] = (rps, p50, p99)
                    print(
                        f"[{label}] {kind:5s} {rps:9.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  errors {errors}"
                    )
                bare = summary["bare"]
                for kind in ("json", "html"):
                    rps, _, p99 = summary[kind]
                    print(
                        f"[{label}] ratio scan {kind}/bare: {rps / bare[0]:.2f} x throughput, p99 {p99 / bare[2]:.2f} x"
                    )
                print(f"[{label}] worker RSS: " + ", ".join(f"{m:.0f} MiB" for m in rss))
                delay = revocation_delay(url, server.base, 1)
                print(f"[{label}] suspension visible on every worker after {delay:.2f} s (goal ≤ 5 s)", flush=True)


if __name__ == "__main__":
    main()
