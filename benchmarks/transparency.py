"""The transparency log's cost at scale: a checkpoint, an inclusion proof and a consistency proof over
BENCH_AUDIT_ENTRIES audit entries (default 100,000) on SQLite. Every one reads and hashes the whole log
(the leaves are not stored), so these times grow linearly with the log.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from registry import create_app
from registry.extensions import db
from registry.services import audit, transparency

ENTRIES = int(os.environ.get("BENCH_AUDIT_ENTRIES", 100_000))


def _timed(label: str, call) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    call()
    print(f"  {label}: {(time.perf_counter() - started) * 1000:,.0f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(root) / 'bench.db'}", "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            for start in range(0, ENTRIES, 20_000):
                items = [
                    (i, None, {"name": f"Sản phẩm {i}", "gtin": f"{i:014d}"}) for i in range(start, start + 20_000)
                ]
                audit.record_many(None, "create", "product", items[: ENTRIES - start], plain=True)
                db.session.commit()
            print(f"{ENTRIES:,} audit entries on SQLite:")
            _timed(
                "checkpoint (read, hash, sign)", lambda: transparency.make_checkpoint(root, "https://x", store=False)
            )
            _timed("inclusion proof of entry 1", lambda: transparency.inclusion(1))
            _timed("consistency proof half → all", lambda: transparency.consistency(ENTRIES // 2))


if __name__ == "__main__":
    main()
