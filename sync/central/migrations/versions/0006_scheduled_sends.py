"""Scheduled sends: the monthly report e-mailed once per month, claimed by one central
process (sync.central.models explains the table).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_sends",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_at", sa.DateTime, nullable=False),
        sa.Column("claimed_until", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("outcome", sa.String(16)),
        sa.Column("recipients", sa.Text),
        sa.Column("turns", sa.Integer),
        sa.Column("last_error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("scheduled_sends")
