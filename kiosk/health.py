"""`kioskctl check`: what a technician (or the phone support) needs to know about a kiosk,
one line per item, with a fix for what is wrong.

Each probe is bounded (a timeout on every process and request), so the whole check ends
in seconds on a kiosk whose network, systemd or disk misbehaves. This module holds the
local probes (database, disk, ratings waiting); ``health_system`` asks systemd about the
service, the display and the clock; ``health_central`` asks the central.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from kiosk import recovery, technician
from kiosk.config import KioskConfig
from kiosk.models import PENDING, Rating
from kiosk.store import Store, StoreError, integrity_problem, schema_revision

OK, FAIL, WARN, INFO = "ok", "FAIL", "warn", "info"
# Oldest rating not yet confirmed by the central: a warning after an hour (the network
# was down for a while), a failure after a day (someone must look).
PENDING_WARN_SECONDS, PENDING_FAIL_SECONDS = 3600, 24 * 3600


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | FAIL | warn | info
    detail: str
    hint: str = ""  # what to do, when not ok

    @property
    def ok(self) -> bool:
        return self.status != FAIL

    def line(self) -> str:
        text = f"{self.status:<4} {self.name}: {self.detail}"
        return f"{text}\n     fix: {self.hint}" if self.hint and self.status != OK else text


def local_checks(config: KioskConfig, store: Store) -> list[Check]:
    checks = [Check("config", OK, str(config.config_path)), technician_pin_check(config)]
    checks.extend(database_checks(config, store))
    checks.append(disk_check(config))
    writable = os.access(config.storage.data_dir, os.W_OK)
    checks.append(
        Check("data folder", OK, f"{config.storage.data_dir} writable")
        if writable
        else Check(
            "data folder",
            FAIL,
            f"{config.storage.data_dir} is not writable by this user",
            "run kioskctl as the kiosk user (the installed kioskctl does), or chown -R kiosk: it",
        )
    )
    checks.extend(pending_checks(config, store))
    return checks


def technician_pin_check(config: KioskConfig) -> Check:
    """The PIN that opens the service screen (and re-points the kiosk at a central) is
    not one the product prints, such as the demo's 2468; allowed only in the demo."""
    known = technician.shipped_pin(config)
    if known is None:
        return Check("technician PIN", OK, "set for this kiosk (not one the product prints)")
    if config.service.demo:
        return Check(
            "technician PIN",
            WARN,
            f"{known}, the demo's, accepted because [service] demo = true: never at a counter",
            technician.fix(config),
        )
    return Check(
        "technician PIN",
        FAIL,
        f"{known} (printed in the README, anyone can open the service screen): refused "
        "at the service screen until you set your own",
        technician.fix(config),
    )


def clock_sanity() -> Check:
    """Without the central to compare with: at least not a dead RTC battery's 1970 or 2000."""
    now = datetime.now(UTC)
    detail = f"{now:%Y-%m-%d %H:%M:%S}Z (not compared with the central)"
    if now.year >= 2025:
        return Check("clock", OK, detail)
    return Check(
        "clock",
        FAIL,
        f"{detail} looks wrong: ratings would be misdated",
        "timedatectl set-ntp true, or timedatectl set-time 'YYYY-MM-DD HH:MM:SS'",
    )


def database_checks(config: KioskConfig, store: Store) -> list[Check]:
    try:
        problem = integrity_problem(store.path)
    except StoreError as exc:
        problem = str(exc)
    checks = [
        Check("database", OK, f"{store.path}: quick_check ok")
        if problem is None
        else Check(
            "database",
            FAIL,
            f"{store.path}: {problem}",
            "stop the kiosk (systemctl stop counter-kiosk), copy the file aside, then "
            "kioskctl recover FILE into a new database; or restore a backup from "
            f"{config.backup_dir}",
        )
    ]
    if store.set_aside:
        # Opening for this check just replaced a damaged file: its unsent ratings need a
        # technician, so the check must not pass as if all were well.
        checks.append(
            Check(
                "damaged db",
                FAIL,
                f"the database was damaged; moved to {store.set_aside}, a new one was made",
                f"kioskctl recover {store.set_aside}",
            )
        )
    for item in recovery.stranded(store, config.counter.id):
        checks.append(
            Check(
                "set aside",
                FAIL,
                f"{item.path} holds {item.unsent} rating(s) never sent",
                f"kioskctl recover {item.path}",
            )
        )
    current, head = schema_revision(store.engine)
    checks.append(
        Check("schema", OK, f"revision {current}")
        if current == head
        else Check(
            "schema", FAIL, f"revision {current}, newest {head}", "kioskctl init upgrades it"
        )
    )
    return checks


def disk_check(config: KioskConfig) -> Check:
    folder = config.storage.data_dir
    free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    needed = config.storage.min_free_mb
    detail = f"{free_mb} MB free in {folder}"
    if free_mb >= needed:
        return Check("disk", OK, detail)
    return Check(
        "disk",
        FAIL,
        f"{detail}, needs {needed} MB ([storage] min_free_mb)",
        f"delete old backups in {config.backup_dir}; kioskctl prune --sent-before DAY "
        "deletes ratings the center confirmed; journalctl --vacuum-size=50M shrinks the logs",
    )


def pending_checks(config: KioskConfig, store: Store) -> list[Check]:
    with store.read() as session:
        count, oldest = session.execute(
            select(func.count(), func.min(Rating.created_at)).where(
                Rating.sync_state == PENDING, Rating.held.is_(False)
            )
        ).one()
    if not config.central.url:
        return [Check("pending", INFO, f"{count} rating(s) kept here: no central configured")]
    if not count:
        return [Check("pending", OK, "every rating confirmed by the central")]
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - oldest).total_seconds()
    detail = f"{count} rating(s) waiting; the oldest since {oldest:%Y-%m-%d %H:%M}Z ({_age(age)})"
    if age < PENDING_WARN_SECONDS:
        return [Check("pending", OK, detail)]
    return [
        Check(
            "pending",
            FAIL if age >= PENDING_FAIL_SECONDS else WARN,
            detail,
            "see 'central' above; kioskctl sync sends them now and says what stops them",
        )
    ]


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 2 * 24 * 3600:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"
