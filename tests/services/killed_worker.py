"""A worker that is killed at the worst moment: everything written, nothing committed yet.

Run as `python -m tests.services.killed_worker URL MARKER import ORG_ID ROWS` or `... suspend CERT_ID`.
Just before the commit it flushes, writes what its own transaction can see to MARKER and sleeps,
waiting for the test to SIGKILL it.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from registry import create_app
from registry.extensions import db
from registry.models import AuditEntry, Certificate, CertificateEvent, Product, User
from registry.services import certificates, imports
from tests.services.test_imports import csv_bytes, product_rows


def main(url: str, marker: Path, action: str, *args: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "killed-worker", "TESTING": True})
    app.instance_path = tempfile.mkdtemp()
    with app.app_context():

        @event.listens_for(Session, "before_commit")
        def hang(session: Session) -> None:
            session.flush()
            seen = {
                "products": session.scalar(select(func.count()).select_from(Product)),
                "audit": session.scalar(select(func.count()).select_from(AuditEntry)),
                "events": session.scalar(select(func.count()).select_from(CertificateEvent)),
                "lifecycles": sorted(session.scalars(select(Certificate.lifecycle))),
            }
            marker.write_text(json.dumps(seen))
            time.sleep(120)

        admin = db.session.scalar(select(User).where(User.role == "admin"))
        if action == "import":
            imports.import_file(admin, "products", csv_bytes(product_rows(int(args[0]), int(args[1]))))
        else:
            certificates.transition_certificate(admin, int(args[0]), "suspend", "Kiểm tra đột xuất")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), *sys.argv[3:])
