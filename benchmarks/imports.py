"""Bulk import of 100,000 products: rows per second checked (--dry-run) and written, per engine, with peak RSS.

SQLite runs on a temporary file. PostgreSQL runs when BENCH_DATABASE_URL or TEST_DATABASE_URL names a
server; the benchmark then works in a database of its own, named after that one with
`_bench_imports` added (created and dropped here), so it never
touches the tables of the database named.
"""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.exc import DBAPIError

from registry import create_app
from registry.extensions import db
from registry.models import AuditEntry, Product
from registry.services import audit, imports, organizations, seeding, users
from registry.services.gs1 import check_digit

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "3"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Growth:
    """How far this process's resident memory rose above where it stood, sampled every 20 ms while in use.

    The peak RSS of a process is its peak over every round; this is the import's own.
    """

    def __enter__(self) -> _Growth:
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.start = self.top = self._rss()
        self.done = threading.Event()
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()
        return self

    def _rss(self) -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * self.page

    def _watch(self) -> None:
        while not self.done.wait(0.02):
            self.top = max(self.top, self._rss())

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.watcher.join()
        self.top = max(self.top, self._rss())

    @property
    def mb(self) -> float:
        return (self.top - self.start) / 1e6


def _server_cpu() -> Callable[[], float] | None:
    """For a PostgreSQL server on this machine: a clock of the CPU seconds its backends for this database spend.

    An import uses two connections (one streams the rows, one looks things up), so every backend
    connected to the benchmark's database counts. On a shared machine wall time mostly measures the
    neighbours; CPU seconds on both sides do not.
    """
    if db.engine.dialect.name != "postgresql":
        return None
    backends = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")

    def pids() -> set[int]:
        with db.engine.connect() as conn:
            return set(conn.execute(backends).scalars())

    def used(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # not on this machine, or gone
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    before = {pid: used(pid) for pid in pids()}
    if not any(before.values()):
        return None
    return lambda: sum(used(pid) - before.get(pid, 0.0) for pid in pids() | before.keys())


def _tax_code(seed: int) -> str:
    from stdnum.vn import mst

    n = 100000000 + seed * 17
    while not mst.is_valid(f"{n:010d}"):
        n += 1
    return f"{n:010d}"


def write_csv(path: Path, org_id: int, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "organization_id,Tên sản phẩm,Mã vạch,Số sao OCOP,ocop_decision_number,Ngày quyết định,is_key_product\n"
        )
        for i in range(rows):
            body = f"893860{i:06d}"
            stars = (3, 4, 5)[i % 3]
            out.write(f"{org_id},Chè Tân Cương số {i},{body}{check_digit(body)},{stars},QĐ-{i}/UBND,15/03/2025,có\n")


def run(url: str, label: str, workdir: Path) -> dict[str, float]:
    """One round on an empty database: a dry run, then the import; rows per second of each."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        upgrade()  # the migrated schema, with PostgreSQL's trigram indexes, as production has it
        seeding.seed_places()
        admin = users.create_user(None, email="bench@example.vn", password="bench password", role="admin", system=True)
        org = organizations.create_organization(
            admin,
            {"name": "HTX Chè Tân Cương", "kind": "cooperative", "tax_code": _tax_code(1), "province": "thai-nguyen"},
        )
        path = workdir / "products.csv"
        write_csv(path, org.id, ROWS)
        size_mb = path.stat().st_size / 1e6
        rates: dict[str, float] = {}
        for dry_run in (True, False):
            server = _server_cpu()
            start, cpu = time.perf_counter(), time.process_time()
            with path.open("rb") as stream, _Growth() as growth:
                result = imports.import_file(admin, "products", stream, dry_run=dry_run)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            server_cpu = f", server: {server():5.2f} CPU s" if server else ""
            mode = "dry run" if dry_run else "import "
            rates[mode.strip()] = result.rows / seconds
            print(
                f"{label:10} {mode}  {result.created:>7} rows  {seconds:6.2f} s  {result.rows / seconds:>8,.0f} rows/s"
                f"  (this process: {cpu:5.2f} CPU s{server_cpu})"
                f"  RSS +{growth.mb:4.0f} MB, peak {_rss_mb():4.0f} MB  (file {size_mb:.1f} MB)",
                flush=True,
            )
        written = db.session.scalar(select(func.count()).select_from(Product))
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
        checked, broken = audit.verify_chain()
        assert written == ROWS and broken is None, (written, broken)
        print(f"{label:10} check    {written} products, {entries} audit entries, chain intact ({checked} checked)")
        db.session.remove()
        db.engine.dispose()
    return rates


def _sqlite(workdir: Path) -> dict[str, float]:
    path = workdir / "bench.db"
    path.unlink(missing_ok=True)
    return run(f"sqlite:///{path}", "SQLite", workdir)


def _pg(url: str, workdir: Path) -> dict[str, float]:
    admin_url = make_url(url)
    scratch = f"{admin_url.database or 'registry'}_bench_imports"  # named after yours: no clash with others
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {scratch}"))
        conn.execute(text(f"CREATE DATABASE {scratch}"))
    try:
        return run(admin_url.set(database=scratch).render_as_string(hide_password=False), "PostgreSQL", workdir)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
            # Let the server write out what the round left (a checkpoint would otherwise land in the next round).
            with contextlib.suppress(DBAPIError):  # CHECKPOINT needs a superuser or pg_checkpoint
                conn.execute(text("CHECKPOINT"))
        engine.dispose()


def main() -> None:
    """RUNS rounds, the engines alternating so that both see the same moments of a shared machine."""
    print(f"importing {ROWS:,} product rows, {RUNS} rounds (goal: ≥ 20,000 rows/s with full validation)")
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    engines: list[tuple[str, Callable[[Path], dict[str, float]]]] = [("SQLite", _sqlite)]
    if url:
        engines.append(("PostgreSQL", lambda workdir: _pg(url, workdir)))
    else:
        print("PostgreSQL  skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    wanted = os.environ.get("BENCH_ENGINES")  # e.g. "postgresql" to skip SQLite
    engines = [(label, bench) for label, bench in engines if not wanted or label.lower() in wanted.lower()]
    rounds: dict[str, list[dict[str, float]]] = {label: [] for label, _ in engines}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(RUNS):
            for label, bench in engines:
                rounds[label].append(bench(Path(tmp)))
    for label, results in rounds.items():
        for mode in ("dry run", "import"):
            rates = sorted(r[mode] for r in results)
            spread = f"(rounds: {', '.join(f'{r:,.0f}' for r in rates)})"
            print(f"{label:10} {mode:8} median {statistics.median(rates):>8,.0f} rows/s  {spread}")


if __name__ == "__main__":
    main()
    sys.exit(0)
