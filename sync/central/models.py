"""The central's tables (SQLAlchemy Core): roster, counters, ratings, and the daily rollup.

Times are stored as UTC without a zone (the same on SQLite and PostgreSQL). ``ratings.day``
is the local day in the center's time zone, fixed at ingest, so grouping needs no time zone
arithmetic in SQL. ``daily_counts`` holds one row per (day, counter, officer, department,
level, channel): reports read it instead of the ratings, which keeps them fast at 10 million rows.
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

# The channels a rating comes by: the counter's kiosk, or the one-time link opened on the
# citizen's phone later (sync.phone_link). Reports filter or split by it.
KIOSK, PHONE = "kiosk", "phone"
CHANNELS = (KIOSK, PHONE)
# A turn counts once, in the counter's stage: the ratings given at the kiosk. A phone
# rating is of the result, a stage of its own, shown beside it (``channel=phone``,
# ``by=channel``), never added into the counter's turns, Decision 766's index, an officer's
# figures or a department's rate (reports.counted_channel is the one place that says so).
COUNTER_STAGE = KIOSK

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

# One row per stay of an officer in a department, written by the roster import: a counter
# files only for the officers its department's roster held when the rating was made
# (sync.central.filing). ``joined_at`` NULL: since before the center knew (the officer's
# first department); ``left_at`` NULL: still there.
roster_history = Table(
    "roster_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("officer", String(32), nullable=False),
    Column("department", String(32), nullable=False),
    Column("joined_at", UTCDateTime),
    Column("left_at", UTCDateTime),
    Index("ix_roster_history_officer", "officer"),
)

counters = Table(
    "counters",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("department", String(32), ForeignKey("departments.code"), nullable=False),
    # sha256 hex of the 32-byte random token: a fast hash is enough for a random secret.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    # The earliest time its ratings may bear (sync.central.filing): its registration, or
    # an earlier day given to `counter add --since`; NULL for counters registered before
    # migration 0007 (only the offline limit bounds them).
    Column("files_since", UTCDateTime),
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
    # Where the citizen rated: CHANNELS (a kiosk, or later from their phone by a link).
    Column("channel", String(8), nullable=False, server_default="kiosk"),
    # (day, level): the reasons report reads only a range's low ratings (migration 0002).
    Index("ix_ratings_day_level", "day", "level"),
    Index("ix_ratings_counter_seq", "counter", "seq"),
    # (officer, day): an officer's own figures read their ratings of the month (0007).
    Index("ix_ratings_officer_day", "officer", "day"),
)

daily_counts = Table(
    "daily_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("counter", String(16), primary_key=True),
    Column("officer", String(32), primary_key=True),
    Column("department", String(32), primary_key=True),
    Column("level", SmallInteger, primary_key=True),
    Column("channel", String(8), primary_key=True, default=KIOSK),
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

# The alerts outbox. Ingest inserts one row per alert in the transaction that stores the
# rating (so none is lost and a resent batch, which inserts no rating, makes none); ``key``
# ("rating:<id>", "rate:<department>:<day>") makes each alert once whatever happens.
# ``id`` orders the dashboard's live feed (Server-Sent Events, whose event id it is).
alerts = Table(
    "alerts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("key", String(120), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # "rating" or "rate"
    Column("created_at", UTCDateTime, nullable=False),
    Column("department", String(32), nullable=False),
    Column("day", Date, nullable=False),  # the center's local day
    # kind "rating": the rating (counter, officer, level, reasons are read from it, so
    # ingest writes a short row); kind "rate": the department's rate of the day, of how many.
    Column("rating_id", String(36)),
    Column("rate", Float),
    Column("total", Integer),
)

# One row per alert and push channel ("webhook", "email"), made with the alert; a worker
# of any central process sends it and records the outcome (sent_at, or attempts + error).
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("alert_key", String(120), ForeignKey("alerts.key"), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("department", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Index("ix_alert_deliveries_pending", "sent_at", "department", "channel"),
)

# One row per (department, channel): when it was last sent to (the digest's pace) and
# which process holds it now. A process takes it with UPDATE ... WHERE claimed_until is
# past, so two centrals never send the same department's messages at once.
alert_channels = Table(
    "alert_channels",
    metadata,
    Column("department", String(32), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("last_sent_at", UTCDateTime),
    Column("claimed_by", String(64)),
    Column("claimed_until", UTCDateTime),
)

# Reports the central sends on a schedule (kind "monthly_report", period "2026-10"): one
# row per report, inserted by the process that takes it before it sends, so that of
# several centrals on one database exactly one sends it. ``claimed_until`` is when another
# process may take it over: the taker died while sending, or the send failed and waits
# for its next try. ``sent_at`` is set once it went out (``outcome`` "sent"), or once it
# was found to have nothing to report (``outcome`` "empty": no rated turn that month).
# A correction of a month's report (its late ratings) is kind "monthly_correction",
# period "2026-10/1", "2026-10/2"... (monthly_records.py).
scheduled_sends = Table(
    "scheduled_sends",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("period", String(16), primary_key=True),
    Column("claimed_by", String(64)),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("outcome", String(16)),
    Column("recipients", Text),
    Column("turns", Integer),
    Column("last_error", Text),
)
