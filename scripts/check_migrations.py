"""Fail when the models and the Alembic migrations disagree (run on a scratch SQLite database)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from registry import create_app
from registry.extensions import db


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'check.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "check"})
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
                diff = compare_metadata(ctx, db.metadata)
            db.engine.dispose()
    if diff:
        print("models and migrations disagree; run `registry db migrate` and read the result:")
        for item in diff:
            print("  ", item)
        return 1
    print("migrations match the models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
