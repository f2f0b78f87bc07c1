"""The migration to UN/ECE Rec 20 units maps the spellings producers typed and reports the ones it cannot."""

from __future__ import annotations

from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from registry import create_app
from registry.extensions import db
from registry.vocabulary import UNIT_SPELLINGS, unit_code

BEFORE, AFTER = "5b7e0c2d9a41", "7c1e5a0b3d92"
TYPED = {1: "kg", 2: "Lít", 3: "chai", 4: " hộp ", 5: "KGM", 6: "bó", 7: None, 8: "ml.", 9: "Kg"}
EXPECTED = {1: "KGM", 2: "LTR", 3: "XBO", 4: "XBX", 5: "KGM", 6: "bó", 7: None, 8: "MLT", 9: "KGM"}


def test_known_spellings_become_codes_and_unknown_ones_are_reported(tmp_path: Path, capfd):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'u.db'}", "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for ident, unit in TYPED.items():
                conn.execute(
                    text(
                        "INSERT INTO batches (id, product_id, lot, unit, is_demo, created_at) "
                        "VALUES (:id, 1, :lot, :unit, false, '2026-01-01 00:00:00')"
                    ),
                    {"id": ident, "lot": f"L{ident}", "unit": unit},
                )
        capfd.readouterr()
        upgrade(revision=AFTER)  # alembic.ini logs to stderr (its fileConfig replaces pytest's log capture)
        seen = [line for line in capfd.readouterr().err.splitlines() if "no UN/ECE Rec 20 code" in line]
        with db.engine.connect() as conn:
            found = dict(conn.execute(text("SELECT id, unit FROM batches")).all())
        assert found == EXPECTED
        assert len(seen) == 1 and "6: 'bó'" in seen[0] and "'kg'" not in seen[0]
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert dict(conn.execute(text("SELECT id, unit FROM batches WHERE id IN (1, 3)")).all()) == {
                1: "kg",
                3: "chai",
            }
        db.engine.dispose()


def test_the_service_reads_the_same_spellings_as_the_migration():
    assert {raw: unit_code(raw) for raw in TYPED.values() if raw} == {
        raw: EXPECTED[i] if EXPECTED[i] != "bó" else None for i, raw in TYPED.items() if raw
    }
    assert all(unit_code(spelling) == code for spelling, code in UNIT_SPELLINGS.items())
