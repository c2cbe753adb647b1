"""Initial schema: roster, counter sessions, turns, ratings.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "officers",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column(
            "department_code", sa.String(32), sa.ForeignKey("departments.code"), nullable=False
        ),
        sa.Column("photo", sa.String(500)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
    )
    op.create_table(
        "counter_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("counter_id", sa.String(16), nullable=False),
        sa.Column("officer_code", sa.String(32), sa.ForeignKey("officers.code"), nullable=False),
        sa.Column("department_code", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime),
        sa.Column("end_reason", sa.String(32)),
        sa.Column("paused_at", sa.DateTime),
    )
    op.create_index("ix_sessions_open", "counter_sessions", ["ended_at"])
    op.create_table(
        "turns",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "session_id", sa.String(36), sa.ForeignKey("counter_sessions.id"), nullable=False
        ),
        sa.Column("ticket", sa.String(64)),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime),
    )
    op.create_table(
        "ratings",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("counter_id", sa.String(16), nullable=False),
        sa.Column("officer_code", sa.String(32), nullable=False),
        sa.Column("department_code", sa.String(32), nullable=False),
        sa.Column(
            "session_id", sa.String(36), sa.ForeignKey("counter_sessions.id"), nullable=False
        ),
        sa.Column("turn_id", sa.String(36)),
        sa.Column("ticket", sa.String(64)),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("held", sa.Boolean, nullable=False),
        sa.Column("sync_state", sa.String(16), nullable=False),
        sa.Column("sync_error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.DateTime),
    )
    op.create_index("ix_ratings_outbox", "ratings", ["sync_state", "held", "seq"])
    op.create_index("ix_ratings_created", "ratings", ["created_at"])


def downgrade() -> None:
    for table in ("ratings", "turns", "counter_sessions", "officers", "departments"):
        op.drop_table(table)
