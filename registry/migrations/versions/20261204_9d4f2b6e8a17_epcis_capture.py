"""EPCIS 2.0 capture jobs and captured events (kept as sent), linked from the trace events made of them

Revision ID: 9d4f2b6e8a17
Revises: 7c1e5a0b3d92
Create Date: 2026-12-04 19:45:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "9d4f2b6e8a17"
down_revision = "7c1e5a0b3d92"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "epcis_captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("errors", JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_epcis_captures_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_captures")),
    )
    with op.batch_alter_table("epcis_captures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_captures_user_id"), ["user_id"], unique=False)

    op.create_table(
        "epcis_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=512), nullable=True),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("biz_step", sa.String(length=512), nullable=True),
        sa.Column("biz_location", sa.String(length=512), nullable=True),
        sa.Column("document", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["epcis_captures.id"], name=op.f("fk_epcis_events_capture_id_epcis_captures")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_events")),
    )
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_events_capture_id"), ["capture_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_events_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_events_biz_step"), ["biz_step"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_events_biz_location"), ["biz_location"], unique=False)
        batch_op.create_index("ix_epcis_events_time_id", ["event_time", "id"], unique=False)

    op.create_table(
        "epcis_event_epcs",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["epcis_events.id"], name=op.f("fk_epcis_event_epcs_event_id_epcis_events")
        ),
        sa.PrimaryKeyConstraint("event_id", "kind", "value", name=op.f("pk_epcis_event_epcs")),
    )
    with op.batch_alter_table("epcis_event_epcs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_event_epcs_value"), ["value"], unique=False)

    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("epcis_event_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_trace_events_epcis_event_id"), ["epcis_event_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_trace_events_epcis_event_id_epcis_events"), "epcis_events", ["epcis_event_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_trace_events_epcis_event_id_epcis_events"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_trace_events_epcis_event_id"))
        batch_op.drop_column("epcis_event_id")
    op.drop_table("epcis_event_epcs")
    op.drop_table("epcis_events")
    op.drop_table("epcis_captures")
