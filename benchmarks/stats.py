"""Yearly statistics at national scale: 1,000,000 certificates, 100,000 organisations, 34 provinces,
ten years; times one province-year count and the whole progress document on SQLite and PostgreSQL.

Goals (issue 5): count <= 10 ms and progress document <= 100 ms on PostgreSQL, <= 3x on SQLite.
BENCH_CERTIFICATES / BENCH_ORGS shrink the data for a quick run; BENCH_DATABASE_URL or
TEST_DATABASE_URL adds PostgreSQL (a scratch database, BENCH_PG_NAME + '_stats', is created and dropped).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select, text

import registry.cli
from benchmarks.server import SCRATCH_PG, analyze_and_close, scratch_databases
from registry import create_app
from registry.extensions import db
from registry.models import Certificate, CertificationBody, Organization, Province, SupportActivity
from registry.services import metrics, progress, seeding

CERTIFICATES = int(os.environ.get("BENCH_CERTIFICATES", 1_000_000))
ORGS = int(os.environ.get("BENCH_ORGS", 100_000))
YEARS = (2026, 2035)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 20))
CATEGORIES = ("product_standard", "product_regulation", "management_system", "gap", "organic", "traceability")
CHUNK = 20_000


def load(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    rng = random.Random(5)
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        seeding.seed_places()
        seeding.seed_plans()
        provinces = list(db.session.scalars(select(Province.id).order_by(Province.id)))
        db.session.execute(
            insert(CertificationBody),
            [{"id": i, "name": f"Body {i}", "name_folded": f"body {i}", "created_at": now} for i in range(1, 51)],
        )
        org_province = {}
        for start in range(1, ORGS + 1, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, ORGS + 1)):
                org_province[i] = provinces[i % len(provinces)]
                rows.append(
                    {
                        "id": i,
                        "name": f"Org {i}",
                        "name_folded": f"org {i}",
                        "kind": "enterprise",
                        "tax_code": f"{i:010d}",
                        "province_id": org_province[i],
                        "is_sme": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            db.session.execute(insert(Organization), rows)
        span = (date(YEARS[1], 12, 31) - date(YEARS[0], 1, 1)).days
        for start in range(1, CERTIFICATES + 1, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, CERTIFICATES + 1)):
                org = rng.randint(1, ORGS)
                rows.append(
                    {
                        "id": i,
                        "number": f"C{i}",
                        "number_folded": f"c{i}",
                        "certification_body_id": rng.randint(1, 50),
                        "organization_id": org,
                        "holder_province_id": org_province[org],
                        "category": rng.choice(CATEGORIES),
                        "issued_on": date(YEARS[0], 1, 1) + timedelta(days=rng.randint(0, span)),
                        "lifecycle": "valid",
                        "is_confirmed": rng.random() > 0.05,
                        "is_demo": False,
                        "created_at": now,
                    }
                )
            db.session.execute(insert(Certificate), rows)
        db.session.execute(
            insert(SupportActivity),
            [
                {
                    "province_id": org_province[o],
                    "organization_id": o,
                    "kind": rng.choice(("guidance", "training", "financing", "pilot_model", "productivity_tool")),
                    "held_on": date(YEARS[0], 1, 1) + timedelta(days=rng.randint(0, span)),
                    "attendees": rng.randint(1, 30),
                    "is_demo": False,
                    "created_at": now,
                }
                for o in (rng.randint(1, ORGS) for _ in range(50_000))
            ],
        )
        analyze_and_close(db)


def timed(fn: Callable[[], object]) -> float:
    fn()  # warm caches and the statement cache
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(url: str) -> dict[str, float]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        tn = progress.check_province("thai-nguyen")
        now = datetime(2030, 7, 1, tzinfo=progress.VN)
        results = {
            "count one province-year (ms)": timed(lambda: metrics.certificates_issued(tn.id, 2029)),
            "breakdown one province-year (ms)": timed(lambda: metrics.certificate_breakdown(tn.id, 2029)),
            "national roll-up of a year (ms)": timed(lambda: metrics.certificate_breakdown(None, 2029)),
        }
        for slug in ("thai-nguyen", "gia-lai", "dong-nai"):
            province = progress.check_province(slug)
            results[f"progress document {slug} 2030 (ms)"] = timed(
                lambda p=province: progress.progress_document(p, 2030, now)
            )
        if db.engine.dialect.name == "postgresql":
            plan = db.session.execute(
                text(
                    "EXPLAIN SELECT count(id) FROM certificates WHERE holder_province_id = :p "
                    "AND issued_on >= '2029-01-01' AND issued_on < '2030-01-01' AND is_confirmed"
                ),
                {"p": tn.id},
            ).scalars()
            print("   plan:", " | ".join(line.strip() for line in plan))
        db.session.remove()
        db.engine.dispose()
    return results


def main() -> None:
    registry.cli.COMMAND_MODULES = ()  # the benchmark needs no CLI
    print(f"{CERTIFICATES:,} certificates, {ORGS:,} organisations, 34 provinces, {YEARS[0]}-{YEARS[1]}")
    with scratch_databases(SCRATCH_PG + "_stats") as targets:
        table: dict[str, dict[str, float]] = {}
        for label, url in targets:
            start = time.perf_counter()
            load(url)
            print(f"{label}: loaded in {time.perf_counter() - start:.0f} s", flush=True)
            table[label] = measure(url)
        names = list(next(iter(table.values())))
        print(f"{'median of ' + str(ROUNDS):40}" + "".join(f"{label:>12}" for label in table))
        for name in names:
            print(f"{name:40}" + "".join(f"{table[label][name]:12.2f}" for label in table))
        if len(table) == 2:
            for name in names:
                print(f"sqlite / postgresql, {name}: {table['sqlite'][name] / table['postgresql'][name]:.1f}x")


if __name__ == "__main__":
    main()
