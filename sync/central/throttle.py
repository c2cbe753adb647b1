"""Dashboard login throttling, per account and per client address, shared by every central
process through the database (table ``login_failures``).

The first ``free_attempts`` wrong passwords of a key cost nothing; after that each next try
must wait ``first_delay_seconds`` (1 s), then twice as long each time, up to
``max_delay_seconds``. A right password clears the keys of
that login. A key quiet for ``forget_after_hours`` starts from zero. Unknown usernames are
throttled exactly like known ones, so the throttle does not tell who exists either.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select

from sync.central.db import Database, dialect_insert
from sync.central.models import login_failures, utcnow
from sync.central.settings import LoginSection


def login_keys(username: str, address: str | None) -> tuple[str, ...]:
    """The keys a login attempt counts against: its account and its client address."""
    # Hashed: a username may be any text of any length (and the table's key is short).
    account = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()
    keys = [f"user:{account}"]
    if address:
        keys.append(f"addr:{address[:100]}")
    return tuple(keys)


def delay_after(failures: int, policy: LoginSection) -> float:
    """Seconds the next try must wait after ``failures`` wrong passwords in a row."""
    if failures < policy.free_attempts:
        return 0.0
    # The exponent is capped: 2 ** a huge count would be a huge integer, not a useful delay.
    doubling = 2 ** min(failures - policy.free_attempts, 30)
    return float(min(policy.max_delay_seconds, policy.first_delay_seconds * doubling))


def wait_seconds(db: Database, keys: tuple[str, ...], now: datetime | None = None) -> float:
    """How long before a login of these keys may be tried (0: now)."""
    with db.read() as connection:
        until = connection.scalar(
            select(func.max(login_failures.c.blocked_until)).where(login_failures.c.key.in_(keys))
        )
    # The clock is read after the row: a failure committed meanwhile with no delay has
    # blocked_until = its own "now", which an earlier reading would take for a wait.
    now = now or utcnow()
    return max(0.0, (until - now).total_seconds()) if until else 0.0


def record_failure(
    db: Database, keys: tuple[str, ...], policy: LoginSection, now: datetime | None = None
) -> float:
    """Count one wrong password against every key; returns the wait before the next try."""
    now = now or utcnow()
    forgotten = now - timedelta(hours=policy.forget_after_hours)
    wait = 0.0
    with db.write() as connection:
        # Forgotten keys go: names sprayed by a guesser do not pile up for ever.
        connection.execute(
            delete(login_failures).where(login_failures.c.last_failure_at < forgotten)
        )
        insert = dialect_insert(connection)
        for key in sorted(keys):  # one order for everyone: no deadlock between processes
            statement = insert(login_failures).values(
                key=key, failures=1, last_failure_at=now, blocked_until=now
            )
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["key"],
                    set_={
                        "failures": case(
                            (login_failures.c.last_failure_at < forgotten, 1),
                            else_=login_failures.c.failures + 1,
                        ),
                        "last_failure_at": now,
                    },
                )
            )
            failures = connection.scalar(
                select(login_failures.c.failures).where(login_failures.c.key == key)
            )
            delay = delay_after(failures or 0, policy)
            connection.execute(
                login_failures.update()
                .where(login_failures.c.key == key)
                .values(blocked_until=now + timedelta(seconds=delay))
            )
            wait = max(wait, delay)
    return wait


def record_success(db: Database, keys: tuple[str, ...]) -> None:
    """A right password: its account and address start from zero."""
    with db.write() as connection:
        connection.execute(delete(login_failures).where(login_failures.c.key.in_(keys)))
