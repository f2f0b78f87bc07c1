"""Trigram indexes for accent-insensitive search on PostgreSQL (SQLite uses the plain indexes).

Revision ID: a1b2c3d4e5f6
Revises: 0f00d01030dc
Create Date: 2026-11-21 22:45:00
"""

from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = "0f00d01030dc"
branch_labels = None
depends_on = None

# The folded columns hold accent-free lowercase text, so LIKE '%che%tan%' can use a trigram index.
TRGM = [
    ("organizations", "name_folded"),
    ("products", "name_folded"),
    ("standards", "title_folded"),
    ("certificates", "number_folded"),
    ("certification_bodies", "name_folded"),
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in TRGM:
        op.execute(f"CREATE INDEX IF NOT EXISTS trgm_{table}_{column} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in TRGM:
        op.execute(f"DROP INDEX IF EXISTS trgm_{table}_{column}")
