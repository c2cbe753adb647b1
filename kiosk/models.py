"""The kiosk's local tables (SQLAlchemy 2.x typed ORM).

Times are stored as UTC. Schema changes go through Alembic (``kiosk/migrations``):
a change here needs a new migration, or installed kiosks will not get it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# utcnow is re-exported: the kiosk's services take "now" from the models they store it in.
from kiosk.dbtypes import UTCDateTime
from kiosk.dbtypes import utcnow as utcnow


class Base(DeclarativeBase):
    pass


# Sync states of a rating. A rating is never deleted by the syncer; only `kioskctl prune`
# removes ratings the center has confirmed (SENT).
PENDING = "pending"
SENT = "sent"
REJECTED = "rejected"


class Department(Base):
    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Officer(Base):
    __tablename__ = "officers"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    photo: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    # Lockout state lives in the database so that a restart does not reset it.
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The same moment as a kiosk.clock mark: how long the lock has left is measured on
    # the monotonic clock, so a step of the wall clock neither lifts it nor stretches it.
    locked_until_mono: Mapped[str | None] = mapped_column(String(64))


class Lockout(Base):
    """Wrong tries of a PIN that is no officer's (the technician's: ``name`` technician),
    kept like an officer's so that a restart does not give a guesser new tries."""

    __tablename__ = "lockouts"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until_mono: Mapped[str | None] = mapped_column(String(64))


class CounterSession(Base):
    """One officer logged in at this counter, from login to logout."""

    __tablename__ = "counter_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    counter_id: Mapped[str] = mapped_column(String(16))
    officer_code: Mapped[str] = mapped_column(ForeignKey("officers.code"))
    department_code: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # logout | replaced | closing_time | technician
    end_reason: Mapped[str | None] = mapped_column(String(32))
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_sessions_open", "ended_at"),)


class Turn(Base):
    """In per_turn mode: one citizen served, who may rate once."""

    __tablename__ = "turns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("counter_sessions.id"))
    ticket: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when the turn's one rating is stored (or the session ends).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Rating(Base):
    __tablename__ = "ratings"

    # Local sequence: the order ratings are sent in. AUTOINCREMENT (sqlite_autoincrement
    # below): a seq is never handed out twice, not even after `kioskctl prune`.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Made here, once: the center de-duplicates on it, so a re-send is a no-op.
    id: Mapped[str] = mapped_column(String(36), unique=True)
    counter_id: Mapped[str] = mapped_column(String(16))
    officer_code: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[str] = mapped_column(ForeignKey("counter_sessions.id"))
    turn_id: Mapped[str | None] = mapped_column(String(36))
    ticket: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    lang: Mapped[str] = mapped_column(String(8), default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # True while the citizen may still add reasons: stored, but not sent yet.
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    # When it began to wait for reasons, as a kiosk.clock mark (monotonic clock).
    held_at_mono: Mapped[str | None] = mapped_column(String(64))
    sync_state: Mapped[str] = mapped_column(String(16), default=PENDING)
    sync_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_ratings_outbox", "sync_state", "held", "seq"),
        Index("ix_ratings_created", "created_at"),
        {"sqlite_autoincrement": True},
    )


class Event(Base):
    """Things a technician should hear about: corrupt database moved aside, errors."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)


class Tally(Base):
    """Named counts per local day, e.g. taps ignored by the cooldown."""

    __tablename__ = "tallies"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class State(Base):
    """Small facts that outlive the process: last sync time, last sync error, roster ETag."""

    __tablename__ = "state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
