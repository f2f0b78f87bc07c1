"""Index withdrawn products only, in name order, in place of an index of every product's status

Revision ID: 5b7e0c2d9a41
Revises: e31a587a21e2
Create Date: 2026-11-22 03:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b7e0c2d9a41"
down_revision = "e31a587a21e2"
branch_labels = None
depends_on = None

WITHDRAWN = sa.text("status = 'withdrawn'")


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_status"))
        batch_op.create_index(
            "ix_products_withdrawn",
            ["name_folded", "id"],
            unique=False,
            postgresql_where=WITHDRAWN,
            sqlite_where=WITHDRAWN,
        )


def downgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_withdrawn")
        batch_op.create_index(batch_op.f("ix_products_status"), ["status"], unique=False)
