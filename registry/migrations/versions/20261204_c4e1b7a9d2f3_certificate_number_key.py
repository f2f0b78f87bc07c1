"""A body's certificate numbers are unique by their folded key (case, dash look-alikes, hidden characters)

Revision ID: c4e1b7a9d2f3
Revises: 9d4f2b6e8a17
Create Date: 2026-12-04 19:50:00

The key, `number_folded`, is what search already reads. Rows written before this revision were
folded without the dash and hidden-character rule; they are folded again here, so the new constraint
judges every row alike (a body holding two look-alike numbers already must rename one first).
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c4e1b7a9d2f3"
down_revision = "9d4f2b6e8a17"
branch_labels = None
depends_on = None

_HIDDEN = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_TABLE = {ord(c): None for c in _HIDDEN} | {ord(c): "-" for c in _DASHES}


def _fold(value: str) -> str:
    # registry.services.text.fold as of this revision (a migration keeps its own copy of the rule)
    decomposed = unicodedata.normalize("NFD", value.translate(_TABLE).replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def upgrade():
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, number FROM certificates")).all()
    for ident, number in rows:
        conn.execute(
            sa.text("UPDATE certificates SET number_folded = :key WHERE id = :id"), {"key": _fold(number), "id": ident}
        )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint("uq_certificates_certification_body_id_number", type_="unique")
        batch_op.create_unique_constraint(
            "uq_certificates_certification_body_id_number_folded", ["certification_body_id", "number_folded"]
        )


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint("uq_certificates_certification_body_id_number_folded", type_="unique")
        batch_op.create_unique_constraint(
            "uq_certificates_certification_body_id_number", ["certification_body_id", "number"]
        )
