"""Batch units become UN/ECE Recommendation 20 codes (KGM, LTR, H87, XBO, …); unknown spellings are reported

Revision ID: 7c1e5a0b3d92
Revises: 5b7e0c2d9a41
Create Date: 2026-12-04 19:40:00

"""

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7c1e5a0b3d92"
down_revision = "5b7e0c2d9a41"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Frozen here (registry/vocabulary.py may change later): how units were written by hand, lower case.
CODES = {"KGM", "GRM", "TNE", "LTR", "MLT", "H87", "XBO", "XBX", "XPK", "XBG", "XJR", "XCT", "XSA", "XTN"}
SPELLINGS = {
    **dict.fromkeys(("kg", "kgs", "kilogram", "kilogam", "ki-lô-gam", "ki lô gam", "cân", "kí", "ký"), "KGM"),
    **dict.fromkeys(("g", "gr", "gram", "gam", "gờ-ram"), "GRM"),
    **dict.fromkeys(("t", "tấn", "tan", "tonne", "ton"), "TNE"),
    **dict.fromkeys(("l", "lít", "lit", "litre", "liter", "ltr"), "LTR"),
    **dict.fromkeys(("ml", "mi-li-lít", "millilitre", "milliliter"), "MLT"),
    **dict.fromkeys(("cái", "chiếc", "quả", "trái", "con", "pcs", "pc", "piece", "pieces", "cai"), "H87"),
    **dict.fromkeys(("chai", "bottle"), "XBO"),
    **dict.fromkeys(("hộp", "hop", "box"), "XBX"),
    **dict.fromkeys(("gói", "goi", "package", "pack"), "XPK"),
    **dict.fromkeys(("túi", "tui", "bag"), "XBG"),
    **dict.fromkeys(("hũ", "lọ", "hu", "lo", "jar"), "XJR"),
    **dict.fromkeys(("thùng", "thung", "carton", "thùng carton"), "XCT"),
    **dict.fromkeys(("bao", "sack"), "XSA"),
    **dict.fromkeys(("lon", "can", "tin"), "XTN"),
}
# Downgrade writes each code back as the plain spelling most producers used.
BACK = {"KGM": "kg", "GRM": "g", "TNE": "tấn", "LTR": "lít", "MLT": "ml", "H87": "cái", "XBO": "chai",
        "XBX": "hộp", "XPK": "gói", "XBG": "túi", "XJR": "hũ", "XCT": "thùng", "XSA": "bao", "XTN": "lon"}

batches = sa.table("batches", sa.column("id", sa.Integer), sa.column("unit", sa.String))


def code_for(raw):
    cleaned = unicodedata.normalize("NFC", raw).strip()
    if cleaned.upper() in CODES:
        return cleaned.upper()
    return SPELLINGS.get(cleaned.lower().rstrip("."))


def upgrade():
    conn = op.get_bind()
    unknown = []
    for ident, unit in conn.execute(sa.select(batches.c.id, batches.c.unit).where(batches.c.unit.is_not(None))):
        code = code_for(unit)
        if code is None:
            unknown.append((ident, unit))
        elif code != unit:
            conn.execute(batches.update().where(batches.c.id == ident).values(unit=code))
    if unknown:
        # Left as written (the EPCIS export then leaves out uom); the producer picks the code in the batch form.
        log.warning(
            "batch units with no UN/ECE Rec 20 code, left unchanged (batch id: unit): %s",
            ", ".join(f"{i}: {u!r}" for i, u in unknown),
        )


def downgrade():
    conn = op.get_bind()
    for code, spelling in BACK.items():
        conn.execute(batches.update().where(batches.c.unit == code).values(unit=spelling))
