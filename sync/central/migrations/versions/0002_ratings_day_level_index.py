"""Index ratings by (day, level) instead of day alone, for the reasons report.

The reasons of low ratings are only in ``ratings`` (not in the daily rollup): with this
index a month's report reads the few thousand low ratings of the month, not all of them.
It serves every query the day index served, so that one goes (one index less to write).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ratings_day_level", "ratings", ["day", "level"])
    op.drop_index("ix_ratings_day", table_name="ratings")


def downgrade() -> None:
    op.create_index("ix_ratings_day", "ratings", ["day"])
    op.drop_index("ix_ratings_day_level", table_name="ratings")
