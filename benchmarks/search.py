"""The public search at national scale: 1,000,000 products with Vietnamese names, 100,000 producers,
50,000 certificates; p50 and p95 of 50 typical queries (words without accents, a place, a filter, a tax
code, a certificate number) through `GET /search` with `Accept: application/json`, on SQLite and PostgreSQL.

Goal (issue 13): p95 <= 50 ms on PostgreSQL. BENCH_SEARCH_PRODUCTS shrinks the data for a quick run;
BENCH_DATABASE_URL or TEST_DATABASE_URL adds PostgreSQL (a scratch database, BENCH_PG_NAME + '_search',
is created and dropped).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import insert, select

import registry.cli  # noqa: F401 - the app's CLI (and its models) as in production
from benchmarks.server import SCRATCH_PG, analyze_and_close, scratch_databases
from registry import create_app
from registry.extensions import db
from registry.models import Certificate, CertificationBody, Organization, Product, Province
from registry.models.certificate import certificate_products
from registry.services import seeding
from registry.services.gs1 import check_digit
from registry.services.text import fold

PRODUCTS = int(os.environ.get("BENCH_SEARCH_PRODUCTS", 1_000_000))
ORGS = max(10, PRODUCTS // 10)
CERTIFICATES = max(10, PRODUCTS // 20)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
CHUNK = 20_000

KINDS = [
    "Nước mắm",
    "Chè",
    "Mật ong",
    "Cà phê",
    "Gạo",
    "Rượu",
    "Trà hoa vàng",
    "Miến dong",
    "Bánh chưng",
    "Mắm tôm",
    "Tương ớt",
    "Hạt điều",
    "Tiêu",
    "Măng khô",
    "Nấm hương",
    "Mứt gừng",
    "Dầu lạc",
    "Bưởi",
    "Cam sành",
    "Vải thiều",
    "Nhãn lồng",
    "Khô gà",
    "Lạp xưởng",
    "Chả cá",
    "Bột sắn",
    "Sâm",
    "Đông trùng hạ thảo",
]
STYLES = [
    "đặc biệt",
    "truyền thống",
    "hữu cơ",
    "thượng hạng",
    "cao cấp",
    "loại 1",
    "nguyên chất",
    "sấy khô",
    "túi lọc",
    "rừng",
    "cá cơm",
    "nếp cái hoa vàng",
    "ST25",
    "búp",
    "nõn tôm",
    "Robusta",
    "Arabica",
]
PLACES = [
    "Tân Cương",
    "Đồng Hỷ",
    "Phú Quốc",
    "Cát Hải",
    "Bắc Kạn",
    "Sơn La",
    "Mộc Châu",
    "Buôn Ma Thuột",
    "Gia Lai",
    "Pleiku",
    "Đồng Nai",
    "Bình Phước",
    "Hà Giang",
    "Lục Ngạn",
    "Hưng Yên",
    "Cao Bằng",
    "Ba Chẽ",
]
ORG_KINDS = ["Hợp tác xã", "Công ty TNHH", "Công ty Cổ phần", "Hộ kinh doanh", "Tổ hợp tác"]
# 50 typical queries: words as people type them on a phone (no accents), places, filters, identifiers.
QUERIES: list[dict[str, str]] = [
    {"q": q}
    for q in ["nuoc mam", "che tan cuong", "mat ong", "ca phe", "gao st25", "ruou", "tra hoa vang", "mien dong",
              "banh chung", "mam tom", "hat dieu", "tieu", "mang kho", "nam huong", "mut gung", "buoi", "cam sanh",
              "vai thieu", "nhan long", "kho ga", "lap xuong", "cha ca", "sam", "dong trung ha thao", "phu quoc",
              "dong hy", "moc chau", "huu co", "dac biet", "NUOC MAM PHU QUOC", "Chè búp", "ca phe robusta",
              "gao nep cai hoa vang", "mat ong rung", "che", "hop tac xa", "tra tui loc", "dau lac"]
] + [
    {"q": "nuoc mam", "province": "gia-lai"},
    {"q": "che", "stars": "4"},
    {"q": "ca phe", "group": "beverage"},
    {"q": "mat ong", "key": "1"},
    {"q": "gao", "province": "dong-nai", "stars": "3"},
    {"q": "", "province": "thai-nguyen"},
    {"q": "", "stars": "5"},
    {"q": "ruou", "certified": "1"},
    {"q": "tan cuong", "province": "thai-nguyen"},
    {"q": "C123"},
    {"q": "0000012345"},
    {"q": "xyz khong co"},
]  # fmt: skip
assert len(QUERIES) == 50


def gtin13(n: int) -> str:
    body = f"894{n:09d}"
    return body + str(check_digit(body))


def load(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    rng = random.Random(13)
    now = datetime.now(UTC)
    with app.app_context():
        upgrade()  # the migrated schema, with PostgreSQL's trigram indexes, as production has it
        seeding.seed_places()
        provinces = list(db.session.scalars(select(Province.id).order_by(Province.id)))
        db.session.execute(
            insert(CertificationBody),
            [{"id": i, "name": f"Trung tâm Chứng nhận {i}", "name_folded": f"trung tam chung nhan {i}",
              "created_at": now} for i in range(1, 51)],
        )  # fmt: skip
        for start in range(1, ORGS + 1, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, ORGS + 1)):
                name = f"{rng.choice(ORG_KINDS)} {rng.choice(KINDS)} {rng.choice(PLACES)} {i}"
                rows.append({"id": i, "name": name, "name_folded": fold(name), "kind": "cooperative",
                             "tax_code": f"{i:010d}", "province_id": provinces[i % len(provinces)], "is_sme": True,
                             "created_at": now, "updated_at": now})  # fmt: skip
            db.session.execute(insert(Organization), rows)
        for start in range(1, PRODUCTS + 1, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, PRODUCTS + 1)):
                name = f"{rng.choice(KINDS)} {rng.choice(STYLES)} {rng.choice(PLACES)}"
                stars = rng.choice((None, None, 3, 3, 4, 5))
                rows.append({"id": i, "organization_id": rng.randint(1, ORGS), "name": name, "name_folded": fold(name),
                             "gtin": "0" + gtin13(i), "ocop_group": rng.choice(("food", "beverage", "herbal", "other")),
                             "is_key_product": rng.random() < 0.1, "is_specialty": False,
                             "has_collective_trademark": False, "is_high_risk": False, "ocop_stars": stars,
                             "ocop_decision_number": f"{i}/QĐ" if stars else None,
                             "ocop_decision_date": date(2025, 1, 1) if stars else None, "status": "active",
                             "is_demo": False, "created_at": now, "updated_at": now})  # fmt: skip
            db.session.execute(insert(Product), rows)
        span = 3 * 365
        certs, links = [], []
        for i in range(1, CERTIFICATES + 1):
            org = rng.randint(1, ORGS)
            certs.append({"id": i, "number": f"C{i}", "number_folded": f"c{i}",
                          "certification_body_id": rng.randint(1, 50), "organization_id": org,
                          "holder_province_id": provinces[org % len(provinces)], "category": "product_standard",
                          "issued_on": date(2024, 1, 1) + timedelta(days=rng.randint(0, span)),
                          "expires_on": date(2029, 1, 1), "lifecycle": "valid", "is_confirmed": True,
                          "is_demo": False, "created_at": now})  # fmt: skip
            links.append({"certificate_id": i, "product_id": rng.randint(1, PRODUCTS)})
        for start in range(0, len(certs), CHUNK):
            db.session.execute(insert(Certificate), certs[start : start + CHUNK])
            db.session.execute(insert(certificate_products), links[start : start + CHUNK])
        analyze_and_close(db)


def measure(url: str) -> dict[str, float]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    samples: list[float] = []
    for args in QUERIES:  # warm the statement cache and the database's pages once
        client.get("/search", query_string=args, headers={"Accept": "application/json"})
    for _ in range(ROUNDS):
        for args in QUERIES:
            start = time.perf_counter()
            res = client.get("/search", query_string=args, headers={"Accept": "application/json"})
            samples.append((time.perf_counter() - start) * 1000)
            assert res.status_code == 200, (args, res.status_code)
    samples.sort()
    return {
        "p50 (ms)": statistics.median(samples),
        "p95 (ms)": samples[int(0.95 * (len(samples) - 1))],
        "max (ms)": samples[-1],
    }


def main() -> None:
    print(f"search: {PRODUCTS:,} products, {ORGS:,} producers, {CERTIFICATES:,} certificates; "
          f"{len(QUERIES)} queries x {ROUNDS} rounds through GET /search (JSON)")  # fmt: skip
    with scratch_databases(SCRATCH_PG + "_search") as dbs:
        results = {}
        for label, url in dbs:
            started = time.perf_counter()
            load(url)
            print(f"  {label}: loaded in {time.perf_counter() - started:.0f} s", flush=True)
            results[label] = measure(url)
        names = list(next(iter(results.values())))
        print(f"  {'':12}" + "".join(f"{label:>14}" for label in results))
        for name in names:
            print(f"  {name:12}" + "".join(f"{results[label][name]:>14.1f}" for label in results))


if __name__ == "__main__":
    main()
