"""Login security: failed logins shared by every central process (throttling), server-side
admin sessions (revocable), and the length of each officer's PIN (to flag short ones).

``officers.pin_digits`` is NULL for PINs set before this revision or imported as hashes:
their length is unknown, and ``centralctl officer list`` says so.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime, nullable=False),
        sa.Column("blocked_until", sa.DateTime, nullable=False),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_admin_sessions_username", "admin_sessions", ["username"])
    op.add_column("officers", sa.Column("pin_digits", sa.SmallInteger))


def downgrade() -> None:
    op.drop_column("officers", "pin_digits")
    op.drop_index("ix_admin_sessions_username", table_name="admin_sessions")
    op.drop_table("admin_sessions")
    op.drop_table("login_failures")
