"""`make fuzz`: schemathesis with every check over the whole API, served on a free port against PostgreSQL.

Outside the normal suite (tests/api/test_openapi.py keeps a small in-process budget). The app is migrated
into its own scratch database (FUZZ_PG_NAME, default registry_fuzz, dropped with FORCE before and after),
seeded with the demo records, and served by werkzeug in this process, so every response is counted where
it is made: calls, status classes, and for each 5xx the request and the exception behind it. Schemathesis
runs as a separate process, authenticated as an admin with a bearer token, round after round (new seed)
until FUZZ_CALLS calls (default 10,000) have been answered.

    FUZZ_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/x make fuzz   (or TEST_DATABASE_URL)
    FUZZ_CALLS=2000 FUZZ_EXAMPLES=40 make fuzz                                     (a shorter run)

Exit status: 0 when no call got a 5xx, 1 otherwise. Findings of the other checks (status codes or
headers the OpenAPI document does not list, and so on) are printed as schemathesis reports them.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from registry import create_app
from registry.extensions import db
from registry.services import seeding, users

from .server import VENV_BIN, free_port

SCRATCH = re.sub(r"\W", "", os.environ.get("FUZZ_PG_NAME", "registry_fuzz")) or "registry_fuzz"


class Tally:
    """A WSGI middleware counting every response by status, keeping the requests that got a 5xx."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.server_errors: Counter[str] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def counting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            code = int(status.split()[0])
            with self.lock:
                self.statuses[code] += 1
                if code >= 500:
                    self.server_errors[f"{code} {environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"] += 1
            return start_response(status, headers, exc_info)

        return self.app(environ, counting)

    @property
    def calls(self) -> int:
        return sum(self.statuses.values())


class Tracebacks(logging.Handler):
    """The exceptions the app logged (Flask logs every unhandled one), by type and place."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            err = record.exc_info[1]
            tb = record.exc_info[2]
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
            self.seen[f"{type(err).__name__}: {str(err)[:160]} at {where}"] += 1


def _scratch_database() -> tuple[str, Any]:
    url = os.environ.get("FUZZ_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("make fuzz runs against PostgreSQL: set FUZZ_DATABASE_URL (or TEST_DATABASE_URL)")
    base = url.rsplit("/", 1)[0]
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {SCRATCH}"))
    return f"{base}/{SCRATCH}", admin


def _prepare(url: str, instance: Path, port: int) -> tuple[Any, str]:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "fuzz",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "INSTANCE_DIR": str(instance),
        }
    )
    app.instance_path = str(instance)
    with app.app_context():
        upgrade()
        seeding.seed_places()
        seeding.seed_plans()
        admin = users.create_user(
            None, email="fuzz@registry.local", password="fuzz-password-1", role="admin", system=True
        )
        seeding.seed_demo(admin)
        token, _ = users.issue_token(admin, 24)
        db.session.commit()
        db.session.remove()
    return app, token


def _schemathesis(base: str, token: str, seed: int, examples: int, workdir: Path) -> str:
    cmd = [
        str(VENV_BIN / "schemathesis"),
        "run",
        f"{base}/api/v1/openapi.json",
        "--url",
        base,
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--workers",
        os.environ.get("FUZZ_WORKERS", "2"),
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
        "--continue-on-failure",
        "--exclude-name",  # revoking the run's own token would leave the rest of it anonymous
        "DELETE /api/v1/auth/token",
        "--no-color",
    ]
    # In a scratch directory: schemathesis keeps a cache (.schemathesis/) where it runs.
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=workdir)
    return done.stdout + done.stderr


def _summary(output: str) -> str:
    """Schemathesis's own closing lines (failures by check, counts), without the per-case details."""
    lines = output.strip().splitlines()
    for i, line in enumerate(lines):
        if "SUMMARY" in line:
            return "\n".join(lines[i:])
    return "\n".join(lines[-25:])


def main() -> int:
    target = int(os.environ.get("FUZZ_CALLS", "10000"))
    examples = int(os.environ.get("FUZZ_EXAMPLES", "30"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per call is noise here
    url, admin = _scratch_database()
    instance = Path(tempfile.mkdtemp(prefix="registry-fuzz-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        app, token = _prepare(url, instance, port)
        tracebacks = Tracebacks()
        app.logger.addHandler(tracebacks)
        tally = Tally(app.wsgi_app)
        app.wsgi_app = tally  # type: ignore[method-assign]
        server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started, rounds, output = time.monotonic(), 0, ""
        while tally.calls < target:
            rounds += 1
            before = tally.calls
            output = _schemathesis(base, token, seed=rounds, examples=examples, workdir=instance)
            print(f"round {rounds}: {tally.calls - before} calls ({tally.calls} in all)", flush=True)
            if tally.calls == before:
                print(output)
                return 2
        server.shutdown()
        seconds = time.monotonic() - started
        classes = Counter(f"{code // 100}xx" for code in tally.statuses.elements())
        five = sum(n for code, n in tally.statuses.items() if code >= 500)
        print(f"database: PostgreSQL ({SCRATCH}); schemathesis --checks all, {rounds} rounds, {seconds:.0f} s")
        print(f"calls: {tally.calls}")
        print(f"5xx: {five}")
        print("by class: " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items())))
        print("by status: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.statuses.items())))
        for line, n in tally.server_errors.most_common(20):
            print(f"  {n} x {line}")
        for line, n in tracebacks.seen.most_common(20):
            print(f"  {n} x {line}")
        print("-- schemathesis, last round --")
        print(_summary(output))
        return 1 if five else 0
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
