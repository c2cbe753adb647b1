"""Ratings given later from a citizen's phone: a ``channel`` on each rating and in the rollup.

``ratings.channel`` is "kiosk" or "phone"; every rating stored so far came from a kiosk.
The rollup gets the channel as part of its key, so a report can be filtered or split by
channel from the rollup alone. Its primary key changes, which SQLite cannot ALTER: the
table is rebuilt (new table, copy, swap) the same way on both databases.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_KEY = ["day", "counter", "officer", "department", "level"]


def _rollup(name: str, with_channel: bool) -> None:
    columns = [
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("counter", sa.String(16), primary_key=True),
        sa.Column("officer", sa.String(32), primary_key=True),
        sa.Column("department", sa.String(32), primary_key=True),
        sa.Column("level", sa.SmallInteger, primary_key=True),
    ]
    if with_channel:
        columns.append(sa.Column("channel", sa.String(8), primary_key=True))
    op.create_table(name, *columns, sa.Column("count", sa.BigInteger, nullable=False))


def upgrade() -> None:
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("channel", sa.String(8), nullable=False, server_default="kiosk"))
    _rollup("daily_counts_new", with_channel=True)
    keys = ", ".join(_KEY)
    op.execute(
        f"INSERT INTO daily_counts_new ({keys}, channel, count) "
        f"SELECT {keys}, 'kiosk', count FROM daily_counts"
    )
    op.drop_table("daily_counts")
    op.rename_table("daily_counts_new", "daily_counts")


def downgrade() -> None:
    _rollup("daily_counts_old", with_channel=False)
    keys = ", ".join(_KEY)
    op.execute(
        f"INSERT INTO daily_counts_old ({keys}, count) "
        f"SELECT {keys}, SUM(count) FROM daily_counts GROUP BY {keys}"
    )
    op.drop_table("daily_counts")
    op.rename_table("daily_counts_old", "daily_counts")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_column("channel")
