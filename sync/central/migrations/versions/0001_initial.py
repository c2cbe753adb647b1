"""Initial schema: roster, counters with their tokens and health, ratings, daily rollup, admins.

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
        sa.Column("department", sa.String(32), sa.ForeignKey("departments.code"), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("photo_url", sa.String(500)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_officers_department", "officers", ["department"])
    op.create_table(
        "counters",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("department", sa.String(32), sa.ForeignKey("departments.code"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_batch_at", sa.DateTime),
        sa.Column("heartbeat_at", sa.DateTime),
        sa.Column("pending", sa.Integer),
        sa.Column("held", sa.Integer),
        sa.Column("rejected", sa.Integer),
        sa.Column("app_version", sa.String(64)),
        sa.Column("clock_skew_seconds", sa.Float),
        sa.Column("free_disk_bytes", sa.BigInteger),
        sa.Column("last_error", sa.Text),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("counter", sa.String(16), sa.ForeignKey("counters.id"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("officer", sa.String(32), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("session", sa.String(64)),
        sa.Column("ticket", sa.String(64)),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
    )
    op.create_index("ix_ratings_day", "ratings", ["day"])
    op.create_index("ix_ratings_counter_seq", "ratings", ["counter", "seq"])
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("counter", sa.String(16), primary_key=True),
        sa.Column("officer", sa.String(32), primary_key=True),
        sa.Column("department", sa.String(32), primary_key=True),
        sa.Column("level", sa.SmallInteger, primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "admins",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "central_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "central_state",
        "admins",
        "daily_counts",
        "ratings",
        "counters",
        "officers",
        "departments",
    ):
        op.drop_table(table)
