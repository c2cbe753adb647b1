"""`kioskctl check | status`: how the kiosk is, for the technician, in words or JSON."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from kiosk import health, health_central, health_system, recovery, technician
from kiosk.config import load_config
from kiosk.counter import Counter
from kiosk.models import utcnow


def open_counter(args: argparse.Namespace) -> Counter:
    # Both commands only read: where there is no database they say so, and make none.
    return Counter.open(config=load_config(args.config), create=False)


def cmd_check(args: argparse.Namespace) -> int:
    with open_counter(args) as counter:
        checks = all_checks(counter)
    if args.json:
        rows = [{**dataclasses.asdict(check), "ok": check.ok} for check in checks]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for check in checks:
            print(check.line())
    return 0 if all(check.ok for check in checks) else 1


def all_checks(counter: Counter) -> list[health.Check]:
    """Service and display first (is the screen on?), then the central, the clock, the
    data; each probe bounded, so the whole check ends in seconds."""
    config, store = counter.config, counter.store
    checks = health_system.service_checks()
    central = health_central.central_checks(config, store)
    checks.extend(central)
    if not any(check.name == "clock" for check in central):
        checks.append(health.clock_sanity())
    ntp = health_system.ntp_check()
    if ntp is not None:
        checks.append(ntp)
    checks.extend(health.local_checks(config, store))
    return checks


def cmd_status(args: argparse.Namespace) -> int:
    with open_counter(args) as counter:
        status = counter.status()
        levels = counter.config.rating.levels
        stranded = recovery.stranded(counter.store, counter.config.counter.id)
        pin_lines = technician_lines(counter)
    if args.json:
        data = dataclasses.asdict(status)
        data["set_aside"] = [
            {"file": str(s.path), "unsent": s.unsent, "recover": f"kioskctl recover {s.path}"}
            for s in stranded
        ]
        data["technician_pin"] = pin_lines
        data["officer"] = (
            {
                key: str(value) if isinstance(value, Path) else value
                for key, value in data["officer"].items()
            }
            if status.officer
            else None
        )
        data["last_sync_at"] = status.last_sync_at.isoformat() if status.last_sync_at else None
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    officer = status.officer
    print(
        f"counter     {status.counter_id} {status.counter_name} ({status.department_name}), mode {status.mode}"
    )
    if officer:
        state = "paused" if status.paused else "serving"
        print(f"officer     {officer.code} {officer.full_name}, {officer.title} ({state})")
    else:
        print("officer     nobody logged in (counter closed)")
    per_level = ", ".join(
        f"{level.label_en} {status.today_by_level.get(level.value, 0)}" for level in levels
    )
    print(
        f"today       {status.today_total} ratings: {per_level}; {status.ignored_today} taps ignored (cooldown)"
    )
    print(
        f"sync        {status.pending} pending, {status.held} waiting for reasons, {status.sent} sent, {status.rejected} rejected"
    )
    for error, count in status.rejected_why:
        print(f"rejected    {count} kept here, flagged: {error or 'no reason given'}")
    last = status.last_sync_at.strftime("%Y-%m-%d %H:%M:%S UTC") if status.last_sync_at else "never"
    print(
        f"last sync   {last}"
        + (f"; last error: {status.last_sync_error}" if status.last_sync_error else "")
    )
    for event in status.events:
        print(f"event       {event}")
    for item in stranded:
        print(
            f"set aside   {item.path} holds {item.unsent} rating(s) never sent:"
            f" kioskctl recover {item.path}"
        )
    for line in pin_lines:
        print(f"technician  {line}")
    return 0


def technician_lines(counter: Counter) -> list[str]:
    """Why the service screen may refuse its PIN now: a PIN anyone can read, a lockout."""
    config = counter.config
    lines = []
    known = technician.shipped_pin(config)
    if known is not None and not config.service.demo:
        lines.append(
            f"PIN {known} is the demo's: the service screen refuses it; {technician.fix(config)}"
        )
    lock = technician.lock_state(counter.store, config, utcnow())
    if lock.locked_for > 0:
        lines.append(
            f"PIN pad locked for {lock.locked_for:.0f} s more after {lock.failed_attempts}"
            " wrong technician PINs in a row (kept across restarts)"
        )
    elif lock.failed_attempts:
        lines.append(f"{lock.failed_attempts} wrong technician PIN(s) in a row")
    return lines
