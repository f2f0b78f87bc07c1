"""Harness shared by the HTTP benchmarks: a scratch database, gunicorn with the deployment's settings, wrk."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
# The scratch PostgreSQL database (dropped with FORCE): give concurrent benchmark runs different names.
SCRATCH_PG = re.sub(r"\W", "", os.environ.get("BENCH_PG_NAME", "registry_bench")) or "registry_bench"


def ensure_wrk() -> str:
    """wrk from Debian's packages, installed when missing (the machine is ours and we are root)."""
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def scratch_databases(pg_name: str = SCRATCH_PG) -> Iterator[list[tuple[str, str]]]:
    """(label, url) for SQLite always and PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL names one.

    The PostgreSQL database `pg_name` on that server is created for the block and dropped after it.
    """
    tmp = tempfile.mkdtemp(prefix="registry-bench-")
    dbs = [("sqlite", f"sqlite:///{tmp}/bench.db")]
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    admin = None
    if pg:
        base = pg.rsplit("/", 1)[0]
        admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {pg_name}"))
        dbs.append(("postgresql", f"{base}/{pg_name}"))
    wanted = os.environ.get("BENCH_ENGINES")  # e.g. "postgresql" to skip SQLite in a quick run
    try:
        yield [(label, url) for label, url in dbs if not wanted or label in wanted.split(",")]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"))
            admin.dispose()


def analyze_and_close(db: Any) -> None:
    """After a bulk load: the planner's statistics brought up to date, the session and pool closed."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    db.session.remove()
    db.engine.dispose()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str

    def worker_rss_mib(self) -> list[float]:
        """Resident memory of each gunicorn worker (children of the arbiter)."""
        out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(x) / 1024 for x in out.stdout.split() if x.isdigit()]


@contextmanager
def gunicorn(
    database_url: str, env: dict[str, str] | None = None, app_spec: str = "registry:create_app()"
) -> Iterator[Server]:
    """Serve `app_spec` (the registry by default) with deploy/gunicorn.conf.py on a free port until the block ends."""
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "SECRET_KEY": "bench",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    environ.pop("GUNICORN_ACCESSLOG", None)
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), app_spec],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield Server(proc, base)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str, seconds: int = 5, connections: int = 16, script: str | None = None, headers: dict[str, str] | None = None
) -> WrkResult:
    """One bounded wrk run from a separate process on 127.0.0.1."""
    cmd = [ensure_wrk(), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    # Anchored: a "+/- Stdev" column such as "87.50%" must not be read as the 50th percentile.
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    return WrkResult(rps, p50, p99, errors)
