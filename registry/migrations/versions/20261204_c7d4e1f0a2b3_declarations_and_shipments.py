"""Self-declarations name no certification body; shipping events name the organisation a lot goes to

Revision ID: c7d4e1f0a2b3
Revises: 7c4e1a9b3d20
Create Date: 2026-12-04 19:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c7d4e1f0a2b3"
down_revision = "7c4e1a9b3d20"
branch_labels = None
depends_on = None

NO_BODY = sa.text("certification_body_id IS NULL")


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.alter_column("certification_body_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(
            "ux_certificates_declaration_number",
            ["organization_id", "number"],
            unique=True,
            postgresql_where=NO_BODY,
            sqlite_where=NO_BODY,
        )
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("destination_organization_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_trace_events_destination_organization_id"), ["destination_organization_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_trace_events_destination_organization_id_organizations"),
            "organizations",
            ["destination_organization_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_trace_events_destination_organization_id_organizations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_trace_events_destination_organization_id"))
        batch_op.drop_column("destination_organization_id")
    # Declarations recorded without a body cannot survive the NOT NULL again: downgrading needs them removed first.
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index("ux_certificates_declaration_number")
        batch_op.alter_column("certification_body_id", existing_type=sa.Integer(), nullable=False)
