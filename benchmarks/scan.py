"""Scan path against a bare route on the same gunicorn: 1,000,000 products, SQLite and PostgreSQL.

Loads the products with Core inserts, serves the app with deploy/gunicorn.conf.py, and beside it a
bare Flask app (benchmarks/bare_app.py) under the same settings; then alternates wrk runs of the bare
app's route, the registry's own /healthz (every hook of the app, no database), and /01/{gtin} as JSON
and as HTML, rotating the order each round, and prints requests/s, p50/p99, the scan/baseline ratios
against both baselines and worker memory. Then suspends a certificate from another process and measures
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

from benchmarks.server import WrkResult, gunicorn, scratch_databases, wrk
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
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 8))
SECONDS = int(os.environ.get("BENCH_SECONDS", 4))
WARMUP = int(os.environ.get("BENCH_WARMUP", 300))  # at most, per representation; see warm_up
SAMPLE = int(os.environ.get("BENCH_SAMPLE", 2000))  # distinct GTINs the load asks for
WORKERS = int(os.environ.get("WEB_CONCURRENCY", min(4, os.cpu_count() or 1)))  # as deploy/gunicorn.conf.py


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


def lua_script(gtins: list[str], accept: str, walk: bool = False) -> str:
    """A wrk script asking for a GTIN of the list on every request: at random, or walking the list in order."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write("local g = {" + ",".join(f'"{g}"' for g in gtins) + "}\n")
        fh.write("local i = math.random(#g)\n")
        pick = "g[i]" if walk else "g[math.random(#g)]"
        fh.write(
            f"request = function()\n  i = i % #g + 1\n  return wrk.format('GET', '/01/' .. {pick}, "
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


KINDS = ("flask", "bare", "json", "html", "cold")
LABELS = {
    "flask": "bare Flask app /healthz",
    "bare": "registry /healthz",
    "json": "scan JSON",
    "html": "scan HTML",
    "cold": "scan JSON, never asked",
}
COLD = 200_000  # products outside the hot sample, asked at random: nearly every answer is rendered afresh


def measure(flask_base: str, base: str, json_lua: str, html_lua: str, cold_lua: str) -> dict[str, list[WrkResult]]:
    """ROUNDS rounds of every kind, the order rotated each round so no kind always follows another."""
    runs: dict[str, list[WrkResult]] = {kind: [] for kind in KINDS}
    targets = {
        "flask": (flask_base + "/healthz", None),
        "bare": (base + "/healthz", None),
        "json": (base + "/", json_lua),
        "html": (base + "/", html_lua),
        "cold": (base + "/", cold_lua),
    }
    for n in range(ROUNDS):
        order = KINDS[n % len(KINDS) :] + KINDS[: n % len(KINDS)]
        for kind in order:
            url, script = targets[kind]
            runs[kind].append(wrk(url, seconds=SECONDS, script=script))
    return runs


def warm_up(base: str, walk_lua: str) -> float:
    """Walk the sample until each worker has been asked for it three times over and the rate stops rising.

    A first answer is rendered from the database (tens of times dearer than a kept one), so a
    measurement that starts before the hot set is complete measures the warm-up instead.
    """
    start, previous, asked = time.monotonic(), 0.0, 0.0
    while time.monotonic() - start < WARMUP:
        rps = wrk(base + "/", seconds=5, script=walk_lua).rps
        asked += rps * 5
        if asked >= 3 * SAMPLE * WORKERS and rps <= 1.1 * previous:
            break
        previous = rps
    return time.monotonic() - start


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def report(label: str, runs: dict[str, list[WrkResult]]) -> None:
    """Medians per kind, then each scan kind as a ratio of both baselines, with the spread of rounds."""
    summary = {}
    for kind in KINDS:
        rs = runs[kind]
        rps = [r.rps for r in rs]
        summary[kind] = (median(rps), median([r.p50_ms for r in rs]), median([r.p99_ms for r in rs]))
        print(
            f"[{label}] {LABELS[kind]:24s} {summary[kind][0]:7.0f} req/s (rounds {min(rps):.0f}–{max(rps):.0f})"
            f"  p50 {summary[kind][1]:6.2f} ms  p99 {summary[kind][2]:6.2f} ms  errors {sum(r.errors for r in rs)}"
        )
    for base in ("flask", "bare"):
        for kind in ("json", "html", "cold"):
            # Per round, against the baseline run of the same round: noise that hits a whole round cancels.
            per_round = [k.rps / b.rps for k, b in zip(runs[kind], runs[base], strict=True)]
            print(
                f"[{label}] {LABELS[kind]} / {LABELS[base]}: {summary[kind][0] / summary[base][0]:.2f} x throughput"
                f" (per round {min(per_round):.2f}–{max(per_round):.2f}),"
                f" p99 {summary[kind][2] / summary[base][2]:.2f} x"
            )


def main() -> None:
    random.seed(42)
    print(
        f"{PRODUCTS:,} products; {ROUNDS} rounds x {SECONDS} s per kind; wrk -t2 -c16; gunicorn with"
        " deploy/gunicorn.conf.py; 'bare Flask app' is benchmarks/bare_app.py under the same settings",
        flush=True,
    )
    with scratch_databases() as dbs:
        for label, url in dbs:
            t0 = time.monotonic()
            load(url)
            print(f"[{label}] loaded {PRODUCTS:,} products in {time.monotonic() - t0:.1f} s", flush=True)
            numbers = random.sample(range(1, PRODUCTS + 1), min(PRODUCTS, SAMPLE + COLD))
            sample = ["0" + gtin13(n) for n in numbers[:SAMPLE]]
            cold = ["0" + gtin13(n) for n in numbers[SAMPLE:]]
            json_lua, html_lua = lua_script(sample, "application/json"), lua_script(sample, "text/html")
            cold_lua = lua_script(cold, "application/json")
            with gunicorn(url) as server, gunicorn(url, app_spec="benchmarks.bare_app:app") as flask_app:
                # Warm-up: every worker renders each sampled product once per representation, then
                # the measured runs show the steady state of a hot set of SAMPLE products; "never
                # asked" shows the other extreme, a product no worker has answered yet.
                wrk(flask_app.base + "/healthz", seconds=2)
                wrk(server.base + "/healthz", seconds=2)
                for accept in ("application/json", "text/html"):
                    spent = warm_up(server.base, lua_script(sample, accept, walk=True))
                    print(f"[{label}] warm-up {accept}: {spent:.0f} s", flush=True)
                runs = measure(flask_app.base, server.base, json_lua, html_lua, cold_lua)
                report(label, runs)
                rss = server.worker_rss_mib()
                print(f"[{label}] registry worker RSS: " + ", ".join(f"{m:.0f} MiB" for m in rss))
                delay = revocation_delay(url, server.base, 1)
                print(f"[{label}] suspension visible on every worker after {delay:.2f} s (goal ≤ 5 s)", flush=True)


if __name__ == "__main__":
    main()
