"""seq is never reused (AUTOINCREMENT); monotonic marks for held ratings and lockouts.

Without AUTOINCREMENT, SQLite gives a new row the largest seq in the table plus one, so
after ``kioskctl prune`` deleted the newest confirmed ratings their seqs were handed out
again, and the center held several ratings with one kiosk seq. With AUTOINCREMENT the
largest seq ever used is kept in ``sqlite_sequence`` and never handed out again. SQLite
cannot add AUTOINCREMENT to a table in place, so the table is copied (every row, with its
seq); ``sqlite_sequence`` then starts at the largest seq left in the table, the best
this database still knows.

``held_at_mono`` and ``locked_until_mono`` are ``kiosk.clock`` marks: how long a rating
has waited for reasons and how long a lockout has left are measured on the monotonic
clock, so a step of the wall clock changes neither.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table(
        "ratings", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.add_column(sa.Column("held_at_mono", sa.String(64)))
    # The copy's explicit seqs already moved sqlite_sequence to the largest one; an empty
    # table (everything pruned) leaves no row there, so make sure there is one.
    op.execute(
        "INSERT INTO sqlite_sequence (name, seq)"
        " SELECT 'ratings', (SELECT coalesce(max(seq), 0) FROM ratings)"
        " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'ratings')"
    )
    op.add_column("officers", sa.Column("locked_until_mono", sa.String(64)))


def downgrade() -> None:
    op.drop_column("officers", "locked_until_mono")
    with op.batch_alter_table(
        "ratings", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ) as batch:
        batch.drop_column("held_at_mono")
