"""The central's tables (SQLAlchemy Core): roster, counters, ratings, and the daily rollup.

Times are stored as UTC without a zone (the same on SQLite and PostgreSQL). ``ratings.day``
is the local day in the center's time zone, fixed at ingest, so grouping needs no time zone
arithmetic in SQL. ``daily_counts`` holds one row per (day, counter, officer, department,
level): reports read it instead of the ratings, which keeps them fast at 10 million rows.
Schema changes need a new migration in ``sync/central/migrations/versions``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

# utcnow is re-exported: the central's modules take "now" from the models they store it in.
from kiosk.dbtypes import UTCDateTime
from kiosk.dbtypes import utcnow as utcnow

metadata = MetaData()

departments = Table(
    "departments",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
)

officers = Table(
    "officers",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("full_name", String(200), nullable=False),
    Column("title", String(200), nullable=False, default=""),
    Column("department", String(32), ForeignKey("departments.code"), nullable=False),
    # scrypt$16384$8$1$<salt b64>$<hash b64>: the kiosk verifies PINs with it offline.
    Column("pin_hash", String(200), nullable=False),
    # Digits of the PIN when the center hashed it (NULL: set as a hash, or before 0003):
    # lets `centralctl officer list` flag PINs shorter than [roster] min_pin_digits.
    Column("pin_digits", SmallInteger),
    Column("photo_url", String(500)),
    Column("active", Boolean, nullable=False, default=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_officers_department", "department"),
)

counters = Table(
    "counters",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("department", String(32), ForeignKey("departments.code"), nullable=False),
    # sha256 hex of the 32-byte random token: a fast hash is enough for a random secret.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_batch_at", UTCDateTime),
    Column("heartbeat_at", UTCDateTime),
    Column("pending", Integer),
    Column("held", Integer),
    Column("rejected", Integer),
    Column("app_version", String(64)),
    # Central time minus kiosk time at the last heartbeat; reported, never applied.
    Column("clock_skew_seconds", Float),
    Column("free_disk_bytes", BigInteger),
    Column("last_error", Text),
)

ratings = Table(
    "ratings",
    metadata,
    # Made by the kiosk, once: the unique key that makes a resent batch a no-op.
    Column("id", String(36), primary_key=True),
    Column("counter", String(16), ForeignKey("counters.id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("officer", String(32), nullable=False),
    Column("department", String(32), nullable=False),
    Column("session", String(64)),
    Column("ticket", String(64)),
    Column("level", SmallInteger, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("day", Date, nullable=False),
    # (day, level): the reasons report reads only a range's low ratings (migration 0002).
    Index("ix_ratings_day_level", "day", "level"),
    Index("ix_ratings_counter_seq", "counter", "seq"),
)

daily_counts = Table(
    "daily_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("counter", String(16), primary_key=True),
    Column("officer", String(32), primary_key=True),
    Column("department", String(32), primary_key=True),
    Column("level", SmallInteger, primary_key=True),
    Column("count", BigInteger, nullable=False),
)

admins = Table(
    "admins",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    # sha256 hex of the admin's API token (for the JSON report API), if one was made.
    Column("token_hash", String(64), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# Wrong dashboard logins per key ("user:<name>" or "addr:<ip>"), in the database so that
# every central process behind a load balancer throttles the same guesser (throttle.py).
login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
    Column("blocked_until", UTCDateTime, nullable=False),
)

# Dashboard sessions: the cookie carries a random id (signed); only its sha256 is kept, so
# a copy of the database opens no session. Deleting the row ends the session at once.
admin_sessions = Table(
    "admin_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_admin_sessions_username", "username"),
)

# Small facts shared by every central process, e.g. the session-cookie signing key:
# kept in the database so that two instances behind a load balancer agree.
central_state = Table(
    "central_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
