"""Lockouts that are not an officer's: the technician PIN's, in the database.

The technician PIN's wrong tries were counted in the kiosk process's memory, so a restart
(or a kill -9, or the watchdog's) gave a guesser new tries at the PIN that opens the
service screen. Now they are counted here, as an officer's are in ``officers``.

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
        "lockouts",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime),
        sa.Column("locked_until_mono", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("lockouts")
