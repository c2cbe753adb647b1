"""The alerts outbox: alerts made at ingest, their deliveries per channel, and each
department's pace per channel (sync.central.models explains each table).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("rating_id", sa.String(36)),
        sa.Column("rate", sa.Float),
        sa.Column("total", sa.Integer),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("alert_key", sa.String(120), sa.ForeignKey("alerts.key"), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("last_error", sa.Text),
    )
    op.create_index(
        "ix_alert_deliveries_pending", "alert_deliveries", ["sent_at", "department", "channel"]
    )
    op.create_table(
        "alert_channels",
        sa.Column("department", sa.String(32), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("last_sent_at", sa.DateTime),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_until", sa.DateTime),
    )


def downgrade() -> None:
    op.drop_table("alert_channels")
    op.drop_index("ix_alert_deliveries_pending", table_name="alert_deliveries")
    op.drop_table("alert_deliveries")
    op.drop_table("alerts")
