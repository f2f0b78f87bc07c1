"""A worker killed with SIGKILL mid-import or mid-status-change leaves no partial record (both engines)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from registry.extensions import db
from registry.models import AuditEntry, Certificate, CertificateEvent, Product
from registry.services import audit, certificates, imports
from tests.services.test_imports import csv_bytes, product_rows

ROOT = Path(__file__).resolve().parents[2]


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _kill_at_commit(app: Any, tmp_path: Path, *args: str) -> dict[str, Any]:
    """Run the worker until it waits at its commit, SIGKILL it, return what its transaction had written."""
    db.session.commit()  # no open transaction of ours may stand in the worker's way
    marker = tmp_path / "at-commit.json"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.services.killed_worker", url, str(marker), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not (marker.exists() and marker.stat().st_size):
            assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker never reached its commit"
            time.sleep(0.05)
        seen = json.loads(marker.read_text())
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        if worker.stderr:
            worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL
    return seen


def test_a_worker_killed_during_an_import_leaves_none_of_its_rows(app: Any, world: Any, tmp_path: Path) -> None:
    org = world.organization()
    audit_before = _count(AuditEntry)
    seen = _kill_at_commit(app, tmp_path, "import", str(org.id), "300")
    assert seen["products"] == 300 and seen["audit"] > audit_before  # written, in the worker's own transaction
    assert (_count(Product), _count(AuditEntry)) == (0, audit_before)
    assert audit.verify_chain()[1] is None
    # Nothing is left locked either: the same import now goes through.
    assert imports.import_file(world.admin, "products", csv_bytes(product_rows(org.id, 300))).created == 300


def test_a_worker_killed_during_a_suspension_leaves_the_certificate_as_it_was(
    app: Any, world: Any, tmp_path: Path
) -> None:
    org, body = world.organization(), world.body()
    cert = certificates.create_certificate(
        world.admin,
        {
            "number": "VG-KILL-01",
            "certification_body_id": body.id,
            "organization_id": org.id,
            "category": "product_standard",
            "issued_on": date.today().replace(month=1, day=2),
        },
    )
    cert_id, events_before, audit_before = cert.id, _count(CertificateEvent), _count(AuditEntry)
    seen = _kill_at_commit(app, tmp_path, "suspend", str(cert_id))
    assert seen["lifecycles"] == ["suspended"] and seen["events"] == events_before + 1
    assert db.session.get(Certificate, cert_id).lifecycle == "valid"
    assert (_count(CertificateEvent), _count(AuditEntry)) == (events_before, audit_before)
    assert audit.verify_chain()[1] is None
    assert certificates.transition_certificate(world.admin, cert_id, "suspend", "Lần nữa").lifecycle == "suspended"
