"""Who a counter may file for, and from when: the officers' roster history, and the day
each counter's ratings may start (sync.central.filing).

``roster_history`` has one row per stay of an officer in a department (``joined_at`` NULL:
before the center kept the history; ``left_at`` NULL: still there). An upgraded center
starts with every officer in their department "since ever", and, so that no kiosk's
backlog is refused for the upgrade, a stay up to now in each other department whose
counters had ratings of that officer filed (their kiosks' rosters held the officer).
``counters.files_since`` stays NULL for the counters registered before: only the
offline limit bounds how old their ratings may be.

Revision ID: 0007
Revises: 0006
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("counters", sa.Column("files_since", sa.DateTime))
    op.create_table(
        "roster_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("officer", sa.String(32), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("joined_at", sa.DateTime),
        sa.Column("left_at", sa.DateTime),
    )
    op.create_index("ix_roster_history_officer", "roster_history", ["officer"])
    op.execute(
        "INSERT INTO roster_history (officer, department) SELECT code, department FROM officers"
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.get_bind().execute(
        sa.text(
            "INSERT INTO roster_history (officer, department, left_at) "
            "SELECT DISTINCT r.officer, c.department, :now FROM ratings r "
            "JOIN counters c ON c.id = r.counter "
            "JOIN officers o ON o.code = r.officer "
            "WHERE c.department <> o.department"
        ),
        {"now": now},
    )


def downgrade() -> None:
    op.drop_index("ix_roster_history_officer", "roster_history")
    op.drop_table("roster_history")
    with op.batch_alter_table("counters") as batch:
        batch.drop_column("files_since")
