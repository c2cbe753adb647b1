"""Index ratings by (officer, day), for an officer's own figures.

The figures a kiosk's menu shows are stepped from the officer's ratings of the month in the
order they arrived (sync.officer_steps), asked by every kiosk after each heartbeat: with
this index that reads the officer's few hundred ratings, not the whole center's month.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ratings_officer_day", "ratings", ["officer", "day"])


def downgrade() -> None:
    op.drop_index("ix_ratings_officer_day", table_name="ratings")
